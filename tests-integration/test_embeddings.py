"""Embeddings as a user runs them (in process, through the console script's entry point),
with the offline llm-embed-hash model."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def test_embed_multi_then_similar(invoke_llm, user_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "facts.csv"
    source.write_text(
        "id,text\n"
        "cats,cats purr and sleep all day\n"
        "dogs,dogs bark and fetch sticks\n"
        "tea,green tea is brewed with hot water\n"
    )
    result = invoke_llm("embed-multi", "facts", str(source), "-m", "hash", "--store")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # no progress bar when piped
    found = invoke_llm("similar", "facts", "-c", "do cats sleep", "-n", "1")
    assert json.loads(found.stdout)["id"] == "cats"
    assert invoke_llm("similar", "facts", "tea", "-n", "1").returncode == 0
    listing = invoke_llm("collections", "list", "--json")
    assert json.loads(listing.stdout) == [
        {"name": "facts", "model": "hash-384", "num_embeddings": 3}
    ]
    # The file is the original tool's schema: plugins read it with plain SQL.
    conn = sqlite3.connect(user_dir / "embeddings.db")
    assert conn.execute("select count(*) from embeddings where content is not null").fetchone() == (
        3,
    )


def test_bad_input_is_one_clean_line(invoke_llm) -> None:
    result = invoke_llm("embed-multi", "x", "-", "--format", "json", "-m", "hash", input="[{")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_progress_bar_on_a_terminal_only(llm_executable, user_dir: Path, tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    source = tmp_path / "rows.csv"
    source.write_text("id,text\n" + "".join(f"{i},row number {i}\n" for i in range(50)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_dir)
    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [llm_executable, "embed-multi", "rows", str(source), "-m", "hash"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=env,
            timeout=60,
        )
        os.close(terminal)
        terminal = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if terminal >= 0:
            os.close(terminal)
        os.close(controller)
    assert process.returncode == 0
    assert process.stdout == b""
    text = drawn.decode()
    assert "Embedding" in text and "50/50" in text and "rows/s" in text


def test_concurrent_writers_all_succeed(llm_executable, user_dir: Path, tmp_path: Path) -> None:
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_dir)
    processes = []
    for n in range(3):
        source = tmp_path / f"rows{n}.csv"
        source.write_text("id,text\n" + "".join(f"{n}-{i},text {i} of {n}\n" for i in range(3000)))
        processes.append(
            subprocess.Popen(
                [llm_executable, "embed-multi", f"c{n % 2}", str(source), "-m", "hash-64"],
                env=env,
                stderr=subprocess.PIPE,
            )
        )
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    conn = sqlite3.connect(user_dir / "embeddings.db")
    assert conn.execute("select count(*) from embeddings").fetchone() == (9000,)
    assert conn.execute("select count(*) from collections").fetchone() == (2,)

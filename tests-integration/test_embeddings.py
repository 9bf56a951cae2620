"""Embeddings through the real executable, with the offline llm-embed-hash model."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def test_embed_multi_then_similar(run_llm, user_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "facts.csv"
    source.write_text(
        "id,text\n"
        "cats,cats purr and sleep all day\n"
        "dogs,dogs bark and fetch sticks\n"
        "tea,green tea is brewed with hot water\n"
    )
    result = run_llm("embed-multi", "facts", str(source), "-m", "hash", "--store")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # no progress bar when piped
    found = run_llm("similar", "facts", "-c", "do cats sleep", "-n", "1")
    assert json.loads(found.stdout)["id"] == "cats"
    assert run_llm("similar", "facts", "tea", "-n", "1").returncode == 0
    listing = run_llm("collections", "list", "--json")
    assert json.loads(listing.stdout) == [
        {"name": "facts", "model": "hash-384", "num_embeddings": 3}
    ]
    # The file is the original tool's schema: plugins read it with plain SQL.
    conn = sqlite3.connect(user_dir / "embeddings.db")
    assert conn.execute("select count(*) from embeddings where content is not null").fetchone() == (
        3,
    )


def test_bad_input_is_one_clean_line(run_llm) -> None:
    result = run_llm("embed-multi", "x", "-", "--format", "json", "-m", "hash", input="[{")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1

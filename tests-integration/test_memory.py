"""Bounded memory: a 50 MB prompt on standard input, through the real executable.

The peak resident memory of the ``llm`` process is read from ``os.wait4`` (what
``/usr/bin/time -v`` reports as "Maximum resident set size"). The model is a tiny plugin
that answers with the prompt's length, so what is measured is ``llm`` itself: reading,
decoding, sending to the model and logging. The bounds are memory, never time.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

INPUT_BYTES = 50_000_000

TINY_PLUGIN = """
import llm


class Tiny(llm.Model):
    model_id = "tiny"
    can_stream = True

    def execute(self, prompt, stream, response, conversation=None):
        yield f"got {len(prompt.prompt or '')} characters"


@llm.hookimpl
def register_models(register):
    register(Tiny())
"""


@pytest.fixture(scope="module")
def tiny_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("tiny-site")
    info = site / "llm_tiny-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-tiny\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\ntiny = llm_tiny\n")
    (site / "llm_tiny.py").write_text(TINY_PLUGIN)
    return site


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 MB of words (a few thousand distinct ones, as text has), ASCII."""
    rng = random.Random(14)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)
    ]
    block = " ".join(rng.choices(words, k=200_000)).encode()
    data = (block + b"\n") * (INPUT_BYTES // (len(block) + 1) + 1)
    path = tmp_path_factory.mktemp("big-input") / "input.txt"
    path.write_bytes(data[:INPUT_BYTES])
    return path


PEAK_RSS = Path(__file__).with_name("peak_rss.py")


def _run_measured(
    llm: str, args: list[str], stdin: Path, env: dict[str, str]
) -> tuple[int, int, bytes, bytes]:
    """Run ``llm`` with ``stdin`` through ``peak_rss.py``: exit status, peak RSS in bytes,
    stdout and stderr."""
    peak_file = stdin.with_name(f"peak-{os.getpid()}-{random.randrange(10**9)}")
    with stdin.open("rb") as source:
        result = subprocess.run(
            [sys.executable, str(PEAK_RSS), str(peak_file), llm, *args],
            stdin=source,
            capture_output=True,
            env=env,
            timeout=600,
        )
    peak = int(peak_file.read_text())
    peak_file.unlink()
    return result.returncode, peak, result.stdout, result.stderr


def _env(user_dir: Path, site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LLM_USER_PATH"] = str(user_dir)
    env["PYTHONPATH"] = str(site)
    return {**env, **extra}


def test_a_50_mb_prompt_peaks_under_three_times_its_size(
    llm_executable: str, user_dir: Path, tiny_plugin: Path, big_input: Path
) -> None:
    code, peak, stdout, stderr = _run_measured(
        llm_executable, ["-m", "tiny", "--no-log"], big_input, _env(user_dir, tiny_plugin)
    )
    assert code == 0, stderr
    assert stdout.decode().strip() == f"got {INPUT_BYTES} characters"
    print(f"peak RSS, not logged: {peak / 1e6:.0f} MB for {INPUT_BYTES / 1e6:.0f} MB")
    assert peak <= 3 * INPUT_BYTES


def test_a_50_mb_prompt_logged_stays_bounded(
    llm_executable: str, user_dir: Path, tiny_plugin: Path, big_input: Path
) -> None:
    """Logged to a new file (created from the schema snapshot, ``fresh_sqlite``) and to an
    existing one (the ``sqlite3`` writer), within 5x the prompt's size:

    - about 34 MB: the interpreter and ``llm`` with the tiny plugin;
    - 50 MB: the prompt, one ``str`` (ASCII: one byte a character), held by the prompt;
    - 50 MB: SQLite's copy of the bound text (``sqlite3`` binds it ``SQLITE_TRANSIENT``), and
      the record it builds for the row, while inserting it.

    The row and then its full-text entry are written by statements of their own
    (``SqliteWriter.insert_big_response``), so the index's copies come after the row's are
    released: with the ``responses_ai`` trigger indexing inside the INSERT it was 259 MB.
    ``benchmarks/big_prompt_memory.py`` measures it."""
    env = _env(user_dir, tiny_plugin)
    code, first, stdout, stderr = _run_measured(llm_executable, ["-m", "tiny"], big_input, env)
    assert code == 0, stderr
    assert stdout.decode().strip() == f"got {INPUT_BYTES} characters"
    code, again, stdout, stderr = _run_measured(llm_executable, ["-m", "tiny"], big_input, env)
    assert code == 0, stderr
    assert stdout.decode().strip() == f"got {INPUT_BYTES} characters"
    print(
        f"peak RSS, logged: {first / 1e6:.0f} MB to a new file, {again / 1e6:.0f} MB to an"
        f" existing one, for {INPUT_BYTES / 1e6:.0f} MB"
    )
    assert first <= 5 * INPUT_BYTES
    assert again <= 5 * INPUT_BYTES
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        lengths = conn.execute("select length(prompt) from responses").fetchall()
        with big_input.open() as text:
            word = text.read(40).split()[1]
        found = conn.execute(
            "select count(*) from responses_fts where responses_fts match ?", [f'"{word}"']
        ).fetchone()[0]
    finally:
        conn.close()
    assert lengths == [(INPUT_BYTES,), (INPUT_BYTES,)]
    assert found == 2  # the full-text index holds both rows


def test_stdin_above_the_limit_is_refused_naming_the_setting(
    llm_executable: str, user_dir: Path, tiny_plugin: Path, big_input: Path
) -> None:
    env = _env(user_dir, tiny_plugin, LLM_MAX_STDIN_BYTES="10M")
    code, peak, stdout, stderr = _run_measured(llm_executable, ["-m", "tiny"], big_input, env)
    assert code == 1
    assert stdout == b""
    assert stderr.decode().splitlines() == [
        "Error: Input on stdin is larger than the limit of 10 MB; set LLM_MAX_STDIN_BYTES "
        "to allow more (such as LLM_MAX_STDIN_BYTES=1G, or 0 for no limit)"
    ]
    assert not (user_dir / "logs.db").exists()
    # It stopped reading at the limit: beyond what the same command costs with a line of
    # input, it held about the 10 MB read (reading all 50 MB costs some 200 MB more).
    small = big_input.with_name("small-input.txt")
    small.write_text("hi\n")
    _code, baseline, _out, _err = _run_measured(llm_executable, ["-m", "tiny", "-n"], small, env)
    assert peak - baseline < 25_000_000

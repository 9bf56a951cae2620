"""Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing logged."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "no-such-model", "hi"], "Unknown model: no-such-model"),
        (["-m", "markov", "hi", "-o", "colour", "red"], "Extra inputs are not permitted"),
        (["-m", "markov", "hi", "-o", "length", "many"], "length\n  Input should be"),
        (["-m", "markov", "hi", "-o", "length", "1"], "length must be >= 2"),
        (["-m", "echo-needs-key", "hi"], "No key found"),
        (["-m", "echo", "hi", "-a", "missing.png"], "missing.png does not exist"),
        (["-q", "zzz-nothing", "hi"], "No model found matching"),
        (["-m", "echo", "hi", "-a", "/"], "/ is not a file"),
        (["-m", "echo", "hi", "--at", "missing.png", "image/png"], "missing.png does not exist"),
        (["--cid", "no-such-id", "hi"], "No conversation found with id=no-such-id"),
    ],
)
def test_bad_input_is_one_clear_line(invoke_llm, user_dir: Path, args, message) -> None:
    result = invoke_llm(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    # click usage errors add a hint line; an option error names the option on its own line
    assert len(result.stderr.strip().splitlines()) <= 3
    assert not (user_dir / "logs.db").exists() or _count(user_dir / "logs.db") == 0


def _count(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute("select count(*) from responses").fetchone()[0]
    finally:
        conn.close()


def test_corrupt_database_is_a_clear_error_and_left_alone(invoke_llm, user_dir: Path) -> None:
    db = user_dir / "logs.db"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = invoke_llm("-m", "echo", "hi")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error:")
    assert db.read_bytes() == before


def test_unwritable_database_path(invoke_llm, tmp_path: Path) -> None:
    result = invoke_llm("-m", "echo", "hi", "-d", str(tmp_path / "no" / "such" / "dir" / "x.db"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error:")

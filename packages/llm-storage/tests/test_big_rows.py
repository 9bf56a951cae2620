"""A response of megabytes, through the sqlite3 writer and through SQLAlchemy: inserted
apart from its full-text entry (``SqliteWriter.insert_big_response``), with the same index,
schema and row as a small one gets from the ``responses_ai`` trigger."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from storage_fakes import make_response

from llm_storage import open_for_logging, open_store
from llm_storage.errors import StoreError
from llm_storage.sqlite_writer import BIG_ROW, SqliteLogWriter


def _big_prompt() -> str:
    words = [f"w{n}x" for n in range(3000)]
    text = " ".join(words[n % 3000] for n in range(BIG_ROW // 5 + 1000))
    return text + " needleword ünïcode"


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


@pytest.fixture(params=["sqlite3", "sqlalchemy"])
def writer(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    path = tmp_path / "logs.db"
    if request.param == "sqlalchemy":
        return open_store(path)
    open_store(path).close()
    opened = open_for_logging(path)
    assert isinstance(opened, SqliteLogWriter)
    return opened


def _path(writer: Any) -> Path:
    return Path(writer.path)


def test_a_big_prompt_is_indexed_as_the_trigger_indexes_it(writer: Any) -> None:
    conn = sqlite3.connect(_path(writer))
    before = _schema(conn)
    prompt = _big_prompt()
    assert len(prompt.encode()) >= BIG_ROW
    big, small = make_response(prompt, "big answer"), make_response("small needleword", "ok")
    writer.log_response(big)
    writer.log_response(small)
    writer.close()
    assert _schema(conn) == before  # the trigger is back, with its own text
    [(stored,)] = conn.execute("SELECT prompt FROM responses WHERE id = ?", [big.id])
    assert stored == prompt
    found = conn.execute(
        "SELECT r.id FROM responses_fts JOIN responses r ON r.rowid = responses_fts.rowid "
        "WHERE responses_fts MATCH ? ORDER BY r.id",
        ["needleword"],
    ).fetchall()
    assert sorted(found) == sorted([(big.id,), (small.id,)])
    for word in ("w2999x", "answer", "ünïcode"):
        assert conn.execute(
            "SELECT count(*) FROM responses_fts WHERE responses_fts MATCH ?", [f'"{word}"']
        ).fetchone() == (1,)
    conn.execute("INSERT INTO responses_fts (responses_fts) VALUES ('integrity-check')")
    conn.execute("DELETE FROM responses WHERE id = ?", [big.id])  # the delete trigger agrees
    conn.execute("INSERT INTO responses_fts (responses_fts) VALUES ('integrity-check')")
    assert conn.execute(
        "SELECT count(*) FROM responses_fts WHERE responses_fts MATCH 'needleword'"
    ).fetchone() == (1,)
    conn.close()


def test_a_failed_big_insert_leaves_the_trigger_in_place(writer: Any) -> None:
    conn = sqlite3.connect(_path(writer))
    before = _schema(conn)
    response = make_response(_big_prompt(), "first")
    writer.log_response(response)
    with pytest.raises(StoreError):
        writer.log_response(response)  # the same id again: the INSERT fails, all rolls back
    writer.close()
    assert _schema(conn) == before
    assert conn.execute("SELECT count(*) FROM responses").fetchone() == (1,)
    conn.execute("INSERT INTO responses_fts (responses_fts) VALUES ('integrity-check')")
    conn.close()

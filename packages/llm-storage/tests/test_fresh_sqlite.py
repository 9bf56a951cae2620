"""A new SQLite log created from the schema snapshot is the file the migrations create."""

from __future__ import annotations

import datetime
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from storage_fakes import make_response

from llm_storage import fresh_sqlite, open_for_logging, open_store
from llm_storage._head import HEAD_REVISION
from llm_storage.sqlite_writer import SqliteLogWriter

TIMEOUT = 10.0


def _migrated(path: Path) -> Path:
    open_store(path).close()
    return path


def _described(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            "master": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")),
            "columns": {t: conn.execute(f'PRAGMA table_xinfo("{t}")').fetchall() for t in tables},
            "alembic": conn.execute("SELECT * FROM alembic_version").fetchall(),
            "ledger": conn.execute("SELECT name FROM _llm_migrations ORDER BY rowid").fetchall(),
            "pragmas": [
                conn.execute(f"PRAGMA {name}").fetchone()
                for name in ("journal_mode", "user_version", "application_id", "page_size")
            ],
        }
    finally:
        conn.close()


def test_the_snapshot_is_of_the_current_migrations(tmp_path: Path) -> None:
    """Fails when a migration changes the schema: regenerate the snapshot with
    ``uv run python -m llm_storage.fresh_sqlite``."""
    conn = sqlite3.connect(_migrated(tmp_path / "migrated.db"))
    try:
        rendered = fresh_sqlite.render(conn, HEAD_REVISION)
    finally:
        conn.close()
    assert rendered == fresh_sqlite.SNAPSHOT.read_text(encoding="utf-8")


def test_a_created_file_is_the_migrated_file(tmp_path: Path) -> None:
    before = datetime.datetime.now(datetime.UTC)
    created = tmp_path / "created.db"
    assert fresh_sqlite.create(created, TIMEOUT)
    assert _described(created) == _described(_migrated(tmp_path / "migrated.db"))
    conn = sqlite3.connect(created)
    stamps = {row[0] for row in conn.execute("SELECT applied_at FROM _llm_migrations")}
    conn.close()
    [stamp] = stamps  # every original migration stamped with the time of creation
    assert before <= datetime.datetime.fromisoformat(stamp) <= datetime.datetime.now(datetime.UTC)


def test_the_first_log_creates_the_file_without_the_migrations(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    writer = open_for_logging(path)
    assert isinstance(writer, SqliteLogWriter)
    response = make_response("first words", "first answer")
    writer.check_writable()
    writer.log_response(response)
    writer.close()
    store = open_store(path)  # the migrations find it current and leave it alone
    try:
        assert store.migrate() is None
    finally:
        store.close()
    conn = sqlite3.connect(path)
    found = conn.execute(
        "SELECT r.id FROM responses_fts JOIN responses r ON r.rowid = responses_fts.rowid "
        "WHERE responses_fts MATCH 'words'"
    ).fetchall()
    conn.execute("INSERT INTO responses_fts (responses_fts) VALUES ('integrity-check')")
    conn.close()
    assert found == [(response.id,)]


def test_a_snapshot_of_another_revision_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "fresh.sql"
    text = fresh_sqlite.SNAPSHOT.read_text(encoding="utf-8")
    stale.write_text(text.replace(f"-- revision: {HEAD_REVISION}", "-- revision: 0000_older"))
    monkeypatch.setattr(fresh_sqlite, "SNAPSHOT", stale)
    path = tmp_path / "logs.db"
    assert not fresh_sqlite.create(path, TIMEOUT)
    assert not path.exists()
    store = open_for_logging(path)  # the migrations create it instead
    try:
        assert not isinstance(store, SqliteLogWriter)
    finally:
        store.close()
    assert _described(path) == _described(_migrated(tmp_path / "migrated.db"))


def test_an_existing_file_is_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    path.write_bytes(b"not a database at all")
    assert not fresh_sqlite.create(path, TIMEOUT)
    assert path.read_bytes() == b"not a database at all"


def test_a_directory_it_cannot_write_creates_nothing(tmp_path: Path) -> None:
    assert not fresh_sqlite.create(tmp_path / "missing" / "logs.db", TIMEOUT)
    assert not (tmp_path / "missing").exists()


def _create_together(path: Path, count: int) -> list[bool]:
    """``fresh_sqlite.create(path)`` from ``count`` threads released at the same moment."""
    results: list[bool] = []
    start = threading.Barrier(count)

    def create() -> None:
        start.wait()
        results.append(fresh_sqlite.create(path, TIMEOUT))

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_processes_creating_the_same_file_at_once_agree(tmp_path: Path) -> None:
    for attempt in range(5):
        path = tmp_path / f"logs-{attempt}.db"
        results = _create_together(path, 6)
        # Each one either created the file, found it created, or (having seen it exist)
        # left it to the caller, whose writer then finds it current.
        assert True in results
        writer = open_for_logging(path)
        assert isinstance(writer, SqliteLogWriter)
        writer.close()
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()

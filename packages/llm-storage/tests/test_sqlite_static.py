"""Statements that bind text in place (``sqlite_static``): the same values as ``sqlite3``
stores, errors as ``sqlite3`` raises them, and SQLite's own memory kept below the text."""

from __future__ import annotations

import ctypes
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_storage import sqlite_static

TEXT_BYTES = 8_000_000


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "t.db", isolation_level=None, cached_statements=0)
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c UNIQUE)")
    connection.execute("CREATE VIRTUAL TABLE f USING fts5(a, content='')")
    yield connection
    connection.close()


def _sqlite_memory() -> tuple[int, int]:
    """SQLite's memory now and its high-water mark since the last call (which resets it)."""
    lib = sqlite_static._library()
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    lib.sqlite3_memory_highwater.restype = ctypes.c_int64
    return lib.sqlite3_memory_used(), lib.sqlite3_memory_highwater(1)


def test_the_handle_is_the_connections_own(conn: sqlite3.Connection, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "other.db")
    try:
        ours, theirs = sqlite_static.handle(conn), sqlite_static.handle(other)
        assert ours and theirs and ours != theirs
    finally:
        other.close()
    memory = sqlite3.connect(":memory:")
    try:
        assert sqlite_static.handle(memory) is None  # no file to confirm the handle by
    finally:
        memory.close()


@pytest.mark.parametrize(
    "values",
    [
        ["plain ascii", b"\x00\x01bytes", 1.5],
        ["ünïcode and emoji 🎉", None, -(1 << 63)],
        ["text with a NUL\x00inside it", "", (1 << 63) - 1],
    ],
)
def test_values_are_stored_as_sqlite3_stores_them(
    conn: sqlite3.Connection, values: list[object]
) -> None:
    rowid = sqlite_static.execute(conn, "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", values)
    conn.execute("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", [*values[:2], "other"])
    assert rowid == 1
    [first, second] = conn.execute("SELECT a, b, c, typeof(a) FROM t ORDER BY id").fetchall()
    assert first[:3] == tuple(values)
    assert first[0] == second[0] and first[3] == second[3] == "text"


def test_values_it_cannot_bind_run_nothing(conn: sqlite3.Connection) -> None:
    for value in (1 << 64, "\udcff surrogate", [1]):
        assert sqlite_static.execute(conn, "INSERT INTO t (a) VALUES (?)", [value]) is None
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_errors_are_sqlite3_errors(conn: sqlite3.Connection) -> None:
    sqlite_static.execute(conn, "INSERT INTO t (c) VALUES (?)", ["same"])
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE constraint failed: t\.c") as caught:
        sqlite_static.execute(conn, "INSERT INTO t (c) VALUES (?)", ["same"])
    assert caught.value.sqlite_errorname == "SQLITE_CONSTRAINT"
    with pytest.raises(sqlite3.OperationalError, match="no such table: missing"):
        sqlite_static.execute(conn, "INSERT INTO missing VALUES (?)", [1])
    conn.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError, match="readonly") as caught:
        sqlite_static.execute(conn, "INSERT INTO t (a) VALUES (?)", ["x"])
    assert caught.value.sqlite_errorname == "SQLITE_READONLY"


def test_it_runs_inside_the_callers_transaction(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    sqlite_static.execute(conn, "INSERT INTO t (a) VALUES (?)", ["kept?"])
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_text_is_read_in_place(conn: sqlite3.Connection) -> None:
    """Indexing megabytes of text: ``sqlite3`` has SQLite copy it twice (bound with its
    length and SQLITE_TRANSIENT, then NUL-terminated for FTS5); in place, SQLite's memory
    never holds a copy."""
    text = ("lorem ipsum dolor sit amet " * (TEXT_BYTES // 27 + 1))[:TEXT_BYTES]
    conn.execute("BEGIN")
    # The counters are the process's: what other connections hold is counted from here.
    before = _sqlite_memory()[0]
    sqlite_static.execute(conn, "INSERT INTO f (rowid, a) VALUES (?, ?)", [1, text])
    used, peak = _sqlite_memory()
    in_place = peak - before
    conn.execute("INSERT INTO f (rowid, a) VALUES (?, ?)", [2, text])
    copied = _sqlite_memory()[1] - used
    conn.execute("COMMIT")
    assert in_place < TEXT_BYTES < 2 * TEXT_BYTES < copied
    assert conn.execute("SELECT rowid FROM f WHERE f MATCH 'dolor'").fetchall() == [(1,), (2,)]

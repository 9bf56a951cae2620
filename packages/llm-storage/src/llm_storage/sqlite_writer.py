"""Logging to an up-to-date SQLite file with the standard library alone.

Importing SQLAlchemy costs every logged prompt about a third of a second. When the file
already has the current schema, logging needs nothing more than a few INSERTs, so this
writer does them with ``sqlite3`` — the same rows, built by the same ``write`` module, in the
same single ``BEGIN IMMEDIATE`` transaction, with the same connection settings. Anything
else (a new file, a schema to migrate, another backend) goes through ``LogStore``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import write
from ._head import HEAD_REVISION
from ._translate import describe, disk_is_full, full_disk_message
from .errors import StoreError
from .opening import DEFAULT_TIMEOUT
from .sqlite_settings import close_checkpointed, configure

if TYPE_CHECKING:
    from .contracts import HasSqliteConnection, LoggableResponse, LoggedTool


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert_sql(table: str, columns: list[str], suffix: str = "", mark: str = "?") -> str:
    """``INSERT INTO "table" ("a", "b") VALUES (?, ?)suffix``, with the driver's ``mark``."""
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join(mark for _ in columns)
    return f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks}){suffix}"


def select_id_sql(table: str, column: str, mark: str = "?") -> str:
    return f"SELECT id FROM {_quote(table)} WHERE {_quote(column)} = {mark}"


#: A response row with at least this many bytes of text is inserted apart from its index entry.
BIG_ROW = 1 << 20
#: Tables whose rows an FTS5 table indexes through an insert trigger: (trigger, FTS table).
INDEXED = {
    "responses": ("responses_ai", "responses_fts"),
    "turn_search": ("turn_search_ai", "turn_search_fts"),
}


def is_big(row: dict[str, Any]) -> bool:
    """Whether a response row is written apart from its full-text entry."""
    return sum(len(v) for v in row.values() if isinstance(v, str)) >= BIG_ROW


class SqliteWriter:
    """The ``Writer`` operations as SQL text for one ``sqlite3`` connection."""

    #: SQLite's text holds NUL (as both originals store it).
    keeps_nul = True

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @staticmethod
    def _insert_sql(table: str, columns: list[str], suffix: str = "") -> str:
        return insert_sql(table, columns, suffix)

    def insert_ignore(self, table: str, values: dict[str, Any]) -> None:
        columns = list(values)
        sql = self._insert_sql(table, columns, " ON CONFLICT DO NOTHING")
        self.conn.execute(sql, [values[c] for c in columns])

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        big = table in INDEXED and len(rows) == 1 and is_big(rows[0])
        if big and self.insert_big_indexed(table, rows[0]):
            return
        self.conn.executemany(
            self._insert_sql(table, columns), [[row[c] for c in columns] for row in rows]
        )

    def insert_big_response(self, row: dict[str, Any]) -> bool:
        """``insert_big_indexed("responses", row)``."""
        return self.insert_big_indexed("responses", row)

    def insert_big_indexed(self, table: str, row: dict[str, Any]) -> bool:
        """Insert a response of megabytes, and its full-text entry, as two statements.

        Written by one statement, the ``responses_ai`` trigger indexes the row while SQLite
        still holds its copy of the bound text and the record it built from it (twice the
        prompt, under FTS5's pending terms). So inside the caller's transaction the trigger
        is dropped, the row inserted (the statement finalized, releasing both), the index
        entry inserted from the values the row holds, exactly as the trigger inserts it,
        and the trigger recreated from its own stored text: once committed, schema and
        index are as the trigger leaves them. False when the file has no such trigger."""
        conn = self.conn
        trigger, index = INDEXED[table]
        found = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger]
        ).fetchone()
        if found is None:
            return False
        columns = list(row)
        conn.execute(f'DROP TRIGGER "{trigger}"')
        cursor = conn.execute(self._insert_sql(table, columns), [row[c] for c in columns])
        rowid = cursor.lastrowid
        cursor.close()
        conn.execute(
            f'INSERT INTO "{index}" (rowid, "prompt", "response") '
            f'SELECT rowid, "prompt", "response" FROM "{table}" WHERE rowid = ?',
            [rowid],
        )
        conn.execute(found[0])
        return True

    def id_for(self, table: str, column: str, value: Any) -> int:
        row = self.conn.execute(select_id_sql(table, column), [value]).fetchone()
        return int(row[0])

    def insert_returning_id(self, table: str, values: dict[str, Any]) -> int:
        columns = list(values)
        cursor = self.conn.execute(self._insert_sql(table, columns), [values[c] for c in columns])
        return int(cursor.lastrowid or 0)

    def run(self, sql: str, params: list[Any]) -> int:
        """Run one statement (``?`` placeholders); the number of rows it changed."""
        return int(self.conn.execute(sql, params).rowcount)

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows a query (``?`` placeholders) returns."""
        return list(self.conn.execute(sql, params).fetchall())

    @property
    def database(self) -> str:
        main = next(row[2] for row in self.conn.execute("PRAGMA database_list") if row[1] == "main")
        return main or f"memory:{id(self.conn)}"


def ensure_fragment(
    db: sqlite3.Connection | HasSqliteConnection, content: str, source: str | None
) -> int:
    """``llm.utils.ensure_fragment``: the id of ``content`` in ``db``'s fragments, inserting
    it (one transaction) when it is new; the rows ``write`` builds for a logged prompt."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    with conn:
        return write.store_fragment(SqliteWriter(conn), content, source)


def ensure_tool(db: sqlite3.Connection | HasSqliteConnection, tool: LoggedTool) -> int:
    """``llm.utils.ensure_tool``: the id of ``tool`` in ``db``'s tools, inserting it when new."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    with conn:
        return write.store_tool(SqliteWriter(conn), tool)


class SqliteLogWriter:
    """Logs responses to one SQLite file whose schema is current."""

    backend = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._conn = conn

    @property
    def location(self) -> str:
        return str(self.path)

    def log_response(self, response: LoggableResponse) -> None:
        """Store an ``llm`` Response and its child rows, all in one transaction."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                write.log_response(SqliteWriter(conn), response)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex

    def check_writable(self) -> None:
        """Take the write lock (waiting at most the busy timeout), write a stand-in response
        to every table a response uses (``write.rehearse``) and roll it back: a read-only
        file or directory, a full disk, a lock held too long or a table that is missing is
        found now, before a model is paid to answer, rather than when its answer is to be
        logged."""
        if disk_is_full(self.location):
            raise StoreError(full_disk_message(self.location))
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                write.rehearse(SqliteWriter(conn))
            finally:
                conn.execute("ROLLBACK")
        except sqlite3.Error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex

    def close(self) -> None:
        close_checkpointed(self._conn)

    def __enter__(self) -> SqliteLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection configured as the SQLAlchemy engine configures its own (WAL is checked
    by the caller rather than set: a file not yet in WAL mode goes through ``LogStore``)."""
    # No statement cache: a cached statement keeps its bound values (SQLite's copy of a
    # 50 MB prompt) until it is next used.
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, cached_statements=0)
    try:
        configure(conn, timeout, wal=False)
    except BaseException:
        conn.close()
        raise
    return conn


def open_current(path: Path, timeout: float = DEFAULT_TIMEOUT) -> SqliteLogWriter | None:
    """A writer for ``path`` if it is a SQLite file already at the current schema, else None
    (the caller then opens a full ``LogStore``, which creates or migrates it)."""
    if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
        return None
    try:
        conn = _connect(path, timeout)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        mode = conn.execute("PRAGMA journal_mode").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    if row is None or row[0] != HEAD_REVISION or (mode and str(mode[0]).lower() != "wal"):
        conn.close()
        return None
    return SqliteLogWriter(path, conn, timeout)

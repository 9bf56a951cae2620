"""SQLite specifics: per-connection pragmas, real transactions, file discovery, backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from ..sqlite_settings import checkpoint, configure

# Execution option naming the BEGIN mode: "DEFERRED" (reads) or "IMMEDIATE" (writes, so a
# writer queues on the busy timeout instead of failing on a stale read snapshot).
BEGIN_OPTION = "llm_sqlite_begin"


def make_engine(url: URL, timeout: float, creator: sqlite3.Connection | None = None) -> Engine:
    if creator is not None:
        shared = creator
        engine = create_engine(url, creator=lambda: shared, poolclass=StaticPool)
    else:
        # No statement cache (as the sqlite3 writer's): a cached statement keeps its bound
        # values, SQLite's copy of a logged 50 MB prompt, until it is next used.
        engine = create_engine(url, connect_args={"timeout": timeout, "cached_statements": 0})
    wal = url.database not in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        configure(dbapi_connection, timeout, wal=wal)

    if wal:

        @event.listens_for(engine, "close")
        def _checkpoint(dbapi_connection: Any, _record: Any) -> None:
            # Before a pooled connection closes (``engine.dispose()``): what it wrote is
            # copied into the file, even when another process keeps the database open.
            checkpoint(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def database_file(connection: sqlite3.Connection) -> str | None:
    """The file behind the ``main`` database of a sqlite3 connection, None if in memory."""
    for _seq, name, file in connection.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


def backup(engine: Engine, destination: Path) -> None:
    """Copy the database with SQLite's online backup API: consistent while others write."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(str(destination))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        raw.close()


def file_path(url: URL) -> Path | None:
    if url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)

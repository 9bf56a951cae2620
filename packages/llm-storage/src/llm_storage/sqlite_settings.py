"""How every SQLite connection the store uses is configured: the one owner of the pragmas.

Standard library only, so the sqlite3 writer can use it without importing SQLAlchemy; the
SQLAlchemy engine (``backends/sqlite.py``) calls the same function on each new connection.
"""

from __future__ import annotations

import sqlite3


def configure(conn: sqlite3.Connection, timeout: float, *, wal: bool) -> None:
    """Autocommit mode (we issue BEGIN ourselves, so DDL is transactional too), the busy
    timeout, WAL for files (``wal``), ``synchronous = NORMAL``, and foreign keys off (the
    original tool never enforced them; neither do we)."""
    conn.isolation_level = None
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = OFF")

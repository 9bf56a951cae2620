"""How every SQLite connection the store uses is configured: the one owner of the pragmas.

Standard library only, so the sqlite3 writer can use it without importing SQLAlchemy; the
SQLAlchemy engine (``backends/sqlite.py``) calls the same function on each new connection.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote


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


def connect_at_head(path: Path, timeout: float, *, writable: bool) -> sqlite3.Connection | None:
    """A configured connection to ``path`` if it is a SQLite file at the current schema
    revision (and, with ``writable``, one this process may write), else None: the caller then
    opens a ``LogStore``, which creates, migrates or reports the file as it always does.
    Never creates a file."""
    from ._head import HEAD_REVISION

    if not path.is_file() or (writable and not os.access(path, os.R_OK | os.W_OK)):
        return None
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        configure(conn, timeout, wal=False)
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    if row is None or row[0] != HEAD_REVISION:
        conn.close()
        return None
    return conn


#: How long closing a writer may wait for readers of an older snapshot to move on, so that
#: everything it wrote reaches the database file (they are between two statements at most).
CHECKPOINT_WAIT = 0.5


def checkpoint(conn: sqlite3.Connection) -> None:
    """Copy what the write-ahead log holds into the database file, so the file alone (copied,
    backed up, opened by a tool that ignores ``-wal``) holds every committed row.

    SQLite does this itself when the last connection to a file closes; a writer that is not
    the last (a chat in another terminal, Datasette) would otherwise leave its rows in
    ``logs.db-wal``. A passive checkpoint first; if a reader kept some of the log from being
    copied, a full one that waits for it at most ``CHECKPOINT_WAIT`` seconds. A connection
    that cannot checkpoint (read-only, closed, not in WAL mode) is left as it is."""
    try:
        if conn.in_transaction:
            return
        _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames > 0 and copied < frames:
            timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
            conn.execute(f"PRAGMA busy_timeout = {int(CHECKPOINT_WAIT * 1000)}")
            try:
                conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    except sqlite3.Error:
        pass


def close_checkpointed(conn: sqlite3.Connection) -> None:
    """Close a connection that may have written: checkpointed first (see ``checkpoint``)."""
    checkpoint(conn)
    conn.close()

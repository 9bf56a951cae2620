"""Opening an ``embeddings.db`` file with ``sqlite3``, configured like llm-storage's logs.db."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DEFAULT_TIMEOUT = 10.0


def connect(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` (created if missing).

    WAL with ``synchronous = NORMAL``, as llm-storage uses for logs.db: a commit per batch costs
    no fsync, and ``llm similar`` can read while ``llm embed-multi`` writes.
    """
    conn = sqlite3.connect(str(path), timeout=timeout)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    mode = conn.execute("PRAGMA journal_mode").fetchone()
    if mode and str(mode[0]).lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn

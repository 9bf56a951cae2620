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
    _use_wal(conn, timeout)
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch to WAL. The switch needs the file to itself, and SQLite can refuse it at once
    ("database is locked") while another process is creating the same new file: retried
    within the timeout."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as ex:
            if "locked" not in str(ex) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


URL_FILE = "embeddings-database-url.txt"


def resolve_target(database: str | Path | None = None) -> str | Path:
    """Where the embeddings live: ``database`` (``-d``, or ``LLM_EMBEDDINGS_DB``: a file path
    or a database URL), else the URL or absolute path in ``<user dir>/embeddings-database-url.txt``,
    else ``<user dir>/embeddings.db``. A ``sqlite:///path`` URL is that path."""
    import llm

    from .backend import is_url, sqlite_file_of_url

    target: str | Path | None = database or None
    if target is None:
        url_file = Path(llm.user_dir()) / URL_FILE
        if url_file.is_file():
            from llm_storage.opening import _configured_url

            target = _configured_url(url_file)
    if target is None:
        return Path(llm.user_dir()) / "embeddings.db"
    if is_url(target):
        assert isinstance(target, str)
        file = sqlite_file_of_url(target)
        return target if file is None else Path(file)
    return Path(target)


def describe(target: str | Path) -> str:
    """``target`` for display: a path, or a URL with its password (in the userinfo or the
    query string, ``?password=``) hidden by ``llm.redact``."""
    if isinstance(target, Path):
        return str(target)
    from llm.redact import redact_url

    return redact_url(target)


def close(conn: sqlite3.Connection) -> None:
    """Checkpoint the write-ahead log into the main file, then close (llm-storage's
    ``sqlite_settings.close_checkpointed``, as for logs.db): once the last connection is
    closed the file alone holds every table and row (copy ``embeddings.db`` by itself and
    nothing is missing). A checkpoint a reader blocks is left to SQLite; nothing is lost."""
    from llm_storage.sqlite_settings import close_checkpointed

    close_checkpointed(conn)

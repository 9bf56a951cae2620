"""``open_store``: turn whatever the caller has into a migrated :class:`LogStore`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import llm

from .errors import StoreError

if TYPE_CHECKING:
    from .contracts import LogReader, LogTarget, StoreTarget
    from .store import LogStore

DATABASE_URL_ENV = "LLM_DATABASE_URL"
DATABASE_URL_FILE = "database-url.txt"
DEFAULT_TIMEOUT = 10.0


def _configured_url(path: Path) -> str | None:
    """The database named in ``database-url.txt``: a URL, or an absolute path to a SQLite
    file. Anything else is an error naming the file: read as a relative path it would put
    stray databases wherever ``llm`` happens to run."""
    from llm.config import ConfigFileError

    try:
        configured = path.read_bytes().decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise ConfigFileError(f"{path} is not UTF-8 text: it must hold a database URL") from None
    except OSError as ex:
        raise ConfigFileError(f"Cannot read {path}: {ex.strerror or ex}") from None
    if not configured:
        return None
    if "\n" in configured or not ("://" in configured or Path(configured).is_absolute()):
        raise ConfigFileError(
            f"{path} must hold one database URL (such as postgresql://user@host/db or"
            " sqlite:////path/to/logs.db) or an absolute path to a SQLite file"
        )
    return configured


def default_target() -> str | Path:
    """LLM_DATABASE_URL, else ``<user dir>/database-url.txt``, else ``<user dir>/logs.db``."""
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return env
    directory = Path(llm.user_dir())
    url_file = directory / DATABASE_URL_FILE
    if url_file.is_file():
        configured = _configured_url(url_file)
        if configured:
            return configured
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "logs.db"


def open_store(
    target: StoreTarget = None, *, timeout: float = DEFAULT_TIMEOUT, migrate: bool = True
) -> LogStore:
    """Open (creating and migrating as needed) a log store.

    ``target``: None (the default location), a path (str or Path), a SQLAlchemy URL (a str
    containing ``://``), an existing LogStore (returned unchanged), a ``sqlite3.Connection``
    or a sqlite-utils style object whose ``.conn`` is one. A connection is borrowed: an
    in-memory one is used as it is and left open by ``close()``; for a file, the store opens
    its own connections to that file.
    """
    from sqlalchemy import URL, make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from .backends import make_engine, sqlite
    from .store import LogStore

    if isinstance(target, LogStore):
        return target
    if target is None:
        target = default_target()

    creator: sqlite3.Connection | None = None
    borrowed = _sqlite_connection(target)
    if borrowed is not None:
        file = sqlite.database_file(borrowed)
        if file is None:
            creator = borrowed
            url = URL.create("sqlite", database=":memory:")
        else:
            url = URL.create("sqlite", database=file)
    elif isinstance(target, str) and "://" in target:
        try:
            url = make_url(target)
        except ArgumentError as exc:
            raise StoreError(f"invalid database URL: {_mask(target)}") from exc
    elif isinstance(target, (str, os.PathLike)):
        url = URL.create("sqlite", database=str(Path(target).expanduser()))
    else:
        raise StoreError(f"cannot open a log store from {type(target).__name__}")

    try:
        if creator is not None:
            engine = sqlite.make_engine(url, timeout, creator=creator)
        else:
            engine = make_engine(url, timeout)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"cannot use database URL {_mask(url.render_as_string(hide_password=True))}: {exc}"
        ) from exc
    store = LogStore(engine, timeout=timeout, borrowed=creator)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            engine.dispose()
            raise
    return store


def default_location() -> str:
    """Where the default store lives, for display: a file path, or a URL with its password
    hidden. Cheap: it imports no database library."""
    target = default_target()
    return _mask(target) if isinstance(target, str) else str(target)


def open_for_logging(target: StoreTarget = None, *, timeout: float = DEFAULT_TIMEOUT) -> LogTarget:
    """Something to ``log_response()`` to (and ``close()``), as cheaply as possible.

    An existing SQLite file at the current schema gets a ``sqlite3`` writer (a new one is
    first created from the schema snapshot, ``fresh_sqlite``), and a PostgreSQL database at
    the current schema a psycopg writer; none imports SQLAlchemy. Anything
    else gets a full ``LogStore`` from ``open_store`` (which creates or migrates the
    database). Call ``check_writable()`` on the result before running a model.
    """
    if target is None:
        target = default_target()
    if isinstance(target, str) and "://" in target:
        from . import pg_writer

        found = pg_writer.open_current(target, _mask(target), timeout)
        if found is not None:
            return found
    elif isinstance(target, str | os.PathLike):
        from .sqlite_writer import open_current

        path = Path(target).expanduser()
        writer = open_current(path, timeout)
        if writer is None and not path.exists():
            from . import fresh_sqlite

            if fresh_sqlite.create(path, timeout):
                writer = open_current(path, timeout)
        if writer is not None:
            return writer
    return open_store(target, timeout=timeout)


def open_for_reading(
    target: StoreTarget = None, *, timeout: float = DEFAULT_TIMEOUT
) -> LogReader | None:
    """Something to read logged responses, fragments and schemas from (then ``close()``), or
    None when the SQLite file does not exist: reading never creates a database.

    An existing SQLite file at the current schema gets the ``sqlite3`` reader (no
    SQLAlchemy to import); anything else (an older file to migrate or adopt, a URL, a
    connection or store passed in) a full ``LogStore`` from ``open_store``.
    """
    if target is None:
        target = default_target()
    is_url = isinstance(target, str) and "://" in target
    if isinstance(target, str | os.PathLike) and not is_url:
        from .sqlite_reader import open_current

        path = Path(target).expanduser()
        if not path.exists():
            return None
        reader = open_current(path, timeout)
        if reader is not None:
            return reader
    return open_store(target, timeout=timeout)


def _sqlite_connection(target: Any) -> sqlite3.Connection | None:
    """The connection of a ``sqlite3.Connection`` or of a sqlite-utils ``Database``."""
    if isinstance(target, sqlite3.Connection):
        return target
    conn = getattr(target, "conn", None)
    return conn if isinstance(conn, sqlite3.Connection) else None


def _mask(raw: str) -> str:
    """A URL for display (also one we could not even parse): its password, and query
    parameters such as ``?password=``, masked by ``llm.redact``."""
    from llm.redact import redact_url

    return redact_url(raw)

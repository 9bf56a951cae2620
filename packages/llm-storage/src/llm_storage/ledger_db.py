"""A connection for the ledger's reads and writes: names, costs, deletion, retention.

Like ``llm logs`` (``sqlite_reader``), an up-to-date SQLite file is used through the standard
library's ``sqlite3`` alone, so ``llm costs`` or ``llm conversations list`` pay no SQLAlchemy
import; any other database (PostgreSQL, a file to migrate) goes through a ``LogStore``'s
engine. The SQL is written once, with ``?`` placeholders, and runs on either.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._translate import describe
from .errors import StoreError
from .opening import DEFAULT_TIMEOUT, default_target
from .sqlite_settings import close_checkpointed, connect_at_head

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from .store import LogStore

Record = dict[str, Any]


class Transaction:
    """One transaction: run SQL text with ``?`` placeholders."""

    dialect: str

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        raise NotImplementedError

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, params)
        return next(iter(found[0].values())) if found else None


class _SqliteTransaction(Transaction):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, list(params)).rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, [list(p) for p in params])


def _named(sql: str) -> tuple[str, list[str]]:
    pieces = sql.split("?")
    names = [f"p{n}" for n in range(len(pieces) - 1)]
    return pieces[0] + "".join(f":{n}{p}" for n, p in zip(names, pieces[1:], strict=True)), names


class _AlchemyTransaction(Transaction):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        from sqlalchemy import text

        named, names = _named(sql)
        result = self.conn.execute(text(named), dict(zip(names, params, strict=True)))
        return [dict(row._mapping) for row in result]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        from sqlalchemy import text

        named, names = _named(sql)
        return self.conn.execute(text(named), dict(zip(names, params, strict=True))).rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        from sqlalchemy import text

        if not params:
            return
        named, names = _named(sql)
        self.conn.execute(text(named), [dict(zip(names, p, strict=True)) for p in params])


class Ledger:
    """The ledger's view of one log database. Open with :func:`open_ledger` or
    :meth:`Ledger.over` (an open ``LogStore``); use :meth:`transaction` for every query."""

    def __init__(
        self,
        location: str,
        *,
        conn: sqlite3.Connection | None = None,
        store: LogStore | None = None,
        owns_store: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.location = location
        self.timeout = timeout
        self._conn = conn
        self._store = store
        self._owns_store = owns_store

    @classmethod
    def over(cls, store: Any) -> Ledger:
        """A ledger on a ``LogStore``'s (or a ``SqliteLogReader``'s) database, sharing it."""
        from .sqlite_reader import SqliteLogReader

        if isinstance(store, SqliteLogReader):
            return cls(store.location, conn=store._conn, timeout=store.timeout)
        return cls(store.location, store=store, timeout=store.timeout)

    @property
    def dialect(self) -> str:
        return "sqlite" if self._conn is not None else str(self._require_store().backend)

    @property
    def path(self) -> Path | None:
        """The SQLite file, if the database is one."""
        if self._conn is not None:
            return Path(self.location)
        return self._require_store().path

    def _require_store(self) -> LogStore:
        assert self._store is not None
        return self._store

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Transaction]:
        """One transaction, committed when the block ends normally. ``write``: take the
        write lock first (SQLite ``BEGIN IMMEDIATE``), so a read-then-write never races."""
        if self._conn is not None:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield _SqliteTransaction(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as ex:
                raise StoreError(describe(ex, self.location, self.timeout)) from ex
            return
        store = self._require_store()
        context = store._write() if write else store._read()
        with context as connection:
            yield _AlchemyTransaction(connection)

    def outside_transaction(self, statement: str) -> None:
        """Run ``statement`` (VACUUM, a checkpoint) on its own, outside any transaction."""
        try:
            if self._conn is not None:
                self._conn.execute(statement).fetchall()
                return
            store = self._require_store()
            with store._errors(), store.engine.connect() as connection:
                if store.backend == "sqlite":
                    raw = connection.connection.driver_connection
                    assert isinstance(raw, sqlite3.Connection)
                    raw.execute(statement).fetchall()
                else:
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    connection.exec_driver_sql(statement)
        except sqlite3.Error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex

    def close(self) -> None:
        if self._owns_store:
            if self._store is not None:
                self._store.close()
            if self._conn is not None:
                close_checkpointed(self._conn)
        self._conn = self._store = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_ledger(target: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Ledger:
    """The ledger of a log database (default: the configured one), created or migrated as
    needed. An up-to-date SQLite file is opened with ``sqlite3`` alone."""
    if target is None:
        target = default_target()
    if isinstance(target, str | os.PathLike) and "://" not in str(target):
        path = Path(target).expanduser()
        conn = connect_at_head(path, timeout, writable=True)
        if conn is not None:
            return Ledger(str(path), conn=conn, owns_store=True, timeout=timeout)
    from .opening import open_store

    store = open_store(target, timeout=timeout)
    return Ledger(store.location, store=store, owns_store=True, timeout=timeout)

"""A user's ``embed-multi --sql`` query on SQLite, on a connection that can only read.

The query gets a connection of its own (never the one that writes the embeddings): the
embeddings file, or an in-memory database when the embeddings are elsewhere or the file does
not exist yet, with each ``--attach`` file attached. SQLite itself keeps it read-only, twice:

* an authorizer (``sqlite3.Connection.set_authorizer``) lets a statement be prepared only when
  everything it does is reading: SELECT, reading columns, calling functions, recursive CTEs.
  INSERT, UPDATE, DELETE (with or without RETURNING), DROP, CREATE, ATTACH, PRAGMA, a
  transaction or savepoint: refused while the statement is compiled, before it runs a step;
* ``PRAGMA query_only``: the engine refuses any change to any file of the connection.

The ``sqlite3`` module runs one statement per call, so a second statement after ``;`` is
refused as well. Nothing is written, nothing is created: an ``--attach`` file must exist.

PostgreSQL's counterpart is ``postgres.PostgresEmbeddings.query`` (a READ ONLY transaction).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: The authorizer's actions a read needs.
_READING = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}

#: Names of the authorizer's actions, for the message (the sqlite3 module's constants share
#: numbers with its limit constants, so they are named here).
_ACTIONS = (
    "CREATE_INDEX",
    "CREATE_TABLE",
    "CREATE_TEMP_INDEX",
    "CREATE_TEMP_TABLE",
    "CREATE_TEMP_TRIGGER",
    "CREATE_TEMP_VIEW",
    "CREATE_TRIGGER",
    "CREATE_VIEW",
    "DELETE",
    "DROP_INDEX",
    "DROP_TABLE",
    "DROP_TEMP_INDEX",
    "DROP_TEMP_TABLE",
    "DROP_TEMP_TRIGGER",
    "DROP_TEMP_VIEW",
    "DROP_TRIGGER",
    "DROP_VIEW",
    "INSERT",
    "PRAGMA",
    "TRANSACTION",
    "UPDATE",
    "ATTACH",
    "DETACH",
    "ALTER_TABLE",
    "REINDEX",
    "ANALYZE",
    "CREATE_VTABLE",
    "DROP_VTABLE",
    "SAVEPOINT",
)
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ")
    for name in _ACTIONS
    if hasattr(sqlite3, f"SQLITE_{name}")
}

#: The start of every message about a query that would write.
READ_ONLY = "--sql must only read the database"


class UserQueryError(Exception):
    """The query cannot run: it would write, it is not valid, or an attached file is missing."""


class ReadOnlyQuery:
    """A read-only SQLite connection for one user query; ``close()`` when done."""

    def __init__(
        self,
        main: str | os.PathLike[str] | None,
        attach: Sequence[tuple[str, str]] = (),
        *,
        timeout: float = 10.0,
    ) -> None:
        """``main``: the database the query runs in (an existing file; None or a missing
        file: an empty in-memory one). ``attach``: (alias, path) pairs, each an existing file."""
        exists = main is not None and Path(main).is_file()
        self.conn = sqlite3.connect(os.fspath(main) if exists and main else ":memory:", timeout)
        self.refused: list[str] = []
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.conn.execute("PRAGMA query_only = ON")
            for alias, path in attach:
                if not Path(path).is_file():
                    raise UserQueryError(f"Cannot attach {path}: no such file")
                try:
                    self.conn.execute(
                        "ATTACH DATABASE ? AS [{}]".format(alias.replace("]", "]]")), [path]
                    )
                except sqlite3.Error as ex:
                    raise UserQueryError(f"Cannot attach {path}: {ex}") from ex
        except BaseException:
            self.conn.close()
            raise
        self.conn.set_authorizer(self._authorize)

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, source: Any
    ) -> int:
        if action in _READING:
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, f"action {action}")
        what = {"DELETE": "DELETE FROM", "INSERT": "INSERT INTO"}.get(what, what)
        target = arg1 if arg1 and action != sqlite3.SQLITE_TRANSACTION else None
        self.refused.append(f"{what} {target}" if target else what)
        return sqlite3.SQLITE_DENY

    def _refusal(self) -> str:
        """What the statement would do (SQLite stops at the first refusal: for DROP, CREATE
        or ALTER that is a change to sqlite_master, the schema)."""
        refused = self.refused[0]
        if refused.endswith(("sqlite_master", "sqlite_temp_master")):
            return "changing the schema"
        return refused

    def _run(self, sql: str) -> sqlite3.Cursor:
        self.refused.clear()
        try:
            return self.conn.execute(sql)
        except sqlite3.Error as ex:
            if self.refused:
                raise UserQueryError(f"{READ_ONLY} ({self._refusal()} is not allowed)") from ex
            raise UserQueryError(str(ex)) from ex

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql``. It is compiled and run to its first row before this returns,
        so a query that would write, or is not valid, fails here, before anything else."""
        cursor = self._run(sql)

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                yield from cursor
            except sqlite3.Error as ex:
                raise UserQueryError(str(ex)) from ex

        return rows()

    def count(self, sql: str) -> int:
        """How many rows ``sql`` returns (for a progress bar)."""
        row = self._run(f"SELECT count(*) FROM ({sql})").fetchone()
        return int(row[0])

    def close(self) -> None:
        self.conn.close()

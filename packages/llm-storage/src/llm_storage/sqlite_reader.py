"""Reading an up-to-date SQLite log with the standard library alone.

SQLAlchemy costs every ``llm logs`` about a third of a second to import, several times what
the queries cost. When the file exists and already has the current schema, reading needs
nothing but ``sqlite3``: this reader runs the queries of ``read`` (the same SQL text a
``LogStore`` runs through SQLAlchemy) on a connection that can never create the file.
Anything else (a file to migrate or adopt, another backend) goes through ``LogStore``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import read
from ._head import HEAD_REVISION
from ._translate import describe
from .errors import StoreError
from .opening import DEFAULT_TIMEOUT
from .sqlite_settings import connect_at_head

Record = dict[str, Any]


class SqliteLogReader:
    """The read side of a ``LogStore`` (the part ``llm logs`` uses) for one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._conn = conn
        self._rows = read.SqliteRows(conn)

    @property
    def location(self) -> str:
        return str(self.path)

    @contextmanager
    def _read(self) -> Iterator[read.SqliteRows]:
        """One read transaction (a consistent snapshot); errors as StoreError."""
        conn = self._conn
        try:
            nested = conn.in_transaction
            if not nested:
                conn.execute("BEGIN")
            try:
                yield self._rows
            finally:
                if not nested and _is_open(conn) and conn.in_transaction:
                    conn.execute("ROLLBACK")
        except sqlite3.Error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex

    def iter_responses(self, limit: int | None = 3, **filters: Any) -> Iterator[Record]:
        """As ``LogStore.iter_responses``: records as they are read."""
        with self._read() as rows:
            yield from read.iter_responses(rows, limit=limit, **_filters(filters))

    def list_responses(self, limit: int | None = 3, **filters: Any) -> list[Record]:
        return list(self.iter_responses(limit, **filters))

    def get_response(self, response_id: str) -> Record | None:
        found = self.list_responses(None, response_ids=[response_id])
        return found[0] if found else None

    def conversation_responses(self, conversation_id: str) -> list[Record]:
        return self.list_responses(None, conversation_id=conversation_id)

    def latest_conversation_id(self) -> str | None:
        with self._read() as rows:
            return read.latest_conversation_id(rows)

    def get_conversation(self, conversation_id: str) -> Record | None:
        with self._read() as rows:
            return read.get_conversation(rows, conversation_id)

    def count_responses(self) -> int:
        with self._read() as rows:
            return read.count(rows, "responses")

    def count_conversations(self) -> int:
        with self._read() as rows:
            return read.count(rows, "conversations")

    def get_fragment(self, hash_or_alias: str) -> Record | None:
        with self._read() as rows:
            return read.get_fragment(rows, hash_or_alias)

    def list_fragments(
        self, queries: str | Sequence[str] | None = None, aliases_only: bool = False
    ) -> list[Record]:
        with self._read() as rows:
            return read.list_fragments(rows, queries, aliases_only)

    def get_schema(self, schema_id: str) -> str | None:
        with self._read() as rows:
            return read.get_schema(rows, schema_id)

    def schemas_in_use(self, queries: str | Sequence[str] | None = None) -> list[Record]:
        with self._read() as rows:
            return read.schemas_in_use(rows, queries)

    def status(self) -> Record:
        """As ``LogStore.status``: backend, location, counts, revision and file size."""
        with self._read() as rows:
            responses = read.count(rows, "responses")
            conversations = read.count(rows, "conversations")
            threads = read.count_if_present(rows, "threads")
            turns = read.count_if_present(rows, "turns")
        return {
            "backend": self.backend,
            "url": f"sqlite:///{self.path}",
            "path": str(self.path),
            "responses": responses,
            "conversations": conversations,
            "threads": threads,
            "turns": turns,
            "schema_revision": HEAD_REVISION,
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteLogReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SqliteLogReader {self.location}>"


def _is_open(conn: sqlite3.Connection) -> bool:
    """False once closed: a listing left half read (``llm logs | head -1``) is finalized
    after its reader closed, when there is no transaction left to end."""
    try:
        conn.total_changes  # noqa: B018 - raises on a closed connection
    except sqlite3.ProgrammingError:
        return False
    return True


def _filters(filters: dict[str, Any]) -> dict[str, Any]:
    """``LogStore.list_responses`` calls the fragment filter ``fragments``."""
    if "fragments" in filters:
        filters = dict(filters)
        filters["fragments_filter"] = filters.pop("fragments")
    return filters


def open_current(path: Path, timeout: float = DEFAULT_TIMEOUT) -> SqliteLogReader | None:
    """A reader for ``path`` if it is a SQLite file at the current schema, else None: the
    caller then opens a ``LogStore`` (which migrates an old file, and reports a missing,
    corrupt or unreadable one as it always does). Never creates a file."""
    conn = connect_at_head(path, timeout, writable=False)
    if conn is None:
        return None
    return SqliteLogReader(path, conn, timeout)

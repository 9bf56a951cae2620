"""``LogStore``: the one interface to the log database. No SQL lives outside llm-storage."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, delete, select

from llm.identity import fragment_hash

from . import migrate, read, write
from ._translate import translating
from .backends import sqlite as sqlite_backend
from .errors import StoreError
from .opening import DEFAULT_TIMEOUT
from .schema import tables
from .sql_writer import ConnectionWriter

if TYPE_CHECKING:
    from .contracts import LoggableResponse

Record = dict[str, Any]


class LogStore:
    """A log database (SQLite file or any SQLAlchemy URL) with the current schema.

    Create one with :func:`llm_storage.open_store`. Every write is one transaction; every
    failure is raised as :class:`StoreError`.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        borrowed: sqlite3.Connection | None = None,
    ) -> None:
        self.engine = engine
        self.timeout = timeout
        self.url: URL = engine.url
        self.backend: str = engine.dialect.name
        # A caller's connection the engine runs on: close() must leave it open, as it was.
        self._borrowed = borrowed
        self._borrowed_isolation = None if borrowed is None else borrowed.isolation_level

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """Where the data lives, fit for messages: a file path, or the URL sans password."""
        path = self.path
        if path is not None:
            return str(path)
        if self.backend == "sqlite":
            return "in-memory SQLite database"
        return self.display_url

    @property
    def display_url(self) -> str:
        """The URL fit for messages and listings: no password, in the userinfo or the query
        string (``?password=``), and no known key (``llm.redact``)."""
        from llm.redact import redact_url

        return redact_url(self.url.render_as_string(hide_password=True))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for other backends / in-memory databases."""
        return sqlite_backend.file_path(self.url) if self.backend == "sqlite" else None

    def _errors(self) -> AbstractContextManager[None]:
        return translating(self.location, self.timeout)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        options = {sqlite_backend.BEGIN_OPTION: "IMMEDIATE"}
        with (
            self._errors(),
            self.engine.connect().execution_options(**options) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def migrate(self) -> migrate.UpgradeReport | None:
        """Bring the schema up to date (no-op, without importing Alembic, when current)."""
        with self._errors():
            return migrate.ensure_current(self.engine)

    def close(self) -> None:
        if self._borrowed is None:
            self.engine.dispose()
        else:  # disposing would close the caller's connection; undo our autocommit instead
            self._borrowed.isolation_level = self._borrowed_isolation

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LogStore {self.backend}: {self.location}>"

    # -- writing ----------------------------------------------------------------------------

    def log_response(self, response: LoggableResponse) -> None:
        """Store an ``llm`` Response and its child rows, all in one transaction."""
        with self._write() as conn:
            write.log_response(ConnectionWriter(conn), response)

    def check_writable(self) -> None:
        """Raise StoreError unless a response could be logged now: on SQLite, the write lock
        is taken (waiting at most the timeout), a stand-in response written to every table
        (``write.rehearse``) and rolled back, which finds a read-only file or directory, a
        full disk, a lock held too long or a missing table; on PostgreSQL, the server is
        asked whether this session may write to every table. Called before a model is paid
        to answer."""
        if self.backend == "postgresql":
            from .pg_connection import WRITE_ACCESS_SQL, write_access_problem

            with self._read() as conn:
                row = conn.exec_driver_sql(WRITE_ACCESS_SQL).one()
            problem = write_access_problem(tuple(row), self.location)
            if problem:
                raise StoreError(problem)
            return
        from ._translate import disk_is_full, full_disk_message

        if self.path is not None and disk_is_full(str(self.path)):
            raise StoreError(full_disk_message(self.location))
        options = {sqlite_backend.BEGIN_OPTION: "IMMEDIATE"}
        with self._errors(), self.engine.connect().execution_options(**options) as conn:
            transaction = conn.begin()
            try:
                write.rehearse(ConnectionWriter(conn))
            finally:
                transaction.rollback()

    def store_fragment(self, content: str, source: str | None = "") -> str:
        """Store a fragment (deduplicated by content); return its sha256 hash."""
        with self._write() as conn:
            write.store_fragment(ConnectionWriter(conn), content, source)
        return fragment_hash(content)

    def set_fragment_alias(self, alias: str, fragment_hash: str) -> None:
        """Point ``alias`` at the fragment with this hash (or alias), replacing any old target."""
        with self._write() as conn:
            fragment_id = read.fragment_id_for_key(conn, fragment_hash)
            if fragment_id is None:
                raise StoreError(f"no fragment with hash or alias {fragment_hash!r}")
            table = tables["fragment_aliases"]
            conn.execute(delete(table).where(table.c.alias == alias))
            conn.execute(table.insert().values(alias=alias, fragment_id=fragment_id))

    def remove_fragment_alias(self, alias: str) -> bool:
        """Delete an alias; returns False if it did not exist. The fragment is kept."""
        table = tables["fragment_aliases"]
        with self._write() as conn:
            return bool(conn.execute(delete(table).where(table.c.alias == alias)).rowcount)

    # -- reading ----------------------------------------------------------------------------

    def list_responses(
        self,
        limit: int | None = 3,
        *,
        model: str | None = None,
        query: str | None = None,
        conversation_id: str | None = None,
        schema_id: str | None = None,
        fragments: Sequence[str] = (),
        id_gt: str | None = None,
        id_gte: str | None = None,
        has_tools: bool = False,
        tools_used: Sequence[tuple[str, str | None]] = (),
        latest: bool = False,
    ) -> list[Record]:
        """The newest ``limit`` responses (0/None: all) matching every filter given,
        returned oldest first. With ``query``, the best ``limit`` full-text matches, returned
        best first (``latest=True``: the newest matches, newest first). ``fragments``: hashes or
        aliases that each must be among the response's prompt or system fragments;
        ``tools_used``: (name, plugin) of tools that each must have results in the response."""
        with self._read() as conn:
            return read.list_responses(
                conn,
                limit=limit,
                model=model,
                query=query,
                conversation_id=conversation_id,
                schema_id=schema_id,
                fragments_filter=fragments,
                id_gt=id_gt,
                id_gte=id_gte,
                has_tools=has_tools,
                tools_used=tools_used,
                latest=latest,
            )

    def iter_responses(self, limit: int | None = 3, **filters: Any) -> Iterator[Record]:
        """As ``list_responses`` (same filters, plus ``omit``: see ``read.iter_responses``),
        one record at a time, as they are read."""
        if "fragments" in filters:
            filters["fragments_filter"] = filters.pop("fragments")
        with self._read() as conn:
            yield from read.iter_responses(conn, limit=limit, **filters)

    def get_response(self, response_id: str) -> Record | None:
        with self._read() as conn:
            found = read.list_responses(conn, limit=None, response_ids=[response_id])
        return found[0] if found else None

    def conversation_responses(self, conversation_id: str) -> list[Record]:
        """Every response of a conversation, oldest first."""
        return self.list_responses(None, conversation_id=conversation_id)

    def latest_conversation_id(self) -> str | None:
        with self._read() as conn:
            return read.latest_conversation_id(conn)

    def get_conversation(self, conversation_id: str) -> Record | None:
        table = tables["conversations"]
        with self._read() as conn:
            row = conn.execute(select(*table.c).where(table.c.id == conversation_id)).first()
        return None if row is None else dict(row._mapping)

    def count_responses(self) -> int:
        with self._read() as conn:
            return read.count(conn, "responses")

    def count_conversations(self) -> int:
        with self._read() as conn:
            return read.count(conn, "conversations")

    def get_fragment(self, hash_or_alias: str) -> Record | None:
        """A fragment record (id, hash, content, datetime_utc, source, aliases) or None."""
        with self._read() as conn:
            return read.get_fragment(conn, hash_or_alias)

    def list_fragments(
        self, queries: str | Sequence[str] | None = None, aliases_only: bool = False
    ) -> list[Record]:
        """Fragments, oldest first, with their aliases (see ``read.list_fragments``)."""
        with self._read() as conn:
            return read.list_fragments(conn, queries, aliases_only)

    def get_schema(self, schema_id: str) -> str | None:
        """The schema's JSON text, or None."""
        with self._read() as conn:
            return read.get_schema(conn, schema_id)

    def schemas_in_use(self, queries: str | Sequence[str] | None = None) -> list[Record]:
        """Schemas responses used, least recently used first (see ``read.schemas_in_use``)."""
        with self._read() as conn:
            return read.schemas_in_use(conn, queries)

    # -- maintenance ------------------------------------------------------------------------

    def backup(self, path: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of a SQLite store to ``path`` (must not exist yet)."""
        destination = Path(path)
        if self.backend != "sqlite":
            raise StoreError(
                f"backup is only built in for SQLite; for {self.backend} use the server's "
                "own tools (for PostgreSQL: pg_dump)"
            )
        if destination.exists():
            raise StoreError(f"{destination} already exists; choose a new backup path")
        parent = destination.absolute().parent
        if not parent.is_dir():
            raise StoreError(
                f"Cannot back up to {destination}: the directory {parent} does not exist"
            )
        with self._errors():
            try:
                sqlite_backend.backup(self.engine, destination)
            except (sqlite3.Error, OSError) as ex:
                # Nothing half-written is left behind under the name the user gave.
                destination.unlink(missing_ok=True)
                raise StoreError(f"Cannot back up to {destination}: {ex}") from ex
        return destination

    def status(self) -> Record:
        """Backend, location, counts and (SQLite) file size."""
        info: Record = {
            "backend": self.backend,
            "url": self.display_url,
            "path": None if self.path is None else str(self.path),
            "responses": self.count_responses(),
            "conversations": self.count_conversations(),
        }
        with self._read() as conn:  # llm 0.32+'s tables, when this database has them
            info["threads"] = read.count_if_present(conn, "threads")
            info["turns"] = read.count_if_present(conn, "turns")
        with self._errors():
            info["schema_revision"] = migrate.current_revision(self.engine)
        if self.path is not None:
            info["size_bytes"] = self.path.stat().st_size if self.path.exists() else 0
        return info

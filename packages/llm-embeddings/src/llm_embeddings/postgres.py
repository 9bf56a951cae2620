"""Collections on PostgreSQL, with pgvector when the server has it.

The tables are the original's two (``collections``, ``embeddings`` with ``embedding`` as the
float32 blob, ``content``, ``content_blob``, ``content_hash``, ``metadata``, ``updated``), so
whatever reads them with plain SQL on SQLite reads them here too. With pgvector, one column is
added: ``embedding_vector``, the same vector as a pgvector ``vector``, and each collection of
at least ``INDEX_MIN_ROWS`` rows gets a partial HNSW index (cosine) on
``embedding_vector::vector(N)``, N being the collection's dimension
(``_llm_embeddings_dimensions``), built after the ``embed_multi`` that makes it that big (or
by the next search). A search asks the index (or, for a small collection, an exact scan in
SQL) for the best candidates (``<=>``), then scores them again in float64 from their blobs,
as the SQLite search does, so both report the same scores. Rows without a vector (written
before pgvector was there, or of another length) are found through a small partial index and
scored with numpy.

Without pgvector (extension missing, not creatable, or turned off with ``pgvector=False`` or
``LLM_EMBEDDINGS_PGVECTOR=off``), a search reads the collection's blobs and ranks them with
numpy, exactly as on SQLite.

The schema's history is kept in its own ledger, ``_llm_embeddings_migrations`` (one row per
step), changed under an advisory lock so concurrent processes migrate it once.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

PGVECTOR_ENV = "LLM_EMBEDDINGS_PGVECTOR"
LEDGER = "_llm_embeddings_migrations"
DIMENSIONS_TABLE = "_llm_embeddings_dimensions"
VECTOR_COLUMN = "embedding_vector"
# Candidates asked of the index beyond the N wanted (re-scored exactly, like search._SPARE).
_SPARE = 32
# hnsw.ef_search can be at most 1000: larger searches read every row instead.
_MAX_INDEX_CANDIDATES = 1000
# The least hnsw.ef_search (pgvector's default is 40): more candidates, better recall.
EF_SEARCH = 200
_LOOKUP_CHUNK = 1000
# A collection gets its HNSW index once it has this many rows (smaller: an exact scan is fast).
INDEX_MIN_ROWS = 5000

_T = TypeVar("_T")
# A search result: (id, score, content, metadata as stored: JSON text or None).
Match = tuple[str, float, Any, Any]


class EmbeddingsDatabaseError(Exception):
    """The PostgreSQL embeddings database could not be used (message says why)."""


_P001 = (
    """CREATE TABLE IF NOT EXISTS collections (
       id SERIAL PRIMARY KEY,
       name TEXT,
       model TEXT
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS idx_collections_name ON collections (name)",
    """CREATE TABLE IF NOT EXISTS embeddings (
       collection_id INTEGER REFERENCES collections (id),
       id TEXT,
       embedding BYTEA,
       content TEXT,
       content_blob BYTEA,
       content_hash BYTEA,
       metadata TEXT,
       updated BIGINT,
       PRIMARY KEY (collection_id, id)
    )""",
    "CREATE INDEX IF NOT EXISTS idx_embeddings_content_hash ON embeddings (content_hash)",
)


def pgvector_wanted(setting: bool | None) -> bool | None:
    """``setting`` if given, else what LLM_EMBEDDINGS_PGVECTOR says (off/0/false/no: False)."""
    if setting is not None:
        return setting
    value = os.environ.get(PGVECTOR_ENV, "").strip().lower()
    if value in ("0", "off", "false", "no"):
        return False
    if value in ("1", "on", "true", "yes"):
        return True
    return None


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _vector_text(blob: bytes) -> str:
    """pgvector's text form of a float32 blob, exactly (each float32 written as a double)."""
    from llm.vectors import decode

    return "[" + ",".join(map(repr, decode(blob))) + "]"


class VectorBlob:
    """A float32 blob to send as a pgvector ``vector`` parameter, in pgvector's binary format
    (dimension, 0, big-endian float32s: one byte swap, no per-value Python work)."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def binary(self) -> bytes:
        import array
        import struct

        values = array.array("f", self.blob)
        if values.itemsize != 4:  # pragma: no cover - every platform we run on has 4
            raise ValueError("float is not 32 bits here")
        if sys.byteorder == "little":
            values.byteswap()
        return struct.pack(">HH", len(values), 0) + values.tobytes()


def _register_vector_dumper(dbapi_connection: Any, oid: int) -> None:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class VectorDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: Any) -> bytes:
            return obj.binary()

    VectorDumper.oid = oid
    dbapi_connection.adapters.register_dumper(VectorBlob, VectorDumper)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresEmbeddings:
    """An embeddings database on PostgreSQL: what ``Collection`` uses for a ``postgresql://``
    URL. ``pgvector``: None (use it when the server has or can create the extension), True
    (required: an error without it) or False (never: the numpy fallback)."""

    _opened: dict[tuple[str, bool | None], PostgresEmbeddings] = {}
    _opened_lock = threading.Lock()

    def __init__(
        self,
        url: str,
        *,
        pgvector: bool | None = None,
        timeout: float = 10.0,
        index_min_rows: int = INDEX_MIN_ROWS,
        ef_search: int = EF_SEARCH,
    ) -> None:
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        from llm_storage.backends import postgresql

        try:
            parsed = make_url(url)
            if parsed.get_backend_name() != "postgresql":
                raise EmbeddingsDatabaseError(f"not a PostgreSQL URL: {_mask(url)}")
            self.engine = postgresql.make_engine(parsed, timeout)
        except (ArgumentError, NoSuchModuleError, ImportError) as ex:
            raise EmbeddingsDatabaseError(f"cannot use database URL {_mask(url)}: {ex}") from ex
        self.url = url
        self.location = _mask(parsed.render_as_string(hide_password=True))
        # The schema holding the pgvector extension (quoted), when this store uses it.
        self.vector_schema: str | None = None
        self.pgvector_version: tuple[int, ...] = ()
        self.vector_oid = 0
        self._dimensions: dict[int, int] = {}
        self._indexed: set[int] = set()
        self._checked: set[int] = set()  # collections whose index a search has looked for
        self.index_min_rows = index_min_rows
        self.ef_search = max(1, min(ef_search, _MAX_INDEX_CANDIDATES))
        self._guard(lambda: self._migrate(pgvector_wanted(pgvector)))
        if self.uses_pgvector:
            self._configure_sessions()

    def _configure_sessions(self) -> None:
        """Search settings for each connection, set once when it opens (not per query)."""
        from sqlalchemy import event

        settings = [f"SET hnsw.ef_search = {int(self.ef_search)}"]
        if self.pgvector_version >= (0, 8):
            # Keep walking the graph when a prefix filters candidates out.
            settings.append("SET hnsw.iterative_scan = strict_order")

        oid = self.vector_oid

        def configure(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                for setting in settings:
                    cursor.execute(setting)
            dbapi_connection.commit()
            _register_vector_dumper(dbapi_connection, oid)

        self.engine.dispose()  # connections opened while migrating lack the settings
        event.listen(self.engine, "connect", configure)

    @classmethod
    def open(cls, url: str, *, pgvector: bool | None = None) -> PostgresEmbeddings:
        """One store per URL and setting in a process (its engine and migration check)."""
        key = (url, pgvector_wanted(pgvector))
        with cls._opened_lock:
            store = cls._opened.get(key)
            if store is None:
                store = cls._opened[key] = cls(url, pgvector=pgvector)
            return store

    @classmethod
    def close_opened(cls, url: str | None = None) -> None:
        """Close (and forget) the stores ``open`` made: those of ``url``, or all."""
        with cls._opened_lock:
            for key in [key for key in cls._opened if url is None or key[0] == url]:
                cls._opened.pop(key).close()

    @property
    def uses_pgvector(self) -> bool:
        return self.vector_schema is not None

    def __repr__(self) -> str:
        mode = "pgvector" if self.uses_pgvector else "numpy"
        return f"<PostgresEmbeddings {self.location} ({mode})>"

    def close(self) -> None:
        self.engine.dispose()

    # -- errors and transactions -------------------------------------------------------------

    def _error(self, ex: Exception) -> EmbeddingsDatabaseError:
        """One line naming the database and the server's first line of complaint."""
        original = getattr(ex, "orig", None) or ex
        text = str(original).strip()
        message = text.splitlines()[0] if text else type(original).__name__
        return EmbeddingsDatabaseError(f"PostgreSQL error on {self.location}: {message}")

    def _guard(self, work: Callable[[], _T]) -> _T:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return work()
        except SQLAlchemyError as ex:
            raise self._error(ex) from ex

    def query(self, sql: str, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
        """The rows of a user's query (``embed-multi --sql``), in a READ ONLY transaction of
        its own connection: the server refuses any statement that would write (INSERT,
        UPDATE, DELETE, with or without RETURNING, DROP, CREATE, ``nextval()``...), and a
        second statement after ``;`` is refused as a prepared statement. Rows are streamed
        (``batch`` at a time where libpq can), so a large table is never held in memory.
        The query runs before this returns: a bad one is an EmbeddingsDatabaseError here
        (one that would write starts with ``user_query.READ_ONLY``), not half-way through
        embedding.

        The SQL goes to psycopg as written, with no parameters: through SQLAlchemy's
        ``text()`` a ``:word`` would be a bind parameter, and with parameters psycopg reads
        ``%`` as a placeholder, so ``LIKE '%cat%'`` would fail."""
        import psycopg
        from psycopg.pq import TransactionStatus

        raw = self._guard(self.engine.raw_connection)
        try:
            driver: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
            if driver.info.transaction_status != TransactionStatus.IDLE:
                driver.rollback()
            driver.read_only = True  # the next transaction is BEGIN READ ONLY
            size = batch if psycopg.capabilities.has_stream_chunked() else 1
            stream = driver.cursor().stream(sql, size=size)
            first = next(stream, None)  # the query runs (and fails) here
        except psycopg.Error as ex:
            raw.close()
            raise self._query_error(ex) from ex

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                if first is not None:
                    yield first
                    yield from stream
            except psycopg.Error as ex:
                raise self._query_error(ex) from ex
            finally:
                raw.close()  # disconnects: the read-only transaction ends unused

        return rows()

    def _query_error(self, ex: Exception) -> EmbeddingsDatabaseError:
        """A user query's error; one that would write says so first."""
        from .user_query import READ_ONLY

        error = self._error(ex)
        if getattr(ex, "sqlstate", None) == "25006":  # read_only_sql_transaction
            return EmbeddingsDatabaseError(f"{READ_ONLY} ({error})")
        return error

    def count_query(self, sql: str) -> int:
        """How many rows ``query(sql)`` yields (for the progress bar)."""
        (n,) = self.query(f"SELECT count(*) FROM ({sql}) AS counted")
        return int(n[0])

    @contextmanager
    def _begin(self) -> Iterator[Any]:
        """A transaction (committed on success), its errors as EmbeddingsDatabaseError."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as ex:
            raise self._error(ex) from ex

    # -- schema ------------------------------------------------------------------------------

    def _migrate(self, wanted: bool | None) -> None:
        with self._begin() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            if schema is None:
                raise EmbeddingsDatabaseError(
                    f"{self.location} has no schema to create tables in (check search_path)"
                )
            key = zlib.crc32(f"llm_embeddings:{schema}".encode())
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})
            conn.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS {LEDGER} "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in conn.exec_driver_sql(f"SELECT name FROM {LEDGER}")}
            if "p001_create_tables" not in done:
                for statement in _P001:
                    conn.exec_driver_sql(statement)
                self._record(conn, "p001_create_tables")
            if wanted is False:
                return
            found = self._find_extension(conn)
            if found is None:
                found = self._create_extension(conn)
            if found is None:
                if wanted:
                    raise EmbeddingsDatabaseError(
                        f"pgvector is not available on {self.location}: install it on the "
                        "server (see docs/embeddings.md) or use pgvector=False"
                    )
                return
            self.vector_schema, self.pgvector_version = found
            self.vector_oid = int(
                conn.exec_driver_sql(f"SELECT '{self.vector_schema}.vector'::regtype::oid").scalar()
            )
            has_column = conn.exec_driver_sql(
                "SELECT 1 FROM pg_attribute WHERE attrelid = 'embeddings'::regclass "
                "AND attname = %(column)s AND NOT attisdropped",
                {"column": VECTOR_COLUMN},
            ).scalar()
            if not has_column:
                self._add_vectors(conn)
                if "p002_pgvector" not in done:
                    self._record(conn, "p002_pgvector")

    @staticmethod
    def _record(conn: Any, name: str) -> None:
        conn.exec_driver_sql(
            f"INSERT INTO {LEDGER} (name, applied_at) VALUES (%(name)s, %(at)s) "
            "ON CONFLICT (name) DO NOTHING",
            {"name": name, "at": _now()},
        )

    @staticmethod
    def _find_extension(conn: Any) -> tuple[str, tuple[int, ...]] | None:
        row = conn.exec_driver_sql(
            "SELECT n.nspname, e.extversion FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'"
        ).first()
        if row is None:
            return None
        version = tuple(int(part) for part in str(row[1]).split(".") if part.isdigit())
        return _quote(row[0]), version

    def _create_extension(self, conn: Any) -> tuple[str, tuple[int, ...]] | None:
        from sqlalchemy.exc import SQLAlchemyError

        available = conn.exec_driver_sql(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
        ).scalar()
        if not available:
            return None
        for statement in (
            # In public when there is one, so a dropped per-user schema never takes it along.
            "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public",
            "CREATE EXTENSION IF NOT EXISTS vector",
        ):
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(statement)
                break
            except SQLAlchemyError:
                continue  # no privilege (pgvector is not a trusted extension), no schema
        return self._find_extension(conn)

    def _add_vectors(self, conn: Any) -> None:
        """p002: the vector column, the per-collection dimensions, vectors for existing rows."""
        vs = self.vector_schema
        conn.exec_driver_sql(f"ALTER TABLE embeddings ADD COLUMN {VECTOR_COLUMN} {vs}.vector")
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {DIMENSIONS_TABLE} ("
            "collection_id INTEGER PRIMARY KEY REFERENCES collections (id), "
            "dimensions INTEGER NOT NULL)"
        )
        conn.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS idx_embeddings_without_vector ON embeddings "
            f"(collection_id) WHERE {VECTOR_COLUMN} IS NULL"
        )
        collections = [row[0] for row in conn.exec_driver_sql("SELECT id FROM collections")]
        for collection_id in collections:
            first = conn.exec_driver_sql(
                "SELECT embedding FROM embeddings WHERE collection_id = %(c)s "
                "AND embedding IS NOT NULL LIMIT 1",
                {"c": collection_id},
            ).scalar()
            if first is None or len(first) < 4:
                continue
            dimensions = len(first) // 4
            rows = conn.exec_driver_sql(
                "SELECT id, embedding FROM embeddings WHERE collection_id = %(c)s "
                "AND octet_length(embedding) = %(width)s",
                {"c": collection_id, "width": dimensions * 4},
            ).all()
            if rows:
                conn.exec_driver_sql(
                    f"UPDATE embeddings SET {VECTOR_COLUMN} = %(v)s::{vs}.vector "
                    "WHERE collection_id = %(c)s AND id = %(id)s",
                    [{"v": _vector_text(blob), "c": collection_id, "id": i} for i, blob in rows],
                )
            self._ensure_dimensions(conn, collection_id, dimensions)
            self._maybe_index(conn, collection_id)

    def _collection_dimensions(self, conn: Any, collection_id: int) -> int | None:
        if collection_id in self._dimensions:
            return self._dimensions[collection_id]
        found = conn.exec_driver_sql(
            f"SELECT dimensions FROM {DIMENSIONS_TABLE} WHERE collection_id = %(c)s",
            {"c": collection_id},
        ).scalar()
        if found is not None:
            self._dimensions[collection_id] = int(found)
        return None if found is None else int(found)

    def _ensure_dimensions(self, conn: Any, collection_id: int, dimensions: int) -> int:
        """The collection's dimension: recorded as ``dimensions`` by its first write."""
        known = self._collection_dimensions(conn, collection_id)
        if known is not None:
            return known
        conn.exec_driver_sql(
            f"INSERT INTO {DIMENSIONS_TABLE} (collection_id, dimensions) VALUES (%(c)s, %(d)s) "
            "ON CONFLICT (collection_id) DO NOTHING",
            {"c": collection_id, "d": dimensions},
        )
        found = self._collection_dimensions(conn, collection_id)
        assert found is not None
        return found

    def _maybe_index(self, conn: Any, collection_id: int) -> None:
        """Give the collection its HNSW index once it holds ``index_min_rows`` rows.

        Built in one go (much faster than growing it row by row during a bulk load), under a
        lock so concurrent processes build it once. Below that size a search is an exact scan.
        """
        if not self.uses_pgvector or collection_id in self._indexed:
            return
        dimensions = self._collection_dimensions(conn, collection_id)
        if dimensions is None:
            return
        cid = int(collection_id)
        name = f"idx_embeddings_vector_{cid}"
        if conn.exec_driver_sql("SELECT to_regclass(%(n)s)", {"n": name}).scalar() is None:
            rows = conn.exec_driver_sql(
                "SELECT count(*) FROM (SELECT 1 FROM embeddings WHERE collection_id = %(c)s "
                "LIMIT %(n)s) AS enough",
                {"c": cid, "n": self.index_min_rows},
            ).scalar()
            if int(rows or 0) < self.index_min_rows:
                return
            key = zlib.crc32(f"llm_embeddings:index:{cid}".encode())
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})
            vs = self.vector_schema
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON embeddings "
                f"USING hnsw (({VECTOR_COLUMN}::{vs}.vector({int(dimensions)})) "
                f"{vs}.vector_cosine_ops) WHERE collection_id = {cid}"
            )
        self._indexed.add(collection_id)

    def finish_writes(self, collection_id: int) -> None:
        """After a batch of writes (``embed_multi``): index the collection if it is now big."""
        if self.uses_pgvector and collection_id not in self._indexed:
            with self._begin() as conn:
                self._maybe_index(conn, collection_id)

    # -- collections -------------------------------------------------------------------------

    def find_collection(self, name: str) -> tuple[int, str] | None:
        with self._begin() as conn:
            row = conn.exec_driver_sql(
                "SELECT id, model FROM collections WHERE name = %(name)s", {"name": name}
            ).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def create_collection(self, name: str, model_id: str) -> tuple[int, str]:
        """(id, model) of the collection ``name``, created with ``model_id`` unless another
        process created it first (then that one's)."""
        with self._begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO collections (name, model) VALUES (%(name)s, %(model)s) "
                "ON CONFLICT (name) DO NOTHING",
                {"name": name, "model": model_id},
            )
            row = conn.exec_driver_sql(
                "SELECT id, model FROM collections WHERE name = %(name)s", {"name": name}
            ).one()
        return int(row[0]), str(row[1])

    def exists(self, name: str) -> bool:
        return self.find_collection(name) is not None

    def iter_collections(self) -> list[tuple[str, str, int]]:
        with self._begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT collections.name, collections.model, count(embeddings.id) "
                "FROM collections LEFT JOIN embeddings "
                "ON collections.id = embeddings.collection_id "
                "GROUP BY collections.name, collections.model ORDER BY min(collections.id)"
            ).all()
        return [(str(name), str(model), int(count)) for name, model, count in rows]

    def delete_collection(self, collection_id: int) -> None:
        with self._begin() as conn:
            cid = int(collection_id)
            conn.exec_driver_sql("DELETE FROM embeddings WHERE collection_id = %(c)s", {"c": cid})
            if self.uses_pgvector:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS idx_embeddings_vector_{cid}")
            if self._has_dimensions_table(conn):
                conn.exec_driver_sql(
                    f"DELETE FROM {DIMENSIONS_TABLE} WHERE collection_id = %(c)s", {"c": cid}
                )
            conn.exec_driver_sql("DELETE FROM collections WHERE id = %(c)s", {"c": cid})
        self._dimensions.pop(collection_id, None)
        self._indexed.discard(collection_id)

    def delete_if_empty(self, collection_id: int) -> bool:
        """One transaction; a row another process is writing holds the collection's row
        (its foreign key), so the delete waits for it and then fails: nothing is lost."""
        cid = int(collection_id)
        empty = "NOT EXISTS (SELECT 1 FROM embeddings WHERE collection_id = %(c)s)"
        with self._begin() as conn:
            if self._has_dimensions_table(conn):
                conn.exec_driver_sql(
                    f"DELETE FROM {DIMENSIONS_TABLE} WHERE collection_id = %(c)s AND {empty}",
                    {"c": cid},
                )
            deleted = conn.exec_driver_sql(
                f"DELETE FROM collections WHERE id = %(c)s AND {empty}", {"c": cid}
            ).rowcount
        if deleted != 1:
            return False
        self._dimensions.pop(collection_id, None)
        self._indexed.discard(collection_id)
        return True

    @staticmethod
    def _has_dimensions_table(conn: Any) -> bool:
        found = conn.exec_driver_sql("SELECT to_regclass(%(t)s)", {"t": DIMENSIONS_TABLE})
        return found.scalar() is not None

    # -- rows --------------------------------------------------------------------------------

    def count(self, collection_id: int) -> int:
        with self._begin() as conn:
            found = conn.exec_driver_sql(
                "SELECT count(*) FROM embeddings WHERE collection_id = %(c)s",
                {"c": collection_id},
            ).scalar()
        return int(found or 0)

    def stored_hashes(self, collection_id: int, ids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(ids))
        with self._begin() as conn:
            for start in range(0, len(unique), _LOOKUP_CHUNK):
                for row_id, content_hash in conn.exec_driver_sql(
                    "SELECT id, content_hash FROM embeddings "
                    "WHERE collection_id = %(c)s AND id = ANY(%(ids)s)",
                    {"c": collection_id, "ids": unique[start : start + _LOOKUP_CHUNK]},
                ):
                    found[row_id] = bytes(content_hash) if content_hash is not None else b""
        return found

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Upsert rows of (collection_id, id, embedding, content, content_blob, content_hash,
        metadata, updated), in one transaction."""
        if not rows:
            return
        columns = "collection_id, id, embedding, content, content_blob, content_hash, metadata"
        names = ["c", "id", "embedding", "content", "content_blob", "content_hash", "metadata"]
        values = "%(c)s, %(id)s, %(embedding)s, %(content)s, %(content_blob)s, "
        values += "%(content_hash)s, %(metadata)s, %(updated)s"
        updates = [
            "embedding", "content", "content_blob", "content_hash", "metadata", "updated"
        ]  # fmt: skip
        with self._begin() as conn:
            params = [dict(zip([*names, "updated"], row, strict=True)) for row in rows]
            if self.uses_pgvector:
                columns += f", updated, {VECTOR_COLUMN}"
                values += ", %(vector)b"
                updates.append(VECTOR_COLUMN)
                for item in params:
                    blob = item["embedding"]
                    dimensions = self._ensure_dimensions(conn, item["c"], len(blob) // 4)
                    fits = len(blob) == dimensions * 4 and dimensions > 0
                    item["vector"] = VectorBlob(blob) if fits else None
            else:
                columns += ", updated"
            assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in updates)
            conn.exec_driver_sql(
                f"INSERT INTO embeddings ({columns}) VALUES ({values}) "
                f"ON CONFLICT (collection_id, id) DO UPDATE SET {assignments}",
                params,
            )

    def embedding_of(self, collection_id: int, id: str) -> bytes | None:
        with self._begin() as conn:
            found = conn.exec_driver_sql(
                "SELECT embedding FROM embeddings WHERE collection_id = %(c)s AND id = %(id)s",
                {"c": collection_id, "id": id},
            ).first()
        if found is None:
            return None
        return bytes(found[0]) if found[0] is not None else b""

    def details(self, collection_id: int, ids: list[str]) -> dict[str, tuple[Any, Any]]:
        with self._begin() as conn:
            return self._details_in(conn, collection_id, ids)

    # -- search ------------------------------------------------------------------------------

    def search(
        self,
        collection_id: int,
        vector: Sequence[float],
        number: int,
        *,
        skip_id: str | None = None,
        prefix: str | None = None,
    ) -> list[Match]:
        """The ``number`` entries most similar to ``vector`` as (id, score, content, metadata),
        best first; ties in id order."""
        return self._guard(lambda: self._search(collection_id, vector, number, skip_id, prefix))

    def _search(
        self,
        collection_id: int,
        vector: Sequence[float],
        number: int,
        skip_id: str | None,
        prefix: str | None,
    ) -> list[Match]:
        from .search import rank_rows

        where = "collection_id = %(c)s"
        params: dict[str, Any] = {"c": int(collection_id)}
        if prefix:
            # SQLite's LIKE, which the SQLite search uses: case-insensitive, % and _ wildcards,
            # no escape character.
            where += " AND id ILIKE %(prefix)s || '%%' ESCAPE ''"
            params["prefix"] = prefix
        wanted = number + _SPARE + (skip_id is not None)
        dimensions = self._dimensions.get(collection_id)
        if self.uses_pgvector and collection_id not in self._checked:
            with self._begin() as conn:
                dimensions = self._collection_dimensions(conn, collection_id)
                self._maybe_index(conn, collection_id)  # for rows written by someone else
            self._checked.add(collection_id)
        if (
            dimensions is None
            or dimensions != len(vector)
            or number < 0
            or wanted > _MAX_INDEX_CANDIDATES
        ):
            with self.engine.connect() as conn, conn.begin():
                # Streamed (a server-side cursor): memory stays at one block of rows. No ORDER
                # BY (sorting a big collection costs more than the search): _by_id breaks ties.
                rows = conn.execution_options(stream_results=True).exec_driver_sql(
                    f"SELECT id, embedding FROM embeddings WHERE {where}", params
                )
                ranked = _by_id(rank_rows(rows, vector, _more(number), skip_id=skip_id), number)
                details = self._details_in(conn, collection_id, [row_id for row_id, _ in ranked])
            return [(row_id, score, *details.get(row_id, (None, None))) for row_id, score in ranked]

        vs = self.vector_schema
        cid = int(collection_id)
        cast = f"{VECTOR_COLUMN}::{vs}.vector({int(dimensions)})"
        query = "[" + ",".join(repr(float(value)) for value in vector) + "]"
        columns = "id, embedding, content, metadata"
        # One statement, outside a transaction (no BEGIN/COMMIT round trips): the index's
        # nearest rows, and the rows that have no vector (normally none; a partial index finds
        # them). collection_id is a literal: the planner must see it to use the partial index.
        statement = (
            f"(SELECT {columns} FROM embeddings WHERE collection_id = {cid} "
            f"AND {VECTOR_COLUMN} IS NOT NULL {where.removeprefix('collection_id = %(c)s')} "
            f"ORDER BY {cast} OPERATOR({vs}.<=>) %(query)s::{vs}.vector({int(dimensions)}) "
            f"LIMIT {int(wanted)}) UNION ALL "
            f"(SELECT {columns} FROM embeddings WHERE {where} AND {VECTOR_COLUMN} IS NULL)"
        )
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            ef_search = max(self.ef_search, wanted)
            if ef_search != self.ef_search:
                conn.exec_driver_sql(f"SET hnsw.ef_search = {int(ef_search)}")
            try:
                found = list(conn.exec_driver_sql(statement, {**params, "query": query}))
            finally:
                if ef_search != self.ef_search:
                    conn.exec_driver_sql(f"SET hnsw.ef_search = {int(self.ef_search)}")
        details = {row[0]: (row[2], row[3]) for row in found}
        candidates = [(row[0], row[1]) for row in found]
        ranked = _by_id(rank_rows(candidates, vector, _more(number), skip_id=skip_id), number)
        return [(row_id, score, *details[row_id]) for row_id, score in ranked]

    def _details_in(
        self, conn: Any, collection_id: int, ids: list[str]
    ) -> dict[str, tuple[Any, Any]]:
        details: dict[str, tuple[Any, Any]] = {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            for row_id, content, metadata in conn.exec_driver_sql(
                "SELECT id, content, metadata FROM embeddings "
                "WHERE collection_id = %(c)s AND id = ANY(%(ids)s)",
                {"c": collection_id, "ids": ids[start : start + _LOOKUP_CHUNK]},
            ):
                details[row_id] = (content, metadata)
        return details


def _more(number: int) -> int:
    """How many ranked rows to ask for so that ties at the cut can be broken by id."""
    return number if number < 0 else number + _SPARE


def _by_id(ranked: list[tuple[str, float]], number: int) -> list[tuple[str, float]]:
    """``ranked`` by score, ties in id order (code points), cut to ``number``."""
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked if number < 0 else ranked[:number]


def _mask(raw: str) -> str:
    from .database import describe

    return describe(raw)

"""``llm.Collection``: a named set of embeddings made with one model, in SQLite or PostgreSQL.

The database is given the way the original took it (a sqlite-utils ``Database``), or as a
``sqlite3.Connection`` or a file path; all the work goes through the ``sqlite3`` connection
underneath, so writing and searching never pay for sqlite-utils' table introspection.
A ``postgresql://`` URL (or a ``PostgresEmbeddings``) puts the collection on PostgreSQL:
the same tables, written and searched by ``postgres.PostgresEmbeddings``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.embeddings import Embeddable, EmbeddingModel
from llm.vectors import encode

from .database import connect
from .schema import connection_of, ensure_schema

if TYPE_CHECKING:
    from .postgres import PostgresEmbeddings

# Ids looked up per query when checking which entries are unchanged (well under SQLite's
# bound-parameter limit).
_LOOKUP_CHUNK = 500

# How much embedded-but-unwritten work is held before a write (see embed_multi_with_metadata).
_FLUSH_ROWS = 5000
_FLUSH_SECONDS = 0.25

_UPSERT = (
    "INSERT OR REPLACE INTO embeddings "
    "(collection_id, id, embedding, content, content_blob, content_hash, metadata, updated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class Entry:
    """One search result: the id, its similarity score, and what was stored with it."""

    id: str
    score: float | None
    content: str | None = None
    metadata: dict[str, Any] | None = None


def default_database_path() -> Path:
    """``<user dir>/embeddings.db``."""
    import llm

    return Path(llm.user_dir()) / "embeddings.db"


def is_url(target: object) -> bool:
    return isinstance(target, str) and "://" in target


def sqlite_file_of_url(url: str) -> str | None:
    """The file a ``sqlite:///path`` URL names (None for other URLs)."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0].lower() != "sqlite":
        return None
    path = rest[1:] if rest.startswith("/") else rest
    return path.split("?", 1)[0] or ":memory:"


def postgres_store(db: Any) -> PostgresEmbeddings | None:
    """The PostgreSQL store for ``db`` (a store, or a non-SQLite URL), else None. Imports
    SQLAlchemy only when there is one."""
    if is_url(db) and sqlite_file_of_url(db) is None:
        from .postgres import PostgresEmbeddings

        return PostgresEmbeddings.open(db)
    if type(db).__name__ == "PostgresEmbeddings":
        from .postgres import PostgresEmbeddings

        if isinstance(db, PostgresEmbeddings):
            return db
    return None


def _open(db: Any) -> tuple[Any, sqlite3.Connection]:
    """(what ``collection.db`` shows, the sqlite3 connection) for whatever the caller gave."""
    if db is None:
        return None, sqlite3.connect(":memory:")
    if is_url(db):
        file = sqlite_file_of_url(db)
        assert file is not None
        return None, connect(file)
    if isinstance(db, (str, os.PathLike)):
        return None, connect(os.fspath(db))
    return db, connection_of(db)


class Collection:
    """A collection of embeddings; created on first use unless ``create=False``."""

    class DoesNotExist(Exception):
        pass

    def __init__(
        self,
        name: str,
        db: Any = None,
        *,
        model: EmbeddingModel | None = None,
        model_id: str | None = None,
        create: bool = True,
    ) -> None:
        import llm

        self.name = name
        self._model = model
        self.store = postgres_store(db)
        if self.store is not None:
            self._db = self.store
            row = self.store.find_collection(name)
        else:
            self._db, self.conn = _open(db)
            ensure_schema(self.conn)
            row = self.conn.execute(
                "SELECT id, model FROM collections WHERE name = ?", [name]
            ).fetchone()
        if row is not None:
            self.id: int = row[0]
            self.model_id: str = row[1]
            return
        if not create:
            raise self.DoesNotExist(f"Collection '{name}' does not exist")
        if model is None and not model_id:
            raise ValueError(
                "Either model= or model_id= must be provided when creating a new collection"
            )
        if model_id:
            model = llm.get_embedding_model(model_id)  # resolves aliases
            self._model = model
        assert model is not None
        if self.store is not None:
            self.id, self.model_id = self.store.create_collection(name, model.model_id)
            if self.model_id != model.model_id:
                self._model = None
            return
        with self._transaction():
            # OR IGNORE: another process may create the same collection at the same moment;
            # then both use the row that won (the unique index on name decides).
            self.conn.execute(
                "INSERT OR IGNORE INTO collections (name, model) VALUES (?, ?)",
                [name, model.model_id],
            )
        self.id, self.model_id = self.conn.execute(
            "SELECT id, model FROM collections WHERE name = ?", [name]
        ).fetchone()
        if self.model_id != model.model_id:
            self._model = None

    @property
    def db(self) -> Any:
        """The database as a sqlite-utils ``Database`` (what the original offered); on
        PostgreSQL, the ``PostgresEmbeddings`` store."""
        if self._db is None:
            try:
                import sqlite_utils
            except ImportError as ex:
                raise ImportError(
                    "Collection.db needs the sqlite-utils package: pip install sqlite-utils "
                    "(or use collection.conn, the sqlite3 connection)"
                ) from ex
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _transaction(self) -> Any:
        # sqlite3's context manager commits on success and rolls back on error.
        return self.conn

    def model(self) -> EmbeddingModel:
        """The embedding model this collection uses."""
        import llm

        if self._model is None:
            self._model = llm.get_embedding_model(self.model_id)
        return self._model

    def count(self) -> int:
        """How many entries the collection holds."""
        if self.store is not None:
            return self.store.count(self.id)
        (count,) = self.conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [self.id]
        ).fetchone()
        return int(count)

    def embed(
        self,
        id: str,
        value: Embeddable,
        metadata: dict[str, Any] | None = None,
        store: bool = False,
    ) -> None:
        """Embed ``value`` and store it under ``id`` (skipped when it has not changed)."""
        self.embed_multi_with_metadata([(id, value, metadata)], store=store)

    def embed_multi(
        self,
        entries: Iterable[tuple[str, Embeddable]],
        store: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Embed many ``(id, value)`` pairs, ``batch_size`` at a time."""
        self.embed_multi_with_metadata(
            ((id, value, None) for id, value in entries), store=store, batch_size=batch_size
        )

    def embed_multi_with_metadata(
        self,
        entries: Iterable[tuple[str, Embeddable, dict[str, Any] | None]],
        store: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Embed many ``(id, value, metadata)`` triples, ``batch_size`` at a time.

        An entry whose id already holds the same content (by ``content_hash``) is not sent to
        the model again. Rows are written in short transactions, each after the model calls
        (no write lock is held while a model works): at least every quarter second or
        ``_FLUSH_ROWS`` rows, and always before returning or raising.
        """
        model = self.model()
        batch_size = min(batch_size, model.batch_size or batch_size)
        iterator = iter(entries)
        pending: list[tuple[Any, ...]] = []
        last_flush = time.monotonic()
        try:
            while batch := list(islice(iterator, batch_size)):
                hashed = [
                    (str(id), value, metadata, self.content_hash(value))
                    for id, value, metadata in batch
                ]
                stored = self._stored_hashes([item[0] for item in hashed])
                todo = [item for item in hashed if stored.get(item[0]) != item[3]]
                if not todo:
                    continue
                vectors = model.embed_multi([item[1] for item in todo], batch_size=len(todo))
                now = int(time.time())
                pending.extend(
                    (
                        self.id,
                        id,
                        encode(vector),
                        value if store and isinstance(value, str) else None,
                        value if store and isinstance(value, bytes) else None,
                        content_hash,
                        json.dumps(metadata) if metadata else None,
                        now,
                    )
                    for vector, (id, value, metadata, content_hash) in zip(
                        vectors, todo, strict=True
                    )
                )
                if len(pending) >= _FLUSH_ROWS or time.monotonic() - last_flush >= _FLUSH_SECONDS:
                    self._write(pending)
                    last_flush = time.monotonic()
        finally:
            # Whatever was embedded before a failure is kept: those rows are complete.
            self._write(pending)
        if self.store is not None:
            self.store.finish_writes(self.id)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        if rows and self.store is not None:
            self.store.write(rows)
            rows.clear()
        elif rows:
            with self._transaction():
                self.conn.executemany(_UPSERT, rows)
            rows.clear()

    def _stored_hashes(self, ids: list[str]) -> dict[str, bytes]:
        if self.store is not None:
            return self.store.stored_hashes(self.id, ids)
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for row_id, content_hash in self.conn.execute(
                f"SELECT id, content_hash FROM embeddings "
                f"WHERE collection_id = ? AND id IN ({marks})",
                [self.id, *chunk],
            ):
                found[row_id] = content_hash
        return found

    def similar_by_vector(
        self,
        vector: list[float],
        number: int = 10,
        skip_id: str | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """The ``number`` entries most similar to ``vector`` (cosine similarity), best first."""
        from .search import top_matches

        if self.store is not None:
            return [
                Entry(
                    id=row_id,
                    score=score,
                    content=content,
                    metadata=json.loads(metadata) if metadata else None,
                )
                for row_id, score, content, metadata in self.store.search(
                    self.id, vector, number, skip_id=skip_id, prefix=prefix
                )
            ]
        matches = top_matches(self.conn, self.id, vector, number, skip_id=skip_id, prefix=prefix)
        details = self._details([row_id for row_id, _ in matches])
        entries = []
        for row_id, score in matches:
            content, metadata = details.get(row_id, (None, None))
            entries.append(
                Entry(
                    id=row_id,
                    score=score,
                    content=content,
                    metadata=json.loads(metadata) if metadata else None,
                )
            )
        return entries

    def _details(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        if self.store is not None:
            return self.store.details(self.id, ids)
        details: dict[str, tuple[str | None, str | None]] = {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for row_id, content, metadata in self.conn.execute(
                f"SELECT id, content, metadata FROM embeddings "
                f"WHERE collection_id = ? AND id IN ({marks})",
                [self.id, *chunk],
            ):
                details[row_id] = (content, metadata)
        return details

    def similar_by_id(self, id: str, number: int = 10, prefix: str | None = None) -> list[Entry]:
        """Entries most similar to the stored entry ``id`` (which is left out)."""
        vector = self.vector_of(id)
        if vector is None:
            raise self.DoesNotExist("ID not found")
        return self.similar_by_vector(vector, number, skip_id=str(id), prefix=prefix)

    def vector_of(self, id: str) -> list[float] | None:
        """The stored vector of entry ``id`` (None when there is no such entry)."""
        from llm.vectors import decode

        blob: bytes | None
        if self.store is not None:
            blob = self.store.embedding_of(self.id, str(id))
        else:
            row = self.conn.execute(
                "SELECT embedding FROM embeddings WHERE collection_id = ? AND id = ?",
                [self.id, str(id)],
            ).fetchone()
            blob = None if row is None else (row[0] or b"")
        return None if blob is None else list(decode(blob))

    def similar(
        self, value: Embeddable, number: int = 10, prefix: str | None = None
    ) -> list[Entry]:
        """Entries most similar to ``value``, embedded with the collection's model."""
        vector = self.model().embed(value)
        return self.similar_by_vector(list(vector), number, prefix=prefix)

    @classmethod
    def exists(cls, db: Any, name: str) -> bool:
        """Whether ``db`` holds a collection called ``name``."""
        store = postgres_store(db)
        if store is not None:
            return store.exists(name)
        if is_url(db):
            db = sqlite_file_of_url(db)
        conn = sqlite3.connect(str(db)) if isinstance(db, (str, os.PathLike)) else None
        try:
            target = conn or connection_of(db)
            try:
                row = target.execute("SELECT 1 FROM collections WHERE name = ?", [name]).fetchone()
            except sqlite3.OperationalError:
                return False  # no collections table yet
            return row is not None
        finally:
            if conn is not None:
                conn.close()

    def delete(self) -> None:
        """Delete the collection and all its embeddings."""
        if self.store is not None:
            self.store.delete_collection(self.id)
            return
        with self._transaction():
            self.conn.execute("DELETE FROM embeddings WHERE collection_id = ?", [self.id])
            self.conn.execute("DELETE FROM collections WHERE id = ?", [self.id])
        from . import cache

        cache.discard(self.conn, self.id)

    @staticmethod
    def content_hash(input: Embeddable) -> bytes:
        """The MD5 digest used to spot unchanged content (override to hash differently)."""
        if isinstance(input, str):
            input = input.encode("utf8")
        return hashlib.md5(input).digest()


def iter_collections(conn: sqlite3.Connection) -> Iterator[tuple[str, str, int]]:
    """(name, model, number of embeddings) for every collection, in storage order."""
    yield from conn.execute(
        """
        SELECT collections.name, collections.model, count(embeddings.id)
        FROM collections LEFT JOIN embeddings ON collections.id = embeddings.collection_id
        GROUP BY collections.name, collections.model
        ORDER BY min(collections.id)
        """
    )

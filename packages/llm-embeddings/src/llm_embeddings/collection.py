"""``llm.Collection``: a named set of embeddings made with one model, in SQLite or PostgreSQL.

The database is given the way the original took it (a sqlite-utils ``Database``), or as a
``sqlite3.Connection``, a file path or a database URL. Whichever it is, the work is done by a
backend with one protocol (``backend.EmbeddingsBackend``): ``sqlite_store.SqliteEmbeddings``
or ``postgres.PostgresEmbeddings``; this class decides what to embed, never how to store it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from llm.embeddings import Embeddable, EmbeddingModel
from llm.vectors import encode

from .backend import open_backend
from .sqlite_store import SqliteEmbeddings, loads_metadata

# How much embedded-but-unwritten work is held before a write (see embed_multi_with_metadata).
_FLUSH_ROWS = 5000
_FLUSH_SECONDS = 0.25


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
        self.backend = open_backend(db)
        if isinstance(self.backend, SqliteEmbeddings):
            #: The ``sqlite3`` connection underneath (SQLite only), as the original offered.
            self.conn = self.backend.conn
            self._db = self.backend.given
        else:
            self._db = self.backend
        row = self.backend.find_collection(name)
        if row is not None:
            self.id, self.model_id = row
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
        self.id, self.model_id = self.backend.create_collection(name, model.model_id)
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

    def model(self) -> EmbeddingModel:
        """The embedding model this collection uses."""
        import llm

        if self._model is None:
            self._model = llm.get_embedding_model(self.model_id)
        return self._model

    def count(self) -> int:
        """How many entries the collection holds."""
        return self.backend.count(self.id)

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
                stored = self.backend.stored_hashes(self.id, [item[0] for item in hashed])
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
        self.backend.finish_writes(self.id)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.backend.write(rows)
            rows.clear()

    def similar_by_vector(
        self,
        vector: list[float],
        number: int = 10,
        skip_id: str | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """The ``number`` entries most similar to ``vector`` (cosine similarity), best first."""
        return [
            Entry(id=row_id, score=score, content=content, metadata=loads_metadata(metadata))
            for row_id, score, content, metadata in self.backend.search(
                self.id, vector, number, skip_id=skip_id, prefix=prefix
            )
        ]

    def similar_by_id(self, id: str, number: int = 10, prefix: str | None = None) -> list[Entry]:
        """Entries most similar to the stored entry ``id`` (which is left out)."""
        vector = self.vector_of(id)
        if vector is None:
            raise self.DoesNotExist("ID not found")
        return self.similar_by_vector(vector, number, skip_id=str(id), prefix=prefix)

    def vector_of(self, id: str) -> list[float] | None:
        """The stored vector of entry ``id`` (None when there is no such entry)."""
        from llm.vectors import decode

        blob = self.backend.embedding_of(self.id, str(id))
        return None if blob is None else list(decode(blob))

    def similar(
        self, value: Embeddable, number: int = 10, prefix: str | None = None
    ) -> list[Entry]:
        """Entries most similar to ``value``, embedded with the collection's model."""
        vector = self.model().embed(value)
        return self.similar_by_vector(list(vector), number, prefix=prefix)

    @classmethod
    def exists(cls, db: Any, name: str) -> bool:
        """Whether ``db`` holds a collection called ``name`` (a SQLite database gains no
        tables from being asked)."""
        backend = open_backend(db, create=False)
        try:
            return backend.exists(name)
        finally:
            if backend is not db and isinstance(backend, SqliteEmbeddings):
                backend.close()

    def delete(self) -> None:
        """Delete the collection and all its embeddings."""
        self.backend.delete_collection(self.id)

    @staticmethod
    def content_hash(input: Embeddable) -> bytes:
        """The MD5 digest used to spot unchanged content (override to hash differently)."""
        if isinstance(input, str):
            input = input.encode("utf8")
        return hashlib.md5(input).digest()

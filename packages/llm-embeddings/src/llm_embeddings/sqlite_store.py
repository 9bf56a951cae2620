"""Collections in SQLite (the original's ``embeddings.db``), through the standard library's
``sqlite3``: the same operations as ``postgres.PostgresEmbeddings`` (``backend.EmbeddingsBackend``).

Writing and searching never pay for sqlite-utils' table introspection: a sqlite-utils
``Database`` given by the caller is only used for the ``sqlite3`` connection underneath.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from typing import Any

from .backend import Match
from .database import connect
from .schema import connection_of, ensure_schema

# Ids looked up per query (well under SQLite's bound-parameter limit).
_LOOKUP_CHUNK = 500

_UPSERT = (
    "INSERT OR REPLACE INTO embeddings "
    "(collection_id, id, embedding, content, content_blob, content_hash, metadata, updated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class SqliteEmbeddings:
    """The embeddings tables of one SQLite database. ``given`` is what the caller passed in
    (a sqlite-utils ``Database`` or a connection, theirs to close), None when this opened
    the file itself."""

    def __init__(self, conn: sqlite3.Connection, given: Any = None) -> None:
        self.conn = conn
        self.given = given

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None, *, create: bool = True) -> SqliteEmbeddings:
        """The file at ``path`` (None: a new in-memory database); its tables brought up to date
        unless ``create`` is false (a read that must not write)."""
        if path is None:
            conn = sqlite3.connect(":memory:")
        elif create:
            conn = connect(os.fspath(path))
        else:
            conn = sqlite3.connect(os.fspath(path))
        store = cls(conn)
        if create:
            ensure_schema(conn)
        return store

    @classmethod
    def borrow(cls, db: Any, *, create: bool = True) -> SqliteEmbeddings:
        """The caller's sqlite-utils ``Database`` or ``sqlite3`` connection (left open)."""
        store = cls(connection_of(db), given=db)
        if create:
            ensure_schema(store.conn)
        return store

    def __repr__(self) -> str:
        return f"<SqliteEmbeddings {self.conn!r}>"

    def close(self) -> None:
        if self.given is None:
            self.conn.close()

    # -- collections -------------------------------------------------------------------------

    def find_collection(self, name: str) -> tuple[int, str] | None:
        try:
            row = self.conn.execute(
                "SELECT id, model FROM collections WHERE name = ?", [name]
            ).fetchone()
        except sqlite3.OperationalError:
            if self._has_collections():
                raise
            return None  # no collections table yet (a database opened without create)
        return None if row is None else (int(row[0]), str(row[1]))

    def _has_collections(self) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'collections'"
        ).fetchone()
        return found is not None

    def create_collection(self, name: str, model_id: str) -> tuple[int, str]:
        with self.conn:
            # OR IGNORE: another process may create the same collection at the same moment;
            # then both use the row that won (the unique index on name decides).
            self.conn.execute(
                "INSERT OR IGNORE INTO collections (name, model) VALUES (?, ?)", [name, model_id]
            )
        found = self.find_collection(name)
        assert found is not None
        return found

    def exists(self, name: str) -> bool:
        return self.find_collection(name) is not None

    def iter_collections(self) -> list[tuple[str, str, int]]:
        rows = self.conn.execute(
            """
            SELECT collections.name, collections.model, count(embeddings.id)
            FROM collections LEFT JOIN embeddings ON collections.id = embeddings.collection_id
            GROUP BY collections.name, collections.model
            ORDER BY min(collections.id)
            """
        )
        return [(str(name), str(model), int(count)) for name, model, count in rows]

    def delete_collection(self, collection_id: int) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM embeddings WHERE collection_id = ?", [collection_id])
            self.conn.execute("DELETE FROM collections WHERE id = ?", [collection_id])
        from . import cache

        cache.discard(self.conn, collection_id)

    def delete_if_empty(self, collection_id: int) -> bool:
        with self.conn:
            # One statement: no row can be written between the look and the delete.
            cursor = self.conn.execute(
                "DELETE FROM collections WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM embeddings WHERE collection_id = ?)",
                [collection_id, collection_id],
            )
        if cursor.rowcount != 1:
            return False
        from . import cache

        cache.discard(self.conn, collection_id)
        return True

    # -- rows --------------------------------------------------------------------------------

    def count(self, collection_id: int) -> int:
        (count,) = self.conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [collection_id]
        ).fetchone()
        return int(count)

    def _in_chunks(
        self, columns: str, collection_id: int, ids: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = list(ids[start : start + _LOOKUP_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.conn.execute(
                    f"SELECT {columns} FROM embeddings WHERE collection_id = ? AND id IN ({marks})",
                    [collection_id, *chunk],
                )
            )
        return rows

    def stored_hashes(self, collection_id: int, ids: list[str]) -> dict[str, bytes]:
        unique = list(dict.fromkeys(ids))
        return {
            row[0]: row[1] for row in self._in_chunks("id, content_hash", collection_id, unique)
        }

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            with self.conn:  # commits on success, rolls back on error
                self.conn.executemany(_UPSERT, rows)

    def finish_writes(self, collection_id: int) -> None:
        """Nothing to do: the numpy search cache notices new rows by itself."""

    def embedding_of(self, collection_id: int, id: str) -> bytes | None:
        row = self.conn.execute(
            "SELECT embedding FROM embeddings WHERE collection_id = ? AND id = ?",
            [collection_id, id],
        ).fetchone()
        return None if row is None else (row[0] or b"")

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
        best first; ties keep storage order."""
        from .search import top_matches

        matches = top_matches(
            self.conn, collection_id, vector, number, skip_id=skip_id, prefix=prefix
        )
        details = {
            row_id: (content, metadata)
            for row_id, content, metadata in self._in_chunks(
                "id, content, metadata", collection_id, [row_id for row_id, _ in matches]
            )
        }
        return [(row_id, score, *details.get(row_id, (None, None))) for row_id, score in matches]


def loads_metadata(metadata: Any) -> dict[str, Any] | None:
    """A stored metadata column as a dict (None when empty)."""
    return json.loads(metadata) if metadata else None

"""The embeddings database behind one protocol: SQLite (``sqlite_store.SqliteEmbeddings``) and
PostgreSQL (``postgres.PostgresEmbeddings``) do the same things, and ``Collection`` and the CLI
call them without asking which one they have.

Rows are ``(collection_id, id, embedding, content, content_blob, content_hash, metadata,
updated)`` as the original's ``embeddings`` table holds them; a search match is ``(id, score,
content, metadata)``, best first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol

Match = tuple[str, float, Any, Any]


class EmbeddingsBackend(Protocol):
    """What a ``Collection`` needs of the database it lives in."""

    def find_collection(self, name: str) -> tuple[int, str] | None:
        """(id, model) of the collection ``name``, None when there is none."""
        ...

    def create_collection(self, name: str, model_id: str) -> tuple[int, str]:
        """(id, model) of ``name``, created with ``model_id`` unless another process created
        it first (then that one's)."""
        ...

    def exists(self, name: str) -> bool: ...

    def iter_collections(self) -> list[tuple[str, str, int]]:
        """(name, model, number of embeddings) of every collection, in creation order."""
        ...

    def delete_collection(self, collection_id: int) -> None: ...

    def delete_if_empty(self, collection_id: int) -> bool:
        """Delete the collection if it holds no embeddings, in one step (a row written
        meanwhile keeps it); whether it was deleted. For a collection a failed command
        created: it leaves nothing behind."""
        ...

    def count(self, collection_id: int) -> int: ...

    def stored_hashes(self, collection_id: int, ids: list[str]) -> dict[str, bytes]:
        """The content hash stored under each of ``ids`` that exists."""
        ...

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Upsert rows, in one transaction."""
        ...

    def finish_writes(self, collection_id: int) -> None:
        """After a batch of writes: whatever the backend does once (an index)."""
        ...

    def embedding_of(self, collection_id: int, id: str) -> bytes | None: ...

    def close(self) -> None:
        """Close what this backend opened (a connection the caller gave stays open)."""
        ...

    def search(
        self,
        collection_id: int,
        vector: Sequence[float],
        number: int,
        *,
        skip_id: str | None = None,
        prefix: str | None = None,
    ) -> list[Match]: ...


def is_url(target: object) -> bool:
    return isinstance(target, str) and "://" in target


def sqlite_file_of_url(url: str) -> str | None:
    """The file a ``sqlite:///path`` URL names (None for other URLs)."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0].lower() != "sqlite":
        return None
    path = rest[1:] if rest.startswith("/") else rest
    return path.split("?", 1)[0] or ":memory:"


def open_backend(db: Any, *, create: bool = True) -> EmbeddingsBackend:
    """The backend for ``db``: a backend as it is; a PostgreSQL URL (imports SQLAlchemy);
    otherwise SQLite - None (in memory), a path, a ``sqlite:///`` URL, a ``sqlite3``
    connection or a sqlite-utils ``Database``. ``create=False``: a SQLite database's tables
    are not created (for a look that must not write)."""
    from .sqlite_store import SqliteEmbeddings

    if isinstance(db, SqliteEmbeddings):
        return db
    if type(db).__name__ == "PostgresEmbeddings":
        from .postgres import PostgresEmbeddings

        if isinstance(db, PostgresEmbeddings):
            return db
    if is_url(db):
        file = sqlite_file_of_url(db)
        if file is None:
            from .postgres import PostgresEmbeddings

            return PostgresEmbeddings.open(db)
        return SqliteEmbeddings.open(file, create=create)
    if db is None or isinstance(db, str | os.PathLike):
        return SqliteEmbeddings.open(db, create=create)
    return SqliteEmbeddings.borrow(db, create=create)

"""llm_embeddings: collections of embeddings, their storage and similarity search.

Importing this package is cheap (standard library only); numpy is imported by the search.
"""

from __future__ import annotations

from llm.vectors import cosine_similarity, decode, encode

from .collection import Collection, Entry, default_database_path
from .schema import embeddings_migrations

__all__ = [
    "Collection",
    "Entry",
    "cosine_similarity",
    "decode",
    "default_database_path",
    "embeddings_migrations",
    "encode",
]

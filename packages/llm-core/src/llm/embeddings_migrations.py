"""``from llm.embeddings_migrations import embeddings_migrations`` — the original's import path.

The embeddings schema lives in llm-embeddings; this re-exports its migration set lazily.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name != "embeddings_migrations":
        raise AttributeError(f"module 'llm.embeddings_migrations' has no attribute {name!r}")
    from ._compat import sibling

    schema = sibling("embeddings", "schema", feature="llm.embeddings_migrations")
    return schema.embeddings_migrations

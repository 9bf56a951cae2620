"""``from llm.embeddings_migrations import embeddings_migrations`` — the original's import path.

The embeddings schema lives in llm-embeddings; this re-exports its migration set lazily.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name != "embeddings_migrations":
        raise AttributeError(f"module 'llm.embeddings_migrations' has no attribute {name!r}")
    try:
        from llm_embeddings.schema import embeddings_migrations
    except ImportError as ex:  # pragma: no cover - depends on the installation
        raise ImportError(
            "llm.embeddings_migrations needs the llm-embeddings package: pip install llm-embeddings"
        ) from ex
    return embeddings_migrations

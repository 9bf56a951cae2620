"""The base class for embedding models; collections and vector search live in llm-embeddings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

Embeddable = str | bytes


class EmbeddingModel:
    """Turns text (or binary content) into vectors. Subclasses implement ``embed_batch``."""

    model_id: str
    key: str | None = None
    needs_key: str | None = None
    key_env_var: str | None = None
    supports_text: bool = True
    supports_binary: bool = False
    batch_size: int | None = None

    def _check(self, item: Embeddable) -> None:
        if isinstance(item, bytes) and not self.supports_binary:
            raise ValueError("This model does not support binary data, only text")
        if isinstance(item, str) and not self.supports_text:
            raise ValueError("This model does not support text data, only binary")

    def embed(self, item: Embeddable) -> list[float]:
        """Embed one string or bytes value."""
        self._check(item)
        return next(iter(self.embed_batch([item])))

    def embed_multi(
        self, items: Iterable[Embeddable], batch_size: int = 100
    ) -> Iterator[list[float]]:
        """Embed many items, calling ``embed_batch`` with at most ``batch_size`` at a time."""
        size = min(batch_size, self.batch_size) if self.batch_size else batch_size
        iterator = iter(items)
        while batch := list(islice(iterator, size)):
            for item in batch:
                self._check(item)
            yield from self.embed_batch(batch)

    def embed_batch(self, items: Iterable[Embeddable]) -> Iterator[list[float]]:
        raise NotImplementedError(f"{type(self).__name__} must implement embed_batch()")

    def get_key(self, explicit_key: str | None = None) -> str | None:
        from .config import key_for_model

        return key_for_model(self, explicit_key)

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.model_id}'>"


# ``from llm.embeddings import Entry`` (and ``Collection``), as in the original: they live in
# llm-embeddings and are resolved on first access so this module stays light.
_FROM_EMBEDDINGS = {"Entry", "Collection"}


def __getattr__(name: str) -> object:
    if name not in _FROM_EMBEDDINGS:
        raise AttributeError(f"module 'llm.embeddings' has no attribute {name!r}")
    from ._compat import sibling

    return getattr(sibling("embeddings", feature=f"llm.embeddings.{name}"), name)

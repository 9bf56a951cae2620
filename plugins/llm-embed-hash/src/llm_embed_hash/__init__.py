"""llm-embed-hash: deterministic feature-hashing embedding models (no downloads, no network)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from hashlib import blake2b

import llm
from llm.embeddings import Embeddable

_WORD = re.compile(r"\w+")


class HashEmbedding(llm.EmbeddingModel):
    """Bag of hashed words (or 4-byte windows for binary input), normalised to unit length."""

    supports_text = True
    supports_binary = True
    batch_size = 1000

    def __init__(self, model_id: str, dimensions: int) -> None:
        self.model_id = model_id
        self.dimensions = dimensions
        self._slots: dict[bytes, tuple[int, float]] = {}

    def _slot(self, token: bytes) -> tuple[int, float]:
        slot = self._slots.get(token)
        if slot is None:
            value = int.from_bytes(blake2b(token, digest_size=8).digest(), "little")
            slot = (value % self.dimensions, 1.0 if value >> 63 else -1.0)
            if len(self._slots) < 100_000:  # a bounded memo: words repeat a lot
                self._slots[token] = slot
        return slot

    @staticmethod
    def tokens(item: Embeddable) -> Iterable[bytes]:
        if isinstance(item, str):
            return (word.encode("utf-8") for word in _WORD.findall(item.lower()))
        return (item[i : i + 4] for i in range(max(len(item) - 3, 1)))

    def vector(self, item: Embeddable) -> list[float]:
        counts: dict[int, float] = {}
        for token in self.tokens(item):
            index, sign = self._slot(token)
            counts[index] = counts.get(index, 0.0) + sign
        # Only the touched dimensions matter: O(tokens), not O(dimensions).
        norm = math.sqrt(sum(x * x for x in counts.values()))
        vector = [0.0] * self.dimensions
        for index, value in counts.items():
            vector[index] = value / norm if norm else 0.0
        return vector

    def embed_batch(self, items: Iterable[Embeddable]) -> Iterator[list[float]]:
        for item in items:
            yield self.vector(item)


MODELS = (("hash-384", 384, ("hash",)), ("hash-64", 64, ()))


@llm.hookimpl
def register_embedding_models(register: Callable[..., None]) -> None:
    for model_id, dimensions, aliases in MODELS:
        register(HashEmbedding(model_id, dimensions), aliases=aliases)

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

import llm
from llm.plugins import pm


class WordLengths(llm.EmbeddingModel):
    """The conformance suite's demo model: word lengths, padded to 16 values."""

    model_id = "word-lengths"
    batch_size = 10
    supports_binary = True

    def __init__(self) -> None:
        self.batches: list[list[str | bytes]] = []

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        batch = list(items)
        self.batches.append(batch)
        for item in batch:
            words = item.split()[:16]
            vector = [float(len(word)) for word in words]
            yield vector + [0.0] * (16 - len(vector))

    @property
    def embedded(self) -> list[str | bytes]:
        return [item for batch in self.batches for item in batch]


@pytest.fixture
def model() -> Iterator[WordLengths]:
    instance = WordLengths()

    class Plugin:
        __name__ = "WordLengthsPlugin"

        @llm.hookimpl
        def register_embedding_models(self, register):  # type: ignore[no-untyped-def]
            register(instance, aliases=("wl",))

    plugin = Plugin()
    pm.register(plugin, name="word-lengths-test")
    try:
        yield instance
    finally:
        pm.unregister(name="word-lengths-test")

"""EmbeddingModel: embed() and embed_multi() batching."""

from __future__ import annotations

import pytest

import llm


class Counter(llm.EmbeddingModel):
    model_id = "test-counter"

    def __init__(self, batch_size: int | None = None) -> None:
        self.batch_size = batch_size
        self.batches: list[list[str | bytes]] = []

    def embed_batch(self, items):  # type: ignore[no-untyped-def]
        items = list(items)
        self.batches.append(items)
        for item in items:
            yield [float(len(item)), 1.0]


class BinaryOnly(Counter):
    model_id = "test-binary"
    supports_text = False
    supports_binary = True


def test_embed_one() -> None:
    model = Counter()
    assert model.embed("hello") == [5.0, 1.0]
    assert model.batches == [["hello"]]


def test_embed_multi_batches() -> None:
    model = Counter()
    items = [f"item {i}" for i in range(7)]
    vectors = list(model.embed_multi(items, batch_size=3))
    assert vectors == [[float(len(i)), 1.0] for i in items]
    assert [len(batch) for batch in model.batches] == [3, 3, 1]


def test_embed_multi_is_lazy_and_takes_a_generator() -> None:
    model = Counter()
    results = model.embed_multi(str(i) for i in range(250))
    assert model.batches == []
    assert len(list(results)) == 250
    assert [len(batch) for batch in model.batches] == [100, 100, 50]


def test_model_batch_size_caps_the_batch() -> None:
    model = Counter(batch_size=2)
    list(model.embed_multi(["a", "b", "c", "d", "e"], batch_size=10))
    assert [len(batch) for batch in model.batches] == [2, 2, 1]


def test_text_and_binary_support_is_checked() -> None:
    with pytest.raises(ValueError, match="binary"):
        Counter().embed(b"\x00\x01")
    with pytest.raises(ValueError, match="text"):
        BinaryOnly().embed("text")
    assert BinaryOnly().embed(b"abc") == [3.0, 1.0]


def test_embed_batch_must_be_implemented() -> None:
    class Nothing(llm.EmbeddingModel):
        model_id = "nothing"

    with pytest.raises(NotImplementedError):
        Nothing().embed("x")


def test_embedding_model_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    class Keyed(Counter):
        needs_key = "test-embed-key"
        key_env_var = "LLM_TEST_KEY"

    with pytest.raises(llm.NeedsKeyException, match="llm keys set test-embed-key"):
        Keyed().get_key()
    monkeypatch.setenv("LLM_TEST_KEY", "env-key")
    assert Keyed().get_key() == "env-key"
    assert Counter().get_key() is None
    assert str(Counter()) == "Counter: test-counter"

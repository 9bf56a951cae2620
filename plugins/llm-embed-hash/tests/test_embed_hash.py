from __future__ import annotations

import math

import pytest

import llm
from llm_embed_hash import HashEmbedding


def test_registered_with_alias() -> None:
    model = llm.get_embedding_model("hash")
    assert model.model_id == "hash-384"
    assert llm.get_embedding_model("hash-64").model_id == "hash-64"


def test_deterministic_unit_vectors() -> None:
    model = HashEmbedding("h", 384)
    vector = model.embed("Hello, hello world!")
    assert len(vector) == 384
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0)
    # Case and punctuation are ignored; the same words give the same vector in a new instance.
    assert HashEmbedding("h", 384).embed("hello HELLO world") == vector
    # Two of three tokens are "hello": those dimensions carry the weight.
    assert sorted(abs(x) for x in vector if x)[-1] == pytest.approx(2 / math.sqrt(5))


def test_similar_texts_score_higher() -> None:
    model = HashEmbedding("h", 384)

    def cos(a: str, b: str) -> float:
        return sum(x * y for x, y in zip(model.embed(a), model.embed(b), strict=True))

    assert cos("the cat sat", "the cat ran") > cos("the cat sat", "quantum flux")


def test_binary_and_empty_input() -> None:
    model = HashEmbedding("h", 64)
    assert model.embed(b"\x00\x01\x02\x03\x04") == model.embed(b"\x00\x01\x02\x03\x04")
    assert any(model.embed(b"\x00\x01"))
    assert model.embed("") == [0.0] * 64

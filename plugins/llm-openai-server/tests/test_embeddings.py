"""/v1/embeddings through the openai SDK: the vectors the model makes in process."""

from __future__ import annotations

import base64
import struct

import openai
import pytest

import llm

from .conftest import Running


def _hash_model() -> str:
    return next(
        e.model.model_id
        for e in llm.get_embedding_models_with_aliases()
        if "hash" in e.model.model_id
    )


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_embeddings_match_the_model(server: Running, encoding: str) -> None:
    name = _hash_model()
    answer = server.client().embeddings.create(
        model=name,
        input=["first text", "second"],
        encoding_format=encoding,  # type: ignore[arg-type]
    )
    expected = list(llm.get_embedding_model(name).embed_multi(["first text", "second"]))
    assert [d.index for d in answer.data] == [0, 1]
    for got, want in zip(answer.data, expected, strict=True):
        vector = got.embedding
        if encoding == "base64":  # asked for explicitly, the SDK hands over the text
            raw = base64.b64decode(vector)  # type: ignore[arg-type]
            vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        assert vector == pytest.approx(want, rel=1e-6)
    one = server.client().embeddings.create(model=name, input="first text")
    assert one.data[0].embedding == pytest.approx(expected[0], rel=1e-6)


def test_token_arrays_are_refused(server: Running) -> None:
    with pytest.raises(openai.BadRequestError):
        server.client().embeddings.create(model=_hash_model(), input=[[1, 2, 3]])

"""Completion models (with logprobs) and embedding models (with batching)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pydantic
import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm.config import set_key


@pytest.fixture(autouse=True)
def configured(environment: Path, fake: FakeOpenAI) -> None:
    write_extra_models(environment, fake.url)
    set_key("fake", "sk-good")


@pytest.mark.parametrize("stream", [True, False])
def test_completion_with_logprobs(fake: FakeOpenAI, stream: bool) -> None:
    model = llm.get_model("fake-instruct")
    assert str(model) == "OpenAI Completion: fake-instruct"
    response = model.prompt("Hello", logprobs=2, stream=stream)
    assert response.text() == " there"
    sent = fake.requests[-1]
    assert sent["path"] == "/v1/completions"
    assert sent["body"]["prompt"] == "Hello"
    assert sent["body"]["model"] == "instruct-model"
    assert sent["body"]["logprobs"] == 2
    assert response.json()["logprobs"] == [
        {"text": " there", "top_logprobs": {" there": -0.1, " world": -2.5}}
    ]
    assert response.usage().input == 3


def test_completion_conversation_and_async(fake: FakeOpenAI) -> None:
    conversation = llm.get_model("fake-instruct").conversation()
    conversation.prompt("One").text()
    conversation.prompt("Two").text()
    assert fake.requests[-1]["body"]["prompt"] == "One\n there\nTwo"

    async def run() -> str:
        return await llm.get_async_model("fake-instruct").prompt("Hi").text()

    assert asyncio.run(run()) == " there"


def test_completion_options_validated() -> None:
    model = llm.get_model("gpt-3.5-turbo-instruct")
    with pytest.raises(pydantic.ValidationError):
        model.prompt("x", logprobs=10)
    with pytest.raises(pydantic.ValidationError):
        llm.get_model("gpt-4o-mini").prompt("x", logprobs=1)  # chat models do not take it


def test_embeddings_batched_with_dimensions(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    model = llm.get_embedding_model("3-small-512")
    assert model.model_id == "text-embedding-3-small-512"
    assert model.embed("abc") == [3.0] * 512
    assert fake.requests[-1]["body"]["model"] == "text-embedding-3-small"
    assert fake.requests[-1]["body"]["dimensions"] == 512

    fake.reset()
    ada = llm.get_embedding_model("ada")
    vectors = list(ada.embed_multi(["x" * (i % 7) for i in range(250)], batch_size=500))
    assert len(vectors) == 250
    assert vectors[13] == [6.0, 6.0, 6.0]
    assert [len(r["body"]["input"]) for r in fake.requests] == [100, 100, 50]
    assert "dimensions" not in fake.requests[0]["body"]


def test_embeddings_need_a_key() -> None:
    with pytest.raises(llm.NeedsKeyException, match="llm keys set openai"):
        llm.get_embedding_model("3-large").embed("hi")

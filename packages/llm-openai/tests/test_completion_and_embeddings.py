"""Completion models (with logprobs) and embedding models (with batching)."""

from __future__ import annotations

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
    usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    top = [{" there": -0.1, " world": -2.5}]
    if stream:
        # The original's summary of a stream: no finish reason for completion chunks, the
        # top log probabilities per chunk as the API sent them.
        assert response.json() == {
            "content": " there",
            "usage": usage,
            "logprobs": [{"text": " there", "top_logprobs": top}],
            "id": "cmpl-1",
            "object": "text_completion",
            "model": "instruct-model",
            "created": 1700000000,
        }
    else:
        # Not streamed: the API's answer as it came, None values removed.
        assert response.json() == {
            "id": "cmpl-1",
            "choices": [
                {
                    "finish_reason": "stop",
                    "index": 0,
                    "logprobs": {
                        "text_offset": [0],
                        "token_logprobs": [-0.1],
                        "tokens": [" there"],
                        "top_logprobs": top,
                    },
                    "text": " there",
                }
            ],
            "created": 1700000000,
            "model": "instruct-model",
            "object": "text_completion",
            "usage": usage,
        }
    assert response.usage().input == 3


def test_completion_conversation_and_async(fake: FakeOpenAI) -> None:
    conversation = llm.get_model("fake-instruct").conversation()
    conversation.prompt("One").text()
    response = conversation.prompt("Two")
    response.text()
    assert fake.requests[-1]["body"]["prompt"] == "One\n there\nTwo"
    # Logged as the original did: one entry per line sent.
    assert response.prompt_json == {"messages": ["One", " there", "Two"]}


def test_instruct_default_max_tokens_and_no_system_prompt(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    model = llm.get_model("gpt-3.5-turbo-instruct")
    model.prompt("Hi", key="sk-good", stream=False).text()
    assert fake.requests[-1]["body"] == {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Hi",
        "stream": False,
        "max_tokens": 256,
    }
    model.prompt("Hi", key="sk-good", max_tokens=5).text()
    assert fake.requests[-1]["body"]["max_tokens"] == 5
    sent = len(fake.requests)
    with pytest.raises(
        llm.ModelError, match=r"^System prompts are not supported for OpenAI completion models$"
    ):
        model.prompt("Hi", system="be brief", key="sk-good").text()
    assert len(fake.requests) == sent

    # As in the original, completion models have no async variant.
    with pytest.raises(llm.UnknownModelError, match="sync model exists"):
        llm.get_async_model("fake-instruct")


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

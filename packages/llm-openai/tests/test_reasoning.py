"""Visible reasoning: streamed as events, shown on standard error (never standard output),
hidden with -R, kept in the response's messages; from the Responses API's reasoning
summaries and from the ``reasoning_content`` that OpenAI-compatible servers send."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm.parts import ReasoningPart
from llm_cli.testing import invoke


@pytest.fixture
def openai_at_fake(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    return fake


@pytest.fixture
def configured(environment: Path, fake: FakeOpenAI) -> Path:
    write_extra_models(environment, fake.url)
    (environment / "keys.json").write_text(json.dumps({"fake": "sk-good"}))
    return environment


@pytest.mark.parametrize("stream", [True, False])
def test_responses_reasoning_summary_becomes_a_reasoning_part(
    openai_at_fake: FakeOpenAI, stream: bool
) -> None:
    response = llm.get_model("gpt-5.5").prompt("hi", stream=stream)
    events = list(response.stream_events())
    reasoning = "".join(e.chunk for e in events if e.type == "reasoning")
    assert reasoning == "Thinking about it"
    assert "".join(e.chunk for e in events if e.type == "text") == "Hello from fake: hi"
    [part] = [p for m in response.messages() for p in m.parts if isinstance(p, ReasoningPart)]
    assert part.text == "Thinking about it"
    # as 0.36 keeps it: the id and ciphertext OpenAI needs back, and the item's summary
    assert part.provider_metadata == {
        "openai": {
            "id": "rs_1",
            "encrypted_content": "enc-1",
            "summary": [{"type": "summary_text", "text": "Thinking about it"}],
        }
    }


def test_cli_shows_reasoning_on_stderr_only(openai_at_fake: FakeOpenAI) -> None:
    result = invoke("-m", "gpt-5.5", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    # Plain when standard error is not a terminal; the answer starts on a fresh line.
    assert result.stderr == "Thinking about it\n"


def test_hide_reasoning_asks_for_no_summary_and_shows_none(openai_at_fake: FakeOpenAI) -> None:
    result = invoke("-m", "gpt-5.5", "hi", "-R", "-o", "reasoning_effort", "low")
    assert (result.returncode, result.stdout, result.stderr) == (0, "Hello from fake: hi\n", "")
    assert openai_at_fake.requests[-1]["body"]["reasoning"] == {"effort": "low"}


@pytest.mark.parametrize("args", [(), ("--no-stream",), ("--async",)])
def test_reasoning_content_from_compatible_servers(configured: Path, args: tuple) -> None:
    result = invoke("-m", "fake-thinker", "hi", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    if "--no-stream" in args:
        assert result.stderr == ""  # not streamed: only the answer is printed
    else:
        assert result.stderr == "Let me think.\n"
    hidden = invoke("-m", "fake-thinker", "hi", "-R", *args)
    assert (hidden.stdout, hidden.stderr) == ("Hello from fake: hi\n", "")


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_content_is_kept_in_the_messages(configured: Path, stream: bool) -> None:
    response = llm.get_model("fake-thinker").prompt("hi", stream=stream)
    assert response.text() == "Hello from fake: hi"
    [part] = [p for m in response.messages() for p in m.parts if isinstance(p, ReasoningPart)]
    assert part.text == "Let me think."


def test_chat_shows_reasoning_on_stderr(configured: Path) -> None:
    result = invoke("chat", "-m", "fake-thinker", input="hi\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "Let me think." in result.stderr
    assert "Let me think." not in result.stdout
    assert "Hello from fake: hi" in result.stdout

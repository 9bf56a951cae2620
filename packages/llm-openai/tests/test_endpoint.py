"""``llm openai endpoint URL [PROMPT]``: any OpenAI-compatible server with no configuration,
against the fake server on 127.0.0.1: a prompt, --models, --responses, --chat, headers,
keys, and logging (unlike llm 0.36, logged unless -n)."""

from __future__ import annotations

import json
from pathlib import Path

from fake_openai import FakeOpenAI

from llm_cli.testing import invoke


def _logged_models() -> list[str]:
    result = invoke("logs", "-n", "0", "--json")
    return [row["model"] for row in json.loads(result.stdout)] if result.returncode == 0 else []


def test_prompt_with_headers_and_a_key(fake: FakeOpenAI, environment: Path) -> None:
    result = invoke(
        "openai", "endpoint", fake.url, "hello", "-m", "fake-chat", "--key", "sk-good",
        "-H", "X-Test", "one", "-o", "reasoning_effort", "low", "--no-stream",
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hello\n"), result.stderr
    [request] = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["x-test"] == "one"
    assert request["headers"]["authorization"] == "Bearer sk-good"
    assert request["body"] == {
        "model": "fake-chat",
        "messages": [{"role": "user", "content": "hello"}],
        "reasoning_effort": "low",
        "stream": False,
    }
    assert _logged_models() == ["fake-chat"]


def test_no_log_and_a_stored_key(fake: FakeOpenAI, environment: Path) -> None:
    (environment / "keys.json").write_text(json.dumps({"local": "sk-good"}))
    result = invoke("openai", "endpoint", fake.url, "hi", "-m", "fake-chat", "--key", "local", "-n")
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hi\n"), result.stderr
    assert not (environment / "logs.db").exists()


def test_without_a_key_a_placeholder_is_sent(fake: FakeOpenAI) -> None:
    result = invoke("openai", "endpoint", fake.url, "hi", "-m", "fake-chat")
    assert result.returncode == 1
    assert fake.requests[-1]["headers"]["authorization"] == "Bearer DUMMY_KEY"
    assert "rejected the API key (401)" in result.stderr


def test_models(fake: FakeOpenAI, environment: Path) -> None:
    result = invoke("openai", "endpoint", fake.url, "--models", "--key", "sk-good")
    assert (result.returncode, result.stdout) == (0, "fake-chat\ngpt-4o-mini\n")
    assert not (environment / "logs.db").exists()


def test_responses_api(fake: FakeOpenAI) -> None:
    result = invoke(
        "openai", "endpoint", fake.url, "hi", "-m", "fake-chat", "--key", "sk-good",
        "--responses", "-o", "reasoning_effort", "low", "-o", "verbosity", "low",
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hi\n"), result.stderr
    body = fake.requests[-1]["body"]
    assert fake.requests[-1]["path"] == "/v1/responses"
    assert body["reasoning"] == {"effort": "low"}  # no summary asked of an unknown server
    assert body["text"] == {"verbosity": "low"}


def test_stdin_prompt(fake: FakeOpenAI) -> None:
    args = ("openai", "endpoint", fake.url, "-m", "fake-chat", "--key", "sk-good")
    result = invoke(*args, input="from stdin")
    assert (result.returncode, result.stdout) == (0, "Hello from fake: from stdin\n")


def test_chat_keeps_history(fake: FakeOpenAI) -> None:
    result = invoke(
        "openai", "endpoint", fake.url, "-m", "fake-chat", "--key", "sk-good", "--chat",
        "-s", "Be brief", input="first\nsecond\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Hello from fake: first" in result.stdout
    assert "Hello from fake: second" in result.stdout
    assert fake.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Hello from fake: first"},
        {"role": "user", "content": "second"},
    ]
    assert _logged_models() == ["fake-chat", "fake-chat"]


def test_model_is_required() -> None:
    result = invoke("openai", "endpoint", "http://127.0.0.1:9/v1", "hi")
    assert result.returncode == 2
    assert "-m/--model is required" in result.stderr

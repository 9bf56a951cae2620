"""``llm`` with OpenAI-style models against the fake server on 127.0.0.1.

Commands run in this process through the console script's entry point
(``llm_cli.testing.invoke``); one test runs the real executable, end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

from llm_cli.testing import invoke

LLM = shutil.which("llm", path=str(Path(sys.executable).parent)) or shutil.which("llm")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def configured(environment: Path, fake: FakeOpenAI) -> Path:
    """The user directory with the fake server's models and a key for them."""
    write_extra_models(environment, fake.url)
    (environment / "keys.json").write_text(json.dumps({"fake": "sk-good"}))
    return environment


@pytest.fixture
def run(configured: Path) -> Run:
    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return invoke(*args, env=env)

    return run


def test_the_executable_streams_logs_and_reports_usage(configured: Path, fake: FakeOpenAI) -> None:
    assert LLM, "the llm executable is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        [LLM, "-m", "fake-chat", "hello", "-s", "be nice", "-u"],
        capture_output=True, text=True, env=env, input="", timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hello\n"
    assert "Token usage: 10 input, 5 output" in result.stderr
    assert fake.requests[-1]["body"]["stream"] is True
    logged = json.loads(invoke("logs", "-n", "1", "--json").stdout)
    assert (logged[0]["prompt"], logged[0]["system"]) == ("hello", "be nice")
    assert logged[0]["response"] == "Hello from fake: hello"
    assert (logged[0]["input_tokens"], logged[0]["output_tokens"]) == (10, 5)


def test_prompt_streams_and_logs_usage(run: Run, fake: FakeOpenAI) -> None:
    result = run("-m", "fake-chat", "hello", "-s", "be nice", "-u", "-n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hello\n"
    assert "Token usage: 10 input, 5 output" in result.stderr
    assert fake.requests[-1]["body"]["stream"] is True


def test_default_model_with_env_key_and_base_url(run: Run, fake: FakeOpenAI) -> None:
    result = run(
        "hi", "--no-stream", "-o", "temperature", "0.2", "-n",
        env={"OPENAI_API_KEY": "sk-good", "OPENAI_BASE_URL": fake.url},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    sent = fake.requests[-1]["body"]
    # 0.36's default, a Responses model, so the request goes to /v1/responses
    assert fake.requests[-1]["path"] == "/v1/responses"
    assert (sent["model"], sent["stream"], sent["temperature"]) == ("gpt-5.6-luna", False, 0.2)


def test_async_flag(run: Run) -> None:
    result = run("-m", "fake-chat", "hey", "--async", "-n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hey\n"


def test_bad_option_fails_before_any_request(run: Run, fake: FakeOpenAI) -> None:
    result = run("-m", "fake-chat", "hi", "-o", "temperature", "9", "-n")
    assert result.returncode != 0
    assert "temperature" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake.requests == []


def test_no_key(run: Run) -> None:
    result = run("-m", "4o-mini", "hi", "-n")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: No key found - add one using 'llm keys set openai'"
        " or set the OPENAI_API_KEY environment variable"
    )


def test_bad_key(run: Run) -> None:
    result = run("-m", "fake-chat", "hi", "--key", "sk-bad", "-n")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "rejected the API key (401)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "sk-bad" not in result.stderr


def test_rate_limit_then_success_and_server_error(run: Run, fake: FakeOpenAI) -> None:
    result = run("-m", "fake-429-once", "hi", "-n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    fake.reset()
    result = run("-m", "fake-500", "hi", "-n")
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "server error (500): The server had an error - gave up after 3 attempts"
    )
    assert len(fake.requests) == 3


def test_connection_reset_and_unavailable_are_retried(run: Run, fake: FakeOpenAI) -> None:
    result = run("-m", "fake-reset-once", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    assert fake.counts["fake-reset-once"] == 2
    result = run("-m", "fake-503-twice", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    assert fake.counts["fake-503-twice"] == 3
    logged = json.loads(run("logs", "-n", "0", "--json").stdout)
    assert [(r["model"], r["response"]) for r in logged] == [
        ("fake-reset-once", "Hello from fake: hi"),
        ("fake-503-twice", "Hello from fake: hi"),
    ]


def test_timeout_is_reported_and_nothing_is_logged(run: Run, fake: FakeOpenAI) -> None:
    result = run("-m", "fake-slow", "hi", env={"LLM_OPENAI_TIMEOUT": "0.3"})
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: Request to {fake.url} timed out"
    assert fake.counts["fake-slow"] == 1
    assert json.loads(run("logs", "-n", "0", "--json").stdout) == []


def test_stream_cut_off(run: Run) -> None:
    result = run("-m", "fake-cutoff", "hi")
    assert result.returncode == 1
    assert result.stdout.startswith("The first half")
    assert "cut off before it finished" in result.stderr
    assert "the partial response was kept" in result.stderr
    assert "Traceback" not in result.stderr
    # What arrived is in the log.
    logged = json.loads(run("logs", "-n", "1", "--json").stdout)
    assert logged[0]["response"].startswith("The first half")
    assert logged[0]["model"] == "fake-cutoff"


def test_tool_call_model_listed_with_features(run: Run) -> None:
    result = run("models", "--options", "-m", "fake-reasoner")
    assert result.returncode == 0, result.stderr
    assert "OpenAI Chat: fake-reasoner" in result.stdout
    assert "reasoning_effort" in result.stdout


def test_openai_models_command(run: Run, fake: FakeOpenAI) -> None:
    env = {"OPENAI_BASE_URL": fake.url}
    result = run("openai", "models", "--json", "--key", "fake", env=env)
    assert result.returncode == 0, result.stderr
    assert [m["id"] for m in json.loads(result.stdout)] == ["fake-chat", "gpt-4o-mini"]
    assert fake.requests == []  # a GET: the fake server only records POST bodies
    result = run("openai", "models", env=env)
    assert result.returncode == 1
    assert "llm keys set openai" in result.stderr


def test_continuing_a_logged_conversation_sends_the_earlier_turns(
    run: Run, fake: FakeOpenAI
) -> None:
    first = run("-m", "fake-chat", "my name is Ada", "-s", "be brief")
    assert first.returncode == 0, first.stderr
    second = run("-c", "what is my name?")
    assert second.returncode == 0, second.stderr
    messages = fake.requests[-1]["body"]["messages"]
    assert messages == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "my name is Ada"},
        {"role": "assistant", "content": "Hello from fake: my name is Ada"},
        {"role": "user", "content": "what is my name?"},
    ]


def test_debug_output_through_the_cli(run: Run) -> None:
    result = run("-m", "fake-chat", "hi", "-n", env={"LLM_OPENAI_SHOW_RESPONSES": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake: hi\n"
    assert "Request: POST" in result.stderr  # the request, then the streamed body
    assert "data: [DONE]" in result.stderr
    assert "sk-good" not in result.stderr

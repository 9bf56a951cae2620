"""Options that llm 0.27-0.36 added to existing commands: ``-h``, ``prompt --options``,
``models list --json``, ``tools list -m``, ``embed --key`` / ``embed-multi --key``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from llm_cli.testing import invoke


@pytest.mark.parametrize(
    "command",
    [(), ("prompt",), ("chat",), ("logs", "list"), ("models", "options", "set"), ("openai",)],
)
def test_dash_h_is_help_everywhere(command: tuple[str, ...]) -> None:
    result = invoke(*command, "-h")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: llm")
    assert "-h, --help" in result.stdout


def test_prompt_options_shows_the_selected_models_options(environment: Path) -> None:
    shown = invoke("-m", "4o", "--options")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == invoke("models", "-m", "gpt-4o", "--options").stdout
    assert shown.stdout.startswith("OpenAI Chat: gpt-4o (aliases: 4o)\n  Options:\n")
    assert not (environment / "logs.db").exists()


def test_prompt_options_for_an_unknown_model_is_an_error() -> None:
    result = invoke("-m", "no-such-model", "--options")
    assert result.returncode == 1
    assert result.stderr == "Error: Unknown model: no-such-model\n"


def test_models_list_json() -> None:
    result = invoke("models", "--json", "-m", "4.1", "-m", "chatgpt")
    assert result.returncode == 0, result.stderr
    models = {model["model_id"]: model for model in json.loads(result.stdout)}
    assert set(models) == {"gpt-4.1", "gpt-3.5-turbo"}
    described = models["gpt-4.1"]
    assert list(described) == [
        "model_id", "aliases", "can_stream", "supports_schema", "supports_tools",
        "supports_conversation", "supports_async", "attachment_types", "server_side_tools",
    ]  # fmt: skip
    assert described["aliases"] == ["4.1"]
    assert described["supports_async"] is True
    assert "application/pdf" in described["attachment_types"]
    assert models["gpt-3.5-turbo"]["attachment_types"] == []
    with_options = json.loads(invoke("models", "--json", "--options", "-m", "4.1").stdout)
    assert with_options[0]["options"]["temperature"]["anyOf"][0]["type"] == "number"


def test_tools_list_for_a_model(environment: Path) -> None:
    listed = json.loads(invoke("tools", "list", "-m", "4o", "--json").stdout)
    assert listed["server_side_tools"] == []
    assert "server_side_tools" not in json.loads(invoke("tools", "list", "--json").stdout)
    unknown = invoke("tools", "list", "-m", "no-such-model")
    assert (unknown.returncode, unknown.stderr) == (1, "Error: Unknown model: no-such-model\n")


def test_embed_key(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    without = invoke("embed", "-m", "3-small", "-c", "abc")
    assert without.returncode == 1
    assert "llm keys set openai" in without.stderr
    result = invoke("embed", "-m", "3-small", "-c", "abc", "--key", "sk-good")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [3.0, 3.0, 3.0]
    assert fake.requests[-1]["headers"]["authorization"] == "Bearer sk-good"


def test_embed_multi_key(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    result = invoke(
        "embed-multi", "docs", "-", "--format", "csv", "-m", "3-small", "--key", "sk-good",
        input="id,text\n1,hello\n2,hi\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert fake.requests[-1]["headers"]["authorization"] == "Bearer sk-good"
    assert fake.requests[-1]["body"]["input"] == ["hello", "hi"]

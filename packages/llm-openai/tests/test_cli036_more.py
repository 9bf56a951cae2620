"""What llm 0.36 users rely on (issue 26), through the real ``openai`` SDK against the fake
server on 127.0.0.1: the default model, ``-T`` naming a model's server-side tools,
``-o image_detail original`` where 0.36 takes it, and ``llm openai endpoint --chat`` with
``-a``/``--at``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

import llm
from llm_cli.testing import invoke

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
    "rkJggg=="
)
GOOD = {"OPENAI_API_KEY": "sk-good"}


def _env(fake: FakeOpenAI) -> dict[str, str | None]:
    return {**GOOD, "OPENAI_BASE_URL": fake.url}


# ---------------------------------------------------------------- the default model


def test_a_user_who_never_chose_gets_the_default_of_0_36(fake: FakeOpenAI) -> None:
    assert invoke("models", "default").stdout == "gpt-5.6-luna\n"
    result = invoke("hello there", "-n", env=_env(fake))
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hello there\n")
    # a Responses model: the request goes to /v1/responses
    assert fake.requests[-1]["path"] == "/v1/responses"
    assert fake.requests[-1]["body"]["model"] == "gpt-5.6-luna"


def test_a_user_who_chose_a_default_keeps_it(fake: FakeOpenAI, environment: Path) -> None:
    assert invoke("models", "default", "4o-mini").returncode == 0
    assert (environment / "default_model.txt").read_text().strip() == "gpt-4o-mini"
    assert invoke("models", "default").stdout == "gpt-4o-mini\n"
    result = invoke("hello", "-n", env=_env(fake))
    assert result.returncode == 0, result.stderr
    assert fake.requests[-1]["path"] == "/v1/chat/completions"
    assert fake.requests[-1]["body"]["model"] == "gpt-4o-mini"
    assert llm.get_model().model_id == "gpt-4o-mini"


# ------------------------------------------------- -T names the model's server-side tools


def test_server_side_tool_specs_are_resolved_from_the_model(fake: FakeOpenAI) -> None:
    result = invoke(
        "-m", "gpt-5.6-luna", "--no-stream", "-n", "search please",
        "-T", 'WebSearch(allowed_domains=["openai.com"], search_context_size="low")',
        env=_env(fake),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = fake.requests[-1]["body"]
    assert body["tools"] == [
        {"type": "web_search", "filters": {"allowed_domains": ["openai.com"]},
         "search_context_size": "low"},
    ]  # fmt: skip


def test_an_unknown_tool_lists_the_models_server_side_tools_too(fake: FakeOpenAI) -> None:
    result = invoke("-m", "gpt-5.6-luna", "-T", "Nope()", "hi", env=_env(fake))
    assert result.returncode == 1
    assert result.stderr == (
        "Error: Tool(s) Nope() not found. Available tools:"
        " llm_version, llm_time, WebSearch, CodeInterpreter, ServerSideTool\n"
    )
    assert fake.requests == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("WebSearch(bogus=1)", "got an unexpected keyword argument 'bogus'"),
        ("WebSearch(", "Invalid spec string"),
    ],
)
def test_a_bad_server_side_tool_spec_is_one_clean_error(
    fake: FakeOpenAI, spec: str, message: str
) -> None:
    result = invoke("-m", "gpt-5.6-luna", "-T", spec, "hi", env=_env(fake))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert fake.requests == []


def test_a_model_without_server_side_tools_does_not_offer_them(fake: FakeOpenAI) -> None:
    result = invoke("-m", "gpt-4o-mini", "-T", "WebSearch", "hi", env=_env(fake))
    assert result.returncode == 1
    assert result.stderr == (
        "Error: Tool(s) WebSearch not found. Available tools: llm_version, llm_time\n"
    )


def test_tools_list_shows_server_side_tool_signatures_as_0_36() -> None:
    result = invoke("tools", "-m", "gpt-5.6-luna")
    assert "ServerSideTool(spec: dict | None = None)\n" in result.stdout


# ----------------------------------------------------------- -o image_detail original


@pytest.mark.parametrize(
    ("model_id", "original"),
    [
        ("gpt-5", False),
        ("gpt-5.2", False),
        ("o3", False),
        ("gpt-5.4", True),
        ("gpt-5.6-luna", True),
        ("gpt-6-sol", True),
    ],
)
def test_image_detail_original_only_where_0_36_takes_it(model_id: str, original: bool) -> None:
    model = llm.get_model(model_id)
    assert model.Options(image_detail="high").image_detail == "high"
    if original:
        assert model.Options(image_detail="original").image_detail == "original"
    else:
        with pytest.raises(ValueError, match="'low', 'high' or 'auto'"):
            model.Options(image_detail="original")


def test_image_detail_original_refused_before_any_request(fake: FakeOpenAI) -> None:
    result = invoke("-m", "gpt-5", "-o", "image_detail", "original", "hi", env=_env(fake))
    assert result.returncode == 1
    assert result.stderr == "Error: image_detail\n  Input should be 'low', 'high' or 'auto'\n"
    assert fake.requests == []


def test_image_detail_original_is_sent(fake: FakeOpenAI, tmp_path: Path) -> None:
    image = tmp_path / "px.png"
    image.write_bytes(PNG)
    result = invoke(
        "-m", "gpt-5.4", "-o", "image_detail", "original", "-a", str(image), "look", "-n",
        env=_env(fake),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    content = fake.requests[-1]["body"]["input"][0]["content"]
    assert [part.get("detail") for part in content if part["type"] == "input_image"] == ["original"]


def test_original_constructor_arguments_of_0_36() -> None:
    from llm.default_plugins.openai_models import Chat, Responses

    chat = Chat("x", verbosity=True, image_detail_original=True, service_tier=True)
    options = chat.Options(image_detail="original", verbosity="low")
    assert (options.image_detail, options.verbosity) == ("original", "low")
    with pytest.raises(ValueError):
        Chat("y").Options(image_detail="original")
    assert Responses("z", image_detail_original=True).Options(image_detail="original")
    with pytest.raises(ValueError):
        Responses("w").Options(image_detail="original")


# ----------------------------------------------------------- llm openai endpoint --chat


def test_endpoint_chat_sends_attachments_with_the_first_message(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    image = tmp_path / "px.bin"  # no extension: --at says what it is
    image.write_bytes(PNG)
    result = invoke(
        "openai", "endpoint", fake.url, "-m", "fake-chat", "--key", "sk-good", "--chat",
        "--at", str(image), "image/png", input="first\nsecond\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Chatting with fake-chat at {fake.url}\n")
    assert "Hello from fake: first" in result.stdout
    first, second = (r["body"]["messages"] for r in fake.requests[-2:])
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    opening = [
        {"type": "text", "text": "first"},
        {"type": "image_url", "image_url": {"url": data_url}},
    ]
    assert first == [{"role": "user", "content": opening}]
    # the attachment went with the first message only; the history keeps it there
    assert second[0] == {"role": "user", "content": opening}
    assert second[-1] == {"role": "user", "content": "second"}
    # and it is logged with that first turn
    logged = json.loads(invoke("logs", "--json", "-n", "0").stdout)
    assert [len(r["attachments"]) for r in logged] == [1, 0]
    assert logged[0]["attachments"][0]["type"] == "image/png"


def test_endpoint_chat_takes_verbosity_and_image_detail_original(fake: FakeOpenAI) -> None:
    result = invoke(
        "openai", "endpoint", fake.url, "-m", "fake-echo-request", "--key", "sk-good",
        "-o", "verbosity", "low", "-o", "image_detail", "original", "hi", "-n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert fake.requests[-1]["body"]["verbosity"] == "low"


def test_endpoint_chat_refuses_an_attachment_from_stdin(fake: FakeOpenAI) -> None:
    result = invoke(
        "openai", "endpoint", fake.url, "-m", "fake-chat", "--chat", "-a", "-", input="quit\n"
    )
    assert result.returncode == 2
    assert "Error: --chat reads standard input: an attachment cannot be '-'" in result.stderr
    assert fake.requests == []


# ------------------------------------------------------------------------ --save


def test_save_writes_an_enum_option_as_its_plain_value(environment: Path) -> None:
    result = invoke(
        "-m", "gpt-5", "-o", "reasoning_effort", "minimal", "-o", "temperature", "0.5",
        "--save", "thinker",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (environment / "templates" / "thinker.yaml").read_text() == (
        "model: gpt-5\noptions:\n    temperature: 0.5\n    reasoning_effort: minimal\n"
    )
    # and the template loads and runs with it
    assert invoke("templates", "show", "thinker").returncode == 0


# ------------------------------------------------------- what a Responses turn keeps


@pytest.mark.parametrize("stream", [True, False])
def test_a_search_and_its_answer_are_one_assistant_message(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    from llm_openai_provider.server_tools import WebSearch

    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    response = llm.get_model("gpt-5.6-luna").prompt(
        "news?", tools=[WebSearch()], key="sk-good", stream=stream
    )
    assert response.text() == "Hello from fake: news?"
    messages = response.messages()
    assert [[type(p).__name__ for p in m.parts] for m in messages] == [
        ["ReasoningPart", "ToolCallPart", "ToolResultPart", "TextPart"]
    ]
    call = messages[0].parts[1]
    assert (call.name, call.server_executed) == ("web_search", True)
    assert call.arguments == {"type": "search", "query": "news"}
    result = messages[0].parts[2]
    # no results were asked for: the search's status, as 0.36 records it
    assert (result.output, result.tool_call_id) == ("completed", call.tool_call_id)
    # the reasoning part keeps the item's summary as 0.36 does, with what goes back next turn
    assert messages[0].parts[0].provider_metadata == {
        "openai": {
            "id": f"rs_{len(fake.requests)}",
            "encrypted_content": f"enc-{len(fake.requests)}",
            "summary": [{"type": "summary_text", "text": "Thinking about it"}],
        }
    }

"""Models that llm 0.32+ drives through OpenAI's Responses API, against the fake server on
127.0.0.1 through the real ``openai`` SDK: streaming and not, sync and async, tools,
encrypted reasoning carried across turns (in a chain, a conversation and ``llm -c``), the
options, and ``-o chat_completions 1``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from fake_openai import FakeOpenAI

import llm
from llm_cli.testing import invoke


@pytest.fixture
def openai_at_fake(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The built-in OpenAI models, sent to the fake server."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    return fake


def _bodies(fake: FakeOpenAI, path: str = "/v1/responses") -> list[dict]:
    return [r["body"] for r in fake.requests if r["path"] == path]


def test_catalogue_routes_reasoning_models_to_responses() -> None:
    assert str(llm.get_model("gpt-5.5")) == "OpenAI Responses: gpt-5.5"
    assert str(llm.get_model("o3")) == "OpenAI Responses: o3"
    assert str(llm.get_model("gpt-4.1")) == "OpenAI Chat: gpt-4.1"
    assert "verbosity" in llm.get_model("gpt-5").Options.model_fields
    assert "verbosity" not in llm.get_model("o4-mini").Options.model_fields
    assert "chat_completions" in llm.get_async_model("gpt-5.6-luna").Options.model_fields
    assert "service_tier" in llm.get_model("gpt-4o").Options.model_fields
    assert llm.get_model("o1").can_stream is False


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_through_responses(openai_at_fake: FakeOpenAI, stream: bool) -> None:
    response = llm.get_model("gpt-5.5").prompt("hello", system="be brief", stream=stream)
    assert response.text() == "Hello from fake: hello"
    [body] = _bodies(openai_at_fake)
    assert body["input"] == [{"role": "user", "content": "hello"}]
    assert body["instructions"] == "be brief"
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["reasoning"] == {"summary": "auto"}
    assert (body["store"], body["stream"]) == (False, stream)
    assert response.response_json["object"] == "response"
    assert response.response_json["output"][0]["encrypted_content"] == "enc-1"
    assert (response.input_tokens, response.output_tokens) == (10, 5)
    assert response.token_details == {"output_tokens_details": {"reasoning_tokens": 3}}


@pytest.mark.parametrize("stream", [False, True])
def test_async_prompt_through_responses(openai_at_fake: FakeOpenAI, stream: bool) -> None:
    async def run() -> tuple[str, list[str]]:
        response = llm.get_async_model("gpt-5.5").prompt("hi", stream=stream)
        chunks = [chunk async for chunk in response]
        return await response.text(), chunks

    text, chunks = asyncio.run(run())
    assert text == "Hello from fake: hi"
    assert len(chunks) == (2 if stream else 1)
    assert _bodies(openai_at_fake)[0]["stream"] is stream


def test_options_become_responses_parameters(openai_at_fake: FakeOpenAI) -> None:
    response = llm.get_model("gpt-5.5").prompt(
        "hi",
        stream=False,
        reasoning_effort="high",
        reasoning_summary="detailed",
        verbosity="low",
        service_tier="flex",
        max_tokens=50,
        temperature=0.5,
    )
    assert response.text() == "Hello from fake: hi"
    [body] = _bodies(openai_at_fake)
    assert body["reasoning"] == {"summary": "detailed", "effort": "high"}
    assert body["text"] == {"verbosity": "low"}
    assert (body["service_tier"], body["max_output_tokens"]) == ("flex", 50)
    assert body["temperature"] == 0.5
    assert "max_tokens" not in body
    assert response.response_json["service_tier"] == "flex"


def test_schema_and_images(openai_at_fake: FakeOpenAI) -> None:
    image = llm.Attachment(url="https://example.com/cat.png", type="image/png")
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    llm.get_model("gpt-5.5").prompt(
        "describe", attachments=[image], schema=schema, image_detail="high", stream=False
    ).text()
    [body] = _bodies(openai_at_fake)
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "describe"},
                {"type": "input_image", "image_url": image.url, "detail": "high"},
            ],
        }
    ]  # fmt: skip
    assert body["text"]["format"] == {"type": "json_schema", "name": "output", "schema": schema}


def test_chat_completions_only_options_are_refused_clearly(openai_at_fake: FakeOpenAI) -> None:
    with pytest.raises(llm.ModelError, match="-o chat_completions 1"):
        llm.get_model("gpt-5.5").prompt("hi", seed=3, stream=False).text()
    assert openai_at_fake.requests == []


@pytest.mark.parametrize("stream", [False, True])
def test_tool_chain_round_trips_encrypted_reasoning(
    openai_at_fake: FakeOpenAI, stream: bool
) -> None:
    def add(a: int, b: int) -> int:
        "Add two numbers."
        return a + b

    ARGUMENTS = '{"a": 2, "b": 3}'
    chain = llm.get_model("gpt-5.5").chain("What is 2 + 3?", tools=[add], stream=stream)
    assert chain.text() == "Result: 5"
    first, second = _bodies(openai_at_fake)
    assert first["tools"][0]["name"] == "add"
    assert second["input"] == [
        {"role": "user", "content": "What is 2 + 3?"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "encrypted_content": "enc-1",
            "summary": [{"type": "summary_text", "text": "Thinking about it"}],
        },
        {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": ARGUMENTS},
        {"type": "function_call_output", "call_id": "call_1", "output": "5"},
    ]  # fmt: skip


def test_continue_from_the_log_replays_reasoning(openai_at_fake: FakeOpenAI) -> None:
    first = invoke("-m", "gpt-5.5", "first question")
    assert (first.returncode, first.stdout) == (0, "Hello from fake: first question\n")
    second = invoke("-c", "second question")
    assert second.returncode == 0, second.stderr
    body = _bodies(openai_at_fake)[-1]
    assert body["input"] == [
        {"role": "user", "content": "first question"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "encrypted_content": "enc-1",
            "summary": [{"type": "summary_text", "text": "Thinking about it"}],
        },
        {"role": "assistant", "content": "Hello from fake: first question"},
        {"role": "user", "content": "second question"},
    ]


@pytest.mark.parametrize("use_async", [False, True])
def test_chat_completions_option_falls_back(openai_at_fake: FakeOpenAI, use_async: bool) -> None:
    args = ["-m", "gpt-5.5", "-o", "chat_completions", "1", "-o", "reasoning_effort", "low"]
    args += ["-o", "verbosity", "high", "-o", "max_tokens", "9", "hello"]
    result = invoke(*args, *(["--async"] if use_async else []))
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hello\n"), result.stderr
    assert _bodies(openai_at_fake) == []
    [body] = _bodies(openai_at_fake, "/v1/chat/completions")
    assert body["model"] == "gpt-5.5"
    assert (body["reasoning_effort"], body["verbosity"]) == ("low", "high")
    assert body["max_completion_tokens"] == 9
    assert "chat_completions" not in body


def test_extra_models_yaml_responses(environment: Path, fake: FakeOpenAI) -> None:
    entries = [
        {"model_id": "my-responder", "model_name": "fake-chat", "api_base": fake.url,
         "api_key_name": "fake", "responses": True},
        {"model_id": "my-reasoner", "api_base": fake.url, "api_key_name": "fake",
         "responses": True, "reasoning": True},
    ]  # fmt: skip
    (environment / "extra-openai-models.yaml").write_text(yaml.safe_dump(entries))
    (environment / "keys.json").write_text(json.dumps({"fake": "sk-good"}))
    result = invoke("-m", "my-responder", "hi")
    assert (result.returncode, result.stdout) == (0, "Hello from fake: hi\n"), result.stderr
    [body] = _bodies(fake)
    assert body["model"] == "fake-chat"
    assert "include" not in body and "reasoning" not in body
    assert "reasoning_effort" in llm.get_model("my-reasoner").Options.model_fields
    assert "reasoning_effort" not in llm.get_model("my-responder").Options.model_fields


def test_compat_classes_for_plugins(fake: FakeOpenAI) -> None:
    from llm.default_plugins.openai_models import AsyncResponses, ReasoningEffortEnum, Responses

    assert ReasoningEffortEnum("low").value == "low"
    model = Responses("gpt-4.1", api_base=fake.url, key="sk-good", vision=True)
    assert str(model) == "OpenAI Responses: gpt-4.1"
    assert model.prompt("hello", stream=False).text() == "Hello from fake: hello"
    body = _bodies(fake)[-1]
    assert body["model"] == "gpt-4.1"
    assert "include" not in body and "reasoning" not in body
    reasoner = AsyncResponses("o9", reasoning=True, verbosity=True)
    assert {"reasoning_effort", "verbosity"} <= set(reasoner.Options.model_fields)


def test_server_side_tools_in_the_request(openai_at_fake: FakeOpenAI) -> None:
    from llm.default_plugins.openai_models import CodeInterpreter, WebSearch

    def multiply(a: int, b: int) -> int:
        return a * b

    tools = [multiply, CodeInterpreter(memory_limit="4g"), WebSearch(include_sources=True)]
    model = llm.get_model("gpt-5.6-luna")
    assert model.prompt("hi", tools=tools, stream=False).tool_calls()[0].name == "multiply"
    [body] = _bodies(openai_at_fake)
    assert [tool["type"] for tool in body["tools"]] == [
        "function",
        "code_interpreter",
        "web_search",
    ]
    assert body["tools"][1]["container"] == {"type": "auto", "memory_limit": "4g"}
    assert body["include"] == [
        "reasoning.encrypted_content",
        "code_interpreter_call.outputs",
        "web_search_call.action.sources",
    ]
    with pytest.raises(ValueError, match="cannot be combined"):
        CodeInterpreter(container="cntr_1", memory_limit="4g")
    with pytest.raises(ValueError, match="llm tools -m gpt-4o"):
        llm.get_model("gpt-4o").prompt("hi", tools=[WebSearch()])
    with pytest.raises(ValueError, match=r"llm tools -m gpt-5\.6-luna"):
        model.prompt("hi", tools=[WebSearch()], chat_completions=True).text()


def test_tools_list_for_a_responses_model() -> None:
    listed = json.loads(invoke("tools", "list", "-m", "gpt-5.6-luna", "--json").stdout)
    names = [tool["name"] for tool in listed["server_side_tools"]]
    assert names == ["WebSearch", "CodeInterpreter", "ServerSideTool"]
    text = invoke("tools", "list", "-m", "gpt-5.6-luna").stdout
    assert "Server-side tools for gpt-5.6-luna (executed by the provider):" in text
    assert "CodeInterpreter(container: str | None = None" in text

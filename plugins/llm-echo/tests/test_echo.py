"""The echo model answers with the same JSON as the llm-echo plugin published on PyPI."""

from __future__ import annotations

import asyncio
import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import llm
from llm.config import set_key


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_registered_sync_and_async() -> None:
    assert llm.get_model("echo").model_id == "echo"
    assert llm.get_async_model("echo").model_id == "echo"
    assert llm.get_model("echo-needs-key").needs_key == "echo-needs-key"
    assert llm.get_async_model("echo-needs-key").key_env_var == "LLM_ECHO_NEEDS_KEY_KEY"
    assert llm.get_model("echo").can_stream


def test_prompt() -> None:
    response = llm.get_model("echo").prompt("prompt", system="system")
    assert json.loads(str(response)) == {
        "prompt": "prompt",
        "system": "system",
        "attachments": [],
        "stream": True,
        "previous": [],
    }


def test_output_is_indented_json() -> None:
    text = llm.get_model("echo").prompt("prompt", system="system prompt").text()
    assert text == json.dumps(
        {
            "prompt": "prompt",
            "system": "system prompt",
            "attachments": [],
            "stream": True,
            "previous": [],
        },
        indent=2,
    )


def test_no_system_is_empty_string_and_stream_false() -> None:
    data = json.loads(llm.get_model("echo").prompt("hi", stream=False).text())
    assert data["system"] == ""
    assert data["stream"] is False


def test_options_only_when_set() -> None:
    model = llm.get_model("echo")
    data = json.loads(model.prompt("prompt", example_bool=True).text())
    assert data["options"] == {"example_bool": True}
    data = json.loads(model.prompt("prompt", example_bool="0").text())
    assert data["options"] == {"example_bool": False}
    assert "options" not in json.loads(model.prompt("prompt").text())


def test_unknown_and_invalid_options() -> None:
    with pytest.raises(ValidationError):
        llm.get_model("echo").prompt("x", nope=1)
    with pytest.raises(ValidationError):
        llm.get_model("echo").prompt("x", example_bool="not-a-bool")


def test_fragments_are_part_of_the_prompt() -> None:
    data = json.loads(
        llm.get_model("echo")
        .prompt("question", fragments=["fragment"], system_fragments=["sys frag"], system="sys")
        .text()
    )
    assert data["prompt"] == "fragment\nquestion"
    assert data["system"] == "sys frag\n\nsys"


def test_conversation_previous() -> None:
    conversation = llm.get_model("echo").conversation()
    str(conversation.prompt("hi1", system="system"))
    response = conversation.prompt("hi2")
    assert json.loads(str(response)) == {
        "prompt": "hi2",
        "system": "",
        "attachments": [],
        "stream": True,
        "previous": [{"prompt": "hi1"}],
    }
    str(response)
    third = json.loads(conversation.prompt("hi3").text())
    assert third["previous"] == [{"prompt": "hi1"}, {"prompt": "hi2"}]


def test_attachments(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(png())
    attachment = llm.Attachment(path=str(path))
    data = json.loads(llm.get_model("echo").prompt("look", attachments=[attachment]).text())
    assert data["attachments"] == [
        {
            "type": None,  # as given (the PyPI plugin reports it so too)
            "path": str(path),
            "url": None,
            "id": hashlib.sha256(png()).hexdigest(),
        }
    ]


def test_attachment_of_unsupported_type_is_refused() -> None:
    with pytest.raises(ValueError, match="application/pdf"):
        llm.get_model("echo").prompt(
            "x", attachments=[llm.Attachment(content=b"%PDF-1.4\n%%EOF\n")]
        )


def test_tool_calls_instruction() -> None:
    prompt = json.dumps(
        {
            "tool_calls": [
                {"name": "example", "arguments": {"input": "test"}},
                {"name": "hello"},
            ],
            "prompt": "prompt",
        }
    )

    def example(input: str) -> str:
        return f"Example output for {input}"

    def hello() -> str:
        return "Hello world"

    model = llm.get_model("echo")
    response = model.prompt(prompt, system="system", tools=[example, hello])
    calls = response.tool_calls()
    # Every call gets an id (tc_<ulid>) so its result can be matched to it.
    assert [(c.name, c.arguments) for c in calls] == [("example", {"input": "test"}), ("hello", {})]
    assert all(c.tool_call_id and c.tool_call_id.startswith("tc_") for c in calls)
    assert len({c.tool_call_id for c in calls}) == 2
    data = json.loads(response.text())
    assert data["prompt"] == "prompt"
    assert data["system"] == "system"


def test_tool_results_reported() -> None:
    conversation = llm.get_model("echo").conversation()
    first_prompt = json.dumps({"tool_calls": [{"name": "hello"}], "prompt": "prompt"})
    first = conversation.prompt(first_prompt, system="system")
    first.text()
    results = [
        llm.ToolResult(name="example", output="Example output for test", tool_call_id=None),
        llm.ToolResult(name="hello", output="Hello world", tool_call_id="t2"),
    ]
    second = conversation.prompt(None, system="system", tool_results=results)
    assert json.loads(second.text()) == {
        "prompt": "",
        "system": "system",
        "attachments": [],
        "stream": True,
        "previous": [{"prompt": first_prompt}],
        "tool_results": [
            {"name": "example", "output": "Example output for test", "tool_call_id": None},
            {"name": "hello", "output": "Hello world", "tool_call_id": "t2"},
        ],
    }


def test_raw() -> None:
    response = llm.get_model("echo").prompt(
        json.dumps({"raw": "this is the raw text", "misc": "Other stuff"}), system="system"
    )
    assert response.text() == "this is the raw text"


def test_json_prompt_without_prompt_key_and_invalid_json() -> None:
    model = llm.get_model("echo")
    assert json.loads(model.prompt('{"misc": 1}').text())["prompt"] == ""
    assert json.loads(model.prompt("{not json").text())["prompt"] == "{not json"


def test_streams_in_several_chunks() -> None:
    response = llm.get_model("echo").prompt("hello", system="system")
    chunks = list(response)
    assert len(chunks) > 1
    assert "".join(chunks) == response.text()
    assert json.loads("".join(chunks))["prompt"] == "hello"


def test_usage() -> None:
    response = llm.get_model("echo").prompt("one two three")
    response.text()
    assert response.input_tokens == 3
    assert response.output_tokens is not None and response.output_tokens > 0
    assert response.usage().input == 3


def test_async_prompt_and_usage() -> None:
    async def go() -> tuple[str, list[str], Any]:
        model = llm.get_async_model("echo")
        response = await model.prompt("one two three", system="system")
        chunks = [chunk async for chunk in model.prompt("streamed")]
        return await response.text(), chunks, await response.usage()

    text, chunks, usage = run(go())
    assert json.loads(text) == {
        "prompt": "one two three",
        "system": "system",
        "attachments": [],
        "stream": True,
        "previous": [],
    }
    assert len(chunks) > 1 and json.loads("".join(chunks))["prompt"] == "streamed"
    assert usage.input == 3 and usage.output > 0


def test_async_conversation() -> None:
    async def go() -> dict[str, Any]:
        conversation = llm.get_async_model("echo").conversation()
        await conversation.prompt("first").text()
        return json.loads(await conversation.prompt("second").text())

    assert run(go())["previous"] == [{"prompt": "first"}]


def test_echo_needs_key_reports_the_key() -> None:
    model = llm.get_model("echo-needs-key")
    model.key = "sk-test-key-1234"
    try:
        data = json.loads(model.prompt("hello", system="system").text())
    finally:
        model.key = None
    assert data == {
        "prompt": "hello",
        "system": "system",
        "attachments": [],
        "stream": True,
        "previous": [],
        "key": "sk-test-key-1234",
    }


def test_echo_needs_key_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    model = llm.get_model("echo-needs-key")
    with pytest.raises(llm.NeedsKeyException) as info:
        model.prompt("x").text()
    assert "llm keys set echo-needs-key" in str(info.value)
    assert "LLM_ECHO_NEEDS_KEY_KEY" in str(info.value)
    monkeypatch.setenv("LLM_ECHO_NEEDS_KEY_KEY", "from-env")
    assert json.loads(model.prompt("x").text())["key"] == "from-env"
    set_key("echo-needs-key", "from-keys-json")
    assert json.loads(model.prompt("x").text())["key"] == "from-keys-json"
    assert json.loads(model.prompt("x", key="explicit").text())["key"] == "explicit"


def test_echo_needs_key_raw_has_no_key() -> None:
    model = llm.get_model("echo-needs-key")
    response = model.prompt(json.dumps({"raw": "raw output"}), key="sk-test")
    assert response.text() == "raw output"


def test_echo_needs_key_async() -> None:
    model = llm.get_async_model("echo-needs-key")

    async def go() -> dict[str, Any]:
        return json.loads(await model.prompt("async hello", key="sk-async").text())

    data = run(go())
    assert data["key"] == "sk-async"
    assert data["prompt"] == "async hello"


def test_plain_echo_has_no_key_field() -> None:
    assert "key" not in json.loads(llm.get_model("echo").prompt("x").text())


def test_thinking_option_streams_reasoning_before_the_answer() -> None:
    from llm.parts import ReasoningPart, TextPart

    response = llm.get_model("echo").prompt("hi", thinking=True)
    events = list(response.stream_events())
    assert [e.type for e in events[:2]] == ["reasoning", "reasoning"]
    assert {e.type for e in events[2:]} == {"text"}
    [message] = response.messages()
    assert message.parts == [
        ReasoningPart("First I consider the prompt, then I decide what to say."),
        TextPart(response.text()),
    ]
    assert "options" not in json.loads(response.text())  # only example_bool is reported

    async def run_async() -> list[str]:
        async_response = llm.get_async_model("echo").prompt("hi", thinking=True)
        return [e.type async for e in async_response.astream_events()]

    import asyncio

    assert asyncio.run(run_async())[:2] == ["reasoning", "reasoning"]

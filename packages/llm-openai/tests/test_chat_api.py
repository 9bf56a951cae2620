"""Chat models through the Python API, against a real OpenAI-style server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pydantic
import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm.config import set_key

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def configured(environment: Path, fake: FakeOpenAI) -> None:
    write_extra_models(environment, fake.url)
    set_key("fake", "sk-good")


def body(fake: FakeOpenAI, index: int = -1) -> dict:
    return fake.requests[index]["body"]


def test_streamed_response_text_usage_and_json(fake: FakeOpenAI) -> None:
    response = llm.get_model("fake-chat").prompt("hi there", system="be brief")
    chunks = list(response)
    assert len(chunks) == 2
    assert response.text() == "Hello from fake: hi there"
    assert response.usage() == llm.Usage(
        input=10, output=5, details={"prompt_tokens_details": {"cached_tokens": 2}}
    )
    sent = body(fake)
    # The original's summary of a stream, in its key order, None values removed.
    assert list(response.json().items()) == [
        ("content", "Hello from fake: hi there"),
        ("finish_reason", "stop"),
        (
            "usage",
            {
                "completion_tokens": 5,
                "prompt_tokens": 10,
                "total_tokens": 15,
                "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 2},
            },
        ),
        ("id", "chatcmpl-fake"),
        ("object", "chat.completion.chunk"),
        ("model", sent["model"]),
        ("created", 1700000000),
    ]
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi there"},
    ]
    assert response.prompt_json == {"messages": sent["messages"]}
    assert fake.requests[-1]["headers"]["authorization"] == "Bearer sk-good"


def test_not_streamed(fake: FakeOpenAI) -> None:
    response = llm.get_model("fake-chat").prompt("hi", stream=False)
    assert response.text() == "Hello from fake: hi"
    assert response.json()["choices"][0]["message"]["content"] == "Hello from fake: hi"
    assert response.usage().output == 5
    assert body(fake)["stream"] is False
    assert "stream_options" not in body(fake)


def test_async_streamed_and_not(fake: FakeOpenAI) -> None:
    model = llm.get_async_model("fake-chat")

    async def run() -> tuple[list[str], str, llm.Usage]:
        streamed = model.prompt("one")
        chunks = [chunk async for chunk in streamed]
        whole = await model.prompt("two", stream=False).text()
        return chunks, whole, await streamed.usage()

    chunks, whole, usage = asyncio.run(run())
    assert "".join(chunks) == "Hello from fake: one"
    assert whole == "Hello from fake: two"
    assert usage.input == 10


def test_conversation_sends_previous_turns_with_attachments(fake: FakeOpenAI) -> None:
    conversation = llm.get_model("fake-chat").conversation()
    image = llm.Attachment(content=PNG)
    conversation.prompt("describe", system="sys", attachments=[image]).text()
    conversation.prompt("and again", system="sys").text()
    messages = body(fake)["messages"]
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert messages == [
        {"role": "system", "content": "sys"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "describe"},
                {"type": "image_url", "image_url": {"url": data_url}},
            ],
        },
        {"role": "assistant", "content": "Hello from fake: describe [image_url]"},
        {"role": "user", "content": "and again"},
    ]


def test_attachments_from_path_url_and_bytes(fake: FakeOpenAI, tmp_path: Path) -> None:
    image_path = tmp_path / "pixel.png"
    image_path.write_bytes(PNG)
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachments = [
        llm.Attachment(path=str(image_path)),
        llm.Attachment(url="https://example.com/cat.jpg", type="image/jpeg"),
        llm.Attachment(content=wav, type="audio/wav"),
        llm.Attachment(content=pdf),
    ]
    response = llm.get_model("fake-chat").prompt(None, attachments=attachments)
    response.text()
    parts = body(fake)["messages"][0]["content"]
    assert [part["type"] for part in parts] == ["image_url", "image_url", "input_audio", "file"]
    assert parts[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[1]["image_url"]["url"] == "https://example.com/cat.jpg"
    assert parts[2]["input_audio"] == {"data": base64.b64encode(wav).decode(), "format": "wav"}
    assert parts[3]["file"]["file_data"].startswith("data:application/pdf;base64,")
    # As the original: named by the attachment's hash, not its local file name.
    assert parts[3]["file"]["filename"] == f"{attachments[3].id()}.pdf"
    # The logged prompt JSON leaves the file content out, in the original's form.
    logged = response.prompt_json["messages"][0]["content"]
    assert logged[0]["image_url"]["url"] == "data:..."
    assert logged[1]["image_url"]["url"] == "https://example.com/cat.jpg"
    assert logged[2]["input_audio"]["data"] == "..."
    assert logged[3]["file"] == {"filename": f"{attachments[3].id()}.pdf", "file_data": "data:..."}


def test_unsupported_attachment_type_rejected_before_request(fake: FakeOpenAI) -> None:
    model = llm.get_model("gpt-3.5-turbo")
    with pytest.raises(ValueError, match="does not support attachments"):
        model.prompt("x", attachments=[llm.Attachment(content=PNG)])
    assert fake.requests == []


def test_options_sent_and_validated_before_request(fake: FakeOpenAI) -> None:
    model = llm.get_model("fake-chat")
    model.prompt(
        "x",
        temperature=0.5,
        max_tokens=20,
        top_p=0.9,
        frequency_penalty=1,
        presence_penalty=-1,
        stop="\n",
        logit_bias='{"1712": -100}',
        seed=7,
        json_object=True,
    ).text()
    sent = body(fake)
    assert sent["temperature"] == 0.5
    assert sent["max_tokens"] == 20
    assert sent["top_p"] == 0.9
    assert sent["stop"] == "\n"
    assert sent["logit_bias"] == {"1712": -100}
    assert sent["seed"] == 7
    assert sent["response_format"] == {"type": "json_object"}
    assert "json_object" not in sent
    count = len(fake.requests)
    for bad in ({"temperature": 3}, {"logit_bias": "not json"}, {"top_p": -1}, {"nope": 1}):
        with pytest.raises(pydantic.ValidationError):
            model.prompt("x", **bad)
    with pytest.raises(pydantic.ValidationError):
        model.prompt("x", reasoning_effort="low")  # not a reasoning model
    assert len(fake.requests) == count


def test_reasoning_options_and_extra_headers(fake: FakeOpenAI) -> None:
    model = llm.get_model("fake-reasoner")
    with pytest.raises(pydantic.ValidationError):
        model.prompt("x", reasoning_effort="extreme")
    response = model.prompt("x", reasoning_effort="HIGH", max_tokens=100)
    sent = json.loads(response.text())
    assert sent["model"] == "fake-echo-request"
    assert sent["reasoning_effort"] == "high"
    assert sent["max_completion_tokens"] == 100
    assert "max_tokens" not in sent
    assert fake.requests[-1]["headers"]["x-title"] == "LLM tests"


def test_schema(fake: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    llm.get_model("fake-chat").prompt("dog", schema=schema).text()
    assert body(fake)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema},
    }


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@pytest.mark.parametrize("stream", [True, False])
def test_tools_sync(fake: FakeOpenAI, stream: bool) -> None:
    conversation = llm.get_model("fake-tools").conversation(tools=[add])
    first = conversation.prompt("2 + 3?", stream=stream)
    assert first.text() == ""
    [call] = first.tool_calls()
    assert (call.name, call.arguments, call.tool_call_id) == (
        "add",
        {"a": 2, "b": 3},
        "call_fake_1",
    )
    assert body(fake)["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "add",
                "description": "Add two numbers.",
                "parameters": add_schema(),
            },
        }
    ]
    result = llm.ToolResult(name="add", output="5", tool_call_id=call.tool_call_id)
    second = conversation.prompt(tool_results=[result], stream=stream)
    assert second.text() == "Result: 5"
    assert body(fake)["messages"][1:] == [
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "type": "function",
                    "id": "call_fake_1",
                    "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_fake_1", "content": "5"},
    ]


def add_schema() -> dict:
    return llm.Tool.function(add).input_schema


def test_tool_output_attachments_reach_the_model(fake: FakeOpenAI) -> None:
    """A tool that returns ``llm.ToolOutput(..., attachments=[...])``: the result goes back
    as the tool message, the image after it as a user turn (tool messages carry only text)."""

    def add(a: int, b: int) -> llm.ToolOutput:
        """Add two numbers and draw the sum."""
        return llm.ToolOutput(a + b, attachments=[llm.Attachment(content=PNG)])

    conversation = llm.get_model("fake-tools").conversation(tools=[add])
    first = conversation.prompt("2 + 3?", stream=False)
    first.text()
    [result] = first.execute_tool_calls()
    assert (result.output, [a.resolve_type() for a in result.attachments]) == ("5", ["image/png"])
    conversation.prompt(tool_results=[result], stream=False).text()
    tool_message, image_turn = body(fake)["messages"][-2:]
    assert tool_message == {"role": "tool", "tool_call_id": "call_fake_1", "content": "5"}
    assert image_turn == {
        "role": "user",
        "content": [
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
            }
        ],
    }


@pytest.mark.parametrize("stream", [True, False])
def test_tools_async(fake: FakeOpenAI, stream: bool) -> None:
    model = llm.get_async_model("fake-tools")

    async def run() -> list[llm.ToolCall]:
        response = model.prompt("2 + 3?", tools=[add], stream=stream)
        await response.text()
        return await response.tool_calls()

    [call] = asyncio.run(run())
    assert call.arguments == {"a": 2, "b": 3}


def test_tools_and_schema_refused_by_models_without_them() -> None:
    model = llm.get_model("gpt-3.5-turbo")
    with pytest.raises(ValueError, match="does not support tools"):
        model.prompt("x", tools=[add])
    with pytest.raises(ValueError, match="does not support schemas"):
        model.prompt("x", schema={"type": "object"})


def test_keyless_endpoint_and_stored_key_names(fake: FakeOpenAI) -> None:
    assert llm.get_model("fake-keyless").prompt("hi").text() == "Hello from fake: hi"
    assert fake.requests[-1]["headers"]["authorization"] == "Bearer no-key-needed"
    # An explicit key may be the name of a stored key.
    set_key("other", "sk-good")
    assert llm.get_model("fake-chat").prompt("hi", key="other").text()


def test_openai_base_url_environment_variable(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    response = llm.get_model().prompt("default model")
    assert response.text() == "Hello from fake: default model"
    assert body(fake)["model"] == "gpt-5.6-luna"
    assert fake.requests[-1]["path"] == "/v1/responses"


def test_show_responses(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    assert llm.get_model("fake-chat").prompt("debug me").text()
    err = capsys.readouterr().err
    assert "Request: POST " + fake.url + "/chat/completions" in err
    assert '"debug me"' in err
    assert "Response: status_code=200" in err
    assert "data: [DONE]" in err
    assert "sk-good" not in err

    async def run() -> str:
        return await llm.get_async_model("fake-chat").prompt("async debug").text()

    assert asyncio.run(run())
    assert '"async debug"' in capsys.readouterr().err

"""/v1/chat/completions through the official openai SDK, sync and async, streamed and not."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from .conftest import RELEASE, STARTED, Running, logged

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _echo(text: str) -> dict[str, Any]:
    """The echo model answers with a JSON account of what it was sent."""
    return json.loads(text)


def test_models_lists_every_model_and_alias(server: Running) -> None:
    names = [m.id for m in server.client().models.list().data]
    assert "echo" in names and "echo-needs-key" in names
    assert "blocking-sync" not in names  # registered only by the test_models fixture
    assert server.client().models.retrieve("echo").id == "echo"


def test_dash_m_serves_only_the_named_models(serve: Any) -> None:
    with serve(models=("echo",)) as running:
        names = [m.id for m in running.client().models.list().data]
    assert names == ["echo"]


def test_messages_become_a_conversation(server: Running, user_path: Path) -> None:
    completion = server.client().chat.completions.create(
        model="echo",
        messages=[
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "one"},
            {"role": "user", "content": "second"},
        ],
    )
    account = _echo(completion.choices[0].message.content or "")
    assert account["prompt"] == "second"
    assert account["system"] == "Be brief"
    assert account["previous"] == [{"prompt": "first"}]
    assert account["stream"] is False
    assert completion.choices[0].finish_reason == "stop"
    # The echo model counts words: "second" in, its answer's words out.
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 1
    assert completion.usage.completion_tokens == len(completion.choices[0].message.content.split())
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 1 * (
        completion.usage.completion_tokens
    )
    [row] = logged(user_path)
    assert row["prompt"] == "second" and row["system"] == "Be brief"
    assert row["response"] == completion.choices[0].message.content
    assert row["model"] == "echo" and row["input_tokens"] == 1


def test_streamed_with_usage(server: Running) -> None:
    chunks = list(
        server.client().chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hello there"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    account = _echo(text)
    assert account["prompt"] == "hello there" and account["stream"] is True
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 3
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 2
    assert chunks[-1].usage.completion_tokens == len(text.split())
    # Without include_usage there is no usage chunk.
    plain = list(
        server.client().chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    assert all(c.usage is None for c in plain)


def test_async_client_streamed_and_not(server: Running) -> None:
    async def run() -> tuple[str, str]:
        async with server.async_client() as client:
            whole = await client.chat.completions.create(
                model="echo", messages=[{"role": "user", "content": "async one"}]
            )
            stream = await client.chat.completions.create(
                model="echo", messages=[{"role": "user", "content": "async two"}], stream=True
            )
            parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return whole.choices[0].message.content or "", "".join(parts)

    whole, streamed = asyncio.run(run())
    assert _echo(whole)["prompt"] == "async one"
    assert _echo(streamed)["prompt"] == "async two"


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_go_back_to_the_client(server: Running, user_path: Path, stream: bool) -> None:
    ask = json.dumps({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})
    messages: list[dict[str, Any]] = [{"role": "user", "content": ask}]
    client = server.client()
    if stream:
        chunks = list(
            client.chat.completions.create(
                model="echo", messages=messages, tools=TOOLS, stream=True
            )
        )
        deltas = [c.choices[0].delta for c in chunks if c.choices and c.choices[0].delta.tool_calls]
        [call] = deltas[0].tool_calls or []
        call_id, name, arguments = call.id, call.function.name, call.function.arguments
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    else:
        completion = client.chat.completions.create(model="echo", messages=messages, tools=TOOLS)
        assert completion.choices[0].finish_reason == "tool_calls"
        [call] = completion.choices[0].message.tool_calls or []
        call_id, name, arguments = call.id, call.function.name, call.function.arguments
    assert name == "get_weather" and json.loads(arguments or "") == {"city": "Paris"}
    assert call_id
    # The client runs the tool and sends its result back.
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": "Sunny, 21C"},
    ]
    answer = client.chat.completions.create(model="echo", messages=messages, tools=TOOLS)
    account = _echo(answer.choices[0].message.content or "")
    assert account["tool_results"] == [
        {"name": "get_weather", "output": "Sunny, 21C", "tool_call_id": call_id}
    ]
    first, second = logged(user_path)
    assert [c["tool_call_id"] for c in first["tool_calls"]] == [call_id]
    assert [t["name"] for t in first["tools"]] == ["get_weather"]
    assert second["tool_results"][0]["output"] == "Sunny, 21C"


def test_json_schema_becomes_the_prompt_schema(server: Running, user_path: Path) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    server.client().chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": "a name"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": schema, "strict": True},
        },
    )
    [row] = logged(user_path)
    assert json.loads(row["schema_json"]) == schema


def test_images_become_attachments(server: Running, user_path: Path) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    completion = server.client().chat.completions.create(
        model="echo",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": data_url}},
                    {"type": "image_url", "image_url": {"url": "http://127.0.0.1:9/cat.jpg"}},
                ],
            }
        ],
    )
    account = _echo(completion.choices[0].message.content or "")
    assert account["prompt"] == "What is this?"
    assert [(a["type"], a["url"]) for a in account["attachments"]] == [
        ("image/png", None),
        ("image/jpeg", "http://127.0.0.1:9/cat.jpg"),
    ]
    [row] = logged(user_path)
    assert row["attachments"][0]["content"] == PNG


def test_options_reach_the_model(server: Running) -> None:
    completion = server.client().chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": "x"}],
        temperature=0.5,  # echo has no temperature: left out, as clients send it by default
        extra_body={"options": {"example_bool": True}},
    )
    assert _echo(completion.choices[0].message.content or "")["options"] == {"example_bool": True}


def test_conversation_header_keeps_exchanges_together(server: Running, user_path: Path) -> None:
    client = server.client()
    first = client.chat.completions.with_raw_response.create(
        model="echo", messages=[{"role": "user", "content": "one"}]
    )
    conversation_id = first.headers["x-llm-conversation-id"]
    client.chat.completions.create(
        model="echo",
        messages=[
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": first.parse().choices[0].message.content},
            {"role": "user", "content": "two"},
        ],
        extra_headers={"X-LLM-Conversation-Id": conversation_id},
    )
    client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "other"}])
    rows = logged(user_path)
    assert [r["prompt"] for r in rows] == ["one", "two", "other"]
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"] == conversation_id
    assert rows[2]["conversation_id"] != conversation_id


def test_no_log_logs_nothing(serve: Any, user_path: Path) -> None:
    with serve(log=False) as running:
        running.client().chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "x"}]
        )
    assert not (user_path / "logs.db").exists()


def test_sync_only_model_does_not_block_others(serve: Any, test_models: None) -> None:
    with serve() as running:
        answers: list[str] = []

        def slow() -> None:
            stream = running.client().chat.completions.create(
                model="blocking-sync", messages=[{"role": "user", "content": "x"}], stream=True
            )
            answers.append("".join(c.choices[0].delta.content or "" for c in stream if c.choices))

        thread = threading.Thread(target=slow)
        thread.start()
        assert STARTED.wait(30)
        # While the sync model holds its thread, other requests are answered.
        quick = running.client().chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "meanwhile"}]
        )
        assert _echo(quick.choices[0].message.content or "")["prompt"] == "meanwhile"
        assert thread.is_alive() and not answers
        RELEASE.set()
        thread.join(30)
    assert answers == ["released"]


@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_comes_as_reasoning_content(
    serve: Any, test_models: None, user_path: Path, stream: bool
) -> None:
    with serve() as running:
        client = running.client()
        messages: Any = [{"role": "user", "content": "why?"}]
        if stream:
            chunks = list(
                client.chat.completions.create(model="reasoner", messages=messages, stream=True)
            )
            deltas = [c.choices[0].delta for c in chunks if c.choices]
            reasoning = "".join(getattr(d, "reasoning_content", None) or "" for d in deltas)
            text = "".join(d.content or "" for d in deltas)
        else:
            message = client.chat.completions.create(model="reasoner", messages=messages)
            reasoning = message.choices[0].message.reasoning_content  # type: ignore[attr-defined]
            text = message.choices[0].message.content or ""
    assert reasoning == "Pelicans have pouches."
    assert text == "Answer: why?"
    [row] = logged(user_path)
    assert row["response"] == "Answer: why?"

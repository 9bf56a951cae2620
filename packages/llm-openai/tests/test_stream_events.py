"""Chat Completions streams as typed events: a streamed tool call arrives as name and
argument events, and the response's messages hold the call once."""

from __future__ import annotations

import json
from pathlib import Path

from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm.parts import ToolCallPart


def test_streamed_tool_call_events(environment: Path, fake: FakeOpenAI) -> None:
    write_extra_models(environment, fake.url)
    (environment / "keys.json").write_text(json.dumps({"fake": "sk-good"}))

    def add(a: int, b: int) -> int:
        "Add two numbers."
        return a + b

    response = llm.get_model("fake-tools").prompt("sum", tools=[llm.Tool.function(add)])
    events = list(response.stream_events())
    assert [e.type for e in events] == ["tool_call_name", "tool_call_args", "tool_call_args"]
    assert {e.tool_call_id for e in events} == {"call_fake_1"}
    assert "".join(e.chunk for e in events[1:]) == '{"a": 2, "b": 3}'
    parts = [p for m in response.messages() for p in m.parts]
    assert parts == [
        ToolCallPart(name="add", arguments={"a": 2, "b": 3}, tool_call_id="call_fake_1")
    ]
    assert [call.name for call in response.tool_calls()] == ["add"]


def test_withheld_reasoning_is_recorded_as_redacted() -> None:
    from llm_openai_provider.models.summary import StreamSummary

    summary = StreamSummary()
    assert summary.feed({"choices": [{"index": 0, "delta": {"content": "Hi"}}]}) == ["Hi"]
    usage = {"completion_tokens": 9, "completion_tokens_details": {"reasoning_tokens": 7}}
    [event] = summary.feed({"choices": [], "usage": usage})
    assert (event.type, event.chunk, event.redacted) == ("reasoning", "", True)
    none_withheld = StreamSummary()
    zero = {"completion_tokens": 2, "completion_tokens_details": {"reasoning_tokens": 0}}
    assert none_withheld.feed({"choices": [], "usage": zero}) == []

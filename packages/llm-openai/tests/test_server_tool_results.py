"""What OpenAI's hosted tools did, kept in the response: each call and its result as parts
marked ``server_executed`` (never run here, never sent back as function calls), and a
message that follows a tool call is a message of its own. Answers are served through the
real ``openai`` SDK by an ``httpx2.MockTransport``."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

import llm
from llm.parts import TextPart, ToolCallPart, ToolResultPart

CODE_CALL = {
    "type": "code_interpreter_call", "id": "ci_1", "status": "completed",
    "container_id": "cntr_1", "code": "print(111*111)",
    "outputs": [{"type": "logs", "logs": "12321\n"}],
}  # fmt: skip


def _message(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message", "id": item_id, "role": "assistant", "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }  # fmt: skip


FINAL = {
    "id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-5.5",
    "status": "completed", "output": [_message("msg_1", "STEP ONE"), CODE_CALL,
                                      _message("msg_2", "DONE 12321")],
    "usage": {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8},
}  # fmt: skip


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


@pytest.fixture
def answers(transport: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    sent: list[dict] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append(body)
        if not body.get("stream"):
            return httpx2.Response(200, json=FINAL)
        events = [
            {"type": "response.output_item.added", "output_index": 0, "item": CODE_CALL},
            {"type": "response.output_item.done", "output_index": 0, "item": CODE_CALL},
            {"type": "response.output_item.added", "output_index": 1,
             "item": {**_message("msg_s", ""), "content": []}},
            {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_s",
             "content_index": 0, "delta": "42"},
        ]  # fmt: skip
        return httpx2.Response(
            200, content=_sse(events), headers={"content-type": "text/event-stream"}
        )

    transport(httpx2.MockTransport(handle))
    return sent


def test_code_interpreter_parts_and_messages(answers: list[dict]) -> None:
    response = llm.get_model("gpt-5.5").prompt("count", stream=False)
    assert response.text() == "STEP ONEDONE 12321"
    first, second = response.messages()
    assert first.parts == [
        TextPart(text="STEP ONE"),
        ToolCallPart(name="code_interpreter", arguments={"code": "print(111*111)"},
                     tool_call_id="ci_1", server_executed=True),
        ToolResultPart(name="code_interpreter", output="12321\n", tool_call_id="ci_1",
                       server_executed=True),
    ]  # fmt: skip
    assert second.parts == [TextPart(text="DONE 12321")]
    assert response.tool_calls() == []  # nothing to run here
    # Replayed next turn as text only: the provider's own calls are not function calls.
    reply = response.reply("thanks", stream=False)
    reply.text()
    assert answers[-1]["input"] == [
        {"role": "user", "content": "count"},
        {"role": "assistant", "content": "STEP ONE"},
        {"role": "assistant", "content": "DONE 12321"},
        {"role": "user", "content": "thanks"},
    ]


def test_code_interpreter_streamed(answers: list[dict]) -> None:
    from llm.default_plugins.openai_models import CodeInterpreter

    response = llm.get_model("gpt-5.6-luna").prompt("Calculate", tools=[CodeInterpreter()])
    events = list(response.stream_events())
    assert [(e.type, e.chunk) for e in events] == [
        ("tool_call_name", "code_interpreter"),
        ("tool_call_args", json.dumps({"code": "print(111*111)"})),
        ("tool_result", "12321\n"),
        ("text", "42"),
    ]
    assert all(e.server_executed for e in events[:3])
    assert "code_interpreter_call.outputs" in answers[-1]["include"]


def test_web_search_parts_come_from_the_final_payload(
    transport: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm.default_plugins.openai_models import WebSearch

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    def search(sources: int) -> dict[str, Any]:
        found = [{"type": "url", "url": f"https://example.com/{i}"} for i in range(sources)]
        return {
            "type": "web_search_call", "id": "ws_1", "status": "completed",
            "action": {"type": "search", "query": "q", "sources": found},
            "results": [{"type": "image_result", "image_url": s["url"]} for s in found],
        }  # fmt: skip

    final = {**FINAL, "output": [search(2), _message("msg_1", "done")]}
    events = [
        {"type": "response.output_item.done", "output_index": 0, "item": search(1)},
        {"type": "response.output_text.delta", "output_index": 1, "item_id": "msg_1",
         "content_index": 0, "delta": "done"},
        {"type": "response.completed", "response": final},
    ]  # fmt: skip
    transport(
        httpx2.MockTransport(
            lambda request: httpx2.Response(
                200, content=_sse(events), headers={"content-type": "text/event-stream"}
            )
        )
    )
    tools = [WebSearch(include_sources=True, include_results=True)]
    response = llm.get_model("gpt-5.6-luna").prompt("Search", tools=tools)
    assert response.text() == "done"
    parts = [p for m in response.messages() for p in m.parts if p.__class__ is not TextPart]
    call, result = parts
    assert isinstance(call, ToolCallPart) and call.server_executed
    assert call.arguments == search(2)["action"]
    assert json.loads(result.output) == search(2)["results"]

"""Reading a log back: ``llm_storage.rebuild`` turns stored records into finished responses
and a conversation that can be continued, through llm-core's public constructors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import llm
from llm_storage import open_store, rebuild

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(tmp_path / "logs.db")
    yield opened
    opened.close()


def test_a_logged_conversation_comes_back_whole(store, tmp_path: Path) -> None:
    model = llm.get_model("echo")
    image = tmp_path / "pixel.png"
    image.write_bytes(PNG)
    conversation = model.conversation()
    asking = conversation.prompt(
        json.dumps({"prompt": "look", "tool_calls": [{"name": "lookup", "arguments": {"q": 1}}]}),
        system="be brief",
        attachments=[
            llm.Attachment(path=str(image)),
            llm.Attachment(type="image/png", url="https://example.com/p.png"),
        ],
    )
    asking.text()
    store.log_response(asking)
    answering = conversation.prompt(
        "", tool_results=[llm.ToolResult(name="lookup", output="42", tool_call_id="call-1")]
    )
    answering.text()
    store.log_response(answering)
    image.unlink()  # the file has gone since: the logged path and ID still come back

    records = store.conversation_responses(conversation.id)
    restored = rebuild.conversation(records, model)
    assert isinstance(restored, llm.Conversation)
    assert restored.id == conversation.id
    assert restored.name == records[-1]["conversation_name"]
    first, second = restored.responses
    assert all(r.conversation is restored for r in restored.responses)
    assert (first.id, second.id) == (asking.id, answering.id)
    assert first.text_or_raise() == asking.text()
    assert first.prompt.system == "be brief"
    assert [a.path for a in first.prompt.attachments] == [str(image), None]
    assert first.prompt.attachments[1].url == "https://example.com/p.png"
    assert [a.id() for a in first.prompt.attachments] == [a.id() for a in asking.attachments]
    assert [a.resolve_type() for a in first.prompt.attachments] == ["image/png", "image/png"]
    assert first.tool_calls_or_raise() == [
        llm.ToolCall(name="lookup", arguments={"q": 1}, tool_call_id=None)
    ]
    assert second.prompt.tool_results == [
        llm.ToolResult(name="lookup", output="42", tool_call_id="call-1")
    ]
    assert first.usage() == asking.usage()
    assert first.datetime_utc() == asking.datetime_utc()
    assert first.duration_ms() == asking.duration_ms()

    # It continues: the model sees the earlier turns.
    follow_up = restored.prompt("and now?")
    assert (
        json.loads(follow_up.text())["previous"]
        == json.loads(conversation.prompt("and now?").text())["previous"]
    )


def test_async_rebuild(store) -> None:
    model = llm.get_model("echo")
    response = model.prompt("hello")
    response.text()
    store.log_response(response)
    async_model = llm.get_async_model("echo")
    restored = rebuild.conversation(
        store.conversation_responses(store.latest_conversation_id() or ""),
        async_model,
        use_async=True,
    )
    assert isinstance(restored, llm.AsyncConversation)
    [again] = restored.responses
    assert isinstance(again, llm.AsyncResponse)
    assert asyncio.run(again.text()) == response.text()


def test_bad_tool_call_arguments_do_not_break_reading() -> None:
    call = rebuild.tool_call({"name": "t", "arguments": "{not json", "tool_call_id": "c"})
    assert call == llm.ToolCall(name="t", arguments={}, tool_call_id="c")


def test_no_records() -> None:
    with pytest.raises(ValueError, match="at least one logged response"):
        rebuild.conversation([], llm.get_model("echo"))


def test_fragments_come_back_so_the_model_sees_what_it_saw(store) -> None:
    model = llm.get_model("echo")
    conversation = model.conversation()
    first = conversation.prompt(
        "question",
        fragments=[llm.Fragment("FRAGMENT TEXT", "notes.txt")],
        system_fragments=["SYSTEM FRAGMENT"],
    )
    first.text()
    store.log_response(first)
    [again] = rebuild.conversation(store.conversation_responses(conversation.id), model).responses
    assert again.prompt.prompt == first.prompt.prompt == "FRAGMENT TEXT\nquestion"
    assert again.prompt.system == "SYSTEM FRAGMENT"
    assert [f.source for f in again.prompt.fragments] == ["notes.txt"]

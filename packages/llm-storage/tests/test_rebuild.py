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
    # The call comes back with the id it was given (tc_<ulid>) when the model asked for it.
    assert first.tool_calls_or_raise() == asking.tool_calls()
    assert first.tool_calls_or_raise()[0].arguments == {"q": 1}
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


class Dial(llm.Toolbox):
    """A configured, stateful toolbox for rebuilding a conversation's tools."""

    def __init__(self, x: int, /, unit: str = "cm"):
        self.x = x
        self.unit = unit
        self.turns = 0

    def turn(self) -> str:
        "Turn the dial"
        self.turns += 1
        return f"{self.x}{self.unit} turns={self.turns}"


def shout(text: str) -> str:
    "Shout"
    return text.upper()


class DialPlugin:
    __name__ = "DialPlugin"

    @llm.hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(Dial)
        register(shout)


def _turn() -> str:
    return json.dumps({"tool_calls": [{"name": "Dial_turn", "arguments": {}}]})


@pytest.fixture
def any_store(store_target: str):
    """A store on every backend (SQLite and PostgreSQL): the records come from read.py."""
    opened = open_store(store_target)
    yield opened
    opened.close()


def test_a_conversation_comes_back_with_its_tools(any_store, register_plugin) -> None:
    store = any_store
    register_plugin(DialPlugin(), "DialPlugin")
    model = llm.get_model("echo")
    dial = Dial(5, unit="mm")
    conversation = model.conversation(tools=[dial, llm.get_tools()["shout"]])
    chain = conversation.chain(_turn())
    assert '"output": "5mm turns=1"' in chain.text()
    chain.log_to_db(store)

    records = store.conversation_responses(conversation.id)
    plain = rebuild.conversation(records, model)
    assert not plain.tools  # only on request: reading a log needs no plugins
    restored = rebuild.conversation(records, model, tools=True)
    box, tool = restored.tools
    assert isinstance(box, Dial) and box is not dial
    assert (box.x, box.unit, box.turns) == (5, "mm", 0)  # positional-only x came back too
    assert tool == llm.get_tools()["shout"]
    again = restored.chain(_turn())
    assert '"output": "5mm turns=1"' in again.text()
    again.log_to_db(store)
    rows = store.conversation_responses(conversation.id)
    assert len(rows) == 4
    [result] = rows[-1]["tool_results"]
    assert (result["instance_name"], result["instance_arguments"]) == (
        "Dial",
        '{"x": 5, "unit": "mm"}',
    )
    # The same tools as -T specs (Conversation.loaded_tools, llm 0.32+): configuration shown.
    assert rebuild.conversation_tool_specs(records) == ['Dial({"x": 5, "unit": "mm"})', "shout"]


def test_conversation_tools_that_cannot_come_back(store, register_plugin) -> None:
    register_plugin(DialPlugin(), "DialPlugin")
    model = llm.get_model("echo")
    conversation = model.conversation(tools=[Dial(1)])
    response = conversation.prompt("no call")  # the toolbox is offered but never called
    response.text()
    store.log_response(response)
    records = store.conversation_responses(conversation.id)
    with pytest.raises(rebuild.ToolsUnavailable, match="Toolbox Dial was not called"):
        rebuild.conversation_tools(records)
    with pytest.raises(rebuild.ToolsUnavailable, match="Toolbox Dial used in this conversation"):
        rebuild.conversation_tools(records, registered={})
    # Named all the same as specs: nothing has to be built to name them.
    assert rebuild.conversation_tool_specs(records) == ["Dial"]
    assert rebuild.conversation_tool_specs(records, registered={}) == ["Dial"]
    # Tools from plain functions are not logged with their code: left out, no error.
    functions = model.conversation(tools=[lambda_free_upper])
    plain = functions.prompt("hi")
    plain.text()
    store.log_response(plain)
    assert rebuild.conversation_tools(store.conversation_responses(functions.id)) == []


def lambda_free_upper(text: str) -> str:
    "Upper-case"
    return text.upper()

"""The 0.32+ model-plugin contract: messages and parts, stream events, serialization,
``reply()``, pause/resume, server-side tools and conversations a model cannot hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter

import llm
from llm.parts import (
    AttachmentPart,
    ReasoningPart,
    StreamEvent,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from llm.serialization import MessageDict, ResponseDict


class Scripted(llm.Model):
    """Yields what each prompt's script says (a ``ToolCall`` in it is added with
    ``response.add_tool_call()``, as plugins do beside streaming its events), and records
    what it was sent."""

    model_id = "scripted"
    can_stream = True
    supports_tools = True

    def __init__(self, *scripts: list[Any]) -> None:
        self.scripts = list(scripts)
        self.sent: list[list[llm.Message]] = []

    def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any
    ) -> Iterator[Any]:
        self.sent.append(prompt.messages)
        for item in self.scripts.pop(0) if self.scripts else ["done"]:
            if isinstance(item, llm.ToolCall):
                response.add_tool_call(item)
            else:
                yield item
        response.set_resolved_model("scripted-2026-01")


class AsyncScripted(llm.AsyncModel):
    model_id = "scripted"
    supports_tools = True

    def __init__(self, *scripts: list[Any]) -> None:
        self.scripts = list(scripts)

    async def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any
    ) -> AsyncIterator[Any]:
        for chunk in self.scripts.pop(0) if self.scripts else ["done"]:
            yield chunk


def tool_call_events(name: str, arguments: str, call_id: str) -> list[Any]:
    """A tool call streamed as a name and its arguments in two fragments (and added to the
    response's tool calls, which are what gets run)."""
    middle = len(arguments) // 2
    return [
        llm.ToolCall(name, json.loads(arguments), call_id),
        StreamEvent("tool_call_name", name, tool_call_id=call_id),
        StreamEvent("tool_call_args", arguments[:middle], tool_call_id=call_id),
        StreamEvent("tool_call_args", arguments[middle:], tool_call_id=call_id),
    ]


# ---------------------------------------------------------------- parts and messages


def test_helpers_build_messages_from_text_attachments_and_parts() -> None:
    picture = llm.Attachment(type="image/png", content=b"\x89PNG")
    message = llm.user("look", picture, [TextPart("and this")])
    assert message == llm.Message(
        "user", [TextPart("look"), AttachmentPart(picture), TextPart("and this")]
    )
    assert llm.system("brief").role == "system"
    assert llm.assistant("hi").parts == [TextPart("hi")]
    result = ToolResultPart(name="t", output="1", tool_call_id="c1")
    assert llm.tool_message(result).parts == [result]
    with pytest.raises(TypeError, match="Cannot convert 3"):
        llm.user(3)


def test_message_dicts_round_trip_and_validate() -> None:
    message = llm.assistant(
        ReasoningPart("thinking", provider_metadata={"signature": "s"}),
        TextPart("answer"),
        ToolCallPart("search", {"q": "x"}, tool_call_id="c1", server_executed=True),
        ToolResultPart("search", "found", "c1", attachments=[llm.Attachment(content=b"ab")]),
        AttachmentPart(llm.Attachment(type="image/png", url="https://example.com/a.png")),
    )
    data = message.to_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-safe: bytes went to base64
    assert data["parts"][0] == {
        "type": "reasoning",
        "text": "thinking",
        "provider_metadata": {"signature": "s"},
    }
    assert data["parts"][3]["attachments"] == [{"content": "YWI="}]
    assert TypeAdapter(MessageDict).validate_python(data) == data
    assert llm.Message.from_dict(data) == message
    with pytest.raises(ValueError, match="Unknown part type: 'video'"):
        llm.parts.Part.from_dict({"type": "video"})  # type: ignore[arg-type, typeddict-item]


# ---------------------------------------------------------------- prompt.messages


def test_prompt_messages_is_the_whole_conversation() -> None:
    model = Scripted(["one"], ["two"])
    conversation = model.conversation()
    conversation.prompt("first", system="be brief").text()
    second = conversation.prompt("second")
    second.text()
    assert [(m.role, m.parts[0]) for m in second.prompt.messages] == [
        ("system", TextPart("be brief")),
        ("user", TextPart("first")),
        ("assistant", TextPart("one")),
        ("user", TextPart("second")),
    ]
    # What the model was sent is exactly prompt.messages.
    assert model.sent[1] == second.prompt.messages


def test_messages_argument_is_a_history_the_turn_follows() -> None:
    model = Scripted()
    history = [llm.user("2+2?"), llm.assistant("4")]
    response = model.prompt("and 3+3?", messages=history)
    response.text()
    assert [m.role for m in response.prompt.messages] == ["user", "assistant", "user"]
    assert history == [llm.user("2+2?"), llm.assistant("4")]  # the caller's list is untouched


def test_options_as_a_dict_or_keywords_but_not_both() -> None:
    class WithOptions(Scripted):
        class Options(llm.Options):
            temperature: float | None = None

    model = WithOptions()
    assert model.prompt("x", options={"temperature": 0.5}).prompt.options.temperature == 0.5
    with pytest.raises(TypeError, match=r"both in options= and as keyword arguments: \['temp"):
        model.prompt("x", options={"temperature": 0.5}, temperature=0.2)


def test_a_model_without_conversations_refuses_a_history() -> None:
    class SingleTurn(Scripted):
        supports_conversation = False

    model = SingleTurn()
    assert model.prompt("alone").text() == "done"
    with pytest.raises(llm.ConversationNotSupported, match="does not support conversations"):
        model.prompt("again", messages=[llm.user("hi"), llm.assistant("hello")])


# ---------------------------------------------------------------- stream events


def test_stream_events_assemble_into_the_assistant_message() -> None:
    model = Scripted(
        [
            StreamEvent("reasoning", "Let me "),
            StreamEvent("reasoning", "think", provider_metadata={"signature": "abc"}),
            "The answer",  # a plain string is text, as plugins written for 0.26 yield
            StreamEvent("text", " is 4."),
            *tool_call_events("add", '{"a": 2, "b": 2}', "call-1"),
            StreamEvent("reasoning", "", redacted=True),
        ]
    )
    response = model.prompt("2+2?")
    events = list(response.stream_events())
    assert [e.part_index for e in events] == [0, 0, 1, 1, 2, 2, 2, 3]
    assert response.text() == "The answer is 4."
    [message] = response.messages()
    assert message.role == "assistant"
    assert message.parts == [
        ReasoningPart("", redacted=True),  # withheld reasoning is shown first
        ReasoningPart("Let me think", provider_metadata={"signature": "abc"}),
        TextPart("The answer is 4."),
        ToolCallPart("add", {"a": 2, "b": 2}, tool_call_id="call-1"),
    ]
    assert response.resolved_model == "scripted-2026-01"
    # Done: both ways of reading it replay what was recorded.
    assert list(response) == ["The answer", " is 4."]
    assert list(response.stream_events()) == events


def test_mixing_kinds_at_one_part_index_is_an_error() -> None:
    response = Scripted(
        [StreamEvent("text", "a", part_index=0), StreamEvent("reasoning", "b", part_index=0)]
    ).prompt("x")
    response.text()
    with pytest.raises(ValueError, match="incompatible with prior type at part_index=0"):
        response.messages()


def test_async_events_match_sync_events() -> None:
    script = ["Hello", StreamEvent("reasoning", "hmm"), " world"]

    async def collect() -> tuple[list[StreamEvent], list[llm.Message]]:
        response = AsyncScripted(list(script)).prompt("x")
        events = [event async for event in response.astream_events()]
        return events, await response.messages()

    async_events, async_messages = asyncio.run(collect())
    sync_response = Scripted(list(script)).prompt("x")
    assert list(sync_response.stream_events()) == async_events
    assert sync_response.messages() == async_messages


# ---------------------------------------------------------------- serialization and reply


def test_to_dict_from_dict_then_reply_continues_in_another_process() -> None:
    model = Scripted(["Paris"], ["About 2 million"])
    first = model.prompt("Capital of France?", system="Answer briefly")
    data = json.loads(json.dumps(first.to_dict()))
    assert TypeAdapter(ResponseDict).validate_python(data) == data
    assert data["prompt"]["system"] == "Answer briefly"
    assert data["messages"] == [{"role": "assistant", "parts": [{"type": "text", "text": "Paris"}]}]

    restored = llm.Response.from_dict(data, model=model)
    assert restored.text() == "Paris"
    assert restored.id == first.id
    follow_up = restored.reply("Population?")
    assert follow_up.text() == "About 2 million"
    assert [m.role for m in model.sent[-1]] == ["system", "user", "assistant", "user"]


def test_reply_runs_the_tools_the_response_asked_for() -> None:
    def add(a: int, b: int) -> int:
        return a + b

    model = Scripted(tool_call_events("add", '{"a": 1, "b": 2}', "c9"), ["3"])
    first = model.prompt("1+2?", tools=[add])
    second = first.reply()
    assert second.text() == "3"
    tool_message = second.prompt.messages[-1]
    assert tool_message.role == "tool"
    assert tool_message.parts == [ToolResultPart("add", "3", "c9")]


def test_async_response_to_dict_needs_it_awaited() -> None:
    response = AsyncScripted(["x"]).prompt("x")
    with pytest.raises(ValueError, match="not yet awaited"):
        response.to_dict()


# ---------------------------------------------------------------- tools


def test_tool_calls_get_ids_and_a_tool_can_ask_for_its_call() -> None:
    seen: list[llm.ToolCall] = []

    def lookup(key: str, llm_tool_call: llm.ToolCall) -> str:
        seen.append(llm_tool_call)
        return key.upper()

    tool = llm.Tool.function(lookup)
    assert list(tool.input_schema["properties"]) == ["key"]  # never shown to the model

    class AddsCalls(Scripted):
        def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
            if not prompt.tool_results:
                response.add_tool_call(llm.ToolCall("lookup", {"key": "k"}))
            yield "ok"

    chain = AddsCalls().chain("go", tools=[tool])
    chain.text()
    [call] = chain._responses[0].tool_calls()
    assert call.tool_call_id is not None and call.tool_call_id.startswith("tc_")
    assert seen == [call]


def test_pause_chain_then_resume_from_the_history() -> None:
    approved = False

    def delete(path: str) -> str:
        if not approved:
            raise llm.PauseChain("needs approval")
        return f"deleted {path}"

    model = Scripted(tool_call_events("delete", '{"path": "a.txt"}', "d1"), ["Done."])
    chain = model.chain("tidy up", tools=[delete])
    with pytest.raises(llm.PauseChain) as paused:
        chain.text()
    assert paused.value.tool_call == llm.ToolCall("delete", {"path": "a.txt"}, "d1")
    assert paused.value.tool_results == []

    # The history (e.g. saved as JSON) ends in the unanswered call: resuming runs it first.
    first = chain._responses[0]
    history = [
        llm.Message.from_dict(m.to_dict()) for m in [*first.prompt.messages, *first.messages()]
    ]
    approved = True
    resumed = model.chain(messages=history, tools=[delete])
    assert resumed.text() == "Done."
    sent = model.sent[-1]
    assert [m.role for m in sent] == ["user", "assistant", "tool"]
    assert sent[-1].parts == [ToolResultPart("delete", "deleted a.txt", "d1")]


def test_server_side_tools_are_carried_not_run() -> None:
    class WebSearch(llm.ServerSideTool):
        """Search the web."""

        name = "web_search"

        def __init__(self, max_uses: int = 3) -> None:
            self.max_uses = max_uses

    class Searching(Scripted):
        @property
        def supported_server_side_tools(self) -> tuple[type[llm.ServerSideTool], ...]:
            return (WebSearch,)

    search = WebSearch(max_uses=5)
    assert search._config == {"max_uses": 5}
    assert search.description == "Search the web."
    functions, server_side = llm.models._partition_tools(Searching(), [search])
    assert (functions, server_side) == ([], [search])
    assert Searching().prompt("news", tools=[search]).text() == "done"
    with pytest.raises(ValueError, match="does not support server-side tool 'web_search'"):
        Scripted().prompt("news", tools=[search])


def test_register_models_may_take_model_aliases() -> None:
    class Plugin:
        __name__ = "AliasAware"

        @llm.hookimpl(trylast=True)
        def register_models(self, register: Any, model_aliases: Any) -> None:
            # Called last, it sees what the others registered: at least the echo model.
            register(Scripted(), aliases=[f"scripted-after-{len(model_aliases)}"])

    llm.pm.register(Plugin(), name="alias-aware")
    try:
        [entry] = [
            e for e in llm.get_models_with_aliases() if e.model and e.model.model_id == "scripted"
        ]
        assert entry.aliases[0].startswith("scripted-after-")
        assert entry.aliases != ["scripted-after-0"]
    finally:
        llm.pm.unregister(name="alias-aware")


def test_a_conversation_rebuilt_from_logs_sends_every_earlier_turn() -> None:
    # What `llm -c` does: responses rebuilt from log rows know only their own turn.
    model = Scripted(["next"])
    conversation = model.conversation()
    for question, answer in (("q1", "a1"), ("q2", "a2")):
        prompt = llm.Prompt(question, model, system="be brief")
        conversation.responses.append(
            llm.Response.from_log(model, prompt, answer, conversation=conversation)
        )
    conversation.prompt("q3").text()
    assert [(m.role, m.parts[0].text) for m in model.sent[-1]] == [  # type: ignore[attr-defined]
        ("system", "be brief"),
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2"),
        ("assistant", "a2"),
        ("user", "q3"),
    ]


def test_from_row_rebuilds_a_logged_response(tmp_path: Any) -> None:
    import sqlite3

    model = llm.get_model("echo")
    logged = model.prompt(json.dumps({"prompt": "hi", "tool_calls": [{"name": "t"}]}))
    logged.log_to_db(str(tmp_path / "logs.db"))
    conn = sqlite3.connect(str(tmp_path / "logs.db"))
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("select * from responses").fetchone())
    rebuilt = llm.Response.from_row(conn, row)
    assert rebuilt.id == logged.id
    assert rebuilt.text() == logged.text()
    assert rebuilt.tool_calls() == logged.tool_calls()
    [message] = rebuilt.messages()
    assert message.parts == [TextPart(logged.text()), *logged.messages()[0].parts[1:]]
    assert isinstance(llm.AsyncResponse.from_row(conn, row), llm.AsyncResponse)


def test_token_usage_string() -> None:
    response = llm.get_model("echo").prompt("one two three")
    response.text()
    assert response.token_usage() == f"3 input, {response.output_tokens} output"


def test_conversation_from_row_and_to_sync_conversation() -> None:
    row = {"id": "01abc", "name": "pelicans", "model": "echo"}
    sync = llm.Conversation.from_row(row)
    assert (sync.id, sync.name, sync.model.model_id) == ("01abc", "pelicans", "echo")
    async_conversation = llm.AsyncConversation.from_row(row)
    assert isinstance(async_conversation.model, llm.AsyncModel)
    back = async_conversation.to_sync_conversation()
    assert isinstance(back, llm.Conversation)
    assert (back.id, back.name, back.responses) == ("01abc", "pelicans", [])


def test_template_extract_vars() -> None:
    import string

    assert llm.Template.extract_vars(string.Template("$a and $b, $$c ${d}")) == ["a", "b"]


def test_a_reader_that_stops_early_is_continued_not_rerun() -> None:
    model = Scripted(["one ", "two ", "three"])
    response = model.prompt("count")
    for chunk in response:
        assert chunk == "one "
        break
    assert response.text() == "one two three"
    assert len(model.sent) == 1  # the model ran once

    events_first = model.prompt("count")
    model.scripts.append(["x", "y"])
    reader = events_first.stream_events()
    assert next(reader).chunk == "x"
    reader.close()  # a reader dropped part-way
    assert events_first.text() == "xy"

    async def run_async() -> tuple[str, str]:
        async_response = AsyncScripted(["a", "b", "c"]).prompt("x")
        first = ""
        async for chunk in async_response:
            first = chunk
            break
        return first, await async_response.text()

    assert asyncio.run(run_async()) == ("a", "abc")

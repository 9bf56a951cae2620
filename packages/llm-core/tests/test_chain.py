"""The tool runtime through the Python API, offline: the echo model calls the tools that a
JSON prompt names (``{"tool_calls": [...]}``) and reports the results it is sent back."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import llm


def calls(*items: dict[str, Any]) -> str:
    return json.dumps({"tool_calls": list(items)})


def accounts(text: str) -> list[dict[str, Any]]:
    """The echo model's JSON accounts, one per response of a chain, from the chain's text
    (a space separates the rounds, for display)."""
    decoder = json.JSONDecoder()
    found, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        value, position = decoder.raw_decode(text, position)
        found.append(value)
    return found


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


class Memory(llm.Toolbox):
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.memory: dict[str, str] = {}

    def set(self, key: str, value: str) -> None:
        "Set something as a key"
        self.memory[key] = self.prefix + value

    def get(self, key: str) -> str:
        "Get something from a key"
        return self.memory.get(key, "")


def test_chain_runs_tools_and_sends_results_back() -> None:
    model = llm.get_model("echo")
    chain = model.chain(
        calls(
            {"name": "upper", "arguments": {"text": "hi"}},
            {"name": "multiply", "arguments": {"a": 3, "b": 4}},
        ),
        tools=[upper, multiply],
    )
    first, second = accounts(chain.text())
    assert first["previous"] == [] and "tool_results" not in first
    results = second["tool_results"]
    assert [(r["name"], r["output"]) for r in results] == [("upper", "HI"), ("multiply", "12")]
    # Each result carries the id given to the call it answers.
    call_ids = [c.tool_call_id for c in chain._responses[0].tool_calls()]
    assert [r["tool_call_id"] for r in results] == call_ids
    assert all(i.startswith("tc_") for i in call_ids)
    responses = chain._responses
    assert len(responses) == 2
    first_call = responses[0].tool_calls()[0]
    assert (first_call.name, first_call.arguments) == ("upper", {"text": "hi"})
    # The next prompt is empty and carries the same tools.
    assert responses[1].prompt.prompt == ""
    assert [t.name for t in responses[1].prompt.tools] == ["upper", "multiply"]
    assert [r.output for r in responses[1].prompt.tool_results] == ["HI", "12"]


def test_chain_streams_each_response_in_turn() -> None:
    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper]
    )
    chunks = list(chain)
    assert len(chunks) > 2  # streamed, not one lump
    assert len(accounts("".join(chunks))) == 2
    # Iterating again replays what was made, without running the tools again.
    assert "".join(chain) == "".join(chunks)


def test_chain_responses_can_be_read_one_by_one() -> None:
    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper]
    )
    seen = []
    for response in chain.responses():
        seen.append((response.prompt.prompt, response.text()))
    assert seen[0][0] == calls({"name": "upper", "arguments": {"text": "x"}})
    assert seen[1][0] == ""
    assert len(seen) == 2


def test_python_api_chain_with_no_tool_calls_is_one_response() -> None:
    chain = llm.get_model("echo").chain("just text")
    assert accounts(chain.text())[0]["prompt"] == "just text"
    assert len(chain._responses) == 1


def test_unknown_tool_raising_tool_and_result_types() -> None:
    def broken(text: str) -> str:
        raise RuntimeError(f"cannot handle {text}")

    def structured() -> dict[str, Any]:
        return {"a": [1, 2]}

    def nothing() -> None:
        return None

    chain = llm.get_model("echo").chain(
        calls(
            {"name": "bad_tool"},
            {"name": "broken", "arguments": {"text": "x"}},
            {"name": "structured"},
            {"name": "nothing"},
        ),
        tools=[broken, structured, nothing],
    )
    results = accounts(chain.text())[1]["tool_results"]
    assert [r["output"] for r in results] == [
        'Error: tool "bad_tool" does not exist',
        "Error: cannot handle x",
        '{"a": [1, 2]}',
        "null",
    ]
    sent = chain._responses[1].prompt.tool_results
    assert isinstance(sent[1].exception, RuntimeError)
    assert sent[2].exception is None


def test_before_and_after_call_callbacks_and_cancelling() -> None:
    log: list[Any] = []

    def before_call(tool: llm.Tool, call: llm.ToolCall) -> None:
        log.append(("before", tool.name, call.arguments))
        if call.arguments.get("text") == "no":
            raise llm.CancelToolCall("not this one")

    def after_call(tool: llm.Tool, call: llm.ToolCall, result: llm.ToolResult) -> None:
        log.append(("after", tool.name, result.output))

    ran: list[str] = []

    def record(text: str) -> str:
        ran.append(text)
        return text

    chain = llm.get_model("echo").chain(
        calls(
            {"name": "record", "arguments": {"text": "yes"}},
            {"name": "record", "arguments": {"text": "no"}},
        ),
        tools=[record],
        before_call=before_call,
        after_call=after_call,
    )
    results = accounts(chain.text())[1]["tool_results"]
    assert ran == ["yes"]  # the cancelled call never ran
    assert [r["output"] for r in results] == ["yes", "Cancelled: not this one"]
    assert log == [
        ("before", "record", {"text": "yes"}),
        ("after", "record", "yes"),
        ("before", "record", {"text": "no"}),
    ]
    assert isinstance(chain._responses[1].prompt.tool_results[1].exception, llm.CancelToolCall)


def test_async_callback_in_a_sync_chain_is_a_clear_error() -> None:
    async def before_call(tool: llm.Tool, call: llm.ToolCall) -> None:
        pass

    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper], before_call=before_call
    )
    with pytest.raises(TypeError, match="async before_call callback"):
        chain.text()


def test_async_tool_in_a_sync_chain() -> None:
    async def hello(name: str) -> str:
        await asyncio.sleep(0)
        return f"hello {name}"

    chain = llm.get_model("echo").chain(
        calls({"name": "hello", "arguments": {"name": "P"}}), tools=[hello]
    )
    assert accounts(chain.text())[1]["tool_results"][0]["output"] == "hello P"


class _Looper(llm.Model):
    """Calls the ``again`` tool in every response, so only a chain limit stops it."""

    model_id = "looper"
    supports_tools = True

    def execute(self, prompt, stream, response, conversation=None) -> Iterator[str]:  # type: ignore[no-untyped-def]
        response.add_tool_call(llm.ToolCall("again", {}))
        yield "."


def test_chain_limit() -> None:
    count = []

    def again() -> str:
        count.append(1)
        return "ok"

    chain = _Looper().chain("go", tools=[again], chain_limit=3)
    with pytest.raises(ValueError, match=r"^Chain limit of 3 exceeded\.$"):
        chain.text()
    assert len(chain._responses) == 3
    assert len(count) == 2  # the last response's call was not run: nobody would read it

    # 0 (and None, the default) mean no limit.
    count.clear()
    unlimited = _Looper().chain("go", tools=[again], chain_limit=0)
    responses = unlimited.responses()
    for _ in range(8):
        next(responses)
    assert len(count) == 7


def test_chain_limit_allows_a_chain_that_ends_at_the_limit() -> None:
    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper], chain_limit=2
    )
    assert len(accounts(chain.text())) == 2


def test_execute_tool_calls_on_a_plain_response() -> None:
    response = llm.get_model("echo").prompt(
        calls({"name": "upper", "arguments": {"text": "abc"}}), tools=[upper]
    )
    [result] = response.execute_tool_calls()
    [call] = response.tool_calls()
    assert result == llm.ToolResult(name="upper", output="ABC", tool_call_id=call.tool_call_id)


def test_toolbox_state_config_and_instance() -> None:
    memory = Memory("p:")
    conversation = llm.get_model("echo").conversation(tools=[memory])
    conversation.chain(
        calls({"name": "Memory_set", "arguments": {"key": "k", "value": "v"}})
    ).text()
    chain = conversation.chain(calls({"name": "Memory_get", "arguments": {"key": "k"}}))
    last = accounts(chain.text())[-1]
    assert last["tool_results"][0]["output"] == "p:v"
    # The conversation carries earlier prompts; the result remembers its toolbox instance.
    assert len(last["previous"]) == 3
    result = chain._responses[1].prompt.tool_results[0]
    assert result.instance is memory
    assert memory._config == {"prefix": "p:"}


def test_toolbox_prepare_and_add_tool() -> None:
    class Files(llm.Toolbox):
        prepared = 0

        def __init__(self, root: str) -> None:
            self.root = root

        def prepare(self) -> None:
            type(self).prepared += 1
            self.add_tool(shout)
            self.add_tool(where, pass_self=True)

        def listing(self) -> list[str]:
            "List files"
            return ["a.txt"]

    def shout(text: str) -> str:
        "Shout it"
        return text.upper() + "!"

    def where(box: Files, extra: str) -> str:
        "Where the files are"
        return box.root + extra

    box = Files("/data")
    tools = {tool.name: tool for tool in box.tools()}
    assert set(tools) == {"Files_listing", "shout", "where"}
    assert tools["where"].input_schema == {
        "properties": {"extra": {"type": "string"}},
        "required": ["extra"],
        "type": "object",
    }
    box.tools()
    assert Files.prepared == 1  # once per instance
    chain = llm.get_model("echo").chain(
        calls(
            {"name": "where", "arguments": {"extra": "/x"}},
            {"name": "shout", "arguments": {"text": "a"}},
        ),
        tools=[box],
    )
    results = accounts(chain.text())[1]["tool_results"]
    assert [r["output"] for r in results] == ["/data/x", "A!"]
    assert chain._responses[1].prompt.tool_results[0].instance is box


def test_tool_output_with_attachments() -> None:
    image = llm.Attachment(content=b"\x89PNG\r\n\x1a\n", type="image/png")

    def draw() -> llm.ToolOutput:
        return llm.ToolOutput({"drawn": True}, attachments=[image])

    chain = llm.get_model("echo").chain(calls({"name": "draw"}), tools=[draw])
    assert accounts(chain.text())[1]["tool_results"][0]["output"] == '{"drawn": true}'
    assert chain._responses[1].prompt.tool_results[0].attachments == [image]


def test_tool_schema_from_postponed_annotations() -> None:
    namespace: dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "def count(text: str, times: int = 2) -> int:\n"
        "    'Count'\n"
        "    return len(text) * times\n",
        namespace,
    )
    tool = llm.Tool.function(namespace["count"])
    assert tool.input_schema == {
        "properties": {"text": {"type": "string"}, "times": {"default": 2, "type": "integer"}},
        "required": ["text"],
        "type": "object",
    }


def test_chain_logs_every_response(tmp_path: Path) -> None:
    db_path = tmp_path / "logs.db"
    memory = Memory()
    chain = llm.get_model("echo").chain(
        calls(
            {"name": "Memory_set", "arguments": {"key": "a", "value": "b"}},
            {"name": "upper", "arguments": {"text": "q"}},
        ),
        tools=[memory, upper],
    )
    chain.text()
    chain.log_to_db(db_path)
    db = sqlite3.connect(db_path)
    responses = db.execute(
        "select id, prompt, conversation_id from responses order by id"
    ).fetchall()
    assert len(responses) == 2
    assert responses[0][2] == responses[1][2]  # one conversation
    tools = db.execute("select name, plugin from tools order by name").fetchall()
    assert tools == [("Memory_get", None), ("Memory_set", None), ("upper", None)]
    tool_calls = db.execute(
        "select response_id, name, arguments from tool_calls order by id"
    ).fetchall()
    assert tool_calls == [
        (responses[0][0], "Memory_set", '{"key": "a", "value": "b"}'),
        (responses[0][0], "upper", '{"text": "q"}'),
    ]
    results = db.execute(
        "select tr.response_id, tr.name, tr.output, ti.name, ti.arguments from tool_results tr"
        " left join tool_instances ti on ti.id = tr.instance_id order by tr.id"
    ).fetchall()
    assert results == [
        (responses[1][0], "Memory_set", "null", "Memory", '{"prefix": ""}'),
        (responses[1][0], "upper", "Q", None, None),
    ]


def test_chain_logs_to_a_migrated_in_memory_sqlite_utils_database() -> None:
    # As the original's test_tool_use_basic: migrate() must leave the caller's connection open.
    sqlite_utils = pytest.importorskip("sqlite_utils")
    from llm.migrations import migrate

    db = sqlite_utils.Database(memory=True)
    migrate(db)
    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper]
    )
    chain.text()
    chain.log_to_db(db)
    assert db.execute("select count(*) from responses").fetchone() == (2,)
    assert db.execute("select output from tool_results").fetchall() == [("X",)]


def test_chain_responses_made_text_and_finish_early() -> None:
    chain = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper]
    )
    assert chain.responses_made() == [] and chain.error is None
    assert chain.text_or_raise() == ""
    iterator = iter(chain)
    next(iterator)  # the first response has started streaming
    chain.finish_early()  # Ctrl-C: keep what arrived
    made = chain.responses_made()
    assert len(made) == 1
    assert chain.text_or_raise() == made[0].text_or_raise()
    full = llm.get_model("echo").chain(
        calls({"name": "upper", "arguments": {"text": "x"}}), tools=[upper]
    )
    text = full.text()
    assert full.text_or_raise() == text
    assert len(full.responses_made()) == 2


# ---------------------------------------------------------------- async


def _overlapping(order: list[str]) -> Any:
    """An async tool that proves it overlaps with the others: it records its start, yields to
    the event loop, then records its end. Run one after another they give ``start a, end a,
    start b, end b``; run concurrently, every start comes before any end (no clock needed)."""

    async def slow(name: str) -> str:
        order.append("start " + name)
        await asyncio.sleep(0)
        order.append("end " + name)
        return name

    return slow


def test_async_chain_runs_async_tools_concurrently() -> None:
    order: list[str] = []
    slow = _overlapping(order)

    async def main() -> str:
        chain = llm.get_async_model("echo").chain(
            calls(
                {"name": "slow", "arguments": {"name": "one"}},
                {"name": "upper", "arguments": {"text": "s"}},
                {"name": "slow", "arguments": {"name": "two"}},
            ),
            tools=[slow, upper],
        )
        return await chain.text()

    text = asyncio.run(main())
    assert [r["output"] for r in accounts(text)[1]["tool_results"]] == ["one", "S", "two"]
    assert order == ["start one", "start two", "end one", "end two"]


def test_async_chain_streams_and_awaits_async_callbacks() -> None:
    seen: list[str] = []

    async def before_call(tool: llm.Tool | None, call: llm.ToolCall) -> None:
        await asyncio.sleep(0)
        # Told about a tool the model made up too, with no Tool (as 0.32+ does).
        seen.append(f"before {tool.name if tool else None} {call.name}")

    async def after_call(tool: llm.Tool, call: llm.ToolCall, result: llm.ToolResult) -> None:
        seen.append("after " + result.output)

    async def main() -> list[str]:
        chain = llm.get_async_model("echo").chain(
            calls({"name": "upper", "arguments": {"text": "a"}}, {"name": "missing"}),
            tools=[upper],
            before_call=before_call,
            after_call=after_call,
        )
        return [chunk async for chunk in chain]

    chunks = asyncio.run(main())
    assert len(chunks) > 2
    results = accounts("".join(chunks))[1]["tool_results"]
    assert [r["output"] for r in results] == ["A", 'Error: tool "missing" does not exist']
    assert seen == ["before upper upper", "after A", "before None missing"]


def test_async_cancel_and_raise() -> None:
    def before_call(tool: llm.Tool | None, call: llm.ToolCall) -> None:
        if tool and tool.name == "upper":
            raise llm.CancelToolCall("no")

    async def fails() -> str:
        raise ValueError("bad")

    async def main() -> str:
        chain = llm.get_async_model("echo").chain(
            calls({"name": "upper", "arguments": {"text": "a"}}, {"name": "fails"}),
            tools=[upper, fails],
            before_call=before_call,
        )
        return await chain.text()

    results = accounts(asyncio.run(main()))[1]["tool_results"]
    assert [r["output"] for r in results] == ["Cancelled: no", "Error: bad"]


def test_async_toolbox_prepare_async_and_conversation_chain() -> None:
    class Remote(llm.Toolbox):
        async def prepare_async(self) -> None:
            await asyncio.sleep(0)
            self.add_tool(ping)

        async def fetch(self, key: str) -> str:
            return f"value of {key}"

    def ping() -> str:
        return "pong"

    async def main() -> tuple[list[dict[str, Any]], Any]:
        box = Remote()
        conversation = llm.get_async_model("echo").conversation(tools=[box])
        chain = conversation.chain(
            calls({"name": "Remote_fetch", "arguments": {"key": "k"}}, {"name": "ping"})
        )
        text = await chain.text()
        [result] = await (
            llm.get_async_model("echo").prompt(calls({"name": "ping"}), tools=[box])
        ).execute_tool_calls()
        return accounts(text), result

    found, result = asyncio.run(main())
    assert [r["output"] for r in found[1]["tool_results"]] == ["value of k", "pong"]
    assert result.output == "pong"


def test_async_chain_logs(tmp_path: Path) -> None:
    async def main() -> Any:
        chain = llm.get_async_model("echo").chain(
            calls({"name": "upper", "arguments": {"text": "a"}}), tools=[upper]
        )
        await chain.text()
        return chain

    chain = asyncio.run(main())
    chain.log_to_db(tmp_path / "logs.db")
    db = sqlite3.connect(tmp_path / "logs.db")
    assert db.execute("select count(*) from responses").fetchone() == (2,)
    assert db.execute("select name, output from tool_results").fetchall() == [("upper", "A")]


def test_async_tools_in_a_sync_chain_run_concurrently() -> None:
    order: list[str] = []
    slow = _overlapping(order)

    def before_call(tool: llm.Tool, call: llm.ToolCall) -> None:
        order.append("approve " + call.arguments.get("name", call.arguments.get("text", "")))

    chain = llm.get_model("echo").chain(
        calls(
            {"name": "slow", "arguments": {"name": "a"}},
            {"name": "upper", "arguments": {"text": "b"}},
            {"name": "slow", "arguments": {"name": "c"}},
        ),
        tools=[slow, upper],
        before_call=before_call,
    )
    results = accounts(chain.text())[1]["tool_results"]
    assert [r["output"] for r in results] == ["a", "B", "c"]  # in the order asked for
    # Each call is approved in turn, then the async ones run together.
    assert order == ["approve a", "approve b", "approve c", "start a", "start c", "end a", "end c"]

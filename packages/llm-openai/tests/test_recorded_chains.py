"""The two recorded OpenAI tool exchanges, replayed through ``model.chain()``: the chain
runs the tools itself, sends their results back and logs every step."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from cassettes import Cassette

import llm


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


def lookup_population(country: str) -> int:
    "Returns the current population of the specified fictional country"
    return 123124


def can_have_dragons(population: int) -> bool:
    "Returns True if the specified population can have dragons, False otherwise"
    return population > 10000


def test_chain_streamed_tool_call(transport: Any, tmp_path: Path) -> None:
    cassette = Cassette.named("test_tool_use_basic")
    transport(cassette.transport())
    chain = llm.get_model("gpt-4o-mini").chain(
        "What is 1231 * 2331?", tools=[multiply], key="sk-test"
    )
    assert "".join(chain) == r"The result of \( 1231 \times 2331 \) is \( 2,869,461 \)."
    first, second = chain._responses
    assert first.prompt.tools[0].name == "multiply"
    [result] = second.prompt.tool_results
    assert (result.name, result.output) == ("multiply", "2869461")
    assert result.tool_call_id == "call_1EYWDzueHEp8OsB8jJSEp7WB"
    assert len(cassette.requests) == 2

    chain.log_to_db(tmp_path / "logs.db")
    db = sqlite3.connect(tmp_path / "logs.db")
    first_id, second_id = (row[0] for row in db.execute("select id from responses order by id"))
    assert db.execute("select name, description, plugin from tools").fetchall() == [
        ("multiply", "Multiply two numbers.", None)
    ]
    assert db.execute(
        "select response_id, name, arguments, tool_call_id from tool_calls"
    ).fetchall() == [
        (first_id, "multiply", '{"a": 1231, "b": 2331}', "call_1EYWDzueHEp8OsB8jJSEp7WB")
    ]
    assert db.execute("select response_id, output, tool_call_id from tool_results").fetchall() == [
        (second_id, "2869461", "call_1EYWDzueHEp8OsB8jJSEp7WB")
    ]


def test_chain_of_two_calls_not_streamed(transport: Any) -> None:
    cassette = Cassette.named("test_tool_use_chain_of_two_calls")
    transport(cassette.transport())
    calls_seen: list[tuple[str, dict[str, Any]]] = []
    chain = llm.get_model("gpt-4o-mini").chain(
        "Can the country of Crumpet have dragons? Answer with only YES or NO",
        tools=[lookup_population, can_have_dragons],
        stream=False,
        key="sk-test",
        after_call=lambda tool, call, result: calls_seen.append((call.name, call.arguments)),
    )
    assert chain.text() == "YES"
    assert calls_seen == [
        ("lookup_population", {"country": "Crumpet"}),
        ("can_have_dragons", {"population": 123124}),
    ]
    first, second, third = chain._responses
    assert first.prompt.tool_results == []
    assert second.prompt.tool_results[0].output == "123124"
    assert third.prompt.tool_results[0].output == "true"
    assert third.tool_calls() == []
    # What we sent is what the original sent, request by request.
    for index in range(3):
        assert cassette.sent_body(index) == cassette.recorded_body(index)

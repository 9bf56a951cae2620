"""Two real exchanges with the OpenAI API, recorded by the original project, replayed
through the Python API: a streamed tool call, and a chain of two non-streamed calls."""

from __future__ import annotations

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


def run_tools(response: Any, tools: dict[str, Any]) -> list[llm.ToolResult]:
    results = []
    for call in response.tool_calls():
        output = tools[call.name](**call.arguments)
        results.append(
            llm.ToolResult(
                name=call.name,
                output=str(output).lower() if isinstance(output, bool) else str(output),
                tool_call_id=call.tool_call_id,
            )
        )
    return results


def test_tool_use_basic_streamed(transport: Any) -> None:
    cassette = Cassette.named("test_tool_use_basic")
    transport(cassette.transport())
    model = llm.get_model("gpt-4o-mini")
    conversation = model.conversation()

    first = conversation.prompt("What is 1231 * 2331?", tools=[multiply], key="sk-test")
    assert first.text() == ""
    [call] = first.tool_calls()
    assert call.name == "multiply"
    assert call.arguments == {"a": 1231, "b": 2331}
    assert call.tool_call_id == "call_1EYWDzueHEp8OsB8jJSEp7WB"
    assert first.usage() == llm.Usage(input=54, output=20, details=None)
    assert cassette.sent_body(0) == cassette.recorded_body(0)

    second = conversation.prompt(
        tools=[multiply], tool_results=run_tools(first, {"multiply": multiply}), key="sk-test"
    )
    assert second.text() == r"The result of \( 1231 \times 2331 \) is \( 2,869,461 \)."
    assert second.usage().input == 87
    # The request carries the tool call and its result. (The original also sent an empty
    # assistant message before the tool call; we leave that out.)
    recorded = cassette.recorded_body(1)
    recorded["messages"] = [
        m for m in recorded["messages"] if m != {"role": "assistant", "content": ""}
    ]
    assert cassette.sent_body(1) == recorded
    assert second.prompt_json == {"messages": recorded["messages"]}
    assert cassette.requests[1].headers["authorization"] == "Bearer sk-test"


def test_tool_use_chain_of_two_calls_not_streamed(transport: Any) -> None:
    cassette = Cassette.named("test_tool_use_chain_of_two_calls")
    transport(cassette.transport())
    tools = {"lookup_population": lookup_population, "can_have_dragons": can_have_dragons}
    model = llm.get_model("4o-mini")
    conversation = model.conversation(tools=list(tools.values()))

    response = conversation.prompt(
        "Can the country of Crumpet have dragons? Answer with only YES or NO",
        stream=False,
        key="sk-test",
    )
    texts = []
    for _ in range(3):
        texts.append(response.text())
        results = run_tools(response, tools)
        if not results:
            break
        response = conversation.prompt(stream=False, tool_results=results, key="sk-test")

    assert texts == ["", "", "YES"]
    assert len(cassette.requests) == 3
    for index in range(3):
        assert cassette.sent_body(index) == cassette.recorded_body(index)
    # The gzip-compressed JSON answers are decoded and kept as the response JSON.
    assert response.json()["choices"][0]["message"]["content"] == "YES"
    assert response.usage().input is not None

"""The two recorded OpenAI tool exchanges, replayed through the command line: ``llm
--functions`` runs the tools, sends the same requests the original sent and logs every step."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from cassettes import Cassette
from click.testing import CliRunner

from llm_cli.app import cli

MULTIPLY = '''
def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b
'''

DRAGONS = """
def lookup_population(country: str) -> int:
    "Returns the current population of the specified fictional country"
    return 123124

def can_have_dragons(population: int) -> bool:
    "Returns True if the specified population can have dragons, False otherwise"
    return population > 10000
"""


def test_cli_streamed_tool_call(transport: Any, environment: Path) -> None:
    cassette = Cassette.named("test_tool_use_basic")
    transport(cassette.transport())
    result = CliRunner().invoke(
        cli,
        [
            *("-m", "gpt-4o-mini", "--key", "sk-test", "--functions", MULTIPLY, "--td"),
            "What is 1231 * 2331?",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Tool call: multiply({'a': 1231, 'b': 2331})\n  2869461\n" in result.output
    assert result.output.endswith(
        r"The result of \( 1231 \times 2331 \) is \( 2,869,461 \)." + "\n"
    )
    assert len(cassette.requests) == 2
    assert cassette.sent_body(0) == cassette.recorded_body(0)
    # (The original also sent an empty assistant message before the tool call; the Python
    # API test of this recording documents that difference, which is the provider's.)
    assert cassette.sent_body(1)["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1EYWDzueHEp8OsB8jJSEp7WB",
        "content": "2869461",
    }
    db = sqlite3.connect(environment / "logs.db")
    assert db.execute("select count(*) from responses").fetchone() == (2,)
    assert db.execute("select name, arguments, tool_call_id from tool_calls").fetchall() == [
        ("multiply", '{"a": 1231, "b": 2331}', "call_1EYWDzueHEp8OsB8jJSEp7WB")
    ]
    assert db.execute("select output, tool_call_id from tool_results").fetchall() == [
        ("2869461", "call_1EYWDzueHEp8OsB8jJSEp7WB")
    ]


def test_cli_chain_of_two_calls_not_streamed(transport: Any, environment: Path) -> None:
    cassette = Cassette.named("test_tool_use_chain_of_two_calls")
    transport(cassette.transport())
    result = CliRunner().invoke(
        cli,
        [
            *("-m", "gpt-4o-mini", "--key", "sk-test", "--no-stream", "--functions", DRAGONS),
            "Can the country of Crumpet have dragons? Answer with only YES or NO",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output == "YES\n"
    for index in range(3):
        assert cassette.sent_body(index) == cassette.recorded_body(index)
    db = sqlite3.connect(environment / "logs.db")
    assert db.execute("select name, output from tool_results order by id").fetchall() == [
        ("lookup_population", "123124"),
        ("can_have_dragons", "true"),
    ]

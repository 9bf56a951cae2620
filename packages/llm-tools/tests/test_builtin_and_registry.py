"""The built-in tools, ``llm.get_tools()`` consuming ``register_tools``, and ``llm tools``."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import llm
import llm_tools
from llm import hookimpl
from llm.tools import llm_time, llm_version
from llm_cli.app import cli

BUILT_IN = "llm.default_plugins.default_tools"


def test_builtins_are_the_llm_tools_functions() -> None:
    assert llm_version is llm_tools.llm_version
    assert llm_time is llm_tools.llm_time
    assert llm_version() == llm.__version__  # the meta-package's, or core's: one version
    with pytest.raises(AttributeError):
        llm.tools.nope  # type: ignore[attr-defined]  # noqa: B018


def test_llm_time_keys_and_values() -> None:
    info = llm_time()
    assert list(info) == [
        "utc_time",
        "utc_time_iso",
        "local_timezone",
        "local_time",
        "timezone_offset",
        "is_dst",
    ]
    parsed = datetime.datetime.fromisoformat(info["utc_time_iso"])
    assert parsed.utcoffset() == datetime.timedelta(0)
    assert info["utc_time"].endswith(" UTC")
    assert isinstance(info["is_dst"], bool)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "UTC+00:00"),
        (19800, "UTC+05:30"),
        (-18000, "UTC-5:00"),
        (-12600, "UTC-3:30"),
        (49500, "UTC+13:45"),
    ],
)
def test_utc_offset_text(seconds: int, expected: str) -> None:
    assert llm_tools._utc_offset(seconds) == expected


def test_builtins_registered_through_the_hook() -> None:
    tools = llm.get_tools()
    assert tools["llm_version"] == llm.Tool(
        name="llm_version",
        description="Return the installed version of llm",
        input_schema={"properties": {}, "type": "object"},
        implementation=llm_version,
        plugin=BUILT_IN,
    )
    assert tools["llm_time"].plugin == BUILT_IN
    assert tools["llm_time"].implementation is llm_time


class Counter(llm.Toolbox):
    def __init__(self, start: int = 0) -> None:
        self.value = start

    def add(self, amount: int) -> int:
        "Add to the counter"
        self.value += amount
        return self.value


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


class ToolsPlugin:
    __name__ = "ToolsPlugin"

    @hookimpl
    def register_tools(self, register: Callable[..., None]) -> None:
        register(llm.Tool.function(upper))
        register(len, name="length")
        register(Counter)
        register(upper)  # the same name again: kept under a suffix


def test_register_tools_records_the_plugin(register_plugin: Callable[..., Any]) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")
    tools = llm.get_tools()
    assert tools["upper"].plugin == "ToolsPlugin"
    assert tools["upper_1"].plugin == "ToolsPlugin"
    assert tools["length"].name == "length"
    assert tools["Counter"] is Counter
    assert Counter.plugin == "ToolsPlugin"
    # A toolbox's tools and results carry the plugin (the logs store it).
    chain = llm.get_model("echo").chain(
        json.dumps({"tool_calls": [{"name": "Counter_add", "arguments": {"amount": 2}}]}),
        tools=[Counter(5)],
    )
    chain.text()
    result = chain._responses[1].prompt.tool_results[0]
    assert result.output == "7"
    assert result.instance is not None and result.instance.plugin == "ToolsPlugin"
    assert chain._responses[0].prompt.tools[0].plugin == "ToolsPlugin"


def test_register_rejects_what_is_not_a_tool(register_plugin: Callable[..., Any]) -> None:
    class Bad:
        __name__ = "Bad"

        @hookimpl
        def register_tools(self, register: Callable[..., None]) -> None:
            register(42)

    register_plugin(Bad(), "Bad")
    with pytest.raises(TypeError, match="not a tool"):
        llm.get_tools()


def test_tools_list_text_and_json(register_plugin: Callable[..., Any]) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")
    runner = CliRunner()
    result = runner.invoke(cli, ["tools"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "length(obj, /) (plugin: ToolsPlugin)\n\n"
        "  Return the number of items in a container.\n\n"
        "llm_time() -> dict (plugin: llm.default_plugins.default_tools)\n\n"
        "  Returns the current time, as local time and UTC\n\n"
        "llm_version() -> str (plugin: llm.default_plugins.default_tools)\n\n"
        "  Return the installed version of llm\n\n"
        "upper(text: str) -> str (plugin: ToolsPlugin)\n\n"
        "  Convert text to uppercase.\n\n"
    )
    assert result.output.endswith(
        # as 0.32+ list them: a toolbox's tools by the names the model sees
        "Counter:\n\n  Counter_add(amount: int) -> int\n\n    Add to the counter\n\n"
    )
    as_json = json.loads(runner.invoke(cli, ["tools", "list", "--json"]).output)
    assert [t["name"] for t in as_json["tools"]] == [
        "length",
        "llm_time",
        "llm_version",
        "upper",
        "upper_1",
    ]
    assert as_json["tools"][3] == {
        "name": "upper",
        "description": "Convert text to uppercase.",
        "arguments": {
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
            "type": "object",
        },
        "plugin": "ToolsPlugin",
    }
    assert as_json["toolboxes"] == [
        {
            "name": "Counter",
            "dynamic": False,
            "tools": [
                {
                    "name": "Counter_add",
                    "description": "Add to the counter",
                    "arguments": {
                        "properties": {"amount": {"type": "integer"}},
                        "required": ["amount"],
                        "type": "object",
                    },
                }
            ],
        }
    ]


def test_tools_list_functions_and_specs(
    register_plugin: Callable[..., Any], tmp_path: Path
) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")
    runner = CliRunner()
    code = 'def reverse(text: str) -> str:\n    "Reverse text"\n    return text[::-1]\n'
    result = runner.invoke(
        cli, ["tools", "list", "llm_time", "Counter(start=3)", "--functions", code]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "llm_time() -> dict (plugin: llm.default_plugins.default_tools)\n\n"
        "  Returns the current time, as local time and UTC\n\n"
        "reverse(text: str) -> str\n\n"
        "  Reverse text\n\n"
        "Counter(start=3):\n\n"
        "  Counter_add(amount: int) -> int\n\n"
        "    Add to the counter\n\n"
    )
    path = tmp_path / "funcs.py"
    path.write_text(code, encoding="utf-8")
    listed = json.loads(
        runner.invoke(cli, ["tools", "--json", "--functions", str(path), "llm_time"]).output
    )
    assert [t["name"] for t in listed["tools"]] == ["llm_time", "reverse"]
    assert listed["tools"][1]["plugin"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "Error: Tool(s) nope not found. Available tools: "),
        (["Counter(start="], "Error: Invalid tool spec 'Counter(start=': "),
        (
            ["Counter(bogus=1)"],
            "Error: Invalid tool spec 'Counter(bogus=1)': Invalid arguments for Counter",
        ),
        (["llm_time(1)"], "Error: llm_time is a tool, not a toolbox: it takes no arguments"),
        (["--functions", "def broken(:"], "Error: Error in --functions definition: "),
        (["--functions", "missing.py"], "Error: File not found: missing.py"),
        (
            ["--functions", "raise ValueError('boom')"],
            "Error: Error in --functions definition: ValueError: boom",
        ),
    ],
)
def test_tools_list_bad_input(
    register_plugin: Callable[..., Any], args: list[str], message: str
) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")
    result = CliRunner().invoke(cli, ["tools", "list", *args])
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output
    assert result.output.count("\n") == 1  # one line, no traceback


def test_missing_llm_tools_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "llm_tools", None)
    with pytest.raises(ImportError, match=r"needs the llm-tools package: pip install llm-tools"):
        from llm.tools import llm_version  # noqa: F401

"""``llm logs -T NAME`` and ``llm logs --schema/--schema-multi`` (with ``--data``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from llm_cli.app import cli


@pytest.fixture(autouse=True)
def plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-echo,llm-tools")


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    return result


def test_logs_filtered_by_tool_name() -> None:
    called = run(
        "-m", "echo", "-T", "llm_version", json.dumps({"tool_calls": [{"name": "llm_version"}]})
    )
    assert called.exit_code == 0, called.output
    assert run("-m", "echo", "no tools here").exit_code == 0

    listed = json.loads(run("logs", "-T", "llm_version", "--json", "-n", "0").output)
    assert listed, "the response carrying llm_version's result is found"
    assert all(r["tool_results"] for r in listed)
    assert all(t["name"] == "llm_version" for r in listed for t in r["tool_results"])
    everything = json.loads(run("logs", "--json", "-n", "0").output)
    assert len(everything) > len(listed)

    unknown = run("logs", "-T", "no_such_tool")
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: Unknown tool: no_such_tool"


def test_logs_filtered_by_schema_with_data() -> None:
    for name in ("Cleo", "Pancake"):
        answer = json.dumps({"raw": json.dumps({"name": name})})
        assert run("-m", "echo", "--schema", "name str", answer).exit_code == 0
    several = json.dumps({"raw": json.dumps({"items": [{"name": "a"}, {"name": "b"}]})})
    assert run("-m", "echo", "--schema-multi", "name str", several).exit_code == 0
    assert run("-m", "echo", "no schema").exit_code == 0

    single = run("logs", "--schema", "name str", "--data")
    assert single.exit_code == 0, single.output
    assert [json.loads(line) for line in single.output.splitlines()] == [
        {"name": "Pancake"},
        {"name": "Cleo"},
    ]
    multi = run("logs", "--schema-multi", "name str", "--data-key", "items")
    assert [json.loads(line) for line in multi.output.splitlines()] == [
        {"name": "a"},
        {"name": "b"},
    ]
    bad = run("logs", "--schema", "name nosuchtype")
    assert bad.exit_code == 1 and "nosuchtype" in bad.output

"""``llm schemas list / show / dsl``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import llm
import llm_storage
from llm.schemas import make_schema_id
from llm_cli.app import cli

PERSON = {"type": "object", "properties": {"name": {"type": "string"}}}
PETS = llm.schema_dsl("name, age int", multi=True)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log with PERSON used once (earlier) and PETS used twice (later)."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "user"))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-echo")
    path = tmp_path / "logs.db"
    store = llm_storage.open_store(path)
    model = llm.get_model("echo")
    for schema in (PERSON, PETS, PETS):
        response = model.prompt(json.dumps({"raw": "{}"}), schema=schema)
        response.text()
        store.log_response(response)
    store.close()
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def test_list_yaml_summary_and_full(database: Path) -> None:
    result = run("schemas", "-d", str(database))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"- id: {make_schema_id(PERSON)[0]}"
    assert lines[1:3] == ["  summary: |", "    {name}"]
    assert lines[3] == "  usage: |"
    assert lines[4].startswith("    1 time, most recently 20")
    assert lines[5] == f"- id: {make_schema_id(PETS)[0]}"
    assert lines[6:8] == ["  summary: |", "    {items: [{name, age}]}"]
    assert lines[9].startswith("    2 times, most recently ")
    full = run("schemas", "list", "--full", "-d", str(database)).output
    assert '  schema: |\n    {\n      "type": "object",' in full


def test_list_json_nl_and_query(database: Path) -> None:
    rows = json.loads(run("schemas", "list", "--json", "-d", str(database)).output)
    assert [(r["content"], r["times_used"]) for r in rows] == [(PERSON, 1), (PETS, 2)]
    assert list(rows[0]) == ["id", "content", "recently_used", "times_used"]
    lines = run("schemas", "list", "--nl", "-d", str(database)).output.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]
    found = json.loads(run("schemas", "list", "--json", "-q", "age", "-d", str(database)).output)
    assert [r["content"] for r in found] == [PETS]
    none = run("schemas", "list", "--json", "-q", "nothing", "-d", str(database))
    assert none.output == "[]\n"


def test_show(database: Path) -> None:
    result = run("schemas", "show", make_schema_id(PETS)[0], "-d", str(database))
    assert result.exit_code == 0
    assert json.loads(result.output) == PETS
    assert result.output.startswith('{\n  "type": "object",')
    missing = run("schemas", "show", "0" * 32, "-d", str(database))
    assert (missing.exit_code, missing.output) == (1, "Error: Invalid schema ID\n")


def test_missing_database_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    for args in (["schemas", "list"], ["schemas", "show", "abc"]):
        result = run(*args, "-d", str(path))
        assert result.exit_code == 1
        assert result.output == f"Error: No log database found at {path}\n"
    assert not path.exists()


def test_dsl(tmp_path: Path) -> None:
    result = run("schemas", "dsl", "name, age int, bio: short bio")
    assert result.exit_code == 0
    assert json.loads(result.output) == llm.schema_dsl("name, age int, bio: short bio")
    multi = json.loads(run("schemas", "dsl", "name", "--multi").output)
    assert multi["properties"]["items"]["type"] == "array"


@pytest.mark.parametrize(
    "dsl,message",
    [
        ("name, age integr", "Error: Unknown type 'integr' for field 'age' in schema"),
        ("name, name int", "Error: Field 'name' appears more than once in schema"),
        (
            ": a description",
            "Error: Invalid schema DSL: field ': a description' is missing a name before ':'",
        ),
    ],
)
def test_dsl_errors(dsl: str, message: str) -> None:
    result = run("schemas", "dsl", dsl)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.splitlines()) == 1

"""--schema, schema repair, --save and repeated -t as a user runs them (in process, through
the console script's entry point)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def test_schema_repair_save_and_composition(invoke_llm, user_dir: Path) -> None:
    dog = json.dumps({"name": "Cleo", "age": 10})
    result = invoke_llm("-m", "echo", "--schema", "name, age int", json.dumps({"raw": dog}))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Cleo", "age": 10}

    # Broken JSON first; the repair prompt's echo account has the "prompt" field.
    result = invoke_llm("-m", "echo", "--schema", "prompt str", '{"raw": "oops"}')
    assert result.returncode == 0, result.stderr
    assert "not valid JSON" in json.loads(result.stdout)["prompt"]
    failing = invoke_llm("-m", "echo", "--schema", "age int", '{"raw": "oops"}')
    assert failing.returncode == 1
    assert failing.stderr.endswith("(root): 'age' is a required property\n")
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select count(*) from responses").fetchone() == (5,)
        assert db.execute("select count(*) from schemas").fetchone() == (3,)

    assert invoke_llm("Summarise: $input", "-m", "echo", "--save", "summary").returncode == 0
    assert invoke_llm("In French: $input", "-s", "be brief", "--save", "french").returncode == 0
    result = invoke_llm("-t", "summary", "-t", "french", "text", "--no-log")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["prompt"], answer["system"]) == ("In French: Summarise: text", "be brief")
    refused = invoke_llm("hi", "-t", "summary", "--save", "again")
    assert (refused.returncode, refused.stderr) == (
        1,
        "Error: --save cannot be used with --template\n",
    )

"""``llm templates``, ``llm fragments`` and ``llm schemas`` through the real executable."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def test_templates_commands(run_llm, user_dir: Path) -> None:
    path = run_llm("templates", "path")
    assert path.returncode == 0 and path.stdout.strip() == str(user_dir / "templates")
    assert run_llm("templates").stdout == ""
    (user_dir / "templates" / "tldr.yaml").write_text("system: Summarise\nmodel: echo\n")
    assert run_llm("templates", "list").stdout == "tldr : system: Summarise\n"
    shown = yaml.safe_load(run_llm("templates", "show", "tldr").stdout)
    assert shown == {"name": "tldr", "system": "Summarise", "model": "echo"}
    answer = json.loads(run_llm("-t", "tldr", "long text").stdout)
    assert (answer["system"], answer["prompt"]) == ("Summarise", "long text")
    escape = run_llm("-t", "../../etc/passwd")
    assert escape.returncode == 1
    assert escape.stderr == "Error: Invalid template: ../../etc/passwd\n"
    assert run_llm("templates", "loaders").stdout == "No template loaders found\n"


def test_fragments_commands(run_llm, tmp_path: Path) -> None:
    source = tmp_path / "facts.txt"
    source.write_text("Pelicans are birds.")
    assert run_llm("fragments", "set", "facts", str(source)).returncode == 0
    assert run_llm("fragments", "show", "facts").stdout == "Pelicans are birds.\n"
    [item] = yaml.safe_load(run_llm("fragments").stdout)
    assert item["aliases"] == ["facts"] and item["source"] == str(source)
    source.unlink()  # stored: the alias keeps working without the file
    answer = json.loads(run_llm("-m", "echo", "-f", "facts", "Tell me").stdout)
    assert answer["prompt"] == "Pelicans are birds.\nTell me"
    assert run_llm("fragments", "remove", "facts").returncode == 0
    assert run_llm("fragments", "list", "--aliases").stdout == ""
    bad = run_llm("fragments", "set", "no good", "-", input="x")
    assert bad.returncode == 2 and "Fragment alias must be alphanumeric" in bad.stderr
    assert run_llm("fragments", "loaders").stdout == "No fragment loaders found\n"


def test_schemas_commands(run_llm, user_dir: Path) -> None:
    dsl = run_llm("schemas", "dsl", "name, age int: in years")
    assert dsl.returncode == 0
    assert json.loads(dsl.stdout)["properties"]["age"] == {
        "type": "integer",
        "description": "in years",
    }
    wrong = run_llm("schemas", "dsl", "age years")
    assert wrong.returncode == 1 and wrong.stderr.startswith("Error: Unknown type 'years'")
    assert "Traceback" not in wrong.stderr
    missing = run_llm("schemas", "list")
    assert missing.returncode == 1
    assert missing.stderr == f"Error: No log database found at {user_dir / 'logs.db'}\n"
    assert run_llm("-m", "echo", "hi").returncode == 0  # a log database, with no schemas used
    assert run_llm("schemas", "list", "--json").stdout == "[]\n"
    unknown = run_llm("schemas", "show", "abc")
    assert (unknown.returncode, unknown.stderr) == (1, "Error: Invalid schema ID\n")

"""``llm templates``, ``llm fragments`` and ``llm schemas`` as a user runs them (in process,
through the console script's entry point: see ``invoke_llm``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def test_templates_commands(invoke_llm, user_dir: Path) -> None:
    path = invoke_llm("templates", "path")
    assert path.returncode == 0 and path.stdout.strip() == str(user_dir / "templates")
    assert invoke_llm("templates").stdout == ""
    (user_dir / "templates" / "tldr.yaml").write_text("system: Summarise\nmodel: echo\n")
    assert invoke_llm("templates", "list").stdout == "tldr : system: Summarise\n"
    shown = yaml.safe_load(invoke_llm("templates", "show", "tldr").stdout)
    assert shown == {"name": "tldr", "system": "Summarise", "model": "echo"}
    answer = json.loads(invoke_llm("-t", "tldr", "long text").stdout)
    assert (answer["system"], answer["prompt"]) == ("Summarise", "long text")
    escape = invoke_llm("-t", "../../etc/passwd")
    assert escape.returncode == 1
    assert escape.stderr == "Error: Invalid template: ../../etc/passwd\n"
    assert invoke_llm("templates", "loaders").stdout == "No template loaders found\n"


def test_fragments_commands(invoke_llm, tmp_path: Path) -> None:
    source = tmp_path / "facts.txt"
    source.write_text("Pelicans are birds.")
    assert invoke_llm("fragments", "set", "facts", str(source)).returncode == 0
    assert invoke_llm("fragments", "show", "facts").stdout == "Pelicans are birds.\n"
    [item] = yaml.safe_load(invoke_llm("fragments").stdout)
    assert item["aliases"] == ["facts"] and item["source"] == str(source)
    source.unlink()  # stored: the alias keeps working without the file
    answer = json.loads(invoke_llm("-m", "echo", "-f", "facts", "Tell me").stdout)
    assert answer["prompt"] == "Pelicans are birds.\nTell me"
    assert invoke_llm("fragments", "remove", "facts").returncode == 0
    assert invoke_llm("fragments", "list", "--aliases").stdout == ""
    bad = invoke_llm("fragments", "set", "no good", "-", input="x")
    assert bad.returncode == 2 and "Fragment alias must be alphanumeric" in bad.stderr
    assert invoke_llm("fragments", "loaders").stdout == "No fragment loaders found\n"


def test_schemas_commands(invoke_llm, user_dir: Path) -> None:
    dsl = invoke_llm("schemas", "dsl", "name, age int: in years")
    assert dsl.returncode == 0
    assert json.loads(dsl.stdout)["properties"]["age"] == {
        "type": "integer",
        "description": "in years",
    }
    wrong = invoke_llm("schemas", "dsl", "age years")
    assert wrong.returncode == 1 and wrong.stderr.startswith("Error: Unknown type 'years'")
    assert "Traceback" not in wrong.stderr
    missing = invoke_llm("schemas", "list")
    assert missing.returncode == 1
    assert missing.stderr == f"Error: No log database found at {user_dir / 'logs.db'}\n"
    assert invoke_llm("-m", "echo", "hi").returncode == 0  # a log database, with no schemas used
    assert invoke_llm("schemas", "list", "--json").stdout == "[]\n"
    unknown = invoke_llm("schemas", "show", "abc")
    assert (unknown.returncode, unknown.stderr) == (1, "Error: Invalid schema ID\n")

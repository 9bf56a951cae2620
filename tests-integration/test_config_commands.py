"""keys, aliases and default model options, end to end (in process: see invoke_llm)."""

from __future__ import annotations

import json
import stat
from pathlib import Path


def test_keys_set_get_list_path(invoke_llm, user_dir: Path) -> None:
    assert invoke_llm("keys").stdout.strip() == "No keys found"
    assert invoke_llm("keys", "set", "openai", input="sk-piped\n").returncode == 0
    assert invoke_llm("keys", "set", "other", "--value", "v2").returncode == 0
    assert invoke_llm("keys", "list").stdout.split() == ["openai", "other"]
    assert invoke_llm("keys", "get", "openai").stdout == "sk-piped\n"
    path = Path(invoke_llm("keys", "path").stdout.strip())
    assert path == user_dir / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    missing = invoke_llm("keys", "get", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: No key found with name 'nope'"
    empty = invoke_llm("keys", "set", "blank", input="\n")
    assert empty.returncode == 1 and "nothing was saved" in empty.stderr


def test_key_values_never_reach_the_logs(invoke_llm, user_dir: Path) -> None:
    invoke_llm("keys", "set", "echo-needs-key", "--value", "sk-very-secret")
    assert invoke_llm("-m", "echo-needs-key", "hi").returncode == 0
    logged = invoke_llm("logs", "--json").stdout
    # echo-needs-key reports its key in its answer; the log stores that answer and nothing else
    record = json.loads(logged)[0]
    assert "sk-very-secret" not in (record["options_json"] or "")
    assert "sk-very-secret" not in json.dumps(record.get("prompt_json"))


def test_aliases(invoke_llm, user_dir: Path) -> None:
    assert invoke_llm("aliases", "set", "e", "echo").returncode == 0
    assert invoke_llm("aliases", "set", "mk", "-q", "mark").returncode == 0
    assert invoke_llm("aliases", "set", "e2", "e").returncode == 0  # an alias of an alias
    # --json lists every alias, the ones plugins register for their models too
    listed_json = json.loads(invoke_llm("aliases", "list", "--json").stdout)
    expected = {"e": "echo", "mk": "markov", "e2": "echo", "4o": "gpt-4o"}
    assert listed_json.items() >= expected.items()
    listed = invoke_llm("aliases").stdout.splitlines()
    assert "mk : markov" in [" ".join(line.split()) for line in listed]
    assert json.loads(invoke_llm("-m", "e2", "hi", "-n").stdout)["prompt"] == "hi"
    assert "Echo: echo (aliases: e, e2)" in invoke_llm("models").stdout
    assert invoke_llm("aliases", "remove", "e").returncode == 0
    gone = invoke_llm("aliases", "remove", "e")
    assert gone.returncode == 1 and gone.stderr.strip() == "Error: No such alias: e"
    assert Path(invoke_llm("aliases", "path").stdout.strip()) == user_dir / "aliases.json"


def test_default_model_options_apply_and_can_be_overridden(invoke_llm) -> None:
    assert invoke_llm("models", "options", "set", "echo", "example_bool", "true").returncode == 0
    # stored as given (a string, as the original stores it), validated when set and when used
    assert invoke_llm("models", "options", "show", "echo").stdout.strip() == "example_bool: true"
    assert json.loads(invoke_llm("-m", "echo", "hi", "-n").stdout)["options"] == {
        "example_bool": True
    }
    overridden = invoke_llm("-m", "echo", "hi", "-n", "-o", "example_bool", "false")
    assert json.loads(overridden.stdout)["options"] == {"example_bool": False}
    bad = invoke_llm("models", "options", "set", "markov", "length", "1")
    assert bad.returncode == 1 and "length must be >= 2" in bad.stderr
    unknown = invoke_llm("models", "options", "set", "markov", "colour", "red")
    assert unknown.returncode == 1 and "colour\n  Extra inputs are not permitted" in unknown.stderr
    assert invoke_llm("models", "options", "clear", "echo", "example_bool").returncode == 0
    assert "options" not in json.loads(invoke_llm("-m", "echo", "hi", "-n").stdout)
    assert (
        invoke_llm("models", "options").stderr.strip() == "No default options set for any models."
    )

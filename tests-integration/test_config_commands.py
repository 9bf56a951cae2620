"""keys, aliases and default model options through the real executable."""

from __future__ import annotations

import json
import stat
from pathlib import Path


def test_keys_set_get_list_path(run_llm, user_dir: Path) -> None:
    assert run_llm("keys").stdout.strip() == "No keys found"
    assert run_llm("keys", "set", "openai", input="sk-piped\n").returncode == 0
    assert run_llm("keys", "set", "other", "--value", "v2").returncode == 0
    assert run_llm("keys", "list").stdout.split() == ["openai", "other"]
    assert run_llm("keys", "get", "openai").stdout == "sk-piped\n"
    path = Path(run_llm("keys", "path").stdout.strip())
    assert path == user_dir / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    missing = run_llm("keys", "get", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: No key found with name 'nope'"
    empty = run_llm("keys", "set", "blank", input="\n")
    assert empty.returncode == 1 and "nothing was saved" in empty.stderr


def test_key_values_never_reach_the_logs(run_llm, user_dir: Path) -> None:
    run_llm("keys", "set", "echo-needs-key", "--value", "sk-very-secret")
    assert run_llm("-m", "echo-needs-key", "hi").returncode == 0
    logged = run_llm("logs", "--json").stdout
    # echo-needs-key reports its key in its answer; the log stores that answer and nothing else
    record = json.loads(logged)[0]
    assert "sk-very-secret" not in (record["options_json"] or "")
    assert "sk-very-secret" not in json.dumps(record.get("prompt_json"))


def test_aliases(run_llm, user_dir: Path) -> None:
    assert run_llm("aliases", "set", "e", "echo").returncode == 0
    assert run_llm("aliases", "set", "mk", "-q", "mark").returncode == 0
    assert run_llm("aliases", "set", "e2", "e").returncode == 0  # an alias of an alias
    # --json lists every alias, the ones plugins register for their models too
    listed_json = json.loads(run_llm("aliases", "list", "--json").stdout)
    expected = {"e": "echo", "mk": "markov", "e2": "echo", "4o": "gpt-4o"}
    assert listed_json.items() >= expected.items()
    listed = run_llm("aliases").stdout.splitlines()
    assert "mk : markov" in [" ".join(line.split()) for line in listed]
    assert json.loads(run_llm("-m", "e2", "hi", "-n").stdout)["prompt"] == "hi"
    assert "Echo: echo (aliases: e, e2)" in run_llm("models").stdout
    assert run_llm("aliases", "remove", "e").returncode == 0
    gone = run_llm("aliases", "remove", "e")
    assert gone.returncode == 1 and gone.stderr.strip() == "Error: No such alias: e"
    assert Path(run_llm("aliases", "path").stdout.strip()) == user_dir / "aliases.json"


def test_default_model_options_apply_and_can_be_overridden(run_llm) -> None:
    assert run_llm("models", "options", "set", "echo", "example_bool", "true").returncode == 0
    # stored as given (a string, as the original stores it), validated when set and when used
    assert run_llm("models", "options", "show", "echo").stdout.strip() == "example_bool: true"
    assert json.loads(run_llm("-m", "echo", "hi", "-n").stdout)["options"] == {"example_bool": True}
    overridden = run_llm("-m", "echo", "hi", "-n", "-o", "example_bool", "false")
    assert json.loads(overridden.stdout)["options"] == {"example_bool": False}
    bad = run_llm("models", "options", "set", "markov", "length", "1")
    assert bad.returncode == 1 and "length must be >= 2" in bad.stderr
    unknown = run_llm("models", "options", "set", "markov", "colour", "red")
    assert unknown.returncode == 1 and "colour\n  Extra inputs are not permitted" in unknown.stderr
    assert run_llm("models", "options", "clear", "echo", "example_bool").returncode == 0
    assert "options" not in json.loads(run_llm("-m", "echo", "hi", "-n").stdout)
    assert run_llm("models", "options").stderr.strip() == "No default options set for any models."

"""The small commands of the first slice: --version, models, plugins, logs path."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path


def test_version(invoke_llm) -> None:
    result = invoke_llm("--version")
    assert result.returncode == 0
    assert result.stdout == f"llm, version {importlib.metadata.version('llm')}\n"


def test_models_lists_plugin_models_and_default(invoke_llm) -> None:
    result = invoke_llm("models")
    lines = result.stdout.splitlines()
    assert "Echo: echo" in lines
    assert "Markov: markov" in lines
    assert lines[-1] == "Default: gpt-5.6-luna"
    # Built-in models head the list as in the original; the rest follow in a fixed order.
    assert lines[0] == "OpenAI Chat: gpt-4o (aliases: 4o)"
    assert lines.index("Markov: markov") < lines.index("Echo: echo")


def test_models_default_can_be_changed(invoke_llm) -> None:
    assert invoke_llm("models", "default", "echo").returncode == 0
    assert invoke_llm("models", "default").stdout.strip() == "echo"
    assert json.loads(invoke_llm("hi", "-n").stdout)["prompt"] == "hi"
    bad = invoke_llm("models", "default", "nope")
    assert bad.returncode != 0 and "Unknown model: nope" in bad.stderr


def test_plugins_lists_installed_plugins(run_llm) -> None:
    # A subprocess: which plugins load is decided once per process, at start-up.
    result = run_llm("plugins")
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["llm-echo"]["hooks"] == ["register_models"]
    assert "llm-markov" in plugins
    none = run_llm("plugins", env={"LLM_LOAD_PLUGINS": ""})
    assert json.loads(none.stdout) == []
    only_markov = run_llm("models", env={"LLM_LOAD_PLUGINS": "llm-markov"})
    assert "Markov: markov" in only_markov.stdout
    assert "Echo: echo" not in only_markov.stdout


def test_logs_path(invoke_llm, user_dir: Path) -> None:
    assert invoke_llm("logs", "path").stdout.strip() == str(user_dir / "logs.db")
    url = "postgresql+psycopg://team:hunter2@db.example/llm"
    shown = invoke_llm("logs", "path", env={"LLM_DATABASE_URL": url}).stdout.strip()
    assert shown == "postgresql+psycopg://team:***@db.example/llm"


def test_models_list_filters(invoke_llm) -> None:
    async_models = invoke_llm("models", "--async").stdout.splitlines()
    assert "AsyncEcho (async): echo" in async_models
    assert not any(line.startswith("Markov:") for line in async_models)  # no async version
    schemas = invoke_llm("models", "--schemas").stdout.splitlines()
    assert "Echo: echo" in schemas and "Markov: markov" not in schemas
    tools = invoke_llm("models", "--tools").stdout.splitlines()
    assert "Echo: echo" in tools and "Markov: markov" not in tools
    only = invoke_llm("models", "-m", "markov", "-m", "4o").stdout.splitlines()
    assert only == ["OpenAI Chat: gpt-4o (aliases: 4o)", "Markov: markov"]
    queried = invoke_llm("models", "-q", "echo", "-q", "key").stdout.splitlines()
    assert queried == ["EchoNeedsKey: echo-needs-key"]
    options = invoke_llm("models", "--options", "-m", "echo").stdout
    assert "example_bool: boolean" in options and "  - tools" in options


def test_plugins_all_and_hook(invoke_llm) -> None:
    visible = {p["name"] for p in json.loads(invoke_llm("plugins").stdout)}
    assert "llm-openai" not in visible  # built-in providers are listed with --all
    everything = {p["name"]: p for p in json.loads(invoke_llm("plugins", "--all").stdout)}
    assert {"llm-openai", "llm-echo", "llm-markov"} <= set(everything)
    assert "register_commands" in everything["llm-openai"]["hooks"]
    with_commands = {
        p["name"]
        for p in json.loads(invoke_llm("plugins", "--all", "--hook", "register_commands").stdout)
    }
    assert "llm-openai" in with_commands and "llm-echo" not in with_commands


def test_in_process_runs_match_the_executable(invoke_llm, run_llm) -> None:
    """invoke_llm stands in for run_llm in most tests: same exit status, stdout and stderr."""
    runs = (invoke_llm, run_llm)
    for args in (["-m", "nope", "hi"], ["models", "default"], ["logs", "-n", "1"], ["--nope"]):
        in_process, executable = invoke_llm(*args), run_llm(*args)
        assert (in_process.returncode, in_process.stdout, in_process.stderr) == (
            executable.returncode,
            executable.stdout,
            executable.stderr,
        ), args
    piped = [json.loads(run("-m", "echo", "-n", input="from stdin").stdout) for run in runs]
    assert piped[0] == piped[1] and piped[0]["prompt"] == "from stdin"

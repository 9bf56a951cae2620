"""The small commands of the first slice: --version, models, plugins, logs path."""

from __future__ import annotations

import json
from pathlib import Path


def test_version(run_llm) -> None:
    result = run_llm("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "llm, version 1.0.0"


def test_models_lists_plugin_models_and_default(run_llm) -> None:
    result = run_llm("models")
    lines = result.stdout.splitlines()
    assert "Echo: echo" in lines
    assert "Markov: markov" in lines
    assert lines[-1] == "Default: gpt-4o-mini"
    # Built-in models head the list as in the original; the rest follow in a fixed order.
    assert lines[0] == "OpenAI Chat: gpt-4o (aliases: 4o)"
    assert lines.index("Markov: markov") < lines.index("Echo: echo")


def test_models_default_can_be_changed(run_llm) -> None:
    assert run_llm("models", "default", "echo").returncode == 0
    assert run_llm("models", "default").stdout.strip() == "echo"
    assert json.loads(run_llm("hi", "-n").stdout)["prompt"] == "hi"
    bad = run_llm("models", "default", "nope")
    assert bad.returncode != 0 and "Unknown model: nope" in bad.stderr


def test_plugins_lists_installed_plugins(run_llm) -> None:
    result = run_llm("plugins")
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["llm-echo"]["hooks"] == ["register_models"]
    assert "llm-markov" in plugins
    none = run_llm("plugins", env={"LLM_LOAD_PLUGINS": ""})
    assert json.loads(none.stdout) == []
    only_markov = run_llm("models", env={"LLM_LOAD_PLUGINS": "llm-markov"})
    assert "Markov: markov" in only_markov.stdout
    assert "Echo: echo" not in only_markov.stdout


def test_logs_path(run_llm, user_dir: Path) -> None:
    assert run_llm("logs", "path").stdout.strip() == str(user_dir / "logs.db")
    url = "postgresql+psycopg://team:hunter2@db.example/llm"
    shown = run_llm("logs", "path", env={"LLM_DATABASE_URL": url}).stdout.strip()
    assert shown == "postgresql+psycopg://team:***@db.example/llm"


def test_models_list_filters(run_llm) -> None:
    async_models = run_llm("models", "--async").stdout.splitlines()
    assert "AsyncEcho (async): echo" in async_models
    assert not any(line.startswith("Markov:") for line in async_models)  # no async version
    schemas = run_llm("models", "--schemas").stdout.splitlines()
    assert "Echo: echo" in schemas and "Markov: markov" not in schemas
    tools = run_llm("models", "--tools").stdout.splitlines()
    assert "Echo: echo" in tools and "Markov: markov" not in tools
    only = run_llm("models", "-m", "markov", "-m", "4o").stdout.splitlines()
    assert only == ["OpenAI Chat: gpt-4o (aliases: 4o)", "Markov: markov"]
    queried = run_llm("models", "-q", "echo", "-q", "key").stdout.splitlines()
    assert queried == ["EchoNeedsKey: echo-needs-key"]
    options = run_llm("models", "--options", "-m", "echo").stdout
    assert "example_bool: boolean" in options and "  - tools" in options


def test_plugins_all_and_hook(run_llm) -> None:
    visible = {p["name"] for p in json.loads(run_llm("plugins").stdout)}
    assert "llm-openai" not in visible  # built-in providers are listed with --all
    everything = {p["name"]: p for p in json.loads(run_llm("plugins", "--all").stdout)}
    assert {"llm-openai", "llm-echo", "llm-markov"} <= set(everything)
    assert "register_commands" in everything["llm-openai"]["hooks"]
    with_commands = {
        p["name"]
        for p in json.loads(run_llm("plugins", "--all", "--hook", "register_commands").stdout)
    }
    assert "llm-openai" in with_commands and "llm-echo" not in with_commands

"""``llm models``, ``llm models options`` and ``llm aliases``: the original's outputs."""

from __future__ import annotations

import json
from pathlib import Path


def test_models_async_marks_async_models(invoke) -> None:
    listed = invoke("models", "--async").stdout.splitlines()
    assert "AsyncEcho (async): echo" in listed
    assert listed[-1].startswith("Default: ")


def test_models_options_types_as_the_original_names_them(invoke) -> None:
    shown = invoke("models", "--options", "-m", "echo").stdout
    assert "    example_bool: boolean\n      Example boolean option\n" in shown
    assert "Default:" not in shown  # not with --options, as in the original
    openai = invoke("models", "--options", "-m", "gpt-4o").stdout
    assert "    logit_bias: dict, str\n" in openai
    assert "    max_tokens: int\n" in openai


def test_option_descriptions_shown_once_per_model_class(invoke) -> None:
    shown = invoke("models", "--options", "-q", "gpt-4o").stdout
    assert shown.count("What sampling temperature to use") == 1
    assert shown.count("    temperature: float") > 1


def test_options_set_stores_the_value_as_given(invoke, user_path: Path) -> None:
    result = invoke("models", "options", "set", "4o", "temperature", "0.5")
    assert result.exit_code == 0
    assert result.stderr == "Set default option temperature=0.5 for model gpt-4o\n"
    stored = json.loads((user_path / "model_options.json").read_text())
    assert stored == {"gpt-4o": {"temperature": "0.5"}}
    assert invoke("models", "options", "show", "gpt-4o").stdout == "temperature: 0.5\n"


def test_options_set_refuses_bad_values_and_keeps_the_file(invoke, user_path: Path) -> None:
    invalid = invoke("models", "options", "set", "gpt-4o-mini", "temperature", "hot")
    assert invalid.exit_code == 1
    assert invalid.stderr.startswith("Error: temperature\n  Input should be a valid number")
    unknown = invoke("models", "options", "set", "gpt-4o-mini", "colour", "red")
    assert unknown.stderr == "Error: colour\n  Extra inputs are not permitted\n"
    assert not (user_path / "model_options.json").exists()


def test_stored_option_strings_are_validated_when_used(invoke, user_path: Path) -> None:
    invoke("models", "options", "set", "echo", "example_bool", "true")
    sent = json.loads(invoke("-m", "echo", "hi", "-n").stdout)
    assert sent["options"] == {"example_bool": True}


def test_options_for_a_model_that_is_not_installed(invoke, user_path: Path) -> None:
    assert invoke("models", "options", "set", "not-installed", "x", "1").exit_code == 0
    assert invoke("models", "options", "show", "not-installed").stdout == "x: 1\n"
    cleared = invoke("models", "options", "clear", "not-installed")
    assert cleared.stdout == "Cleared option 'x' for model not-installed\n"
    assert invoke("models", "options").stderr == "No default options set for any models.\n"


def test_aliases_list_json_includes_plugin_aliases(invoke) -> None:
    invoke("aliases", "set", "e", "echo")
    listed = json.loads(invoke("aliases", "list", "--json").stdout)
    assert listed["e"] == "echo"
    assert listed["4o"] == "gpt-4o"  # registered by the OpenAI provider
    assert listed["ada"] == "text-embedding-ada-002"  # an embedding model's alias


def test_aliases_set_by_query(invoke, user_path: Path) -> None:
    result = invoke("aliases", "set", "mk", "-q", "mark")
    assert result.stderr == "Alias 'mk' set to model 'markov'\n"
    missing = invoke("aliases", "set", "x", "-q", "mog")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: No model found matching query: mog\n"
    neither = invoke("aliases", "set", "x")
    assert neither.stderr == "Error: You must provide a model_id or at least one -q option\n"
    assert json.loads((user_path / "aliases.json").read_text()) == {"mk": "markov"}

"""``llm openai models``: the table, through click's test runner (the real executable is
exercised in test_cli.py)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from fake_openai import FakeOpenAI

from llm_openai_provider.commands import openai_group, table


def test_table() -> None:
    rows = [{"id": "a-long-name", "owned_by": "x"}, {"id": "b", "owned_by": "system"}]
    # As the original: every cell padded, four spaces between columns.
    assert table(["id", "owned_by"], rows).split("\n") == [
        "id             owned_by",
        "a-long-name    x       ",
        "b              system  ",
    ]


def test_models_table(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    result = CliRunner().invoke(openai_group, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "owned_by", "created"]
    assert lines[1].split() == ["fake-chat", "me", "2023-11-14T22:13:20+00:00"]
    result = CliRunner().invoke(openai_group, ["models", "--key", "sk-nope"])
    assert result.exit_code == 1
    assert "rejected the API key (401)" in result.output


def test_models_json_is_the_servers_data(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    result = CliRunner().invoke(openai_group, ["models", "--json", "--key", "sk-good"])
    assert result.exit_code == 0, result.output
    models = json.loads(result.output)
    assert [list(model) for model in models] == [["id", "object", "created", "owned_by"]] * 2
    assert models[0] == {
        "id": "fake-chat",
        "object": "model",
        "created": 1700000000,
        "owned_by": "me",
    }
    assert result.output.startswith('[\n    {\n        "id": "fake-chat",')


def test_registered_through_the_hook() -> None:
    from llm_openai_provider.plugin import register_commands

    group = click.Group()
    register_commands(group)
    assert "openai" in group.commands

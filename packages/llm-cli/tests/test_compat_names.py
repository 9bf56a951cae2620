"""Names plugins import from ``llm.cli`` because the original's module had them in scope."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llm
import llm.cli
import llm.utils


@pytest.mark.parametrize(
    "name", ["get_default_model", "get_key", "get_model", "user_dir", "encode", "get_tools"]
)
def test_public_api_names_resolve_through_llm_cli(name: str) -> None:
    assert getattr(llm.cli, name) is getattr(llm, name)


def test_utils_names_resolve_through_llm_cli() -> None:
    assert llm.cli.extract_fenced_code_block is llm.utils.extract_fenced_code_block


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        llm.cli.no_such_thing  # noqa: B018


def test_load_conversation_continues_a_logged_conversation(tmp_path: Path) -> None:
    import click

    from llm.cli import load_conversation

    database = str(tmp_path / "logs.db")
    assert load_conversation(None, database=database) is None  # nothing logged yet
    model = llm.get_model("echo")
    conversation = model.conversation()
    for question in ("q1", "q2"):
        response = conversation.prompt(question)
        response.text()
        response.log_to_db(database)

    restored = load_conversation(None, database=database)
    assert restored.id == conversation.id
    follow_up = restored.prompt("q3")
    follow_up.text()
    assert [m.role for m in follow_up.prompt.messages] == ["user", "assistant"] * 2 + ["user"]
    assert isinstance(
        load_conversation(conversation.id, async_=True, database=database).model, llm.AsyncModel
    )
    with pytest.raises(click.ClickException, match="No conversation found with id=nope"):
        load_conversation("nope", database=database)


def test_load_conversation_names_its_plugin_tools(tmp_path: Path) -> None:
    """``loaded_tools`` (llm 0.32+): the conversation's plugin tools as ``-T`` specs."""
    from llm.cli import load_conversation

    database = str(tmp_path / "logs.db")
    conversation = llm.get_model("echo").conversation(tools=[llm.get_tools()["llm_version"]])
    chain = conversation.chain(json.dumps({"tool_calls": [{"name": "llm_version"}]}))
    chain.text()
    chain.log_to_db(database)
    assert load_conversation(None, database=database).loaded_tools == ["llm_version"]

"""Rebuilding a logged conversation for -c/--cid, tool calls and results included."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

import llm
import llm_storage
from llm_cli.conversations import conversation_records, load_conversation


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-echo")
    opened = llm_storage.open_store(tmp_path / "logs.db")
    yield opened
    opened.close()


def test_turns_come_back_with_tool_calls_and_results(store) -> None:
    model = llm.get_model("echo")
    conversation = model.conversation()
    asking = conversation.prompt(
        json.dumps(
            {"prompt": "use a tool", "tool_calls": [{"name": "lookup", "arguments": {"q": 1}}]}
        ),
        system="be brief",
    )
    asking.text()
    store.log_response(asking)
    answering = conversation.prompt(
        "", tool_results=[llm.ToolResult(name="lookup", output="42", tool_call_id="call-1")]
    )
    answering.text()
    store.log_response(answering)

    reader = llm_storage.open_for_reading(store.path)
    try:
        records = conversation_records(reader, None)
    finally:
        reader.close()
    restored, restored_model = load_conversation(records, None)
    assert restored.id == conversation.id
    assert restored_model.model_id == "echo"
    first, second = restored.responses
    assert first.prompt.system == "be brief"
    assert first.text_or_raise() == asking.text()
    # The call's id (given when the model asked for it) comes back too.
    assert first.tool_calls_or_raise() == asking.tool_calls()
    assert first.tool_calls_or_raise()[0].tool_call_id.startswith("tc_")
    assert second.prompt.tool_results == [
        llm.ToolResult(name="lookup", output="42", tool_call_id="call-1")
    ]


def test_unknown_conversation(store) -> None:
    with pytest.raises(click.ClickException, match="No conversation found with id=nope"):
        conversation_records(store, "nope")


def test_nothing_to_continue_without_a_database() -> None:
    with pytest.raises(click.ClickException, match="No conversation found to continue"):
        conversation_records(None, None)

"""``llm.logs`` (0.32's module path): a store over the shared tables and its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import llm
from llm.logs import LogStore, merged_log_rows


def test_rows_newest_first_with_the_responses_columns(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    model = llm.get_model("echo")
    conversation = model.conversation()
    for text in ("first", "second"):
        response = conversation.prompt(text)
        response.text()
        response.log_to_db(str(path))
    rows = merged_log_rows(LogStore(str(path)))
    assert [row["prompt"] for row in rows] == ["second", "first"]
    assert {row["conversation_id"] for row in rows} == {conversation.id}
    assert [row["prompt"] for row in merged_log_rows(LogStore(str(path)), count=1)] == ["second"]
    # The echo model's answer to "second" quotes the earlier "first": only one says "second".
    found = merged_log_rows(LogStore(sqlite3.connect(path)), query="second")
    assert [row["prompt"] for row in found] == ["second"]

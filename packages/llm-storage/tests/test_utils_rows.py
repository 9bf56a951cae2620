"""``llm.utils.ensure_fragment`` / ``ensure_tool`` write through ``write.py``: the same rows,
with the originals' stored formats, as a logged prompt's fragments and tools."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

import llm
from llm import utils
from llm_storage import open_store


@pytest.fixture
def db(tmp_path: Path):
    open_store(tmp_path / "logs.db").close()
    conn = sqlite3.connect(tmp_path / "logs.db")
    conn.row_factory = sqlite3.Row
    yield SimpleNamespace(conn=conn)  # what a sqlite-utils Database offers
    conn.close()


def test_ensure_fragment_inserts_once_stamped_as_the_originals_stamp(db) -> None:
    first = utils.ensure_fragment(db, llm.Fragment("hello", source="greeting.txt"))
    assert utils.ensure_fragment(db, "hello") == first
    other = utils.ensure_fragment(db.conn, "other")
    assert other != first
    rows = [
        dict(row)
        for row in db.conn.execute("select hash, content, source, datetime_utc from fragments")
    ]
    assert [(r["hash"], r["content"], r["source"]) for r in rows] == [
        (llm.Fragment("hello").id(), "hello", "greeting.txt"),
        (llm.Fragment("other").id(), "other", None),
    ]
    # As SQLite's datetime('now'), which llm 0.26 and 0.36 both store: 2026-12-07 13:33:27
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["datetime_utc"]) for r in rows)


def test_ensure_tool_inserts_once(db) -> None:
    def upper(text: str) -> str:
        """Upper-case text."""
        return text.upper()

    tool = llm.Tool.function(upper)
    tool_id = utils.ensure_tool(db, tool)
    assert utils.ensure_tool(db, tool) == tool_id
    (row,) = db.conn.execute("select * from tools").fetchall()
    assert row["name"] == "upper"
    assert row["hash"] == tool.hash()
    assert json.loads(row["input_schema"]) == tool.input_schema


def test_a_stored_fragment_is_stamped_as_the_originals_stamp(tmp_path: Path) -> None:
    with open_store(tmp_path / "logs.db") as store:
        digest = store.store_fragment("set with llm fragments set", "-")
        stamped = store.get_fragment(digest)["datetime_utc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stamped)

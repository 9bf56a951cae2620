"""``llm.migrations.migrate(db)`` makes what code written for the original inserts into, and
the reads behind ``llm logs`` return what it shows (schema, attachment sizes, aliases)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import llm_storage
from llm.migrations import migrate


class SqliteUtilsLike:
    """What plugins' tests hand to ``migrate``: an object with a sqlite3 ``conn``."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)


@pytest.mark.parametrize("table", ["prompt_fragments", "system_fragments"])
def test_fragment_links_without_an_order_are_accepted(tmp_path: Path, table: str) -> None:
    db = SqliteUtilsLike(tmp_path / "logs.db")
    migrate(db)
    with db.conn:
        db.conn.execute("insert into responses (id, prompt) values ('r1', 'p')")
        db.conn.execute("insert into fragments (id, hash, content) values (1, 'h1', 'text')")
        db.conn.execute("insert into fragment_aliases (alias, fragment_id) values ('one', 1)")
        db.conn.execute(f"insert into {table} (response_id, fragment_id) values ('r1', 1)")
    db.conn.close()
    with llm_storage.open_store(tmp_path / "logs.db") as store:
        [record] = store.list_responses(None, fragments=["one"])
    [fragment] = record[table]
    assert (fragment["hash"], fragment["content"], fragment["aliases"]) == ("h1", "text", ["one"])


def test_schema_and_attachment_sizes(store) -> None:
    from llm_storage.schema import tables

    with store.engine.begin() as conn:
        conn.execute(tables["schemas"].insert(), {"id": "s1", "content": '{"type": "object"}'})
        conn.execute(tables["responses"].insert(), {"id": "r1", "schema_id": "s1"})
        conn.execute(tables["responses"].insert(), {"id": "r2"})
        conn.execute(tables["attachments"].insert(), {"id": "a1", "content": b"12345"})
        conn.execute(
            tables["prompt_attachments"].insert(),
            {"response_id": "r2", "attachment_id": "a1", "order": 0},
        )
    with_schema, with_attachment = store.list_responses(None)
    assert with_schema["schema_json"] == '{"type": "object"}'
    assert with_attachment["schema_json"] is None
    assert with_attachment["attachments"][0]["content_length"] == 5

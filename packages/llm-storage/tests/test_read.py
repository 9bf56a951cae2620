"""The read queries (``read``): one SQL text for sqlite3 and SQLAlchemy, streamed in
batches, reading no more than asked; and the sqlite3 reader (``sqlite_reader``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storage_fakes import FakeAttachment, FakeFragment, make_response

from llm_storage import open_store, read, schema, sqlite_reader


def test_the_column_list_is_the_schemas() -> None:
    assert tuple(c.name for c in schema.tables["responses"].columns) == read.RESPONSE_COLUMNS


def test_omitted_columns_are_not_read(store) -> None:
    """What a caller never shows is not read: NULL columns, no attachment body, a
    fragment's preview (enough for truncate_string to tell it is long)."""
    store.log_response(
        make_response(
            "p" * 1000,
            fragments=[FakeFragment("x" * 5000, "src")],
            attachments=[FakeAttachment(type="image/png", content=b"\x89PNG" * 1000)],
        )
    )
    full = store.list_responses(1)[0]
    assert full["model"] == "fake-model"
    assert full["attachments"][0]["content"] == b"\x89PNG" * 1000
    omit = {"prompt", "model", read.ATTACHMENT_CONTENT, read.FRAGMENT_CONTENT}
    [light] = list(store.iter_responses(1, omit=omit))
    assert light["prompt"] is None and light["model"] is None
    assert light["response"] == full["response"]
    assert light["attachments"][0]["content"] is None
    assert light["attachments"][0]["content_length"] == 4000
    assert light["prompt_fragments"][0]["content"] == "x" * read.FRAGMENT_PREVIEW
    assert light["prompt_fragments"][0]["hash"] == full["prompt_fragments"][0]["hash"]


def test_iterating_crosses_batches_in_order(store) -> None:
    for n in range(read.BATCH + 5):
        store.log_response(make_response(f"number {n}", fragments=[FakeFragment(f"f{n}")]))
    every = list(store.iter_responses(None))
    assert [r["prompt"] for r in every] == [f"number {n}" for n in range(read.BATCH + 5)]
    assert [r["prompt_fragments"][0]["content"] for r in every] == [
        f"f{n}" for n in range(read.BATCH + 5)
    ]
    newest = store.list_responses(read.BATCH + 1)
    assert [r["prompt"] for r in newest] == [f"number {n}" for n in range(4, read.BATCH + 5)]


def test_stopping_early_ends_the_read(store) -> None:
    for n in range(3):
        store.log_response(make_response(f"number {n}"))
    records = store.iter_responses(None)
    assert next(records)["prompt"] == "number 0"
    records.close()  # the read transaction ends; the store stays usable
    store.log_response(make_response("number 3"))
    assert store.count_responses() == 4


def test_the_reader_opens_only_an_up_to_date_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert sqlite_reader.open_current(missing) is None
    assert not missing.exists()  # never created
    not_a_database = tmp_path / "junk.db"
    not_a_database.write_bytes(b"this is not SQLite" * 100)
    assert sqlite_reader.open_current(not_a_database) is None  # LogStore reports it
    assert not_a_database.read_bytes() == b"this is not SQLite" * 100
    unmigrated = tmp_path / "old.db"
    sqlite3.connect(unmigrated).execute("CREATE TABLE responses (id TEXT)").connection.close()
    assert sqlite_reader.open_current(unmigrated) is None  # LogStore migrates it
    current = tmp_path / "logs.db"
    open_store(current).close()
    reader = sqlite_reader.open_current(current)
    assert isinstance(reader, sqlite_reader.SqliteLogReader)
    assert reader.list_responses() == []
    reader.close()


def test_placeholders_must_match_the_values(store) -> None:
    if not hasattr(store, "engine"):
        pytest.skip("a LogStore's own connection")
    with store.engine.connect() as conn, pytest.raises(ValueError, match="placeholders"):
        list(read.ConnectionRows(conn).rows("SELECT ?", []))

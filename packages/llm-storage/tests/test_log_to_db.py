"""``Response.log_to_db(db)`` with every kind of ``db`` it documents, sync and async alike."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

import llm
from llm_storage import open_for_logging, open_store
from llm_storage.contracts import LogTarget


@pytest.fixture
def echo() -> llm.Model:
    return llm.get_model("echo")


def _answered(echo: llm.Model, text: str = "hello") -> llm.Response:
    response = echo.prompt(text)
    response.text()
    return response


class SqliteUtilsLike:
    """What plugins and the original's tests pass: a ``sqlite_utils.Database`` has ``.conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def test_sqlite3_connection_in_memory_is_used_and_left_open(echo: llm.Model) -> None:
    conn = sqlite3.connect(":memory:")
    before = conn.isolation_level
    first, second = _answered(echo, "one"), _answered(echo, "two")
    first.log_to_db(conn)
    second.log_to_db(conn)
    rows = conn.execute("select id, prompt from responses order by id").fetchall()
    assert rows == [(first.id, "one"), (second.id, "two")]
    assert conn.isolation_level == before  # our autocommit mode is undone


def test_sqlite3_connection_to_a_file(tmp_path: Path, echo: llm.Model) -> None:
    conn = sqlite3.connect(str(tmp_path / "logs.db"))
    response = _answered(echo)
    response.log_to_db(conn)
    assert conn.execute("select id from responses").fetchall() == [(response.id,)]


def test_sqlite_utils_database_in_memory_stays_usable(echo: llm.Model) -> None:
    db = SqliteUtilsLike(sqlite3.connect(":memory:"))
    for text in ("one", "two"):
        _answered(echo, text).log_to_db(db)
    assert db.conn.execute("select count(*) from responses").fetchone() == (2,)


def test_path_and_store(tmp_path: Path, echo: llm.Model) -> None:
    path = tmp_path / "logs.db"
    _answered(echo, "by path").log_to_db(path)
    store = open_store(path)
    _answered(echo, "by store").log_to_db(store)
    # A store passed in is the caller's: still open.
    assert [r["prompt"] for r in store.list_responses(None)] == ["by path", "by store"]
    store.close()


def test_unusable_target_is_a_clear_error(echo: llm.Model) -> None:
    from llm_storage import StoreError

    with pytest.raises(StoreError, match="cannot open a log store from int"):
        _answered(echo).log_to_db(42)


def test_what_open_for_logging_returns_meets_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    first = open_for_logging(f"sqlite:///{path}")  # a URL: the full store, which creates it
    second = open_for_logging(path)  # a current file: the sqlite3 writer
    assert type(first) is not type(second)
    for target in (first, second):
        assert isinstance(target, LogTarget)
        assert target.backend == "sqlite"
        assert target.location == str(path)
        target.close()


def test_async_response_logs_the_same_row_as_a_sync_one(tmp_path: Path) -> None:
    model = llm.get_async_model("echo")

    async def answered() -> llm.AsyncResponse:
        response = model.prompt("hello there", system="brief")
        await response
        return response

    response = asyncio.run(answered())
    path = tmp_path / "logs.db"
    response.log_to_db(path)
    store = open_store(path)
    [record] = store.list_responses()
    store.close()
    assert record["id"] == response.id
    assert record["response"] == response.text_or_raise()
    assert record["system"] == "brief"
    assert record["input_tokens"] == response.input_tokens == 2
    assert record["output_tokens"] == response.output_tokens
    assert record["duration_ms"] == response.duration_ms()
    assert record["datetime_utc"] == response.datetime_utc()
    assert record["conversation_id"] == response.conversation_id_for_log()
    assert json.loads(record["options_json"]) == {}


def test_async_response_not_awaited_is_refused(tmp_path: Path) -> None:
    response = llm.get_async_model("echo").prompt("hi")
    with pytest.raises(ValueError, match="Response not yet awaited"):
        response.log_to_db(tmp_path / "logs.db")


def test_to_sync_response_keeps_the_error() -> None:
    class Failing(llm.AsyncModel):
        model_id = "failing"

        async def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            yield "part"
            raise RuntimeError("dropped")

    response = Failing().prompt("hi")

    async def go() -> llm.Response:
        with pytest.raises(RuntimeError):
            await response
        return await response.to_sync_response()

    sync = asyncio.run(go())
    assert sync.text_or_raise() == "part"
    assert isinstance(sync.error, RuntimeError)

"""``llm_storage.libpq``: the ctypes libpq binding the PostgreSQL log writer uses, against the
real server, side by side with psycopg where both should behave alike."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from storage_fakes import make_response

from llm_storage import libpq, open_for_logging, open_store, pg_writer
from llm_storage.errors import StoreError
from llm_storage.pg_connection import conninfo

pytestmark = pytest.mark.postgres


@pytest.fixture
def info(pg_url: str) -> str:
    found = conninfo(pg_url)
    assert found is not None
    return found


@pytest.fixture
def conn(info: str) -> Iterator[libpq.Connection]:
    connection = libpq.connect(info, 5)
    yield connection
    connection.close()


def test_values_go_and_come_back_with_their_types(conn: libpq.Connection) -> None:
    conn.execute("CREATE TEMP TABLE t (i bigint, b boolean, s text, n text, data bytea)")
    binary = bytes(range(256))
    conn.execute(
        "INSERT INTO t VALUES (%s, %s, %s, %s, %s)", [2**40, True, "héllo ✓ 'quoted'", None, binary]
    )
    assert conn.execute("SELECT i, b, s, n, length(data), md5(data) FROM t") == [
        (2**40, True, "héllo ✓ 'quoted'", None, 256, hashlib.md5(binary).hexdigest())
    ]
    assert conn.execute("SELECT b = false, %s::int + 1 FROM t", [41]) == [(False, 42)]


def test_a_transaction_commits_at_the_end_of_with_or_rolls_back_on_error(info: str) -> None:
    with libpq.connect(info, 5) as setup:
        setup.execute("CREATE TABLE kept (x text)")
    with libpq.connect(info, 5) as conn:
        conn.execute("INSERT INTO kept VALUES (%s)", ["committed"])
    with pytest.raises(ZeroDivisionError), libpq.connect(info, 5) as conn:
        conn.execute("INSERT INTO kept VALUES (%s)", ["rolled back"])
        raise ZeroDivisionError
    closed = libpq.connect(info, 5)
    closed.execute("INSERT INTO kept VALUES (%s)", ["never committed"])
    closed.close()
    with libpq.connect(info, 5) as conn:
        assert conn.execute("SELECT x FROM kept") == [("committed",)]


def test_server_errors_carry_the_sqlstate_and_the_servers_message(conn: libpq.Connection) -> None:
    with pytest.raises(libpq.Error) as missing:
        conn.execute("SELECT * FROM no_such_table")
    assert missing.value.sqlstate == libpq.UNDEFINED_TABLE
    assert str(missing.value).startswith('relation "no_such_table" does not exist')
    assert pg_writer.is_undefined_table(missing.value)


@pytest.mark.parametrize("driver", ["libpq", "psycopg"])
def test_refused_connections_read_the_same_through_either_driver(driver: str) -> None:
    url = "postgresql://someone:hunter2@127.0.0.1:1/nothing"
    with pytest.raises(StoreError) as refused:
        pg_writer.open_current(url, "postgresql://someone:***@127.0.0.1:1/nothing", 1, driver)
    message = str(refused.value)
    assert message.startswith("cannot connect to postgresql://someone:***@127.0.0.1:1/nothing: ")
    assert "Connection refused" in message and "hunter2" not in message


@pytest.mark.parametrize("driver", ["libpq", "psycopg"])
def test_text_with_a_nul_is_refused_alike_and_nothing_is_written(driver: str, pg_url: str) -> None:
    open_store(pg_url).close()
    writer = pg_writer.open_current(pg_url, "test database", 5, driver)
    assert writer is not None
    with pytest.raises(StoreError, match="cannot contain NUL"):
        writer.log_response(make_response("a\x00b"))
    writer.log_response(make_response("fine"))
    with open_store(pg_url) as store:
        assert [r["prompt"] for r in store.list_responses()] == ["fine"]


def test_a_value_it_cannot_send_is_an_error(conn: libpq.Connection) -> None:
    with pytest.raises(libpq.Error, match="cannot adapt type 'dict'"):
        conn.execute("SELECT %s", [{"a": 1}])
    with pytest.raises(libpq.Error, match="UTF-8"):
        conn.execute("SELECT %s", ["\udc80"])


def test_the_writer_uses_libpq_unless_psycopg_is_asked_for(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(pg_url).close()
    writer: Any = open_for_logging(pg_url)
    assert writer.driver is libpq
    monkeypatch.setenv(libpq.DRIVER_VARIABLE, "psycopg")
    writer = open_for_logging(pg_url)
    assert writer.driver.__name__ == "psycopg"
    writer.log_response(make_response("through psycopg"))
    with open_store(pg_url) as store:
        assert [r["prompt"] for r in store.list_responses()] == ["through psycopg"]


def test_without_a_loadable_libpq_psycopg_is_used(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    not_a_library = tmp_path / "libpq.so.5"
    not_a_library.write_text("not a shared library")
    monkeypatch.setattr(libpq, "_library_candidates", lambda: [str(not_a_library)])
    monkeypatch.setattr(libpq, "_lib", None)
    monkeypatch.setattr(libpq, "_load_attempted", False)
    assert not libpq.available()
    open_store(pg_url).close()
    writer: Any = open_for_logging(pg_url)
    assert writer.driver.__name__ == "psycopg"
    writer.log_response(make_response("no libpq"))
    with open_store(pg_url) as store:
        assert [r["prompt"] for r in store.list_responses()] == ["no libpq"]

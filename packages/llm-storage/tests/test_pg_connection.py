"""Connecting to PostgreSQL: a server out of connection slots is tried again, for a while.

A real server, and a real limit: a role created with ``CONNECTION LIMIT 1`` whose one
connection is held by the test.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from llm_storage import testing
from llm_storage.pg_connection import connect, conninfo, is_transient

pytestmark = pytest.mark.postgres


@pytest.fixture
def limited_role() -> Iterator[str]:
    """The conninfo of a new role that may hold one connection at a time."""
    import psycopg

    base = conninfo(testing.test_postgres_url())
    assert base is not None
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as ex:
        pytest.skip(f"PostgreSQL not reachable: {ex}")
    role = f"llm_limited_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    scheme, _, rest = base.partition("://")
    host_and_db = rest.rpartition("@")[2]
    try:
        yield f"{scheme}://{role}@{host_and_db}"
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role]
        )
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


def test_a_slot_freed_while_waiting_is_taken(limited_role: str) -> None:
    holder = connect(limited_role, 5)
    release = threading.Timer(0.5, holder.close)
    release.start()
    try:
        second = connect(limited_role, 10)  # refused at first: the one slot is taken
    finally:
        release.join()
    cursor = second.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)
    second.close()


def test_gives_up_after_the_timeout_with_the_servers_message(limited_role: str) -> None:
    import psycopg

    holder = connect(limited_role, 5)
    try:
        with pytest.raises(psycopg.OperationalError) as refused:
            connect(limited_role, 0.5)
    finally:
        holder.close()
    assert "too many connections for role" in str(refused.value)
    assert is_transient(refused.value)


def test_permanent_failures_are_not_retried() -> None:
    assert not is_transient(Exception('password authentication failed for user "x"'))
    assert not is_transient(Exception('database "nope" does not exist'))
    assert is_transient(Exception("FATAL:  sorry, too many clients already"))

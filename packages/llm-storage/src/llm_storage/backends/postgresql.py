"""PostgreSQL specifics."""

from __future__ import annotations

import zlib

from sqlalchemy import URL, Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from ..pg_connection import connect, conninfo


def make_engine(url: URL, timeout: float) -> Engine:
    """An engine that pools nothing: each read or write connects and then disconnects, so
    an ``llm`` process (a chat session waiting for hours) holds no connection between them;
    a server that is briefly out of connection slots is tried again (``pg_connection``)."""
    if url.get_driver_name() != "psycopg":
        connect_args: dict[str, object] = {}
        if url.get_driver_name() == "psycopg2":
            connect_args["connect_timeout"] = max(1, int(timeout))
        return create_engine(url, connect_args=connect_args, poolclass=NullPool)
    info = conninfo(url.render_as_string(hide_password=False))
    assert info is not None  # a psycopg URL
    return create_engine(url, creator=lambda: connect(info, timeout), poolclass=NullPool)


def lock_for_migration(conn: Connection) -> None:
    """Serialise concurrent migrations of one schema (released when the transaction ends)."""
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar() or "public"
    key = zlib.crc32(f"llm_storage:{schema}".encode())
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

"""PostgreSQL specifics."""

from __future__ import annotations

import zlib

from sqlalchemy import URL, Connection, Engine, create_engine, text


def make_engine(url: URL, timeout: float) -> Engine:
    connect_args: dict[str, object] = {}
    if url.get_driver_name() in ("psycopg", "psycopg2"):
        connect_args["connect_timeout"] = max(1, int(timeout))
    return create_engine(url, connect_args=connect_args, pool_pre_ping=False)


def lock_for_migration(conn: Connection) -> None:
    """Serialise concurrent migrations of one schema (released when the transaction ends)."""
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar() or "public"
    key = zlib.crc32(f"llm_storage:{schema}".encode())
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

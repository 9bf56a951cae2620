"""Connecting to PostgreSQL: briefly, and again when the server is busy.

Every connection the log store makes to PostgreSQL comes from :func:`connect`, for the
SQLAlchemy engine (``backends/postgresql.py``, which pools nothing) and for the light writer
(``pg_writer.py``) alike. A process holds a connection only while it reads or writes;
a chat session waiting for its user holds none. When the server refuses a connection for a
reason that passes - every slot taken ("too many clients already"), starting up, shutting
down, a connection reset - the connection is tried again with exponential backoff and
jitter, for at most the store's timeout. Anything else (a wrong password, an unknown
database, nothing listening) fails at once.

Standard library and psycopg only: no SQLAlchemy, so a logged prompt does not pay for it.
"""

from __future__ import annotations

import random
import time
from typing import Any

#: Server messages that mean "try again shortly".
TRANSIENT_MESSAGES = (
    "too many clients",
    "too many connections for role",  # the role's CONNECTION LIMIT: its other processes
    "remaining connection slots are reserved",
    "sorry, too many",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "server closed the connection unexpectedly",
    "connection reset by peer",
    "no more connections allowed",  # PgBouncer: max_client_conn reached
    "pgbouncer cannot connect to server",
)
FIRST_DELAY = 0.05
LONGEST_DELAY = 1.0

PSYCOPG_SCHEMES = ("postgresql://", "postgresql+psycopg://")


def conninfo(url: str) -> str | None:
    """The libpq URI for a SQLAlchemy PostgreSQL URL driven by psycopg, else None. The
    query is decoded as SQLAlchemy decodes it (``+`` is a space) and encoded for libpq."""
    from urllib.parse import parse_qsl, quote, urlencode

    for scheme in PSYCOPG_SCHEMES:
        if url.startswith(scheme):
            rest, _, query = url[len(scheme) :].partition("?")
            if query:
                pairs = parse_qsl(query, keep_blank_values=True)
                rest += "?" + urlencode(pairs, quote_via=quote)
            return "postgresql://" + rest
    return None


def is_transient(error: BaseException) -> bool:
    text = str(error).lower()
    return any(message in text for message in TRANSIENT_MESSAGES)


def connect(info: str, timeout: float, **kwargs: Any) -> Any:
    """A psycopg connection to ``info``, retrying transient refusals for up to ``timeout``
    seconds. ``prepare_threshold=None``: no server-side prepared statements, so the
    connection works through PgBouncer in transaction-pooling mode."""
    import psycopg

    kwargs = {"prepare_threshold": None, **kwargs}
    deadline = time.monotonic() + timeout
    delay = FIRST_DELAY
    while True:
        try:
            return psycopg.connect(info, connect_timeout=max(1, int(timeout)), **kwargs)
        except psycopg.OperationalError as ex:
            wait = delay * (0.5 + random.random())
            if not is_transient(ex) or time.monotonic() + wait > deadline:
                raise
            time.sleep(wait)
            delay = min(delay * 2, LONGEST_DELAY)


def _write_access_sql() -> str:
    from .write import TABLES_WRITTEN

    names = ", ".join(f"'{name}'" for name in TABLES_WRITTEN)
    tables = f"unnest(ARRAY[{names}]) AS t"
    return (
        "SELECT current_setting('transaction_read_only'),"
        f" (SELECT string_agg(t, ', ') FROM {tables} WHERE to_regclass(t) IS NULL),"
        f" (SELECT string_agg(t, ', ') FROM {tables} WHERE to_regclass(t) IS NOT NULL"
        " AND NOT has_table_privilege(to_regclass(t), 'INSERT'))"
    )


#: One row: whether the session is read-only (a hot standby, or
#: ``default_transaction_read_only``), the tables a response is written to that are missing,
#: and those this user may not add rows to (each a list, or NULL for none).
WRITE_ACCESS_SQL = _write_access_sql()


def write_access_problem(row: Any, location: str) -> str | None:
    """What stops logging to ``location``, from the row of :data:`WRITE_ACCESS_SQL`."""
    read_only, missing, refused = row
    if str(read_only).lower() == "on":
        return f"cannot write to {location}: the server only allows reading (read-only)"
    if missing:
        return f"cannot log to {location}: the table(s) {missing} are missing"
    if refused:
        return f"cannot write to {location}: this user may not add rows to {refused}"
    return None

"""Logging to an up-to-date PostgreSQL database through psycopg alone.

The PostgreSQL counterpart of ``sqlite_writer.py``: when the database already has the current
schema, a logged prompt needs a connection and a few INSERTs, not SQLAlchemy (whose import
costs more than the rest of the prompt). The same rows, built by the same ``write`` module, in
one transaction. The connection is opened for the write and closed after it, so nothing is
held while a model generates or a chat waits for its user. psycopg is imported only here and
only when a PostgreSQL URL is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import write
from ._head import HEAD_REVISION
from ._translate import describe
from .errors import StoreError
from .pg_connection import WRITE_ACCESS_SQL, connect, conninfo, write_access_problem
from .sqlite_writer import insert_sql, select_id_sql

if TYPE_CHECKING:
    from .contracts import LoggableResponse


#: PostgreSQL's SQLSTATE for a table that does not exist.
UNDEFINED_TABLE = "42P01"


def is_undefined_table(error: BaseException) -> bool:
    return getattr(error, "sqlstate", None) == UNDEFINED_TABLE


class CursorWriter:
    """The ``Writer`` operations as SQL text for one psycopg cursor."""

    #: PostgreSQL's ``text`` cannot hold NUL.
    keeps_nul = False

    def __init__(self, cursor: Any, database: str) -> None:
        self.cursor = cursor
        self._database = database

    def insert_ignore(self, table: str, values: dict[str, Any]) -> None:
        columns = list(values)
        sql = insert_sql(table, columns, " ON CONFLICT DO NOTHING", mark="%s")
        self.cursor.execute(sql, [values[c] for c in columns])

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        self.cursor.executemany(
            insert_sql(table, columns, mark="%s"), [[row[c] for c in columns] for row in rows]
        )

    def id_for(self, table: str, column: str, value: Any) -> int:
        self.cursor.execute(select_id_sql(table, column, mark="%s"), [value])
        return int(self.cursor.fetchone()[0])

    def insert_returning_id(self, table: str, values: dict[str, Any]) -> int:
        columns = list(values)
        sql = insert_sql(table, columns, " RETURNING id", mark="%s")
        self.cursor.execute(sql, [values[c] for c in columns])
        return int(self.cursor.fetchone()[0])

    def run(self, sql: str, params: list[Any]) -> int:
        """Run one statement (``?`` placeholders); the number of rows it changed."""
        self.cursor.execute(sql.replace("?", "%s"), params)
        return int(self.cursor.rowcount)

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows a query (``?`` placeholders) returns."""
        self.cursor.execute(sql.replace("?", "%s"), params)
        return list(self.cursor.fetchall())

    @property
    def database(self) -> str:
        return self._database


class PostgresLogWriter:
    """Logs responses to a PostgreSQL database whose schema is current."""

    backend = "postgresql"

    def __init__(self, info: str, location: str, timeout: float) -> None:
        import psycopg

        self._info = info
        self.location = location
        self.timeout = timeout
        self._error: type[Exception] = psycopg.Error

    def _connect(self) -> Any:
        try:
            return connect(self._info, self.timeout)
        except self._error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex

    def log_response(self, response: LoggableResponse) -> None:
        """Store an ``llm`` Response and its child rows, all in one transaction."""
        conn = self._connect()
        try:
            with conn, conn.cursor() as cursor:  # commits, or rolls back on an error
                # The location names the database (its password masked): the same for every
                # write's connection, as ``write`` needs to tell databases apart.
                write.log_response(CursorWriter(cursor, self.location), response)
        except self._error as ex:
            raise StoreError(describe(ex, self.location, self.timeout)) from ex
        finally:
            conn.close()

    def check_writable(self) -> None:
        """Checked when this writer was opened: the server answers and lets us write."""

    def close(self) -> None:
        """Nothing is held between writes."""

    def __enter__(self) -> PostgresLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_current(url: str, location: str, timeout: float) -> PostgresLogWriter | None:
    """A writer for ``url`` if it is a psycopg PostgreSQL URL whose database has the current
    schema and lets us write, else None (the caller then opens a full ``LogStore``, which
    creates or migrates the schema). A server that cannot be reached, or that refuses
    writes, is a :class:`StoreError` now, before any model is called."""
    info = conninfo(url)
    if info is None:
        return None
    try:
        import psycopg
    except ImportError:
        return None  # the full store says which package to install
    writer = PostgresLogWriter(info, location, timeout)
    conn = writer._connect()
    try:
        with conn.cursor() as cursor:
            try:
                cursor.execute("SELECT version_num FROM alembic_version")
                row = cursor.fetchone()
            except psycopg.Error as ex:
                if is_undefined_table(ex):
                    return None
                raise
            if row is None or row[0] != HEAD_REVISION:
                return None
            cursor.execute(WRITE_ACCESS_SQL)
            problem = write_access_problem(cursor.fetchone(), location)
    except psycopg.Error as ex:
        raise StoreError(describe(ex, location, timeout)) from ex
    finally:
        conn.close()
    if problem:
        raise StoreError(problem)
    return writer

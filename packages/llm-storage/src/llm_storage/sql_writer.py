"""The ``Writer`` for any SQLAlchemy connection (SQLite, PostgreSQL, other backends)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DBAPIError

from .schema import tables


class ConnectionWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        #: PostgreSQL's ``text`` cannot hold NUL; SQLite's (and the others tested) can.
        self.keeps_nul = conn.dialect.name != "postgresql"

    def insert_ignore(self, table: str, values: dict[str, Any]) -> None:
        target = tables[table]
        dialect = self.conn.dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            self.conn.execute(sqlite_insert(target).values(**values).on_conflict_do_nothing())
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self.conn.execute(pg_insert(target).values(**values).on_conflict_do_nothing())
        else:
            keys = [c for c in target.primary_key.columns if c.name in values]
            if not keys:
                keys = [target.c.hash]
            exists = self.conn.execute(
                select(keys[0]).where(*[k == values[k.name] for k in keys]).limit(1)
            ).first()
            if exists is None:
                self.conn.execute(insert(target).values(**values))

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if table == "responses" and len(rows) == 1 and self.conn.dialect.name == "sqlite":
            from . import sqlite_writer

            raw = self.conn.connection.driver_connection
            if sqlite_writer.is_big(rows[0]) and isinstance(raw, sqlite3.Connection):
                try:  # the same two statements as the sqlite3 writer's (see there)
                    if sqlite_writer.SqliteWriter(raw).insert_big_response(rows[0]):
                        return
                except sqlite3.Error as ex:  # as SQLAlchemy would have raised it
                    raise DBAPIError.instance(None, None, ex, sqlite3.Error) from ex
        self.conn.execute(insert(tables[table]), rows)

    def id_for(self, table: str, column: str, value: Any) -> int:
        target = tables[table]
        return int(
            self.conn.execute(select(target.c.id).where(target.c[column] == value)).scalar_one()
        )

    def insert_returning_id(self, table: str, values: dict[str, Any]) -> int:
        target = tables[table]
        return int(
            self.conn.execute(insert(target).values(**values).returning(target.c.id)).scalar_one()
        )

    def _driver_sql(self, sql: str) -> str:
        return sql if self.conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")

    def run(self, sql: str, params: list[Any]) -> int:
        """Run one statement (``?`` placeholders); the number of rows it changed."""
        return int(self.conn.exec_driver_sql(self._driver_sql(sql), tuple(params)).rowcount)

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows a query (``?`` placeholders) returns."""
        result = self.conn.exec_driver_sql(self._driver_sql(sql), tuple(params))
        return [tuple(row) for row in result]

    @property
    def database(self) -> str:
        url = self.conn.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return f"memory:{id(self.conn.connection.dbapi_connection)}"
        return url.render_as_string(hide_password=True)

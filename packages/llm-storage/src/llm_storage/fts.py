"""Full-text search over ``responses.prompt`` and ``responses.response``.

SQLite: an FTS5 table ``responses_fts`` (``content=responses``) kept in sync by three triggers
named as the original tool names them, so databases written by either tool look the same.
PostgreSQL: a GIN index on a ``to_tsvector`` expression; no extra table or column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, literal_column, text

FTS_TABLE = "responses_fts"
TRIGGER_NAMES = ("responses_ai", "responses_ad", "responses_au")
PG_INDEX = "responses_fts_gin"
PG_CONFIG = "simple"  # no stemming or stop words, like FTS5's default tokenizer

_SQLITE_TRIGGERS = {
    "responses_ai": """
CREATE TRIGGER [responses_ai] AFTER INSERT ON [responses] BEGIN
  INSERT INTO [responses_fts] (rowid, [prompt], [response])
  VALUES (new.rowid, new.[prompt], new.[response]);
END""",
    "responses_ad": """
CREATE TRIGGER [responses_ad] AFTER DELETE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response])
  VALUES ('delete', old.rowid, old.[prompt], old.[response]);
END""",
    "responses_au": """
CREATE TRIGGER [responses_au] AFTER UPDATE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response])
  VALUES ('delete', old.rowid, old.[prompt], old.[response]);
  INSERT INTO [responses_fts] (rowid, [prompt], [response])
  VALUES (new.rowid, new.[prompt], new.[response]);
END""",
}


def _pg_document() -> str:
    return f"to_tsvector('{PG_CONFIG}', coalesce(prompt, '') || ' ' || coalesce(response, ''))"


def ensure_fts(conn: Connection) -> None:
    """Create whatever part of the full-text index is missing; never touches rows."""
    if conn.dialect.name == "sqlite":
        _ensure_sqlite(conn)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON responses USING gin ({_pg_document()})"
        )


def _ensure_sqlite(conn: Connection) -> None:
    existing = {
        row[0]
        for row in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name IN (?, ?, ?, ?)",
            (FTS_TABLE, *TRIGGER_NAMES),
        )
    }
    rebuild = False
    if FTS_TABLE not in existing:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE [responses_fts] USING FTS5 ([prompt], [response], "
            "content=[responses])"
        )
        rebuild = True
    if not all(name in existing for name in TRIGGER_NAMES):
        # Missing triggers mean the index may have drifted: recreate all three, then rebuild.
        recreate_sqlite_triggers(conn)
        rebuild = True
    if rebuild:
        conn.exec_driver_sql("INSERT INTO [responses_fts] ([responses_fts]) VALUES ('rebuild')")


def recreate_sqlite_triggers(conn: Connection) -> None:
    """(Re)create the sync triggers; call after any migration that rebuilds ``responses``."""
    for name, ddl in _SQLITE_TRIGGERS.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS [{name}]")
        conn.exec_driver_sql(ddl)


def sqlite_match_expression(query: str) -> str:
    """Quote every whitespace-separated term, so user input is never FTS5 syntax."""
    terms = query.split()
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)


def search_terms(dialect: str, query: str) -> tuple[str | None, Any, Any]:
    """Return (from-clause addition, where clause, best-first order expression) for a query.

    The first item is ``None`` on PostgreSQL and the FTS5 table on SQLite, to be joined on
    ``responses_fts.rowid = responses.rowid``.
    """
    if dialect == "sqlite":
        match = text("responses_fts MATCH :fts_query").bindparams(
            fts_query=sqlite_match_expression(query)
        )
        # FTS5 rank: more negative is a better match.
        return FTS_TABLE, match, literal_column("responses_fts.rank").asc()
    if dialect == "postgresql":
        document: Any = literal_column(_pg_document())
        tsquery = func.plainto_tsquery(PG_CONFIG, query)
        where = document.op("@@")(tsquery)
        return None, where, func.ts_rank(document, tsquery).desc()
    # Any other backend: plain substring search, newest first.
    pattern = f"%{query}%"
    prompt_like = literal_column("responses.prompt").like(pattern)
    response_like = literal_column("responses.response").like(pattern)
    return None, prompt_like | response_like, literal_column("responses.id").desc()

"""Full-text search over ``responses.prompt`` and ``responses.response``.

SQLite: an FTS5 table ``responses_fts`` (``content=responses``) kept in sync by three triggers
named as the original tool names them, so databases written by either tool look the same.
PostgreSQL: a GIN index on a ``to_tsvector`` expression; no extra table or column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

FTS_TABLE = "responses_fts"
TRIGGER_NAMES = ("responses_ai", "responses_ad", "responses_au")
PG_INDEX = "responses_fts_gin"
PG_CONFIG = "simple"  # no stemming or stop words, like FTS5's default tokenizer
#: FTS5's bm25 with the prompt weighted ten times the response (what was asked says more about
#: an exchange than the answer), as llm 0.32+ ranks; more negative is a better match. The same
#: for ``turn_search_fts`` (0.32+'s turns), so the two indexes' matches rank together.
SQLITE_RANK = "bm25({table}, 10.0, 1.0)"

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


@dataclass(frozen=True)
class Search:
    """SQL text (``?`` placeholders) that finds responses matching a query."""

    join: str  # added to ``FROM responses``: the FTS5 table on SQLite, else ""
    where: str
    where_params: list[str]
    rank: str  # lower is a better match
    rank_params: list[str]


def search_sql(dialect: str, query: str) -> Search:
    """How ``dialect`` finds the responses matching ``query``, best first."""
    if dialect == "sqlite":
        return Search(
            join=f"JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = responses.rowid",
            where=f"{FTS_TABLE} MATCH ?",
            where_params=[sqlite_match_expression(query)],
            rank=SQLITE_RANK.format(table=FTS_TABLE),
            rank_params=[],
        )
    if dialect == "postgresql":
        tsquery = f"plainto_tsquery('{PG_CONFIG}', ?)"
        return Search(
            join="",
            where=f"{_pg_document()} @@ {tsquery}",
            where_params=[query],
            rank=f"-ts_rank({_pg_document()}, {tsquery})",
            rank_params=[query],
        )
    # Any other backend: plain substring search, newest first.
    pattern = f"%{query}%"
    return Search(
        join="",
        where="(responses.prompt LIKE ? OR responses.response LIKE ?)",
        where_params=[pattern, pattern],
        rank="0",
        rank_params=[],
    )

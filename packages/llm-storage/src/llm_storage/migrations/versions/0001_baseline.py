"""Baseline: the llm 0.26 ``logs.db`` schema.

Creates whatever is missing and leaves everything present alone, so the same revision both
creates a new database and adopts one written by the original tool (which may lack later
tables, columns, indexes or FTS triggers). Rows are never rewritten, except when an old
fragments link table must be rebuilt to get its three-column primary key (rows copied as is).

On SQLite it also records, in the original tool's ``_llm_migrations`` ledger, the original
migrations whose effect now exists, so llm 0.26 can open the database without redoing them.
Existing ledger rows are never changed.

Revision ID: 0001_baseline
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

from llm_storage import fts

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the schema at this revision (do not import llm_storage.schema here).
meta = sa.MetaData()
T, N, B = sa.Text, sa.Integer, sa.LargeBinary


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target)


sa.Table(
    "conversations",
    meta,
    sa.Column("id", T, primary_key=True),
    sa.Column("name", T),
    sa.Column("model", T),
)
sa.Table("schemas", meta, sa.Column("id", T, primary_key=True), sa.Column("content", T))
sa.Table(
    "responses",
    meta,
    sa.Column("id", T, primary_key=True),
    sa.Column("model", T),
    sa.Column("prompt", T),
    sa.Column("system", T),
    sa.Column("prompt_json", T),
    sa.Column("options_json", T),
    sa.Column("response", T),
    sa.Column("response_json", T),
    sa.Column("conversation_id", T, _fk("conversations.id")),
    sa.Column("duration_ms", N),
    sa.Column("datetime_utc", T),
    sa.Column("input_tokens", N),
    sa.Column("output_tokens", N),
    sa.Column("token_details", T),
    sa.Column("schema_id", T, _fk("schemas.id")),
)
sa.Table(
    "attachments",
    meta,
    sa.Column("id", T, primary_key=True),
    sa.Column("type", T),
    sa.Column("path", T),
    sa.Column("url", T),
    sa.Column("content", B),
)
sa.Table(
    "prompt_attachments",
    meta,
    sa.Column("response_id", T, _fk("responses.id"), primary_key=True),
    sa.Column("attachment_id", T, _fk("attachments.id"), primary_key=True),
    sa.Column("order", N),
)
sa.Table(
    "fragments",
    meta,
    sa.Column("id", N, primary_key=True),
    sa.Column("hash", T),
    sa.Column("content", T),
    sa.Column("datetime_utc", T),
    sa.Column("source", T),
    sa.Index("idx_fragments_hash", "hash", unique=True),
)
sa.Table(
    "fragment_aliases",
    meta,
    sa.Column("alias", T, primary_key=True),
    sa.Column("fragment_id", N, _fk("fragments.id")),
)
for _name in ("prompt_fragments", "system_fragments"):
    sa.Table(
        _name,
        meta,
        # Not NOT NULL, as in llm 0.26 (links inserted without an "order" must be accepted).
        sa.Column("response_id", T, _fk("responses.id"), primary_key=True, nullable=True),
        sa.Column("fragment_id", N, _fk("fragments.id"), primary_key=True, nullable=True),
        sa.Column("order", N, primary_key=True, autoincrement=False, nullable=True),
    )
sa.Table(
    "tools",
    meta,
    sa.Column("id", N, primary_key=True),
    sa.Column("hash", T),
    sa.Column("name", T),
    sa.Column("description", T),
    sa.Column("input_schema", T),
    sa.Column("plugin", T),
    sa.Index("idx_tools_hash", "hash", unique=True),
)
sa.Table(
    "tool_responses",
    meta,
    sa.Column("tool_id", N, _fk("tools.id"), primary_key=True, autoincrement=False),
    sa.Column("response_id", T, _fk("responses.id"), primary_key=True),
)
sa.Table(
    "tool_calls",
    meta,
    sa.Column("id", N, primary_key=True),
    sa.Column("response_id", T, _fk("responses.id")),
    sa.Column("tool_id", N, _fk("tools.id")),
    sa.Column("name", T),
    sa.Column("arguments", T),
    sa.Column("tool_call_id", T),
)
sa.Table(
    "tool_instances",
    meta,
    sa.Column("id", N, primary_key=True),
    sa.Column("plugin", T),
    sa.Column("name", T),
    sa.Column("arguments", T),
)
sa.Table(
    "tool_results",
    meta,
    sa.Column("id", N, primary_key=True),
    sa.Column("response_id", T, _fk("responses.id")),
    sa.Column("tool_id", N, _fk("tools.id")),
    sa.Column("name", T),
    sa.Column("output", T),
    sa.Column("tool_call_id", T),
    sa.Column("instance_id", N, _fk("tool_instances.id")),
)

# The original tool's migrations (llm 0.26) whose combined effect is this revision.
ORIGINAL_MIGRATIONS = (
    "m001_initial",
    "m002_id_primary_key",
    "m003_chat_id_foreign_key",
    "m004_column_order",
    "m004_drop_provider",
    "m005_debug",
    "m006_new_logs_table",
    "m007_finish_logs_table",
    "m008_reply_to_id_foreign_key",
    "m008_fix_column_order_in_logs",
    "m009_delete_logs_table_if_empty",
    "m010_create_new_log_tables",
    "m011_fts_for_responses",
    "m012_attachments_tables",
    "m013_usage",
    "m014_schemas",
    "m015_fragments_tables",
    "m016_fragments_table_pks",
    "m017_tools_tables",
    "m017_tools_plugin",
    "m018_tool_instances",
)


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    # Only SQLite files can come from llm 0.3; a team's PostgreSQL may have its own "log".
    if conn.dialect.name == "sqlite" and not (
        "_llm_migrations" in existing and _ledger_has(conn, "m009_delete_logs_table_if_empty")
    ):
        _upgrade_pre_0_4_log(conn, existing)
        inspector.clear_cache()
    for table in meta.sorted_tables:
        if table.name not in existing:
            table.create(conn)
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                op.add_column(table.name, sa.Column(column.name, column.type))
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        if set(primary_key) != {c.name for c in table.primary_key.columns}:
            _rebuild(conn, table)
        _ensure_unique_indexes(conn, inspector, table)
    fts.ensure_fts(conn)
    if conn.dialect.name == "sqlite":
        _record_original_migrations(conn, "_llm_migrations" in existing)


# The table llm 0.4 moved its rows into (0.5 moved on to ``responses`` and left it alone).
_LEGACY_LOGS_DDL = """CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    model TEXT,
    prompt TEXT,
    system TEXT,
    prompt_json TEXT,
    options_json TEXT,
    response TEXT,
    response_json TEXT,
    reply_to_id INTEGER REFERENCES logs(id),
    chat_id INTEGER,
    duration_ms INTEGER,
    datetime_utc TEXT
)"""


def _ledger_has(conn: sa.Connection, name: str) -> bool:
    found = conn.exec_driver_sql("SELECT 1 FROM _llm_migrations WHERE name = ?", (name,))
    return found.first() is not None


def _upgrade_pre_0_4_log(conn: sa.Connection, existing: set[str]) -> None:
    """A database from llm 0.3 or older keeps its rows as the original's upgrade did.

    Their ``log`` table becomes ``logs`` (``timestamp`` renamed ``datetime_utc``, the
    ``provider`` and ``debug`` columns dropped); an empty ``log`` or ``logs`` table goes, as
    it went in the original. Those rows never move on to ``responses``: the original did not
    move them either, and ``llm logs`` never showed them.
    """
    if "log" in existing and "logs" not in existing:
        present = {c["name"] for c in sa.inspect(conn).get_columns("log")}
        if conn.exec_driver_sql("SELECT 1 FROM log LIMIT 1").first() is not None:
            conn.exec_driver_sql(_LEGACY_LOGS_DDL)
            pairs = {
                "id": "id" if "id" in present else "rowid",
                "datetime_utc": "timestamp" if "timestamp" in present else "NULL",
                "duration_ms": "duration_ms" if "duration_ms" in present else "NULL",
            }
            for column in ("model", "prompt", "system", "response", "chat_id"):
                pairs[column] = column if column in present else "NULL"
            targets = ", ".join(pairs)
            conn.exec_driver_sql(
                f"INSERT INTO logs ({targets}) SELECT {', '.join(pairs.values())} FROM log"
            )
            existing.add("logs")
        op.drop_table("log")
        existing.discard("log")
    elif "logs" in existing and conn.exec_driver_sql("SELECT 1 FROM logs LIMIT 1").first() is None:
        op.drop_table("logs")
        existing.discard("logs")


def _rebuild(conn: sa.Connection, table: sa.Table) -> None:
    """Recreate ``table`` with the right primary key, copying every row unchanged."""
    temporary = f"_llm_rebuild_{table.name}"
    ddl = str(sa.schema.CreateTable(table).compile(dialect=conn.dialect))
    ddl = ddl.replace(f"CREATE TABLE {table.name} ", f"CREATE TABLE {temporary} ", 1)
    conn.exec_driver_sql(ddl)
    columns = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in table.columns)
    conn.exec_driver_sql(f"INSERT INTO {temporary} ({columns}) SELECT {columns} FROM {table.name}")
    op.drop_table(table.name)
    op.rename_table(temporary, table.name)


def _ensure_unique_indexes(conn: sa.Connection, inspector: sa.Inspector, table: sa.Table) -> None:
    if not table.indexes:
        return
    inspector.clear_cache()
    have = [
        tuple(index["column_names"])
        for index in inspector.get_indexes(table.name)
        if index.get("unique")
    ]
    for index in table.indexes:
        if tuple(c.name for c in index.columns) not in have:
            index.create(conn)


def _record_original_migrations(conn: sa.Connection, ledger_exists: bool) -> None:
    if not ledger_exists:
        conn.exec_driver_sql(
            "CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT)"
        )
    done = {row[0] for row in conn.exec_driver_sql("SELECT name FROM _llm_migrations")}
    now = str(datetime.datetime.now(datetime.UTC))
    for name in ORIGINAL_MIGRATIONS:
        if name not in done:
            conn.exec_driver_sql(
                "INSERT INTO _llm_migrations (name, applied_at) VALUES (?, ?)", (name, now)
            )


def downgrade() -> None:
    raise NotImplementedError("The baseline revision cannot be downgraded: it would drop logs.")

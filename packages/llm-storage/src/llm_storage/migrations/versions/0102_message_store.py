"""Message store: llm 0.32+'s content-addressed tables, beside the 0.26 ones.

llm 0.32 started logging each exchange as a ``turns`` row over a parent-linked tree of
``messages`` (hash over content and parent) with ordered ``parts``, in ``threads``. This
revision creates those tables in the final form of llm 0.36's migrations m023-m027 (same
names, columns, keys and indexes; on SQLite also the ``turn_search_fts`` full-text table, its
three triggers and the ``message_tree`` view) and, on SQLite, records m023-m027 in
``_llm_migrations`` so that 0.36 opening the file skips them. The 0.26 tables are not
touched: we keep writing ``responses`` as well, so 0.26 goes on reading what we log.

A database 0.36 created already holds these tables (its ledger says so): nothing is
created or changed. Message-store tables without that ledger entry come from an
unreleased development version; the revision then fails, as 0.36 does, rather than adapt
or drop what is there.

Revision ID: 0102_message_store
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0102_message_store"
down_revision = "0101_response_extras"
branch_labels = None
depends_on = None

ORIGINAL_MIGRATIONS = (
    "m023_message_store",
    "m024_tool_instance_references",
    "m025_turn_tools_instance_backfill",
    "m026_message_tree_view",
    "m027_turns_response_json",
)

meta = sa.MetaData()
# Stand-ins for the tables the foreign keys point at (created by earlier revisions).
for _name, _key, _type in (
    ("schemas", "id", sa.Text),
    ("attachments", "id", sa.Text),
    ("fragments", "id", sa.Integer),
    ("tools", "id", sa.Integer),
    ("tool_instances", "id", sa.Integer),
):
    sa.Table(_name, meta, sa.Column(_key, _type, primary_key=True))


def _t(name: str, *args: object, **kwargs: object) -> sa.Column[str]:
    return sa.Column(name, sa.Text, *args, **kwargs)  # type: ignore[arg-type]


def _i(name: str, *args: object, **kwargs: object) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, *args, **kwargs)  # type: ignore[arg-type]


NEW = (
    sa.Table(
        "messages",
        meta,
        _t("hash", primary_key=True),
        _t("parent_hash", sa.ForeignKey("messages.hash")),
        _t("role"),
        _t("provider_metadata"),
        sa.Index("idx_messages_parent_hash", "parent_hash"),
    ),
    sa.Table(
        "parts",
        meta,
        _i("id", primary_key=True),
        _t("message_hash", sa.ForeignKey("messages.hash")),
        _i("position"),
        _t("type"),
        _t("tool_name"),
        _t("text"),
        _t("payload"),
        sa.Index("idx_parts_message_hash_position", "message_hash", "position", unique=True),
    ),
    sa.Table(
        "part_attachments",
        meta,
        _i("part_id", sa.ForeignKey("parts.id"), primary_key=True, autoincrement=False),
        _t("attachment_id", sa.ForeignKey("attachments.id"), primary_key=True),
        _i("order", primary_key=True, autoincrement=False),
    ),
    sa.Table(
        "part_fragments",
        meta,
        _i("part_id", sa.ForeignKey("parts.id"), primary_key=True, autoincrement=False),
        _i("fragment_id", sa.ForeignKey("fragments.id"), primary_key=True, autoincrement=False),
        _i("order", primary_key=True, autoincrement=False),
        sa.Index("idx_part_fragments_fragment_id", "fragment_id"),
    ),
    sa.Table(
        "threads",
        meta,
        _t("id", primary_key=True),
        _t("name"),
        _t("tip_message_hash", sa.ForeignKey("messages.hash")),
        _t("forked_from", sa.ForeignKey("threads.id")),
        _t("datetime_utc"),
    ),
    sa.Table(
        "turns",
        meta,
        _t("id", primary_key=True),
        _t("thread_id", sa.ForeignKey("threads.id")),
        _t("parent_message_hash", sa.ForeignKey("messages.hash")),
        _t("tip_message_hash", sa.ForeignKey("messages.hash")),
        _t("model"),
        _t("resolved_model"),
        _t("options_json"),
        _t("schema_id", sa.ForeignKey("schemas.id")),
        _i("input_tokens"),
        _i("output_tokens"),
        _t("token_details"),
        _i("duration_ms"),
        _t("datetime_utc"),
        _t("response_json"),
        sa.Index("idx_turns_thread_id", "thread_id"),
    ),
    sa.Table(
        "turn_fragments",
        meta,
        _t("turn_id", sa.ForeignKey("turns.id"), primary_key=True),
        _i("fragment_id", sa.ForeignKey("fragments.id"), primary_key=True, autoincrement=False),
        _i("order", primary_key=True, autoincrement=False),
        _t("kind", primary_key=True),
        sa.Index("idx_turn_fragments_fragment_id", "fragment_id"),
    ),
    sa.Table(
        "turn_search",
        meta,
        _i("id", primary_key=True),
        _t("turn_id", sa.ForeignKey("turns.id")),
        _t("prompt"),
        _t("response"),
        sa.Index("idx_turn_search_turn_id", "turn_id", unique=True),
    ),
    sa.Table(
        "turn_tools",
        meta,
        _t("turn_id", sa.ForeignKey("turns.id"), primary_key=True),
        _i("tool_id", sa.ForeignKey("tools.id"), primary_key=True, autoincrement=False),
        _i("instance_id", sa.ForeignKey("tool_instances.id")),
    ),
    sa.Table(
        "tool_instantiations",
        meta,
        _t("turn_id", sa.ForeignKey("turns.id"), primary_key=True),
        _t("tool_call_id", primary_key=True),
        _i("instance_id", sa.ForeignKey("tool_instances.id")),
    ),
)
# Ours (0.36 ignores it): whether every turn has a ``responses`` row, as of our last turn.
COVERAGE = sa.Table(
    "message_store_coverage",
    meta,
    _i("turns"),
    _i("last_rowid"),
    _i("responses"),
    _i("responses_last_rowid"),
    _i("unlisted"),
)

SQLITE_SEARCH = (
    'CREATE VIRTUAL TABLE "turn_search_fts" USING FTS5 ("prompt", "response",'
    ' content="turn_search")',
    """CREATE TRIGGER "turn_search_ai" AFTER INSERT ON "turn_search" BEGIN
  INSERT INTO "turn_search_fts" (rowid, "prompt", "response")
  VALUES (new.rowid, new."prompt", new."response");
END""",
    """CREATE TRIGGER "turn_search_ad" AFTER DELETE ON "turn_search" BEGIN
  INSERT INTO "turn_search_fts" ("turn_search_fts", rowid, "prompt", "response")
  VALUES ('delete', old.rowid, old."prompt", old."response");
END""",
    """CREATE TRIGGER "turn_search_au" AFTER UPDATE ON "turn_search" BEGIN
  INSERT INTO "turn_search_fts" ("turn_search_fts", rowid, "prompt", "response")
  VALUES ('delete', old.rowid, old."prompt", old."response");
  INSERT INTO "turn_search_fts" (rowid, "prompt", "response")
  VALUES (new.rowid, new."prompt", new."response");
END""",
)

# One row per stored message, in tree order: the first 60 characters of its first part's text
# (a fragment's content where the part borrows one, else the part's type in brackets),
# indented four spaces a level, the tools named by its tool results, the hash of the tree's
# root and the time of the earliest turn whose chain holds it.
MESSAGE_TREE_VIEW = """CREATE VIEW "message_tree" AS
WITH RECURSIVE
first_part AS (
  SELECT m.hash, m.parent_hash, m.rowid AS node,
    replace(coalesce(
      nullif(p.text, ''),
      (SELECT f.content FROM part_fragments AS pf JOIN fragments AS f ON f.id = pf.fragment_id
       WHERE pf.part_id = p.id ORDER BY pf."order" LIMIT 1),
      '[' || coalesce(p.type, 'empty') || ']'
    ), char(10), ' ') AS label,
    (SELECT group_concat(tr.tool_name, ', ') FROM parts AS tr
     WHERE tr.message_hash = m.hash AND tr.type = 'tool_result'
       AND tr.tool_name IS NOT NULL) AS tools
  FROM messages AS m
  LEFT JOIN parts AS p ON p.message_hash = m.hash AND p.position = 0
),
walk AS (
  SELECT hash, label, tools, 0 AS depth, printf('%012d', node) AS path, hash AS root_hash
  FROM first_part WHERE parent_hash IS NULL
  UNION ALL
  SELECT child.hash, child.label, child.tools, walk.depth + 1,
    walk.path || '/' || printf('%012d', child.node), walk.root_hash
  FROM first_part AS child JOIN walk ON child.parent_hash = walk.hash
),
turn_messages AS (
  SELECT turns.id AS turn_id, turns.datetime_utc, m.hash, m.parent_hash
  FROM turns JOIN messages AS m ON m.hash = turns.tip_message_hash
  UNION ALL
  SELECT turn_messages.turn_id, turn_messages.datetime_utc, m.hash, m.parent_hash
  FROM turn_messages JOIN messages AS m ON m.hash = turn_messages.parent_hash
)
SELECT
  walk.root_hash,
  strftime('%Y-%m-%d %H:%M:%S',
    (SELECT min(tm.datetime_utc) FROM turn_messages AS tm WHERE tm.hash = walk.hash)
  ) AS datetime,
  replace(hex(zeroblob(walk.depth)), '00', '    ') || substr(walk.label, 1, 60) AS message,
  coalesce(walk.tools, '') AS tools,
  walk.hash AS message_hash,
  walk.path
FROM walk
ORDER BY walk.path"""


def _ledger(conn: sa.Connection) -> set[str] | None:
    if not sa.inspect(conn).has_table("_llm_migrations"):
        return None
    return {row[0] for row in conn.exec_driver_sql("SELECT name FROM _llm_migrations")}


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    existing = set(sa.inspect(conn).get_table_names())
    ledger = _ledger(conn) if sqlite else None
    if "message_store_coverage" not in existing:
        COVERAGE.create(conn)
    if "messages" in existing and ledger is not None and "m023_message_store" in ledger:
        _complete_original(conn, existing, ledger)
        return
    for table in NEW:
        # No "if not exists": message-store tables of unknown origin fail here, loudly.
        table.create(conn)
    if sqlite:
        for statement in (*SQLITE_SEARCH, MESSAGE_TREE_VIEW):
            conn.exec_driver_sql(statement)
        if ledger is not None:
            _record(conn, ledger)


def _complete_original(conn: sa.Connection, existing: set[str], ledger: set[str]) -> None:
    """A store llm 0.32-0.35 created: add what its later migrations would (never drop)."""
    for table in NEW:
        if table.name not in existing:
            table.create(conn)
    columns = {c["name"] for c in sa.inspect(conn).get_columns("turns")}
    if "response_json" not in columns:
        conn.exec_driver_sql('ALTER TABLE "turns" ADD COLUMN "response_json" TEXT')
    views = set(sa.inspect(conn).get_view_names())
    if "message_tree" not in views:
        conn.exec_driver_sql(MESSAGE_TREE_VIEW)
    if "turn_search_fts" not in existing:
        for statement in SQLITE_SEARCH:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("INSERT INTO turn_search_fts (turn_search_fts) VALUES ('rebuild')")
    _record(conn, ledger)


def _record(conn: sa.Connection, ledger: set[str]) -> None:
    now = str(datetime.datetime.now(datetime.UTC))
    for name in ORIGINAL_MIGRATIONS:
        if name not in ledger:
            conn.exec_driver_sql(
                "INSERT INTO _llm_migrations (name, applied_at) VALUES (?, ?)", (name, now)
            )


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_table("message_store_coverage")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql('DROP VIEW IF EXISTS "message_tree"')
        conn.exec_driver_sql('DROP TABLE IF EXISTS "turn_search_fts"')
    for table in reversed(NEW):
        op.drop_table(table.name)
    if conn.dialect.name == "sqlite" and _ledger(conn) is not None:
        for name in ORIGINAL_MIGRATIONS:
            conn.exec_driver_sql("DELETE FROM _llm_migrations WHERE name = ?", (name,))

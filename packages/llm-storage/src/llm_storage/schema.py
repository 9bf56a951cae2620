"""The ``logs.db`` schema as SQLAlchemy tables, matching llm 0.26 table by table.

These describe the *current* schema. Migrations carry their own frozen copy; a test checks
that migrating an empty database yields exactly these tables. They are Core ``Table``
objects rather than ORM classes: the store only ever runs Core statements, and not
importing ``sqlalchemy.orm`` saves every ``llm`` command about a tenth of a second.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

# Tables the store creates that are not modelled here: the SQLite FTS5 index (and its shadow
# tables), the original tool's migration ledger and Alembic's version table.
NON_MODEL_TABLES = ("responses_fts", "turn_search_fts", "_llm_migrations", "alembic_version")

metadata = MetaData()


def _text(name: str, *args: object, **kwargs: object) -> Column[str]:
    return Column(name, Text, *args, **kwargs)  # type: ignore[arg-type]


def _int(name: str, *args: object, **kwargs: object) -> Column[int]:
    return Column(name, Integer, *args, **kwargs)  # type: ignore[arg-type]


Table(
    "conversations",
    metadata,
    _text("id", primary_key=True),
    _text("name"),
    _text("model"),
)

Table("schemas", metadata, _text("id", primary_key=True), _text("content"))

Table(
    "responses",
    metadata,
    _text("id", primary_key=True),
    _text("model"),
    _text("prompt"),
    _text("system"),
    _text("prompt_json"),
    _text("options_json"),
    _text("response"),
    _text("response_json"),
    _text("conversation_id", ForeignKey("conversations.id")),
    _int("duration_ms"),
    _text("datetime_utc"),
    _int("input_tokens"),
    _int("output_tokens"),
    _text("token_details"),
    _text("schema_id", ForeignKey("schemas.id")),
)

Table(
    "attachments",
    metadata,
    _text("id", primary_key=True),
    _text("type"),
    _text("path"),
    _text("url"),
    Column("content", LargeBinary),
)

Table(
    "prompt_attachments",
    metadata,
    _text("response_id", ForeignKey("responses.id"), primary_key=True),
    _text("attachment_id", ForeignKey("attachments.id"), primary_key=True),
    _int("order"),
)

Table(
    "fragments",
    metadata,
    _int("id", primary_key=True),
    _text("hash"),
    _text("content"),
    _text("datetime_utc"),
    _text("source"),
    Index("idx_fragments_hash", "hash", unique=True),
)

Table(
    "fragment_aliases",
    metadata,
    _text("alias", primary_key=True),
    _int("fragment_id", ForeignKey("fragments.id")),
)

# As in llm 0.26's SQLite schema these key columns are not NOT NULL (code written for the
# original inserts links without an "order"); PostgreSQL makes key columns NOT NULL anyway.
for _link in ("prompt_fragments", "system_fragments"):
    Table(
        _link,
        metadata,
        _text("response_id", ForeignKey("responses.id"), primary_key=True, nullable=True),
        _int("fragment_id", ForeignKey("fragments.id"), primary_key=True, nullable=True),
        _int("order", primary_key=True, autoincrement=False, nullable=True),
    )

Table(
    "tools",
    metadata,
    _int("id", primary_key=True),
    _text("hash"),
    _text("name"),
    _text("description"),
    _text("input_schema"),
    _text("plugin"),
    Index("idx_tools_hash", "hash", unique=True),
)

Table(
    "tool_responses",
    metadata,
    _int("tool_id", ForeignKey("tools.id"), primary_key=True, autoincrement=False),
    _text("response_id", ForeignKey("responses.id"), primary_key=True),
)

Table(
    "tool_calls",
    metadata,
    _int("id", primary_key=True),
    _text("response_id", ForeignKey("responses.id")),
    _int("tool_id", ForeignKey("tools.id")),
    _text("name"),
    _text("arguments"),
    _text("tool_call_id"),
)

Table(
    "tool_results",
    metadata,
    _int("id", primary_key=True),
    _text("response_id", ForeignKey("responses.id")),
    _int("tool_id", ForeignKey("tools.id")),
    _text("name"),
    _text("output"),
    _text("tool_call_id"),
    _int("instance_id", ForeignKey("tool_instances.id")),
    _text("exception"),
)

Table(
    "tool_instances",
    metadata,
    _int("id", primary_key=True),
    _text("plugin"),
    _text("name"),
    _text("arguments"),
)

tables = metadata.tables

# Revision 0100_ledger: tables llm 0.26 and 0.36 ignore (see that migration's docstring).
Table(
    "conversation_names",
    metadata,
    _text("conversation_id", primary_key=True),
    _text("name", nullable=False),
    _text("named_utc"),
    Index("idx_conversation_names_name", "name", unique=True),
)
# Revision 0101_response_extras: what 0.27+ responses carry beyond the 0.26 columns.
Table(
    "response_extras",
    metadata,
    _text("response_id", primary_key=True),
    _text("resolved_model"),
    _text("reasoning"),
    _text("attempts"),
)
Table(
    "response_costs",
    metadata,
    _text("response_id", primary_key=True),
    _text("datetime_utc"),
    Column("cost_usd", Float),
    _text("source", nullable=False),
    _text("price_entry"),
    Index("idx_response_costs_datetime_utc", "datetime_utc"),
)

# Revision 0102_message_store: llm 0.32+'s content-addressed message store, in the final form
# of llm 0.36's migrations m023-m027 (same tables, columns and keys), so a logs.db is shared
# with 0.36 in both directions. Written beside the 0.26 tables (see message_store.py).
Table(
    "messages",
    metadata,
    _text("hash", primary_key=True),
    _text("parent_hash", ForeignKey("messages.hash")),
    _text("role"),
    _text("provider_metadata"),
    Index("idx_messages_parent_hash", "parent_hash"),
)
Table(
    "parts",
    metadata,
    _int("id", primary_key=True),
    _text("message_hash", ForeignKey("messages.hash")),
    _int("position"),
    _text("type"),
    _text("tool_name"),
    _text("text"),
    _text("payload"),
    Index("idx_parts_message_hash_position", "message_hash", "position", unique=True),
)
Table(
    "part_attachments",
    metadata,
    _int("part_id", ForeignKey("parts.id"), primary_key=True, autoincrement=False),
    _text("attachment_id", ForeignKey("attachments.id"), primary_key=True),
    _int("order", primary_key=True, autoincrement=False),
)
Table(
    "part_fragments",
    metadata,
    _int("part_id", ForeignKey("parts.id"), primary_key=True, autoincrement=False),
    _int("fragment_id", ForeignKey("fragments.id"), primary_key=True, autoincrement=False),
    _int("order", primary_key=True, autoincrement=False),
    Index("idx_part_fragments_fragment_id", "fragment_id"),
)
Table(
    "threads",
    metadata,
    _text("id", primary_key=True),
    _text("name"),
    _text("tip_message_hash", ForeignKey("messages.hash")),
    _text("forked_from", ForeignKey("threads.id")),
    _text("datetime_utc"),
)
Table(
    "turns",
    metadata,
    _text("id", primary_key=True),
    _text("thread_id", ForeignKey("threads.id")),
    _text("parent_message_hash", ForeignKey("messages.hash")),
    _text("tip_message_hash", ForeignKey("messages.hash")),
    _text("model"),
    _text("resolved_model"),
    _text("options_json"),
    _text("schema_id", ForeignKey("schemas.id")),
    _int("input_tokens"),
    _int("output_tokens"),
    _text("token_details"),
    _int("duration_ms"),
    _text("datetime_utc"),
    _text("response_json"),
    Index("idx_turns_thread_id", "thread_id"),
)
Table(
    "turn_fragments",
    metadata,
    _text("turn_id", ForeignKey("turns.id"), primary_key=True),
    _int("fragment_id", ForeignKey("fragments.id"), primary_key=True, autoincrement=False),
    _int("order", primary_key=True, autoincrement=False),
    _text("kind", primary_key=True),
    Index("idx_turn_fragments_fragment_id", "fragment_id"),
)
Table(
    "turn_search",
    metadata,
    _int("id", primary_key=True),
    _text("turn_id", ForeignKey("turns.id")),
    _text("prompt"),
    _text("response"),
    Index("idx_turn_search_turn_id", "turn_id", unique=True),
)
Table(
    "turn_tools",
    metadata,
    _text("turn_id", ForeignKey("turns.id"), primary_key=True),
    _int("tool_id", ForeignKey("tools.id"), primary_key=True, autoincrement=False),
    _int("instance_id", ForeignKey("tool_instances.id")),
)
Table(
    "tool_instantiations",
    metadata,
    _text("turn_id", ForeignKey("turns.id"), primary_key=True),
    _text("tool_call_id", primary_key=True),
    _int("instance_id", ForeignKey("tool_instances.id")),
)

# Ours, not llm 0.36's: what the last turn we logged found (see message_store.Coverage).
Table(
    "message_store_coverage",
    metadata,
    _int("turns"),
    _int("last_rowid"),
    _int("responses"),
    _int("responses_last_rowid"),
    _int("unlisted"),
)

#: The message-store tables, in the order they are created.
MESSAGE_STORE_TABLES = (
    "messages",
    "parts",
    "part_attachments",
    "part_fragments",
    "threads",
    "turns",
    "turn_fragments",
    "turn_search",
    "turn_tools",
    "tool_instantiations",
    "message_store_coverage",
)

"""SQLAlchemy models of the ``logs.db`` schema, matching llm 0.26 table by table.

These describe the *current* schema. Migrations carry their own frozen copy; a test checks
that migrating an empty database yields exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, MetaData, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Tables the store creates that are not models: the SQLite FTS5 index (and its shadow
# tables), the original tool's migration ledger and Alembic's version table.
NON_MODEL_TABLES = ("responses_fts", "_llm_migrations", "alembic_version")


class Base(DeclarativeBase):
    metadata = MetaData()


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)


class Schema(Base):
    __tablename__ = "schemas"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    content: Mapped[str | None] = mapped_column(Text)


class Response(Base):
    __tablename__ = "responses"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    model: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)
    system: Mapped[str | None] = mapped_column(Text)
    prompt_json: Mapped[str | None] = mapped_column(Text)
    options_json: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    response_json: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(Text, ForeignKey("conversations.id"))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    datetime_utc: Mapped[str | None] = mapped_column(Text)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    token_details: Mapped[str | None] = mapped_column(Text)
    schema_id: Mapped[str | None] = mapped_column(Text, ForeignKey("schemas.id"))


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    type: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)


class PromptAttachment(Base):
    __tablename__ = "prompt_attachments"
    response_id: Mapped[str] = mapped_column(Text, ForeignKey("responses.id"), primary_key=True)
    attachment_id: Mapped[str] = mapped_column(
        Text, ForeignKey("attachments.id"), primary_key=True
    )
    order: Mapped[int | None] = mapped_column(Integer)


class Fragment(Base):
    __tablename__ = "fragments"
    __table_args__ = (Index("idx_fragments_hash", "hash", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    datetime_utc: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class FragmentAlias(Base):
    __tablename__ = "fragment_aliases"
    alias: Mapped[str] = mapped_column(Text, primary_key=True)
    fragment_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("fragments.id"))


class PromptFragment(Base):
    __tablename__ = "prompt_fragments"
    response_id: Mapped[str] = mapped_column(Text, ForeignKey("responses.id"), primary_key=True)
    fragment_id: Mapped[int] = mapped_column(Integer, ForeignKey("fragments.id"), primary_key=True)
    order: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class SystemFragment(Base):
    __tablename__ = "system_fragments"
    response_id: Mapped[str] = mapped_column(Text, ForeignKey("responses.id"), primary_key=True)
    fragment_id: Mapped[int] = mapped_column(Integer, ForeignKey("fragments.id"), primary_key=True)
    order: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class Tool(Base):
    __tablename__ = "tools"
    __table_args__ = (Index("idx_tools_hash", "hash", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    input_schema: Mapped[str | None] = mapped_column(Text)
    plugin: Mapped[str | None] = mapped_column(Text)


class ToolResponse(Base):
    __tablename__ = "tool_responses"
    tool_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tools.id"), primary_key=True, autoincrement=False
    )
    response_id: Mapped[str] = mapped_column(Text, ForeignKey("responses.id"), primary_key=True)


class ToolCall(Base):
    __tablename__ = "tool_calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[str | None] = mapped_column(Text, ForeignKey("responses.id"))
    tool_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tools.id"))
    name: Mapped[str | None] = mapped_column(Text)
    arguments: Mapped[str | None] = mapped_column(Text)
    tool_call_id: Mapped[str | None] = mapped_column(Text)


class ToolResult(Base):
    __tablename__ = "tool_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[str | None] = mapped_column(Text, ForeignKey("responses.id"))
    tool_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tools.id"))
    name: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    tool_call_id: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tool_instances.id"))


class ToolInstance(Base):
    __tablename__ = "tool_instances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    arguments: Mapped[str | None] = mapped_column(Text)


metadata = Base.metadata
tables = metadata.tables

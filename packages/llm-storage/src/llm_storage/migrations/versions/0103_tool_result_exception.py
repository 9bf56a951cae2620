"""A tool's exception beside its result: ``tool_results.exception``, as llm 0.36 has it.

The error a tool raised, as text (``ValueError: bad input``; NULL when it returned), in the
column llm 0.36's migration m021 adds. A nullable column on ``tool_results`` (the 0.26 suite
pins the columns of ``responses`` only, and llm 0.26 names the columns it reads). A database
0.36 already gave the column keeps it; on SQLite m021 is recorded in ``_llm_migrations`` so
that 0.36 opening the file does not add it again.

Revision ID: 0103_tool_result_exception
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0103_tool_result_exception"
down_revision = "0102_message_store"
branch_labels = None
depends_on = None

#: llm 0.36's migration that adds the same column.
ORIGINAL_MIGRATION = "m021_tool_results_exception"


def upgrade() -> None:
    conn = op.get_bind()
    columns = {c["name"] for c in sa.inspect(conn).get_columns("tool_results")}
    if "exception" not in columns:
        conn.exec_driver_sql('ALTER TABLE "tool_results" ADD COLUMN "exception" TEXT')
    if conn.dialect.name == "sqlite" and sa.inspect(conn).has_table("_llm_migrations"):
        recorded = conn.exec_driver_sql(
            "SELECT 1 FROM _llm_migrations WHERE name = ?", (ORIGINAL_MIGRATION,)
        ).first()
        if recorded is None:
            conn.exec_driver_sql(
                "INSERT INTO _llm_migrations (name, applied_at) VALUES (?, ?)",
                (ORIGINAL_MIGRATION, str(datetime.datetime.now(datetime.UTC))),
            )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite" and sa.inspect(conn).has_table("_llm_migrations"):
        conn.exec_driver_sql("DELETE FROM _llm_migrations WHERE name = ?", (ORIGINAL_MIGRATION,))
    with op.batch_alter_table("tool_results") as batch:
        batch.drop_column("exception")

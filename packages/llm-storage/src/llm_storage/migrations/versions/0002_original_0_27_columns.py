"""The additive columns and table llm 0.27-0.32 introduced (its migrations m019-m022).

``responses.resolved_model`` (the model an alias resolved to), ``responses.reasoning`` (the
visible reasoning text), ``tool_results.exception`` and the ``tool_results_attachments``
link table. Each is created only when missing, so a database that llm 0.36 already migrated
is adopted as it is. llm 0.26 ignores them: it names the columns it writes and reads.

On SQLite the matching rows go into the original's ``_llm_migrations`` ledger, so that llm
0.36 does not try to add them again (its ``add_column`` would fail on a column that exists);
existing ledger rows are never changed.

Revision ID: 0002_original_0_27_columns
Revises: 0001_baseline
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_original_0_27_columns"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

#: (table, column) added by this revision, in order.
COLUMNS = (
    ("responses", "resolved_model"),
    ("tool_results", "exception"),
    ("responses", "reasoning"),
)
#: The original's migrations whose effect this revision has.
ORIGINAL_MIGRATIONS = (
    "m019_resolved_model",
    "m020_tool_results_attachments",
    "m021_tool_results_exception",
    "m022_response_reasoning",
)

# Frozen copy of the new table (do not import llm_storage.schema here).
meta = sa.MetaData()
tool_results_attachments = sa.Table(
    "tool_results_attachments",
    meta,
    sa.Column("tool_result_id", sa.Integer, sa.ForeignKey("tool_results.id"), primary_key=True),
    sa.Column("attachment_id", sa.Text, sa.ForeignKey("attachments.id"), primary_key=True),
    sa.Column("order", sa.Integer),
)
# Only for the foreign keys' sake: these tables exist (revision 0001).
sa.Table("tool_results", meta, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("attachments", meta, sa.Column("id", sa.Text, primary_key=True))


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    for table, column in COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column(column, sa.Text))
    if not inspector.has_table("tool_results_attachments"):
        tool_results_attachments.create(conn)
    if conn.dialect.name == "sqlite" and inspector.has_table("_llm_migrations"):
        done = {row[0] for row in conn.exec_driver_sql("SELECT name FROM _llm_migrations")}
        now = str(datetime.datetime.now(datetime.UTC))
        for name in ORIGINAL_MIGRATIONS:
            if name not in done:
                conn.exec_driver_sql(
                    "INSERT INTO _llm_migrations (name, applied_at) VALUES (?, ?)", (name, now)
                )


def downgrade() -> None:
    """Drops what this revision adds (and its ledger rows, so llm 0.36 adds them again)."""
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if inspector.has_table("tool_results_attachments"):
        op.drop_table("tool_results_attachments")
    for table, column in reversed(COLUMNS):
        if column in {c["name"] for c in inspector.get_columns(table)}:
            op.drop_column(table, column)
    if conn.dialect.name == "sqlite" and inspector.has_table("_llm_migrations"):
        for name in ORIGINAL_MIGRATIONS:
            conn.exec_driver_sql("DELETE FROM _llm_migrations WHERE name = ?", (name,))

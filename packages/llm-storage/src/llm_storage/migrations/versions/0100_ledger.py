"""Ledger: names users give their conversations, and what each response cost.

Two new tables that llm 0.26 and 0.36 never look at, so both go on reading the file:

- ``conversation_names``: a name the user chose (``--name``, ``llm conversations rename``),
  unique, so ``--cid NAME`` finds one conversation. The original's ``conversations.name``
  keeps holding the first prompt cut short, which is how a chosen name is told apart.
- ``response_costs``: one row per priced response: the cost in US dollars (NULL when no
  price is known: "unpriced", never 0), where it came from, and the response's time, so
  budgets add up a day or a month without reading ``responses``.

Revision ID: 0100_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_ledger"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

meta = sa.MetaData()
sa.Table(
    "conversation_names",
    meta,
    sa.Column("conversation_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("named_utc", sa.Text),
    sa.Index("idx_conversation_names_name", "name", unique=True),
)
sa.Table(
    "response_costs",
    meta,
    sa.Column("response_id", sa.Text, primary_key=True),
    sa.Column("datetime_utc", sa.Text),
    sa.Column("cost_usd", sa.Float),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("price_entry", sa.Text),
    sa.Index("idx_response_costs_datetime_utc", "datetime_utc"),
)


def upgrade() -> None:
    conn = op.get_bind()
    existing = set(sa.inspect(conn).get_table_names())
    for table in meta.sorted_tables:
        if table.name not in existing:
            table.create(conn)


def downgrade() -> None:
    op.drop_table("response_costs")
    op.drop_table("conversation_names")

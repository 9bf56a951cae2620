"""Response extras: what a response of the 0.27+ API carries beyond the 0.26 columns.

``response_extras`` holds, per response and only when there is something to hold, the model
that answered when it differs from the one asked for (a fallback, or a provider's dated
version), the visible reasoning, and the retries and fallbacks it took (JSON list of lines).
A table of its own, not new ``responses`` columns: llm 0.26 (and its test suite) read
``responses`` by its exact column set, and both originals ignore tables they do not know.

Revision ID: 0101_response_extras
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_response_extras"
down_revision = "0100_ledger"
branch_labels = None
depends_on = None

meta = sa.MetaData()
sa.Table(
    "response_extras",
    meta,
    sa.Column("response_id", sa.Text, primary_key=True),
    sa.Column("resolved_model", sa.Text),
    sa.Column("reasoning", sa.Text),
    sa.Column("attempts", sa.Text),
)


def upgrade() -> None:
    conn = op.get_bind()
    if "response_extras" not in set(sa.inspect(conn).get_table_names()):
        meta.tables["response_extras"].create(conn)


def downgrade() -> None:
    op.drop_table("response_extras")

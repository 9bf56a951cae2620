"""Revision ids of the shipped Alembic migrations, importable without importing Alembic.

Opening a store compares ``alembic_version.version_num`` with ``HEAD_REVISION`` and only
imports Alembic when they differ. A test checks this matches the migration scripts.
"""

HEAD_REVISION = "0103_tool_result_exception"
KNOWN_REVISIONS: tuple[str, ...] = (
    "0001_baseline",
    "0100_ledger",
    "0101_response_extras",
    "0102_message_store",
    "0103_tool_result_exception",
)

"""Revision ids of the shipped Alembic migrations, importable without importing Alembic.

Opening a store compares ``alembic_version.version_num`` with ``HEAD_REVISION`` and only
imports Alembic when they differ. A test checks this matches the migration scripts.
"""

HEAD_REVISION = "0002_original_0_27_columns"
KNOWN_REVISIONS: tuple[str, ...] = ("0001_baseline", "0002_original_0_27_columns")

"""Alembic migration scripts for the log store (run by :mod:`llm_storage.migrate`)."""

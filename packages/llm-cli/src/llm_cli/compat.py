"""Helpers that plugins written for the original import from ``llm.cli``."""

from __future__ import annotations

from pathlib import Path

import llm

from .store import logging_enabled


def logs_db_path() -> Path:
    """The default SQLite log database: ``logs.db`` in the user directory."""
    return llm.user_dir() / "logs.db"


def logs_on() -> bool:
    """Whether prompts are logged (``llm logs on`` / ``off``)."""
    return logging_enabled()

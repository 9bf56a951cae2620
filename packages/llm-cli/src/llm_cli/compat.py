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


# The original's ``llm/cli.py`` imported much of the public API into its namespace, and
# plugins import those names from there (``from llm.cli import get_default_model``): any name
# not defined here is looked up in ``llm`` and then ``llm.utils``, when first asked for.
def __getattr__(name: str) -> object:
    import llm.utils

    for module in (llm, llm.utils):
        try:
            return getattr(module, name)
        except AttributeError:
            continue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

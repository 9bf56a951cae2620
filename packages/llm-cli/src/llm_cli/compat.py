"""Helpers that plugins written for the original import from ``llm.cli``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import llm

from .store import logging_enabled


def logs_db_path() -> Path:
    """The default SQLite log database: ``logs.db`` in the user directory."""
    return llm.user_dir() / "logs.db"


def logs_on() -> bool:
    """Whether prompts are logged (``llm logs on`` / ``off``)."""
    return logging_enabled()


def load_conversation(
    conversation_id: str | None, async_: bool = False, database: str | None = None
) -> Any:
    """The logged conversation ``conversation_id`` (the latest when None) ready to continue,
    with the model it used; None when nothing was logged yet. An unknown id is a
    ``click.ClickException``, as in the original."""
    import click

    import llm_storage
    from llm_storage import rebuild

    from .conversations import load_conversation as rebuild_conversation

    reader = llm_storage.open_for_reading(database)
    if reader is None:
        return None
    try:
        cid = conversation_id or reader.latest_conversation_id()
        records = reader.conversation_responses(cid) if cid else []
    finally:
        reader.close()
    if not records:
        if conversation_id is None:
            return None
        raise click.ClickException(f"No conversation found with id={conversation_id}")
    conversation, _model = rebuild_conversation(records, None, use_async=async_)
    conversation.loaded_tools = rebuild.conversation_tool_specs(records)
    return conversation


# The original's ``llm/cli.py`` imported much of the public API into its namespace, and
# plugins import those names from there (``from llm.cli import get_default_model``,
# llm-cache-plugin's ``migrate``): any name not defined here is looked up in ``llm``, then
# ``llm.utils`` and ``llm.migrations``, when first asked for.
def __getattr__(name: str) -> object:
    import llm.migrations
    import llm.utils

    for module in (llm, llm.utils, llm.migrations):
        try:
            return getattr(module, name)
        except AttributeError:
            continue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

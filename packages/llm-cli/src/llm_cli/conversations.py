"""Continuing a logged conversation (``-c`` / ``--cid``): find it in the log store."""

from __future__ import annotations

from typing import Any

import click

from .models_lookup import load_model


def load_conversation(
    store: Any, conversation_id: str | None, model_id: str | None, *, use_async: bool = False
) -> tuple[Any, Any]:
    """The conversation to continue (the latest when no ID) and the model to continue it with:
    ``-m`` if given, else the conversation's own model."""
    from llm_storage import rebuild

    cid = conversation_id or store.latest_conversation_id()
    if cid is None:
        raise click.ClickException("No conversation found to continue")
    records = store.conversation_responses(cid)
    if not records and conversation_id:  # --cid NAME: a name the user gave it
        from .budget import conversation_named

        named = conversation_named(store, conversation_id)
        records = store.conversation_responses(named) if named else []
    if not records:
        raise click.ClickException(f"No conversation found with id {cid}")
    last = records[-1]
    model = load_model(
        model_id or last.get("conversation_model") or last["model"], use_async=use_async
    )
    return rebuild.conversation(records, model, use_async=use_async), model

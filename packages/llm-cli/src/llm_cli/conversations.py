"""Continuing a logged conversation (``-c`` / ``--cid``): find it in the log store."""

from __future__ import annotations

from typing import Any

import click

from .models_lookup import load_model


def conversation_records(store: Any, conversation_id: str | None) -> list[dict[str, Any]]:
    """The logged responses of the conversation to continue (the latest when no ID), oldest
    first, read once: the conversation and its tools are both rebuilt from them."""
    cid = conversation_id or (store.latest_conversation_id() if store is not None else None)
    if cid is None:
        raise click.ClickException("No conversation found to continue")
    records: list[dict[str, Any]] = store.conversation_responses(cid) if store is not None else []
    if not records and conversation_id and store is not None:  # --cid NAME: a name given
        from .budget import conversation_named

        named = conversation_named(store, conversation_id)
        records = store.conversation_responses(named) if named else []
    if not records:
        raise click.ClickException(f"No conversation found with id={cid}")
    return records


def load_conversation(
    records: list[dict[str, Any]], model_id: str | None, *, use_async: bool = False
) -> tuple[Any, Any]:
    """The conversation ``records`` log and the model to continue it with: ``-m`` if given,
    else the conversation's own model."""
    from llm_storage import rebuild

    last = records[-1]
    model = load_model(
        model_id or last.get("conversation_model") or last["model"], use_async=use_async
    )
    return rebuild.conversation(records, model, use_async=use_async), model

"""Continuing a logged conversation (``-c`` / ``--cid``): rebuild it from the log store."""

from __future__ import annotations

import json
from typing import Any

import click

import llm

from .models_lookup import load_model


def _attachment(record: dict[str, Any]) -> llm.Attachment:
    attachment = llm.Attachment(
        type=record.get("type"),
        url=record.get("url"),
        content=record.get("content"),
    )
    # Keep the logged path as recorded, even if the file has since moved.
    attachment.path = record.get("path")
    attachment._id = record.get("id")
    return attachment


def _tool_call(record: dict[str, Any]) -> llm.ToolCall:
    arguments = record.get("arguments")
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        parsed = {}
    return llm.ToolCall(
        name=record.get("name") or "",
        arguments=parsed or {},
        tool_call_id=record.get("tool_call_id"),
    )


def load_conversation(
    store: Any, conversation_id: str | None, model_id: str | None, *, use_async: bool = False
) -> tuple[Any, Any]:
    """The conversation to continue (the latest when no ID) and the model to continue it with:
    ``-m`` if given, else the conversation's own model."""
    cid = conversation_id or store.latest_conversation_id()
    if cid is None:
        raise click.ClickException("No conversation found to continue")
    records = store.conversation_responses(cid)
    if not records:
        raise click.ClickException(f"No conversation found with id {cid}")
    last = records[-1]
    model = load_model(
        model_id or last.get("conversation_model") or last["model"], use_async=use_async
    )
    conversation = model.conversation()
    conversation.id = cid
    conversation.name = last.get("conversation_name")
    response_class = llm.AsyncResponse if use_async else llm.Response
    for record in records:
        response = response_class.fake(
            model,
            record.get("prompt") or "",
            *[_attachment(a) for a in record.get("attachments", [])],
            system=record.get("system"),
            response=record.get("response") or "",
        )
        response.id = record["id"]
        response.conversation = conversation
        response._tool_calls = [_tool_call(c) for c in record.get("tool_calls", [])]
        response.prompt.tool_results = [
            llm.ToolResult(
                name=r.get("name") or "",
                output=r.get("output") or "",
                tool_call_id=r.get("tool_call_id"),
            )
            for r in record.get("tool_results", [])
        ]
        conversation.responses.append(response)
    return conversation, model

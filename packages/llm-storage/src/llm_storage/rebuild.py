"""Reading a log back: ``llm`` objects rebuilt from stored records (rows -> response).

The inverse of ``write``: the records are those ``LogStore.list_responses()`` /
``conversation_responses()`` return, and everything is built through llm-core's public
constructors (``Response.from_log``, ``Attachment.from_row``, ``ToolCall``, ``ToolResult``).
Used to continue a logged conversation (``llm -c`` / ``--cid``, ``llm chat -c``). Imports no
database library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import llm

Record = Mapping[str, Any]


def attachment(record: Record) -> llm.Attachment:
    """An attachment as logged: its recorded ID, type, path (as recorded), URL and content."""
    return llm.Attachment.from_row(record)


def _fragment(record: Record) -> llm.Fragment:
    return llm.Fragment(record.get("content") or "", record.get("source") or "")


def _json_or_none(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def tool_call(record: Record) -> llm.ToolCall:
    return llm.ToolCall(
        name=record.get("name") or "",
        arguments=_json_or_none(record.get("arguments")) or {},
        tool_call_id=record.get("tool_call_id"),
    )


def tool_result(record: Record) -> llm.ToolResult:
    return llm.ToolResult(
        name=record.get("name") or "",
        output=record.get("output") or "",
        tool_call_id=record.get("tool_call_id"),
    )


def response(
    record: Record, model: Any, *, conversation: Any = None, use_async: bool = False
) -> llm.Response | llm.AsyncResponse:
    """A finished ``Response`` (``AsyncResponse`` with ``use_async``) for one logged record,
    for ``model``: its prompt and system prompt with their fragments (so a continued
    conversation shows the model what it saw, as the original does), attachments and tool
    results; its text, tool calls, JSON and usage."""
    prompt = llm.Prompt(
        record.get("prompt") or "",
        model,
        fragments=[_fragment(f) for f in record.get("prompt_fragments", [])],
        system=record.get("system"),
        system_fragments=[_fragment(f) for f in record.get("system_fragments", [])],
        attachments=[attachment(a) for a in record.get("attachments", [])],
        tool_results=[tool_result(r) for r in record.get("tool_results", [])],
    )
    details = _json_or_none(record.get("token_details"))
    response_class = llm.AsyncResponse if use_async else llm.Response
    rebuilt: llm.Response | llm.AsyncResponse = response_class.from_log(
        model,
        prompt,
        record.get("response") or "",
        id=record["id"],
        conversation=conversation,
        tool_calls=[tool_call(c) for c in record.get("tool_calls", [])],
        response_json=_json_or_none(record.get("response_json")),
        usage=llm.Usage(record.get("input_tokens"), record.get("output_tokens"), details),
        datetime_utc=record.get("datetime_utc"),
        duration_ms=record.get("duration_ms"),
    )
    return rebuilt


def conversation(
    records: Sequence[Record], model: Any, *, use_async: bool = False
) -> llm.Conversation | llm.AsyncConversation:
    """The conversation the records (oldest first, all of one conversation) belong to, with
    one finished response per record, ready for ``conversation.prompt()`` to continue it."""
    if not records:
        raise ValueError("A conversation needs at least one logged response")
    last = records[-1]
    rebuilt: llm.Conversation | llm.AsyncConversation = model.conversation()
    rebuilt.id = last.get("conversation_id") or rebuilt.id
    rebuilt.name = last.get("conversation_name")
    for record in records:
        rebuilt.responses.append(response(record, model, conversation=rebuilt, use_async=use_async))
    return rebuilt

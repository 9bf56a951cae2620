"""A request's history from ``Prompt.messages`` (llm 0.32+: ``llm.user()``, ``reply()``,
``messages=``), for Chat Completions and for the Responses API.

Parts the provider ran itself (``server_executed``) are not sent back as function calls:
only their text is. A reasoning part that carries OpenAI's encrypted item goes back to
``/responses`` verbatim.
"""

from __future__ import annotations

import json
from typing import Any

from ..messages import attachment_part


def _kind(part: Any) -> str:
    return type(part).__name__


def _text(message: Any) -> str:
    return "".join(p.text for p in message.parts if _kind(p) == "TextPart")


def _attachments(message: Any) -> list[Any]:
    return [p.attachment for p in message.parts if _kind(p) == "AttachmentPart"]


def chat_messages(messages: Any) -> list[dict[str, Any]]:
    """The ``messages`` of a ``/chat/completions`` request; an unchanged system prompt is
    sent once."""
    result: list[dict[str, Any]] = []
    current_system: str | None = None
    for message in messages:
        role = message.role
        if role == "system":
            text = _text(message)
            if text and text != current_system:
                result.append({"role": "system", "content": text})
                current_system = text
        elif role == "user":
            text, attachments = _text(message), _attachments(message)
            if attachments:
                content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
                content.extend(attachment_part(a) for a in attachments)
                result.append({"role": "user", "content": content})
            else:
                result.append({"role": "user", "content": text})
        elif role == "assistant":
            calls = [
                {
                    "type": "function",
                    "id": p.tool_call_id,
                    "function": {"name": p.name, "arguments": json.dumps(p.arguments)},
                }
                for p in message.parts
                if _kind(p) == "ToolCallPart" and not p.server_executed
            ]
            text = _text(message)
            entry: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                entry["tool_calls"] = calls
            if text or calls:
                result.append(entry)
        elif role == "tool":
            result.extend(
                {"role": "tool", "tool_call_id": p.tool_call_id, "content": p.output}
                for p in message.parts
                if _kind(p) == "ToolResultPart"
            )
    return result


def responses_input(
    messages: Any, user_item: Any, detail: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The ``input`` items and ``instructions`` of a ``/responses`` request."""
    items: list[dict[str, Any]] = []
    instructions: str | None = None
    for message in messages:
        role = message.role
        if role == "system":
            instructions = _text(message) or instructions
        elif role == "user":
            item = user_item(_text(message) or None, _attachments(message), detail)
            if item:
                items.append(item)
        elif role == "assistant":
            text = ""
            for part in message.parts:
                kind = _kind(part)
                if kind == "TextPart":
                    text += part.text
                    continue
                if text:
                    items.append({"role": "assistant", "content": text})
                    text = ""
                if kind == "ReasoningPart":
                    kept = (part.provider_metadata or {}).get("openai") or {}
                    if kept.get("encrypted_content") and kept.get("id"):
                        items.append(
                            {
                                "type": "reasoning",
                                "id": kept["id"],
                                "encrypted_content": kept["encrypted_content"],
                                "summary": [],
                            }
                        )
                elif kind == "ToolCallPart" and not part.server_executed:
                    items.append(
                        {
                            "type": "function_call",
                            "call_id": part.tool_call_id,
                            "name": part.name,
                            "arguments": json.dumps(part.arguments),
                        }
                    )
            if text:
                items.append({"role": "assistant", "content": text})
        elif role == "tool":
            items.extend(
                {"type": "function_call_output", "call_id": p.tool_call_id, "output": p.output}
                for p in message.parts
                if _kind(p) == "ToolResultPart" and not p.server_executed
            )
    return items, instructions

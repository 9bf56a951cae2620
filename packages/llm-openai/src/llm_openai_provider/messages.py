"""Building the ``messages`` list of a chat request from a prompt and its conversation.

Sync and async models share this: previous responses are read with ``text_or_raise()`` and
``tool_calls_or_raise()``, which work for both once a response has finished.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import llm


def attachment_part(attachment: llm.Attachment) -> dict[str, Any]:
    """One content part for an attachment: images by URL (or data URL), PDFs as files,
    audio always as base64."""
    content_type = attachment.resolve_type()
    if content_type.startswith("audio/"):
        return {
            "type": "input_audio",
            "input_audio": {
                "data": attachment.base64_content(),
                "format": "wav" if content_type == "audio/wav" else "mp3",
            },
        }
    if content_type == "application/pdf":
        # Named by content hash, as the original did: no local file names leave the machine.
        return {
            "type": "file",
            "file": {
                "filename": f"{attachment.id()}.pdf",
                "file_data": f"data:{content_type};base64,{attachment.base64_content()}",
            },
        }
    url = attachment.url or f"data:{content_type};base64,{attachment.base64_content()}"
    return {"type": "image_url", "image_url": {"url": url}}


def user_message(text: str | None, attachments: list[llm.Attachment]) -> dict[str, Any] | None:
    """The user turn: plain text, or a list of parts when there are attachments."""
    if not attachments:
        return {"role": "user", "content": text} if text else None
    parts: list[dict[str, Any]] = []
    if text:
        parts.append({"type": "text", "text": text})
    parts.extend(attachment_part(attachment) for attachment in attachments)
    return {"role": "user", "content": parts}


def tool_call_message(tool_calls: list[llm.ToolCall]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "tool_calls": [
            {
                "type": "function",
                "id": call.tool_call_id,
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in tool_calls
        ],
    }


def tool_result_messages(results: list[llm.ToolResult]) -> list[dict[str, Any]]:
    """One ``tool`` message per result; attachments a tool returned follow as a user turn,
    as tool messages can only carry text."""
    messages: list[dict[str, Any]] = [
        {"role": "tool", "tool_call_id": result.tool_call_id, "content": result.output}
        for result in results
    ]
    attachments = [a for result in results for a in result.attachments]
    if attachments:
        follow_up = user_message(None, attachments)
        if follow_up:
            messages.append(follow_up)
    return messages


def _turn(prompt: llm.Prompt, attachments: list[llm.Attachment]) -> list[dict[str, Any]]:
    """Tool results for the previous turn come first (they answer its tool calls), then
    what the user said."""
    messages = tool_result_messages(prompt.tool_results)
    user = user_message(prompt.prompt or None, attachments)
    if user:
        messages.append(user)
    return messages


def build_messages(prompt: llm.Prompt, conversation: Any = None) -> list[dict[str, Any]]:
    """The full message list: earlier turns of the conversation, then this prompt; without
    a conversation, a history given as messages (``reply()``, ``messages=``) is sent."""
    if not getattr(conversation, "responses", None) and _has_history(prompt):
        from .models.from_messages import chat_messages

        return chat_messages(prompt.messages)
    messages: list[dict[str, Any]] = []
    current_system: str | None = None
    for previous in getattr(conversation, "responses", None) or []:
        system = previous.prompt.system
        if system and system != current_system:
            messages.append({"role": "system", "content": system})
            current_system = system
        messages.extend(_turn(previous.prompt, list(previous.attachments)))
        text = previous.text_or_raise()
        if text:
            messages.append({"role": "assistant", "content": text})
        tool_calls = previous.tool_calls_or_raise()
        if tool_calls:
            messages.append(tool_call_message(tool_calls))
    if prompt.system and prompt.system != current_system:
        messages.append({"role": "system", "content": prompt.system})
    messages.extend(_turn(prompt, list(prompt.attachments)))
    return messages


def _has_history(prompt: llm.Prompt) -> bool:
    """Whether the prompt was given its messages rather than made from its text."""
    return getattr(prompt, "_explicit_messages", None) is not None


def tools_param(tools: list[llm.Tool]) -> list[dict[str, Any]]:
    result = []
    for tool in tools:
        function: dict[str, Any] = {"name": tool.name}
        if tool.description:
            function["description"] = tool.description
        function["parameters"] = tool.input_schema
        result.append({"type": "function", "function": function})
    return result


_DATA_PREFIX = "data:"
#: What the logs keep of a data URL, as the original stored it.
_REDACTED_URL = "data:..."


def redact_data(value: Any) -> Any:
    """A copy of a request for the logs, with inline file content left out: data URLs
    become ``data:...`` and audio data ``...``."""
    value = copy.deepcopy(value)

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            for key, child in item.items():
                if key in ("url", "file_data") and isinstance(child, str):
                    if child.startswith(_DATA_PREFIX):
                        item[key] = _REDACTED_URL
                elif key == "input_audio" and isinstance(child, dict) and "data" in child:
                    child["data"] = "..."
                else:
                    walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)
        return item

    return walk(value)

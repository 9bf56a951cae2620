"""Messages, their parts, and the stream events a model emits.

A ``Message`` is one turn: a role and a list of parts (text, reasoning, tool calls, tool
results, attachments). They are plain values: two messages with the same content are equal,
and identity (ids, storage keys) belongs to storage. ``StreamEvent`` is one streamed chunk,
typed, so text, reasoning and tool-call fragments can be told apart as they arrive;
``llm.stream_assembly`` turns a response's events back into messages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, cast

from .attachments import Attachment
from .serialization import (
    AttachmentDict,
    AttachmentPartDict,
    MessageDict,
    PartDict,
    ReasoningPartDict,
    TextPartDict,
    ToolCallPartDict,
    ToolResultPartDict,
)

__all__ = [
    "AttachmentPart",
    "Message",
    "Part",
    "ReasoningPart",
    "StreamEvent",
    "TextPart",
    "ToolCallPart",
    "ToolResultPart",
    "assistant",
    "normalize_parts",
    "system",
    "tool_message",
    "user",
]


def attachment_to_dict(attachment: Attachment) -> AttachmentDict:
    """The keys an attachment has a value for; bytes as base64."""
    result: dict[str, Any] = {}
    if attachment.type:
        result["type"] = attachment.type
    if attachment.url:
        result["url"] = attachment.url
    if attachment.path:
        result["path"] = attachment.path
    if attachment.content:
        result["content"] = base64.b64encode(attachment.content).decode("ascii")
    return cast(AttachmentDict, result)


def attachment_from_dict(data: AttachmentDict) -> Attachment:
    content = data.get("content")
    return Attachment(
        type=data.get("type"),
        path=data.get("path"),
        url=data.get("url"),
        content=base64.b64decode(content) if isinstance(content, str) else None,
    )


def _with_metadata(result: dict[str, Any], metadata: dict[str, Any] | None) -> dict[str, Any]:
    if metadata:
        result["provider_metadata"] = metadata
    return result


@dataclass
class Part:
    """A piece of a message. The role is the message's, not the part's."""

    def to_dict(self) -> PartDict:
        raise NotImplementedError

    @staticmethod
    def from_dict(d: PartDict) -> Part:
        kind = d["type"]
        builder = _PART_FROM_DICT.get(kind)
        if builder is None:
            raise ValueError(f"Unknown part type: {kind!r}")
        return builder(cast(dict[str, Any], d))


@dataclass
class TextPart(Part):
    text: str = ""
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> TextPartDict:
        result = {"type": "text", "text": self.text}
        return cast(TextPartDict, _with_metadata(result, self.provider_metadata))


@dataclass
class ReasoningPart(Part):
    """The model's reasoning. ``redacted=True`` with empty text records that it reasoned
    but the provider withheld the text (the token count is in the response's usage)."""

    text: str = ""
    redacted: bool = False
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> ReasoningPartDict:
        result: dict[str, Any] = {"type": "reasoning", "text": self.text}
        if self.redacted:
            result["redacted"] = True
        return cast(ReasoningPartDict, _with_metadata(result, self.provider_metadata))


@dataclass
class ToolCallPart(Part):
    """The model asking for a tool call. ``server_executed``: the provider ran it itself."""

    name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: str | None = None
    server_executed: bool = False
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> ToolCallPartDict:
        result: dict[str, Any] = {
            "type": "tool_call",
            "name": self.name,
            "arguments": self.arguments,
        }
        if self.tool_call_id is not None:
            result["tool_call_id"] = self.tool_call_id
        if self.server_executed:
            result["server_executed"] = True
        return cast(ToolCallPartDict, _with_metadata(result, self.provider_metadata))


@dataclass
class ToolResultPart(Part):
    """What a tool returned; ``exception`` is the error it raised, as text."""

    name: str = ""
    output: str = ""
    tool_call_id: str | None = None
    server_executed: bool = False
    attachments: list[Any] = field(default_factory=list)
    exception: str | None = None
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> ToolResultPartDict:
        result: dict[str, Any] = {
            "type": "tool_result",
            "name": self.name,
            "output": self.output,
        }
        if self.tool_call_id is not None:
            result["tool_call_id"] = self.tool_call_id
        if self.server_executed:
            result["server_executed"] = True
        if self.exception is not None:
            result["exception"] = self.exception
        if self.attachments:
            result["attachments"] = [attachment_to_dict(a) for a in self.attachments]
        return cast(ToolResultPartDict, _with_metadata(result, self.provider_metadata))


@dataclass
class AttachmentPart(Part):
    """An image, audio clip or file sent inline."""

    attachment: Attachment | None = None
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> AttachmentPartDict:
        result: dict[str, Any] = {"type": "attachment"}
        if self.attachment:
            result["attachment"] = attachment_to_dict(self.attachment)
        return cast(AttachmentPartDict, _with_metadata(result, self.provider_metadata))


_PART_FROM_DICT: dict[str, Any] = {
    "text": lambda d: TextPart(text=d["text"], provider_metadata=d.get("provider_metadata")),
    "reasoning": lambda d: ReasoningPart(
        text=d["text"],
        redacted=d.get("redacted", False),
        provider_metadata=d.get("provider_metadata"),
    ),
    "tool_call": lambda d: ToolCallPart(
        name=d["name"],
        arguments=d["arguments"],
        tool_call_id=d.get("tool_call_id"),
        server_executed=d.get("server_executed", False),
        provider_metadata=d.get("provider_metadata"),
    ),
    "tool_result": lambda d: ToolResultPart(
        name=d["name"],
        output=d["output"],
        tool_call_id=d.get("tool_call_id"),
        server_executed=d.get("server_executed", False),
        exception=d.get("exception"),
        attachments=[attachment_from_dict(a) for a in d.get("attachments", [])],
        provider_metadata=d.get("provider_metadata"),
    ),
    "attachment": lambda d: AttachmentPart(
        attachment=attachment_from_dict(d["attachment"]) if d.get("attachment") else None,
        provider_metadata=d.get("provider_metadata"),
    ),
}


@dataclass
class Message:
    """One turn of a conversation: a role and its parts. ``provider_metadata`` is opaque
    data a provider attaches to the message as a whole."""

    role: str
    parts: list[Part] = field(default_factory=list)
    provider_metadata: dict[str, Any] | None = None

    def to_dict(self) -> MessageDict:
        result = {"role": self.role, "parts": [part.to_dict() for part in self.parts]}
        return cast(MessageDict, _with_metadata(result, self.provider_metadata))

    @staticmethod
    def from_dict(d: MessageDict) -> Message:
        return Message(
            role=d["role"],
            parts=[Part.from_dict(part) for part in d.get("parts", [])],
            provider_metadata=d.get("provider_metadata"),
        )


def normalize_parts(items: Any) -> list[Part]:
    """Parts from what the message helpers accept: a str becomes a TextPart, an Attachment
    an AttachmentPart, a Part stays as it is, and a list or tuple of those is flattened."""
    parts: list[Part] = []
    for item in items:
        if isinstance(item, Part):
            parts.append(item)
        elif isinstance(item, str):
            parts.append(TextPart(text=item))
        elif isinstance(item, Attachment):
            parts.append(AttachmentPart(attachment=item))
        elif isinstance(item, list | tuple):
            parts.extend(normalize_parts(item))
        else:
            raise TypeError(f"Cannot convert {item!r} to an llm Part")
    return parts


def _message(role: str, items: tuple[Any, ...], metadata: dict[str, Any] | None) -> Message:
    return Message(role=role, parts=normalize_parts(items), provider_metadata=metadata)


def system(*items: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """A system message: ``llm.system("Be brief")``."""
    return _message("system", items, provider_metadata)


def user(*items: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """A user message: ``llm.user("Describe this", llm.Attachment(path="cat.jpg"))``."""
    return _message("user", items, provider_metadata)


def assistant(*items: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """An assistant message, e.g. a previous answer in a history you pass as ``messages=``."""
    return _message("assistant", items, provider_metadata)


def tool_message(*items: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """A tool message, usually wrapping ``ToolResultPart``s."""
    return _message("tool", items, provider_metadata)


@dataclass
class StreamEvent:
    """One chunk of a streamed response, typed.

    ``type`` is "text", "reasoning", "tool_call_name", "tool_call_args" or "tool_result".
    Leave ``part_index`` at None and the response groups events into parts itself:
    consecutive text (or reasoning) events join one part, tool-call events join by
    ``tool_call_id``, and each tool result is its own part; an explicit index overrides that.
    ``redacted=True`` on an empty reasoning event records withheld reasoning (moved to the
    front of its message). ``provider_metadata`` (signatures and the like that must be sent
    back next turn) is merged onto the assembled part, the last value of each key winning.
    Events with a different ``message_index`` assemble into separate assistant messages.
    """

    type: str
    chunk: str
    part_index: int | None = None
    tool_call_id: str | None = None
    server_executed: bool = False
    tool_name: str | None = None
    redacted: bool = False
    provider_metadata: dict[str, Any] | None = None
    message_index: int = 0

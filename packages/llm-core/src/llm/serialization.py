"""The JSON-safe wire form of parts, messages and responses, as TypedDicts.

``Part.to_dict()``, ``Message.to_dict()`` and ``Response.to_dict()`` return these shapes and
the matching ``from_dict`` methods accept them. They cost nothing at run time; pair them with
``pydantic.TypeAdapter`` to validate input or to export a JSON Schema. A ``NotRequired`` key
may be missing from a payload; every other key is always present.
"""

from typing import Any, Literal, NotRequired

# pydantic validates TypedDicts only from typing_extensions on Python < 3.12.
from typing_extensions import TypedDict

__all__ = [
    "AttachmentDict",
    "AttachmentPartDict",
    "MessageDict",
    "PartDict",
    "PromptDict",
    "ReasoningPartDict",
    "ResponseDict",
    "TextPartDict",
    "ToolCallPartDict",
    "ToolResultPartDict",
    "UsageDict",
]


class AttachmentDict(TypedDict, total=False):
    """An attachment: any of its type, URL, path and content (base64 of the bytes)."""

    type: str
    url: str
    path: str
    content: str


class TextPartDict(TypedDict):
    type: Literal["text"]
    text: str
    provider_metadata: NotRequired[dict[str, Any]]


class ReasoningPartDict(TypedDict):
    type: Literal["reasoning"]
    text: str
    #: True (with empty text) when the provider says it reasoned but withholds the text.
    redacted: NotRequired[bool]
    provider_metadata: NotRequired[dict[str, Any]]


class ToolCallPartDict(TypedDict):
    type: Literal["tool_call"]
    name: str
    arguments: dict[str, Any]
    tool_call_id: NotRequired[str]
    #: True for calls the provider ran itself (web search, code execution).
    server_executed: NotRequired[bool]
    provider_metadata: NotRequired[dict[str, Any]]


class ToolResultPartDict(TypedDict):
    type: Literal["tool_result"]
    name: str
    output: str
    tool_call_id: NotRequired[str]
    server_executed: NotRequired[bool]
    exception: NotRequired[str]
    attachments: NotRequired[list[AttachmentDict]]
    provider_metadata: NotRequired[dict[str, Any]]


class AttachmentPartDict(TypedDict):
    type: Literal["attachment"]
    attachment: NotRequired[AttachmentDict]
    provider_metadata: NotRequired[dict[str, Any]]


#: Any part, told apart by its ``type`` key.
PartDict = (
    TextPartDict | ReasoningPartDict | ToolCallPartDict | ToolResultPartDict | AttachmentPartDict
)


class MessageDict(TypedDict):
    """A message: its role ("user", "assistant", "system", "tool") and its parts."""

    role: str
    parts: list[PartDict]
    provider_metadata: NotRequired[dict[str, Any]]


class PromptDict(TypedDict):
    """What was sent for one turn: the whole message chain, and the options set."""

    messages: list[MessageDict]
    options: NotRequired[dict[str, Any]]
    system: NotRequired[str]


class UsageDict(TypedDict, total=False):
    input: int
    output: int
    details: dict[str, Any]


class ResponseDict(TypedDict):
    """A response: enough for ``Response.from_dict()`` and then ``reply()``."""

    model: str
    prompt: PromptDict
    messages: list[MessageDict]
    id: NotRequired[str]
    usage: NotRequired[UsageDict]
    datetime_utc: NotRequired[str]

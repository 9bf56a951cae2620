"""Stand-ins satisfying exactly the Response contract llm-storage reads (see README)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last = [0]


def fake_ulid() -> str:
    """Lowercase, time-sortable, unique across processes (good enough for tests)."""
    with _lock:
        value = max(time.time_ns() // 1000, _last[0] + 1)
        _last[0] = value
    number = (value << 40) | int.from_bytes(os.urandom(5), "big")
    chars = []
    for _ in range(26):
        number, index = divmod(number, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


class FakeFragment(str):
    source: str

    def __new__(cls, content: str, source: str = "") -> FakeFragment:
        obj = super().__new__(cls, content)
        obj.source = source
        return obj


@dataclass
class FakeModel:
    model_id: str


@dataclass
class FakeAttachment:
    type: str | None = None
    path: str | None = None
    url: str | None = None
    content: bytes | None = None

    def id(self) -> str:
        payload = self.content or (self.url or self.path or "").encode()
        return hashlib.sha256(payload).hexdigest()

    def resolve_type(self) -> str:
        return self.type or "application/octet-stream"


@dataclass
class FakeTool:
    name: str
    description: str | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    plugin: str | None = None

    def hash(self) -> str:
        blob = json.dumps(
            [self.name, self.description, self.input_schema, self.plugin], sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class FakeToolCall:
    name: str
    arguments: dict[str, Any]
    tool_call_id: str | None = None


class FakeToolbox:
    plugin = "llm-fake-tools"

    def __init__(self, **config: Any) -> None:
        self._config = config


@dataclass
class FakeToolResult:
    name: str
    output: str
    tool_call_id: str | None = None
    instance: Any = None


@dataclass
class FakePrompt:
    prompt_text: str | None = "hello"
    system_text: str | None = None
    fragments: list[str] = field(default_factory=list)
    system_fragments: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] | None = None
    attachments: list[FakeAttachment] = field(default_factory=list)
    tools: list[FakeTool] = field(default_factory=list)
    tool_results: list[FakeToolResult] = field(default_factory=list)

    def options_json(self) -> dict[str, Any]:
        return dict(self.options)


@dataclass
class FakeConversation:
    id: str
    model: FakeModel
    name: str | None = None
    responses: list[Any] = field(default_factory=list)


@dataclass
class FakeResponse:
    prompt: FakePrompt
    model: FakeModel
    text: str = "world"
    id: str = field(default_factory=fake_ulid)
    conversation: FakeConversation | None = None
    prompt_json: dict[str, Any] | None = None
    response_json: dict[str, Any] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    token_details: dict[str, Any] | None = None
    tool_calls: list[FakeToolCall] = field(default_factory=list)
    _conversation_id: str = field(default_factory=fake_ulid)
    logged_at: str = "2025-01-02T03:04:05.000006+00:00"

    def conversation_id_for_log(self) -> str:
        return self.conversation.id if self.conversation else self._conversation_id

    def text_or_raise(self) -> str:
        return self.text

    def tool_calls_or_raise(self) -> list[FakeToolCall]:
        return self.tool_calls

    def duration_ms(self) -> int | None:
        return 123

    def datetime_utc(self) -> str | None:
        return self.logged_at


def make_response(
    prompt: str | None = "hello",
    text: str = "world",
    model: str = "fake-model",
    **kwargs: Any,
) -> FakeResponse:
    prompt_kwargs = {
        key: kwargs.pop(key) for key in list(kwargs) if key in FakePrompt.__dataclass_fields__
    }
    return FakeResponse(
        prompt=FakePrompt(prompt_text=prompt, **prompt_kwargs),
        model=FakeModel(model),
        text=text,
        **kwargs,
    )

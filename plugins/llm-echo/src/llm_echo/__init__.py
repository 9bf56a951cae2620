"""llm-echo: an offline model that answers with a JSON account of what it was sent.

It stands in for the ``llm-echo`` plugin on PyPI: same model IDs, same output, so tests written
against either pass with the other. A prompt that is itself a JSON object can ask for tool calls
(``"tool_calls": [{"name": ..., "arguments": {...}}]``) or for ``"raw"`` text back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Collection, Iterator
from typing import Any, ClassVar

from pydantic import Field

import llm


@llm.hookimpl
def register_models(register: Any) -> None:
    register(Echo(), AsyncEcho())
    register(EchoNeedsKey(), AsyncEchoNeedsKey())


class EchoOptions(llm.Options):
    example_bool: bool | None = Field(description="Example boolean option", default=None)
    thinking: bool | None = Field(
        description="If set, emit canned reasoning chunks before the response", default=None
    )


#: The reasoning ``-o thinking 1`` streams before the answer (as llm-echo 0.5 does).
THINKING_CHUNKS = ("First I consider the prompt, ", "then I decide what to say.")


def _stream(prompt: llm.Prompt, output: str) -> Iterator[Any]:
    """The answer line by line; with the ``thinking`` option, reasoning events first."""
    if prompt.options.thinking:  # type: ignore[attr-defined]
        from llm.parts import StreamEvent

        for chunk in THINKING_CHUNKS:
            yield StreamEvent(type="reasoning", chunk=chunk, part_index=0)
        for chunk in _chunks(output):
            yield StreamEvent(type="text", chunk=chunk, part_index=1)
        return
    yield from _chunks(output)


def _read_instructions(prompt_text: str, response: Any) -> tuple[str, str | None]:
    """Apply a JSON prompt's instructions; return (prompt text to report, raw text or None)."""
    stripped = prompt_text.strip()
    if not stripped.startswith("{"):
        return prompt_text, None
    try:
        instructions = json.loads(stripped)
    except json.JSONDecodeError:
        return prompt_text, None
    if not isinstance(instructions, dict):
        return prompt_text, None
    for call in instructions.get("tool_calls") or []:
        response.add_tool_call(
            llm.ToolCall(name=call["name"], arguments=call.get("arguments") or {})
        )
    raw = instructions.get("raw")
    return instructions.get("prompt", ""), (str(raw) if raw is not None else None)


def describe(
    prompt: llm.Prompt, stream: bool, response: Any, conversation: Any
) -> dict[str, Any] | str:
    """What the echo model answers with: an account of its input, or the requested raw text."""
    prompt_text, raw = _read_instructions(prompt.prompt or "", response)
    if raw is not None:
        return raw
    account: dict[str, Any] = {
        "prompt": prompt_text,
        "system": prompt.system,
        "attachments": [
            {"type": a.type, "path": a.path, "url": a.url, "id": a.id()} for a in prompt.attachments
        ],
        "stream": stream,
        "previous": [{"prompt": r.prompt.prompt} for r in conversation.responses]
        if conversation
        else [],
    }
    example_bool = prompt.options.example_bool  # type: ignore[attr-defined]
    if example_bool is not None:  # the one option reported, as the PyPI plugin does
        account["options"] = {"example_bool": example_bool}
    if prompt.tool_results:
        account["tool_results"] = [
            {"name": r.name, "output": r.output, "tool_call_id": r.tool_call_id}
            for r in prompt.tool_results
        ]
    return account


def render(answer: dict[str, Any] | str) -> str:
    return json.dumps(answer, indent=2) if isinstance(answer, dict) else answer


def _chunks(text: str) -> Iterator[str]:
    """Line by line, so callers see the answer arrive in several pieces."""
    yield from text.splitlines(keepends=True) or [text]


def _words(text: str) -> int:
    """How many words ``text`` has (as ``len(text.split())``, without building the list: a
    50 MB prompt would make that list ten times its size)."""
    import re

    return sum(1 for _ in re.finditer(r"\S+", text))


def _set_usage(prompt: llm.Prompt, response: Any, output: str) -> None:
    response.set_usage(input=_words(prompt.prompt or ""), output=_words(output))


class _EchoBase:
    model_id = "echo"
    can_stream = True
    supports_tools = True
    supports_schema = True
    attachment_types: Collection[str] = frozenset(
        {"image/png", "image/jpeg", "image/gif", "image/webp"}
    )
    Options: ClassVar[type[llm.Options]] = EchoOptions


class Echo(_EchoBase, llm.Model):
    def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any = None
    ) -> Iterator[str]:
        output = render(describe(prompt, stream, response, conversation))
        _set_usage(prompt, response, output)
        yield from _stream(prompt, output)


class AsyncEcho(_EchoBase, llm.AsyncModel):
    async def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any = None
    ) -> AsyncGenerator[str, None]:
        output = render(describe(prompt, stream, response, conversation))
        _set_usage(prompt, response, output)
        for chunk in _stream(prompt, output):
            yield chunk


class _NeedsKeyBase(_EchoBase):
    model_id = "echo-needs-key"
    needs_key: str | None = "echo-needs-key"
    key_env_var: str | None = "LLM_ECHO_NEEDS_KEY_KEY"


def _with_key(answer: dict[str, Any] | str, key: str | None) -> str:
    """Report the key the model was called with, inside the JSON account."""
    if isinstance(answer, dict):
        answer["key"] = key
    return render(answer)


class EchoNeedsKey(_NeedsKeyBase, llm.KeyModel):
    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> Iterator[str]:
        output = _with_key(describe(prompt, stream, response, conversation), key)
        _set_usage(prompt, response, output)
        yield from _stream(prompt, output)


class AsyncEchoNeedsKey(_NeedsKeyBase, llm.AsyncKeyModel):
    async def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> AsyncGenerator[str, None]:
        output = _with_key(describe(prompt, stream, response, conversation), key)
        _set_usage(prompt, response, output)
        for chunk in _stream(prompt, output):
            yield chunk


# The PyPI plugin's names for the async models; its test suites register ``llm_echo.EchoAsync()``.
EchoAsync = AsyncEcho
EchoNeedsKeyAsync = AsyncEchoNeedsKey

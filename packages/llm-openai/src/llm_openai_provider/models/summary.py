"""What a chat or completion response records: text, tool calls, usage and ``response_json``.

One owner for both shapes the API answers with. A non-streamed result is stored as the SDK
returned it; a stream is summed up by :class:`StreamSummary` into the dict the original
stored (its ``combine_chunks``): the joined text, the last ``role`` and ``finish_reason`` of a
chat delta, ``usage``, per-token log probabilities of completion chunks, and ``id``,
``object``, ``model``, ``created`` (and ``index``) of the first chunk.
"""

from __future__ import annotations

import json
from typing import Any

import llm
from llm.utils import remove_dict_none_values, simplify_usage_dict

_FIRST_CHUNK_KEYS = ("id", "object", "model", "created", "index")


def record_usage(response: Any, usage: dict[str, Any] | None) -> None:
    """``response.set_usage`` from an OpenAI ``usage`` object (as a dict)."""
    if not usage:
        return
    details = dict(usage)
    input_tokens = details.pop("prompt_tokens", None)
    output_tokens = details.pop("completion_tokens", None)
    details.pop("total_tokens", None)
    response.set_usage(
        input=input_tokens, output=output_tokens, details=simplify_usage_dict(details) or None
    )


def parse_arguments(raw: str) -> dict[str, Any]:
    """Tool call arguments: JSON from the model, kept as text if it is not valid JSON."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"_raw_arguments": raw}
    return value if isinstance(value, dict) else {"value": value}


#: Where OpenAI-compatible servers put visible reasoning: ``reasoning_content`` (llama.cpp,
#: vLLM, DeepSeek) or ``reasoning`` (OpenRouter, newer vLLM).
REASONING_KEYS = ("reasoning_content", "reasoning")


def reasoning_of(message: dict[str, Any]) -> str | None:
    for key in REASONING_KEYS:
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def reasoning_event(text: str) -> Any:
    from llm.parts import StreamEvent

    return StreamEvent(type="reasoning", chunk=text)


def withheld_reasoning(usage: dict[str, Any] | None) -> Any:
    """A redacted reasoning event when the usage counts reasoning tokens whose text the
    server withheld (OpenAI's reasoning models on Chat Completions), else None."""
    from llm.parts import StreamEvent

    details = (usage or {}).get("completion_tokens_details") or {}
    if (details.get("reasoning_tokens") or 0) > 0:
        return StreamEvent(type="reasoning", chunk="", redacted=True)
    return None


def _as_dict(value: Any) -> dict[str, Any]:
    """SDK objects (pydantic models) and plain mappings alike."""
    return value.model_dump() if hasattr(value, "model_dump") else dict(value)


class StreamSummary:
    """Fed one streamed chunk at a time (chat or completion); yields nothing itself."""

    def __init__(self) -> None:
        self.content = ""
        self.role: str | None = None
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] = {}
        self.logprobs: list[dict[str, Any]] = []
        self.first: dict[str, Any] | None = None
        self.tool_calls: dict[int, dict[str, str]] = {}
        #: Tool-call events of the chunk being fed, returned by ``feed``.
        self.events: list[Any] = []
        self.saw_reasoning = False
        # Whether the server said it was done; completion chunks' finish reasons count here
        # although, as in the original, they are not part of the stored summary.
        self.finished = False

    def feed(self, chunk: Any) -> list[Any]:
        """Take one chunk; return the reasoning (as an event) and the text it adds to the
        first choice."""
        data = _as_dict(chunk)
        if self.first is None:
            self.first = data
        found: list[Any] = []
        if data.get("usage"):
            self.usage = data["usage"]
            self.finished = True
            withheld = None if self.saw_reasoning else withheld_reasoning(self.usage)
            if withheld is not None:
                found.append(withheld)
        for position, choice in enumerate(data.get("choices") or []):
            if choice.get("finish_reason") is not None:
                self.finished = True
            logprobs = choice.get("logprobs")
            if isinstance(logprobs, dict) and "top_logprobs" in logprobs:
                self.logprobs.append(
                    {"text": choice.get("text"), "top_logprobs": logprobs["top_logprobs"]}
                )
            if position == 0 and "delta" in choice:
                reasoning = reasoning_of(choice.get("delta") or {})
                if reasoning:
                    self.saw_reasoning = True
                    found.append(reasoning_event(reasoning))
            piece = self._chat_delta(choice) if "delta" in choice else self._text(choice)
            if position == 0 and piece:
                found.append(piece)
        found.extend(self.events)
        self.events = []
        return found

    def _chat_delta(self, choice: dict[str, Any]) -> str | None:
        delta = choice.get("delta") or {}
        self.role = delta.get("role")
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]
        from llm.parts import StreamEvent

        for call in delta.get("tool_calls") or []:
            entry = self.tool_calls.setdefault(
                call.get("index", 0), {"id": "", "name": "", "arguments": ""}
            )
            function = call.get("function") or {}
            entry["id"] = call.get("id") or entry["id"]
            entry["name"] = function.get("name") or entry["name"]
            entry["arguments"] += function.get("arguments") or ""
            # As events too, so that the response's messages show the call as it streamed.
            for kind, chunk in (
                ("tool_call_name", function.get("name")),
                ("tool_call_args", function.get("arguments")),
            ):
                if chunk:
                    self.events.append(
                        StreamEvent(type=kind, chunk=chunk, tool_call_id=entry["id"] or None)
                    )
        piece = delta.get("content")
        if piece is not None:
            self.content += piece
        return piece

    def _text(self, choice: dict[str, Any]) -> str | None:
        """A completion choice: only its text is summed up."""
        piece = choice.get("text")
        self.content += piece or ""
        return piece

    def combined(self) -> dict[str, Any]:
        """The summary with ``None`` values kept (``response_json`` has them removed)."""
        summary: dict[str, Any] = {
            "content": self.content,
            "role": self.role,
            "finish_reason": self.finish_reason,
            "usage": self.usage,
        }
        if self.logprobs:
            summary["logprobs"] = self.logprobs
        for name in _FIRST_CHUNK_KEYS:
            if self.first and self.first.get(name) is not None:
                summary[name] = self.first[name]
        return summary

    def finish(self, response: Any) -> None:
        """Record tool calls, usage and ``response_json`` on ``response``."""
        for _, call in sorted(self.tool_calls.items()):
            response.add_tool_call(
                llm.ToolCall(
                    name=call["name"],
                    arguments=parse_arguments(call["arguments"]),
                    tool_call_id=call["id"] or None,
                )
            )
        record_usage(response, self.usage)
        response.response_json = remove_dict_none_values(self.combined())


def record_result(result: Any, response: Any) -> list[Any]:
    """Record a non-streamed result (chat or completion) on ``response``; return its
    reasoning (as an event, when the server sent any) and its text."""
    data = _as_dict(result)
    choices = data.get("choices") or []
    first = choices[0] if choices else {}
    message = first.get("message")
    if message is None:
        text = first.get("text")
    else:
        text = message.get("content")
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            response.add_tool_call(
                llm.ToolCall(
                    name=function.get("name", ""),
                    arguments=parse_arguments(function.get("arguments") or ""),
                    tool_call_id=call.get("id"),
                )
            )
    record_usage(response, data.get("usage"))
    response.response_json = remove_dict_none_values(data)
    reasoning = reasoning_of(message) if message else None
    if reasoning:
        return [reasoning_event(reasoning), text]
    withheld = withheld_reasoning(data.get("usage"))
    return [withheld, text] if withheld is not None else [text]

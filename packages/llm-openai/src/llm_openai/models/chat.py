"""Chat models: ``/chat/completions``, streaming or not, sync and async."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Iterator
from typing import Any

import llm

from ..catalog import ModelSpec, attachment_types
from ..client import async_client, sync_client, where
from ..errors import amodel_errors, model_errors
from ..messages import build_messages, redact_data, tools_param
from ..options import ChatOptions, ReasoningOptions
from ..retry import acall_with_retries, call_with_retries
from .shared import clean, cut_off_error, option_kwargs, parse_arguments, record_usage


class ChatStream:
    """Collects a streamed chat completion: text, tool calls, usage and a summary JSON."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.tool_calls: dict[int, dict[str, str]] = {}
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.meta: dict[str, Any] = {}

    def feed(self, chunk: Any) -> str | None:
        """Take one chunk (an SDK object); return the text it adds, if any."""
        data = chunk.model_dump() if hasattr(chunk, "model_dump") else dict(chunk)
        for name in ("id", "object", "model", "created"):
            if data.get(name) is not None:
                self.meta.setdefault(name, data[name])
        if data.get("usage"):
            self.usage = data["usage"]
        text = None
        for choice in data.get("choices") or []:
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or {}
            for call in delta.get("tool_calls") or []:
                entry = self.tool_calls.setdefault(
                    call.get("index", 0), {"id": "", "name": "", "arguments": ""}
                )
                function = call.get("function") or {}
                entry["id"] = call.get("id") or entry["id"]
                entry["name"] = function.get("name") or entry["name"]
                entry["arguments"] += function.get("arguments") or ""
            if delta.get("content"):
                text = delta["content"]
                self.content.append(text)
        return text

    @property
    def complete(self) -> bool:
        """Whether the server said it was done (a finish reason, or the final usage chunk)."""
        return self.finish_reason is not None or self.usage is not None

    def finish(self, response: Any) -> None:
        for _, call in sorted(self.tool_calls.items()):
            response.add_tool_call(
                llm.ToolCall(
                    name=call["name"],
                    arguments=parse_arguments(call["arguments"]),
                    tool_call_id=call["id"] or None,
                )
            )
        record_usage(response, self.usage)
        response.response_json = clean(
            {
                "content": "".join(self.content),
                **self.meta,
                "finish_reason": self.finish_reason,
                "usage": self.usage,
                "tool_calls": [self.tool_calls[i] for i in sorted(self.tool_calls)] or None,
            }
        )


def handle_completion(completion: Any, response: Any) -> str | None:
    """Record a non-streamed chat completion on ``response``; return its text."""
    data = completion.model_dump()
    choices = data.get("choices") or []
    message = (choices[0].get("message") if choices else None) or {}
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
    response.response_json = clean(data)
    return message.get("content")


class _SharedChat:
    """Everything but the I/O loop, shared by the sync and async chat models."""

    spec: ModelSpec
    attachment_types: Collection[str]

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.model_id = spec.model_id
        self.model_name = spec.api_model_name
        self.api_base = spec.api_base
        self.headers = spec.headers
        self.can_stream = spec.can_stream
        self.supports_schema = spec.supports_schema
        self.supports_tools = spec.supports_tools
        self.attachment_types = attachment_types(spec.vision, spec.audio)
        self.needs_key = spec.needs_key
        self.key_env_var = spec.key_env_var

    def __str__(self) -> str:
        return f"OpenAI Chat: {self.model_id}"

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        """The keyword arguments for ``chat.completions.create``."""
        messages = build_messages(prompt, conversation)
        response.prompt_json = {"messages": redact_data(messages)}
        kwargs: dict[str, Any] = {"model": self.model_name, "messages": messages}
        kwargs.update(option_kwargs(prompt.options, self.spec))
        if prompt.schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": prompt.schema},
            }
        elif getattr(prompt.options, "json_object", None):
            kwargs["response_format"] = {"type": "json_object"}
        if prompt.tools:
            kwargs["tools"] = tools_param(prompt.tools)
        kwargs["stream"] = stream
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    @property
    def where(self) -> str:
        return where(self.api_base)


class Chat(_SharedChat, llm.KeyModel):
    Options = ChatOptions

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None = None,
        key: str | None = None,
    ) -> Iterator[str]:
        import openai

        stream = stream and self.can_stream
        kwargs = self.request(prompt, stream, conversation, response)
        client = sync_client(key, self.api_base, self.headers)
        try:
            with model_errors(self.where, self.needs_key):
                result = call_with_retries(lambda: client.chat.completions.create(**kwargs))
                if not stream:
                    text = handle_completion(result, response)
                    if text:
                        yield text
                    return
                state = ChatStream()
                try:
                    for chunk in result:
                        text = state.feed(chunk)
                        if text:
                            yield text
                except openai.APIConnectionError as ex:
                    state.finish(response)
                    raise cut_off_error(self.spec) from ex
                state.finish(response)
                if not state.complete:
                    raise cut_off_error(self.spec)
        finally:
            client.close()


class AsyncChat(_SharedChat, llm.AsyncKeyModel):
    Options = ChatOptions

    async def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.AsyncResponse,
        conversation: llm.AsyncConversation | None = None,
        key: str | None = None,
    ) -> AsyncGenerator[str, None]:
        import openai

        stream = stream and self.can_stream
        kwargs = self.request(prompt, stream, conversation, response)
        client = async_client(key, self.api_base, self.headers)
        try:
            async with amodel_errors(self.where, self.needs_key):
                result = await acall_with_retries(lambda: client.chat.completions.create(**kwargs))
                if not stream:
                    text = handle_completion(result, response)
                    if text:
                        yield text
                    return
                state = ChatStream()
                try:
                    async for chunk in result:
                        text = state.feed(chunk)
                        if text:
                            yield text
                except openai.APIConnectionError as ex:
                    state.finish(response)
                    raise cut_off_error(self.spec) from ex
                state.finish(response)
                if not state.complete:
                    raise cut_off_error(self.spec)
        finally:
            await client.close()


class ReasoningChat(Chat):
    """A reasoning model (o1, o3, ...): adds the ``reasoning_effort`` option."""

    Options = ReasoningOptions


class AsyncReasoningChat(AsyncChat):
    Options = ReasoningOptions


def chat_classes(spec: ModelSpec) -> tuple[type[Chat], type[AsyncChat]]:
    """The sync and async classes for a chat model."""
    if spec.reasoning:
        return ReasoningChat, AsyncReasoningChat
    return Chat, AsyncChat

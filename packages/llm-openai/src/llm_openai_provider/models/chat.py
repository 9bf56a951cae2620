"""Chat models: ``/chat/completions``, streaming or not, sync and async."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import llm

from ..catalog import ModelSpec, attachment_types
from ..messages import build_messages, redact_data, tools_param
from ..options import ModernChatOptions, ReasoningOptions
from .driver import AsyncDrivenModel, DrivenModel, SpecModel
from .request import option_kwargs


def _set_image_detail(messages: list[dict[str, Any]], detail: Any) -> None:
    """``-o image_detail high``: the detail every image of the request is seen at."""
    if detail is None:
        return
    for message in messages:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "image_url":
                part["image_url"]["detail"] = getattr(detail, "value", detail)


class _SharedChat(SpecModel):
    """The ``/chat/completions`` request, shared by the sync and async chat models (the
    loop that sends it is :mod:`.driver`)."""

    spec: ModelSpec
    attachment_types: Collection[str]

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        self.supports_schema = spec.supports_schema
        self.supports_tools = spec.supports_tools
        self.attachment_types = attachment_types(spec.vision, spec.audio)

    def __str__(self) -> str:
        return f"OpenAI Chat: {self.model_id}"

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        """The keyword arguments for ``chat.completions.create``."""
        messages = build_messages(prompt, conversation)
        _set_image_detail(messages, getattr(prompt.options, "image_detail", None))
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
        function_tools = [tool for tool in prompt.tools if isinstance(tool, llm.Tool)]
        if function_tools:
            kwargs["tools"] = tools_param(function_tools)
        kwargs["stream"] = stream
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def create(self, client: Any, kwargs: dict[str, Any]) -> Any:
        return client.chat.completions.create(**kwargs)


class Chat(_SharedChat, DrivenModel):
    Options = ModernChatOptions


class AsyncChat(_SharedChat, AsyncDrivenModel):
    Options = ModernChatOptions


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

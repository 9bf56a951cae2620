"""Completion models (``/completions``), such as ``gpt-3.5-turbo-instruct``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import llm

from ..catalog import ModelSpec
from ..client import where
from ..options import CompletionOptions
from .driver import arun, run
from .request import option_kwargs


def completion_lines(prompt: llm.Prompt, conversation: Any) -> list[str]:
    """Earlier prompts and answers, then this prompt: sent one per line, logged as a list."""
    if prompt.system:
        raise llm.ModelError("System prompts are not supported for OpenAI completion models")
    lines: list[str] = []
    for previous in getattr(conversation, "responses", None) or []:
        lines.append(previous.prompt.prompt)
        lines.append(previous.text_or_raise())
    lines.append(prompt.prompt)
    return lines


class _SharedCompletion:
    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.model_id = spec.model_id
        self.model_name = spec.api_model_name
        self.api_base = spec.api_base
        self.headers = spec.headers
        self.can_stream = spec.can_stream
        self.needs_key = spec.needs_key
        self.key_env_var = spec.key_env_var

    def __str__(self) -> str:
        return f"OpenAI Completion: {self.model_id}"

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        lines = completion_lines(prompt, conversation)
        response.prompt_json = {"messages": lines}
        text = "\n".join(lines)
        kwargs: dict[str, Any] = {"model": self.model_name, "prompt": text, "stream": stream}
        kwargs.update(option_kwargs(prompt.options, self.spec))
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def create(self, client: Any, kwargs: dict[str, Any]) -> Any:
        return client.completions.create(**kwargs)

    @property
    def where(self) -> str:
        return where(self.api_base)


class Completion(_SharedCompletion, llm.KeyModel):
    Options = CompletionOptions

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None = None,
        key: str | None = None,
    ) -> Iterator[str]:
        yield from run(self, prompt, stream, response, conversation, key)


class AsyncCompletion(_SharedCompletion, llm.AsyncKeyModel):
    Options = CompletionOptions

    async def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.AsyncResponse,
        conversation: llm.AsyncConversation | None = None,
        key: str | None = None,
    ) -> AsyncGenerator[str, None]:
        async for text in arun(self, prompt, stream, response, conversation, key):
            yield text

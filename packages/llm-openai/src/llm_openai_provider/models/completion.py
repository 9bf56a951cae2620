"""Completion models (``/completions``), such as ``gpt-3.5-turbo-instruct``."""

from __future__ import annotations

from typing import Any

import llm

from ..options import CompletionOptions
from .driver import AsyncDrivenModel, DrivenModel, SpecModel
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


class _SharedCompletion(SpecModel):
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


class Completion(_SharedCompletion, DrivenModel):
    Options = CompletionOptions


class AsyncCompletion(_SharedCompletion, AsyncDrivenModel):
    Options = CompletionOptions

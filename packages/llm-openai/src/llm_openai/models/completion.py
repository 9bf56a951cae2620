"""Completion models (``/completions``), such as ``gpt-3.5-turbo-instruct``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import llm

from ..catalog import ModelSpec
from ..client import async_client, sync_client, where
from ..errors import amodel_errors, model_errors
from ..options import CompletionOptions
from ..retry import acall_with_retries, call_with_retries
from .shared import clean, cut_off_error, option_kwargs, record_usage


def completion_prompt(prompt: llm.Prompt, conversation: Any) -> str:
    """Earlier prompts and answers, then this prompt, one per line."""
    if prompt.system:
        raise llm.ModelError(
            f"{prompt.model.model_id} is a completion model and does not take a system prompt"
        )
    lines: list[str] = []
    for previous in getattr(conversation, "responses", None) or []:
        lines.append(previous.prompt.prompt)
        lines.append(previous.text_or_raise())
    lines.append(prompt.prompt)
    return "\n".join(lines)


class CompletionStream:
    """Collects streamed completion chunks: text, log probabilities and usage."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.logprobs: list[dict[str, Any]] = []
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.meta: dict[str, Any] = {}

    def feed(self, chunk: Any) -> str | None:
        data = chunk.model_dump()
        for name in ("id", "object", "model", "created"):
            if data.get(name) is not None:
                self.meta.setdefault(name, data[name])
        if data.get("usage"):
            self.usage = data["usage"]
        text = None
        for choice in data.get("choices") or []:
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            self.logprobs.extend(logprob_entries(choice.get("logprobs")))
            if choice.get("text"):
                text = choice["text"]
                self.content.append(text)
        return text

    @property
    def complete(self) -> bool:
        return self.finish_reason is not None or self.usage is not None

    def finish(self, response: Any) -> None:
        record_usage(response, self.usage)
        response.response_json = clean(
            {
                "content": "".join(self.content),
                **self.meta,
                "finish_reason": self.finish_reason,
                "usage": self.usage,
                "logprobs": self.logprobs or None,
            }
        )


def logprob_entries(logprobs: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One ``{"text": token, "top_logprobs": {...}}`` per token, as stored in the logs."""
    if not logprobs:
        return []
    tokens = logprobs.get("tokens") or []
    tops = logprobs.get("top_logprobs") or []
    return [
        {"text": token, "top_logprobs": tops[i] if i < len(tops) else None}
        for i, token in enumerate(tokens)
    ]


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
        text = completion_prompt(prompt, conversation)
        response.prompt_json = {"messages": [text]}
        kwargs: dict[str, Any] = {"model": self.model_name, "prompt": text, "stream": stream}
        kwargs.update(option_kwargs(prompt.options, self.spec))
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    @property
    def where(self) -> str:
        return where(self.api_base)


def handle_completion(completion: Any, response: Any) -> str | None:
    data = completion.model_dump()
    record_usage(response, data.get("usage"))
    choices = data.get("choices") or []
    if choices:
        data["logprobs"] = logprob_entries(choices[0].get("logprobs")) or None
    response.response_json = clean(data)
    return choices[0].get("text") if choices else None


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
        import openai

        stream = stream and self.can_stream
        kwargs = self.request(prompt, stream, conversation, response)
        client = sync_client(key, self.api_base, self.headers)
        try:
            with model_errors(self.where, self.needs_key):
                result = call_with_retries(lambda: client.completions.create(**kwargs))
                if not stream:
                    text = handle_completion(result, response)
                    if text:
                        yield text
                    return
                state = CompletionStream()
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
        import openai

        stream = stream and self.can_stream
        kwargs = self.request(prompt, stream, conversation, response)
        client = async_client(key, self.api_base, self.headers)
        try:
            async with amodel_errors(self.where, self.needs_key):
                result = await acall_with_retries(lambda: client.completions.create(**kwargs))
                if not stream:
                    text = handle_completion(result, response)
                    if text:
                        yield text
                    return
                state = CompletionStream()
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

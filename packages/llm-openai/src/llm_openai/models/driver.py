"""The request loop every chat and completion model runs, once sync and once async.

Build the request, send it (with retries and readable errors), then either record the
result or relay a stream chunk by chunk, and record its summary even when the stream breaks
off. What differs between chat and completion models is behind :class:`Endpoint`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

import llm

from ..catalog import ModelSpec
from ..client import async_client, sync_client, where
from ..errors import StreamCutOff, amodel_errors, model_errors
from ..retry import acall_with_retries, call_with_retries
from .summary import StreamSummary, record_result


class Endpoint(Protocol):
    """What the driver needs of a model."""

    spec: ModelSpec
    api_base: str | None
    headers: dict[str, str]
    can_stream: bool
    needs_key: str | None

    @property
    def where(self) -> str: ...

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        """The keyword arguments of the ``create`` call; sets ``response.prompt_json``."""
        ...

    def create(self, client: Any, kwargs: dict[str, Any]) -> Any:
        """Send the request with a sync or async client (for async, return the awaitable)."""
        ...


def cut_off_error(spec: ModelSpec) -> StreamCutOff:
    return StreamCutOff(
        f"The response from {where(spec.api_base)} was cut off before it finished;"
        " the partial response was kept"
    )


def run(
    model: Endpoint,
    prompt: llm.Prompt,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> Iterator[str]:
    """The body of a sync model's ``execute``: the text as it arrives."""
    import openai

    stream = stream and model.can_stream
    kwargs = model.request(prompt, stream, conversation, response)
    client = sync_client(key, model.api_base, model.headers)
    try:
        with model_errors(model.where, model.needs_key):
            result = call_with_retries(lambda: model.create(client, kwargs))
            if not stream:
                text = record_result(result, response)
                if text:
                    yield text
                return
            summary = StreamSummary()
            try:
                for chunk in result:
                    text = summary.feed(chunk)
                    if text:
                        yield text
            except openai.APIConnectionError as ex:
                summary.finish(response)
                raise cut_off_error(model.spec) from ex
            summary.finish(response)
            if not summary.finished:
                raise cut_off_error(model.spec)
    finally:
        client.close()


async def arun(
    model: Endpoint,
    prompt: llm.Prompt,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> AsyncIterator[str]:
    """The body of an async model's ``execute``: :func:`run` for asyncio."""
    import openai

    stream = stream and model.can_stream
    kwargs = model.request(prompt, stream, conversation, response)
    client = async_client(key, model.api_base, model.headers)
    try:
        async with amodel_errors(model.where, model.needs_key):
            result = await acall_with_retries(lambda: model.create(client, kwargs))
            if not stream:
                text = record_result(result, response)
                if text:
                    yield text
                return
            summary = StreamSummary()
            try:
                async for chunk in result:
                    text = summary.feed(chunk)
                    if text:
                        yield text
            except openai.APIConnectionError as ex:
                summary.finish(response)
                raise cut_off_error(model.spec) from ex
            summary.finish(response)
            if not summary.finished:
                raise cut_off_error(model.spec)
    finally:
        await client.close()

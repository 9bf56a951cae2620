"""The request loop every chat and completion model runs, once sync and once async.

Build the request, send it once (with readable errors; llm.resilience retries), then either
record the result or relay a stream chunk by chunk, and record its summary even when the
stream breaks off. What differs between chat and completion models is behind
:class:`Endpoint`; what they share (the attributes a spec gives, ``execute`` handing over to
the loop) is :class:`SpecModel`, :class:`DrivenModel` and :class:`AsyncDrivenModel`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, cast

import llm

from ..catalog import ModelSpec
from ..client import async_client, sync_client, where
from ..errors import StreamCutOff, model_errors
from ..options import options_for_spec
from .request import sendable
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

    def open_client(self, key: str | None, *, async_: bool) -> Any:
        """The ``openai`` client (``AsyncOpenAI`` when ``async_``) to send the request with."""
        ...

    def create(self, client: Any, kwargs: dict[str, Any]) -> Any:
        """Send the request with a sync or async client (for async, return the awaitable)."""
        ...

    def new_summary(self) -> Any:
        """What sums up a stream: ``feed(chunk)`` returns new text, ``finish(response)``
        records it, ``finished`` says whether the server said it was done."""
        ...

    def record(self, result: Any, response: Any) -> Chunk | list[Chunk] | None:
        """Record a non-streamed result on ``response``; return its text (and events)."""
        ...


if TYPE_CHECKING:
    from llm.parts import StreamEvent

    #: What a model's ``execute`` yields: text, or a typed event (reasoning, for one).
    Chunk = str | StreamEvent


def pieces(found: Chunk | list[Chunk] | None) -> list[Chunk]:
    """What a summary or a recorded result gave, as chunks to yield (empty text dropped)."""
    if found is None:
        return []
    listed = found if isinstance(found, list) else [found]
    return [piece for piece in listed if not isinstance(piece, str) or piece]


def cut_off_error(spec: ModelSpec) -> StreamCutOff:
    return StreamCutOff(
        f"The response from {where(spec.api_base)} was cut off before it finished;"
        " the partial response was kept"
    )


class Relay:
    """One stream's chunks turned into what ``execute`` yields, and its summary recorded on
    the response however the stream ends (a stream that ends before the server said it was
    done is an error, its partial text kept)."""

    def __init__(self, model: Endpoint, response: Any) -> None:
        self.spec = model.spec
        self.response = response
        self.summary = model.new_summary()

    def feed(self, chunk: Any) -> list[Chunk]:
        return pieces(self.summary.feed(chunk))

    def broken_off(self, error: BaseException) -> NoReturn:
        self.summary.finish(self.response)
        raise cut_off_error(self.spec) from error

    def ended(self) -> None:
        self.summary.finish(self.response)
        if not self.summary.finished:
            raise cut_off_error(self.spec)


def build_request(
    model: Endpoint, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
) -> dict[str, Any]:
    """The one place a request is built: the model's ``create`` arguments, with text that
    UTF-8 cannot carry (lone surrogates) replaced as :func:`~.request.sendable` does; the
    logged ``prompt_json`` is changed alike, so the log shows what was sent."""
    kwargs: dict[str, Any] = sendable(model.request(prompt, stream, conversation, response))
    response.prompt_json = sendable(response.prompt_json)
    return kwargs


def run(
    model: Endpoint,
    prompt: llm.Prompt,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> Iterator[Chunk]:
    """The body of a sync model's ``execute``: the text (and reasoning) as it arrives."""
    import openai

    stream = stream and model.can_stream
    kwargs = build_request(model, prompt, stream, conversation, response)
    client = model.open_client(key, async_=False)
    try:
        with model_errors(model.where, model.needs_key):
            # One request: retries are llm.resilience's, for every provider alike.
            result = model.create(client, kwargs)
            if not stream:
                yield from pieces(model.record(result, response))
                return
            relay = Relay(model, response)
            try:
                for chunk in result:
                    yield from relay.feed(chunk)
            except openai.APIConnectionError as ex:
                relay.broken_off(ex)
            relay.ended()
    finally:
        client.close()


async def arun(
    model: Endpoint,
    prompt: llm.Prompt,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> AsyncIterator[Chunk]:
    """The body of an async model's ``execute``: :func:`run` for asyncio."""
    import openai

    stream = stream and model.can_stream
    kwargs = build_request(model, prompt, stream, conversation, response)
    client = model.open_client(key, async_=True)
    try:
        with model_errors(model.where, model.needs_key):
            result = await model.create(client, kwargs)
            if not stream:
                for piece in pieces(model.record(result, response)):
                    yield piece
                return
            relay = Relay(model, response)
            try:
                async for chunk in result:
                    for piece in relay.feed(chunk):
                        yield piece
            except openai.APIConnectionError as ex:
                relay.broken_off(ex)
            relay.ended()
    finally:
        await client.close()


class SpecModel:
    """The attributes every chat and completion model takes from its :class:`ModelSpec`."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        options = getattr(type(self), "Options", None)
        if options is not None and options_for_spec(options, spec) is not options:
            # An instance attribute, as the original's constructor sets it.
            self.__dict__["Options"] = options_for_spec(options, spec)
        self.model_id = spec.model_id
        self.model_name = spec.api_model_name
        self.api_base = spec.api_base
        self.headers = spec.headers
        self.can_stream = spec.can_stream
        self.needs_key = spec.needs_key
        self.key_env_var = spec.key_env_var

    @property
    def where(self) -> str:
        return where(self.api_base)

    def open_client(self, key: str | None, *, async_: bool) -> Any:
        make = async_client if async_ else sync_client
        return make(key, self.api_base, self.headers)

    def new_summary(self) -> Any:
        return StreamSummary()

    def record(self, result: Any, response: Any) -> Chunk | list[Chunk] | None:
        return record_result(result, response)


class DrivenModel(llm.KeyModel):
    """A sync model whose ``execute`` is :func:`run`; the class also needs an endpoint."""

    def execute(  # type: ignore[override]  # StreamEvents too
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None = None,
        key: str | None = None,
    ) -> Iterator[Chunk]:
        yield from run(cast(Endpoint, self), prompt, stream, response, conversation, key)


class AsyncDrivenModel(llm.AsyncKeyModel):
    """An async model whose ``execute`` is :func:`arun`."""

    async def execute(  # type: ignore[override]  # StreamEvents too
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.AsyncResponse,
        conversation: llm.AsyncConversation | None = None,
        key: str | None = None,
    ) -> AsyncGenerator[Chunk, None]:
        endpoint = cast(Endpoint, self)
        async for text in arun(endpoint, prompt, stream, response, conversation, key):
            yield text

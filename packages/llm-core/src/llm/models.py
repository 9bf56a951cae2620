"""Models, responses and conversations: the heart of the Python API.

Plugins subclass ``Model`` / ``KeyModel`` (sync) or ``AsyncModel`` / ``AsyncKeyModel`` and
implement ``execute()``, a generator of text chunks. Calling ``model.prompt()`` returns a lazy
``Response``: nothing runs until it is iterated or its text is asked for.
"""

from __future__ import annotations

import datetime
import inspect
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, cast

from ._ulid import ulid
from .attachments import Attachment
from .errors import ConversationNotSupported, NeedsKeyException
from .fragments import Fragment
from .options import Options
from .prompts import Prompt
from .serialization import ResponseDict  # at run time: get_type_hints(Response.to_dict)
from .tools import (
    CancelToolCall,
    PauseChain,
    ServerSideTool,
    Tool,
    Toolbox,
    ToolCall,
    ToolOutput,
    ToolResult,
    with_tool_call_id,
)

if TYPE_CHECKING:  # named in the type arguments of the base classes below
    from .chain import AsyncChainResponse, ChainResponse  # noqa: F401
    from .parts import Message, StreamEvent
    from .stream_assembly import EventAssembler

__all__ = [
    "AsyncConversation",
    "AsyncKeyModel",
    "AsyncModel",
    "AsyncResponse",
    "Attachment",
    "CancelToolCall",
    "Conversation",
    "Fragment",
    "KeyModel",
    "Model",
    "NeedsKeyException",
    "Options",
    "PauseChain",
    "Prompt",
    "Response",
    "ServerSideTool",
    "Tool",
    "ToolCall",
    "ToolOutput",
    "ToolResult",
    "Toolbox",
    "Usage",
]


class _NoOptions(Options):
    """The options of a model that takes none."""


# Names the original's ``llm.models`` had that published plugins import from it.
monotonic_ulid = ulid
#: What ``tools=`` accepts.
ToolDef = Tool | Toolbox | ServerSideTool | Callable[..., Any]
BeforeCallSync = Callable[[Tool | None, ToolCall], None]
AfterCallSync = Callable[[Tool, ToolCall, ToolResult], None]
BeforeCallAsync = Callable[[Tool | None, ToolCall], Awaitable[None] | None]
AfterCallAsync = Callable[[Tool, ToolCall, ToolResult], Awaitable[None] | None]

#: Names that live in modules importing this one: resolved on first access.
_ELSEWHERE = {
    "ChainResponse": "chain",
    "AsyncChainResponse": "chain",
    "_BaseChainResponse": "chain",
    "EmbeddingModel": "embeddings",
    "ModelWithAliases": "registry",
    "EmbeddingModelWithAliases": "registry",
    "token_usage_string": "utils",
}


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(f".{_ELSEWHERE[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _merge_options(options: dict[str, Any] | None, more: dict[str, Any]) -> dict[str, Any]:
    """``options={...}`` and options given as keyword arguments, which must not overlap."""
    overlap = set(options or {}) & set(more)
    if overlap:
        raise TypeError(
            "Got values for these options both in options= and as keyword arguments:"
            f" {sorted(overlap)}"
        )
    return {**(options or {}), **more}


def _partition_tools(
    model: Any, tools: Iterable[Tool | ServerSideTool]
) -> tuple[list[Tool], list[ServerSideTool]]:
    """Function tools and server-side tools; a server-side tool the model does not list in
    ``supported_server_side_tools`` is refused. Listing ``ServerSideTool`` itself accepts
    raw-spec instances of exactly that class, not every provider's subclass."""
    functions: list[Tool] = []
    server_side: list[ServerSideTool] = []
    declared = tuple(model.supported_server_side_tools)
    for tool in tools:
        if not isinstance(tool, ServerSideTool):
            functions.append(tool)
            continue
        if not any(
            type(tool) is kind if kind is ServerSideTool else isinstance(tool, kind)
            for kind in declared
        ):
            raise ValueError(
                f"Model '{model.model_id}' does not support server-side tool"
                f" '{tool.name}'. Run: llm tools -m {model.model_id}"
            )
        server_side.append(tool)
    return functions, server_side


@dataclass
class Usage:
    input: int | None = None
    output: int | None = None
    details: dict[str, Any] | None = None


# ---------------------------------------------------------------- models

# What a model's prompts, conversations and chains return: Response, Conversation and
# ChainResponse for sync models, their Async counterparts for async ones. The methods are
# written once, on the base classes, and typed per kind through these.
ResponseT = TypeVar("ResponseT")
ConversationT = TypeVar("ConversationT")
ChainT = TypeVar("ChainT")


class _Chaining(Generic[ChainT]):
    """``chain()``, written once for models and conversations, sync and async. Each defines
    ``_chain_holder()``: the conversation the chain's responses join."""

    _asynchronous: ClassVar[bool] = False
    _chain_holder: Callable[[], Any]

    def chain(
        self,
        prompt: str | None = None,
        *,
        fragments: list[str] | None = None,
        attachments: list[Attachment] | None = None,
        system: str | None = None,
        system_fragments: list[str] | None = None,
        messages: list[Message] | None = None,
        stream: bool = True,
        schema: Any = None,
        tools: list[Any] | None = None,
        tool_results: list[ToolResult] | None = None,
        chain_limit: int | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        key: str | None = None,
        options: dict[str, Any] | None = None,
        hide_reasoning: bool = False,
        **more_options: Any,
    ) -> ChainT:
        """Like ``prompt()``, but the tools the model calls are run and their results sent
        back, until it calls none (see ``llm.chain``). A model's chain holds its responses in
        a new conversation, a conversation's in itself. ``chain_limit`` caps the number of
        responses (None or 0: no cap)."""
        from .chain import start_chain

        chained = start_chain(
            self._chain_holder(),
            prompt,
            asynchronous=self._asynchronous,
            fragments=fragments,
            attachments=attachments,
            system=system,
            system_fragments=system_fragments,
            messages=messages,
            stream=stream,
            schema=schema,
            tools=tools,
            tool_results=tool_results,
            chain_limit=chain_limit,
            before_call=before_call,
            after_call=after_call,
            key=key,
            options=_merge_options(options, more_options),
            hide_reasoning=hide_reasoning,
        )
        return cast(ChainT, chained)


class _BaseModel(_Chaining[ChainT], Generic[ResponseT, ConversationT, ChainT]):
    model_id: str
    can_stream: bool = False
    attachment_types: Collection[str] = frozenset()
    supports_schema: bool = False
    supports_tools: bool = False
    #: False for a model that answers single prompts only: a history with assistant or tool
    #: messages raises ``ConversationNotSupported``.
    supports_conversation: bool = True
    key: str | None = None
    needs_key: str | None = None
    key_env_var: str | None = None

    #: The model's options: plugins define ``class Options(llm.Options)`` on their model.
    Options: ClassVar[type[Options]] = _NoOptions

    @property
    def supported_server_side_tools(self) -> tuple[type[ServerSideTool], ...]:
        """The server-side tool classes this model accepts in ``tools=``."""
        return ()

    def get_key(self, explicit_key: str | None = None) -> str | None:
        """The key to call the model with: explicit, then ``model.key``, keys.json, env var."""
        from .config import key_for_model

        return key_for_model(self, explicit_key)

    def _validate(self, prompt: Prompt) -> None:
        if prompt.attachments:
            if not self.attachment_types:
                raise ValueError("This model does not support attachments")
            for attachment in prompt.attachments:
                attachment_type = attachment.resolve_type()
                if attachment_type not in self.attachment_types:
                    supported = ", ".join(sorted(self.attachment_types))
                    raise ValueError(
                        f"This model does not support attachments of type '{attachment_type}',"
                        f" only {supported}"
                    )
        if prompt.schema and not self.supports_schema:
            raise ValueError("This model does not support schemas")
        function_tools, _ = _partition_tools(self, prompt.tools)
        if function_tools and not self.supports_tools:
            raise ValueError("This model does not support tools")
        if not self.supports_conversation and any(
            message.role in ("assistant", "tool") for message in prompt.messages
        ):
            raise ConversationNotSupported(f"{self} does not support conversations")

    def _make_prompt(self, prompt: str | None, **kwargs: Any) -> Prompt:
        options = kwargs.pop("options")
        messages = kwargs.pop("messages", None)
        if messages is not None:
            from .messages import append_turn_input

            # The history given, then this turn's input: prompt.messages is what is sent.
            messages = append_turn_input(
                list(messages),
                prompt,
                kwargs.get("fragments"),
                kwargs.get("attachments"),
                kwargs.get("tool_results"),
            )
        built = Prompt(prompt, self, options=self.Options(**options), messages=messages, **kwargs)
        self._validate(built)
        return built

    #: The classes a prompt and a conversation of this kind of model make (set once they
    #: exist, at the end of this module).
    _response_class: ClassVar[Callable[..., Any]]
    _conversation_class: ClassVar[Callable[..., Any]]

    def conversation(
        self,
        tools: list[Any] | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        chain_limit: int | None = None,
    ) -> ConversationT:
        return cast(
            ConversationT,
            self._conversation_class(
                model=self,
                tools=tools,
                before_call=before_call,
                after_call=after_call,
                chain_limit=chain_limit,
            ),
        )

    def _chain_holder(self) -> Any:
        return self.conversation()

    def prompt(
        self,
        prompt: str | None = None,
        *,
        fragments: list[str] | None = None,
        attachments: list[Attachment] | None = None,
        system: str | None = None,
        system_fragments: list[str] | None = None,
        messages: list[Message] | None = None,
        stream: bool = True,
        schema: Any = None,
        tools: list[Any] | None = None,
        tool_results: list[ToolResult] | None = None,
        key: str | None = None,
        options: dict[str, Any] | None = None,
        hide_reasoning: bool = False,
        **more_options: Any,
    ) -> ResponseT:
        """A lazy response: it runs when iterated or when its text is asked for.

        ``messages``: a history (``llm.user(...)``, ``llm.assistant(...)``, ...) that this
        turn's input follows. Options come as ``options={...}`` or as keyword arguments.
        """
        built = self._make_prompt(
            prompt,
            fragments=fragments,
            attachments=attachments,
            system=system,
            system_fragments=system_fragments,
            messages=messages,
            schema=schema,
            tools=tools,
            tool_results=tool_results,
            options=_merge_options(options, more_options),
            hide_reasoning=hide_reasoning,
        )
        return cast(ResponseT, self._response_class(built, self, stream, key=key))

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.model_id}'>"


class _SyncModel(_BaseModel["Response", "Conversation", "ChainResponse"]):
    """A sync model: its prompts return ``Response``, its chains ``ChainResponse``."""


class Model(_SyncModel):
    """A model that needs no API key."""

    def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: Response,
        conversation: Conversation | None = None,
    ) -> Iterable[str]:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")


class KeyModel(_SyncModel):
    """A model that is called with an API key (``needs_key`` names it)."""

    def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: Response,
        conversation: Conversation | None = None,
        key: str | None = None,
    ) -> Iterable[str]:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")


class _AsyncModel(_BaseModel["AsyncResponse", "AsyncConversation", "AsyncChainResponse"]):
    _asynchronous: ClassVar[bool] = True

    def __str__(self) -> str:
        # "(async)" tells the two apart in ``llm models --async``, as in the original.
        return f"{type(self).__name__} (async): {self.model_id}"


class AsyncModel(_AsyncModel):
    """An asyncio model: ``execute()`` is an async generator."""

    async def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: AsyncResponse,
        conversation: AsyncConversation | None = None,
    ) -> AsyncGenerator[str, None]:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")
        yield ""  # pragma: no cover - makes this an async generator


class AsyncKeyModel(_AsyncModel):
    """An asyncio model called with an API key."""

    async def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: AsyncResponse,
        conversation: AsyncConversation | None = None,
        key: str | None = None,
    ) -> AsyncGenerator[str, None]:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")
        yield ""  # pragma: no cover - makes this an async generator


_EXECUTE_PARAMETERS: dict[type[Any], frozenset[str]] = {}


def _execute_parameters(model_class: type[Any]) -> frozenset[str]:
    """Which optional arguments this class's ``execute()`` accepts.

    Some published plugins define ``execute(self, prompt, stream, response)`` without
    ``conversation``; we pass only what a plugin's method can take.
    """
    if model_class not in _EXECUTE_PARAMETERS:
        parameters = inspect.signature(model_class.execute).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            accepted = frozenset({"conversation", "key"})
        else:
            accepted = frozenset(parameters) & {"conversation", "key"}
        _EXECUTE_PARAMETERS[model_class] = accepted
    return _EXECUTE_PARAMETERS[model_class]


def _execute_kwargs(response: _BaseResponse, model: Any) -> dict[str, Any]:
    """What ``model.execute`` takes besides the prompt: the explicit key is the one given
    for the model the user asked for; a fallback model finds its own."""
    accepted = _execute_parameters(type(model))
    kwargs: dict[str, Any] = {}
    if "conversation" in accepted:
        kwargs["conversation"] = response.conversation
    if isinstance(model, KeyModel | AsyncKeyModel) or "key" in accepted:
        kwargs["key"] = model.get_key(response._key if model is response.model else None)
    return kwargs


# ---------------------------------------------------------------- responses


def _reply_chain(
    response: _BaseResponse,
    prompt: str | None,
    messages: list[Message] | None,
    tool_results: list[ToolResult] | None,
) -> list[Message]:
    """What ``reply()`` sends: the history through ``response``, tool results, then the
    new prompt and messages."""
    from .messages import append_tool_results, history_after
    from .parts import Message, TextPart

    chain = history_after(response)
    if tool_results:
        append_tool_results(chain, tool_results)
    if prompt:
        chain.append(Message(role="user", parts=[TextPart(text=prompt)]))
    chain.extend(messages or [])
    return chain


class _BaseResponse:
    prompt: Prompt
    model: Any

    def __init__(
        self,
        prompt: Prompt,
        model: Any,
        stream: bool,
        conversation: Any = None,
        key: str | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
    ) -> None:
        from .stream_assembly import EventAssembler

        self.id = ulid()
        self.prompt = prompt
        self.model = model
        self.stream = stream
        self.conversation = conversation
        self._key = key
        #: Tool-call callbacks used by ``execute_tool_call()`` (a conversation's, if any).
        self.before_call = before_call
        self.after_call = after_call
        self._chunks: list[str] = []
        #: Every event execute() produced (plain strings as text events), in order.
        self._events: EventAssembler = EventAssembler()
        #: The assistant messages of a response rebuilt by ``from_dict()``.
        self._loaded_messages: list[Message] | None = None
        #: The model the provider says answered (e.g. a dated version of an alias).
        self.resolved_model: str | None = None
        #: The model's run while it is under way (see ``_live``).
        self._running: Any = None
        self._done = False
        self._tool_calls: list[ToolCall] = []
        self._prompt_json: dict[str, Any] | None = None
        self.response_json: dict[str, Any] | None = None
        self.attachments: list[Attachment] = list(prompt.attachments)
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.token_details: dict[str, Any] | None = None
        self.done_callbacks: list[Callable[..., Any]] = []
        self._start: float | None = None
        self._end: float | None = None
        self._start_utcnow: datetime.datetime | None = None
        self._logged_duration_ms: int | None = None  # set by from_log: no clock to read
        self._log_conversation_id: str | None = None
        #: The exception that stopped the model part-way, if one did (what arrived is kept).
        self.error: Exception | None = None
        #: One line for each retry and each move to a fallback model (llm.resilience).
        self.attempts: list[str] = []

    # -- what execute() calls

    def set_usage(
        self,
        *,
        input: int | None = None,
        output: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.input_tokens = input
        self.output_tokens = output
        self.token_details = details or None

    def add_tool_call(self, tool_call: ToolCall) -> None:
        """Record a tool call the model asked for (given an id if it has none)."""
        self._tool_calls.append(with_tool_call_id(tool_call))

    def token_usage(self) -> str:
        """``"12 input, 34 output"`` (and the details as JSON), leaving out what is unknown."""
        from .utils import token_usage_string

        return token_usage_string(self.input_tokens, self.output_tokens, self.token_details)

    def set_resolved_model(self, model_id: str) -> None:
        """Record the model that actually answered, when the provider reports one."""
        self.resolved_model = model_id

    # -- stream events and messages

    @property
    def _stream_events(self) -> list[StreamEvent]:
        return self._events.events

    def _record(self, chunk: str | StreamEvent) -> str | None:
        """Record one chunk from execute(); its text, if it is text."""
        text = self._events.add(chunk)
        if text is not None:
            self._chunks.append(text)
        return text

    def reasoning_text(self) -> str | None:
        """The visible reasoning this response streamed (redacted reasoning left out), joined;
        None when there was none. What the log keeps of it."""
        from .parts import ReasoningPart

        if not self._done:
            return None
        texts = [
            part.text
            for message in self._messages_now()
            for part in message.parts
            if isinstance(part, ReasoningPart) and not part.redacted and part.text
        ]
        return "".join(texts) or None

    def _messages_now(self) -> list[Message]:
        """The assistant message(s) of a finished response (not run here)."""
        from .parts import Message
        from .stream_assembly import fallback_parts

        if self._loaded_messages is not None:
            return list(self._loaded_messages)
        if self._events.events:
            groups = self._events.message_parts(self._tool_calls)
        else:  # rebuilt from a log row: no events were recorded
            groups = fallback_parts("".join(self._chunks), self._tool_calls)
        return [Message(role="assistant", parts=parts) for parts in groups]

    def _check_done_for_dict(self) -> None:
        if not self._done:
            raise ValueError("Response not yet awaited")

    def to_dict(self) -> ResponseDict:
        """This response as JSON-safe data (``llm.serialization.ResponseDict``): the model,
        the messages it was sent, its answer, options, usage. ``from_dict()`` reads it back.
        A sync response is run first; an async one must have been awaited."""
        from .response_dicts import response_to_dict

        if isinstance(self, Response):
            self._force()
        self._check_done_for_dict()
        return response_to_dict(self)

    @classmethod
    def from_row(cls, db: Any, row: Any, _async: bool = False) -> Any:
        """A finished response rebuilt from a ``responses`` row of a log database (a
        ``sqlite_utils.Database`` or ``sqlite3.Connection``), as the original offers."""
        from ._compat import response_from_row

        return response_from_row(db, row, use_async=_async or issubclass(cls, AsyncResponse))

    @classmethod
    def from_dict(cls, data: ResponseDict, *, model: Any = None) -> Self:
        """A finished response from ``to_dict()`` data; ``reply()`` continues from it.
        ``model`` overrides the model the data names."""
        from .response_dicts import response_from_dict

        return response_from_dict(cls, data, model=model)

    @property
    def prompt_json(self) -> dict[str, Any] | None:
        return self._prompt_json if self._prompt_json is not None else self.prompt.prompt_json

    @prompt_json.setter
    def prompt_json(self, value: dict[str, Any] | None) -> None:
        self._prompt_json = value

    # -- the result

    def _started(self) -> None:
        self._start = time.monotonic()
        self._start_utcnow = datetime.datetime.now(datetime.UTC)

    def _finished(self) -> None:
        self._end = time.monotonic()
        self._done = True
        if self.conversation is not None and self not in self.conversation.responses:
            self.conversation.responses.append(self)
            # The history now comes from this response, not from what storage held.
            self.conversation.loaded_messages = None

    def _failed(self, error: Exception) -> None:
        """The model raised part-way: keep what arrived, so it can be shown and logged."""
        self.error = error
        self.finish_early()

    def finish_early(self) -> None:
        """Treat a response that stopped mid-stream (Ctrl-C, a dropped connection) as done,
        keeping what arrived, so it can still be shown and logged."""
        if self._start is None:
            self._started()
        if not self._done:
            self._finished()

    def text_or_raise(self) -> str:
        if not self._done:
            raise ValueError("Response not yet awaited")
        return "".join(self._chunks)

    def tool_calls_or_raise(self) -> list[ToolCall]:
        if not self._done:
            raise ValueError("Response not yet awaited")
        return self._tool_calls

    def duration_ms(self) -> int | None:
        if self._logged_duration_ms is not None:
            return self._logged_duration_ms
        if self._start is None or self._end is None:
            return None
        return int((self._end - self._start) * 1000)

    def datetime_utc(self) -> str | None:
        return self._start_utcnow.isoformat() if self._start_utcnow else None

    def conversation_id_for_log(self) -> str:
        """The conversation this response is logged under; one is made up if it has none."""
        if self.conversation is not None:
            return self.conversation.id
        if self._log_conversation_id is None:
            self._log_conversation_id = ulid()
        return self._log_conversation_id

    def log_to_db(self, db: Any = None) -> None:
        """Store this response in the log database.

        ``db``: None (the default database), a file path, a SQLAlchemy URL, an
        ``llm_storage.LogStore``, a ``sqlite3.Connection`` or a ``sqlite_utils.Database``.
        A connection or store passed in is left open. An ``AsyncResponse`` must have been
        awaited first; a sync ``Response`` that was never read is run first, as the original
        does.
        """
        from ._compat import log_to_db

        if isinstance(self, Response):
            self._force()
        log_to_db([self], db)

    def __repr__(self) -> str:
        text = "".join(self._chunks) if self._done else "... not yet done ..."
        return f"<{type(self).__name__} prompt={self.prompt.prompt!r} text={text!r}>"

    @classmethod
    def fake(
        cls,
        model: Any,
        prompt: str,
        *attachments: Attachment,
        system: str | None = None,
        response: str = "",
    ) -> Any:
        """A finished response with the given text, for tests."""
        # Also accept the original positional form fake(model, prompt, system, response).
        positional: tuple[Any, ...] = attachments
        if positional and isinstance(positional[0], str | type(None)):
            system = positional[0]
            if len(positional) > 1:
                response = positional[1]
            attachments = ()
        built = Prompt(prompt, model, system=system, attachments=list(attachments))
        fake_response = cls(built, model, stream=False)
        fake_response._chunks = [response]
        fake_response._done = True
        return fake_response

    @classmethod
    def from_log(
        cls,
        model: Any,
        prompt: Prompt,
        text: str,
        *,
        id: str | None = None,
        conversation: Any = None,
        tool_calls: Iterable[ToolCall] = (),
        response_json: dict[str, Any] | None = None,
        prompt_json: dict[str, Any] | None = None,
        usage: Usage | None = None,
        datetime_utc: str | None = None,
        duration_ms: int | None = None,
        error: Exception | None = None,
        stream: bool = False,
    ) -> Self:
        """A finished response rebuilt from what was recorded of it (a log row, or another
        response): nothing is run. Continuing a logged conversation starts from these."""
        restored = cls(prompt, model, stream, conversation=conversation)
        if id is not None:
            restored.id = id
        restored._chunks = [text]
        restored._done = True
        restored._tool_calls = list(tool_calls)
        restored.response_json = response_json
        restored._prompt_json = prompt_json
        if usage is not None:
            restored.set_usage(input=usage.input, output=usage.output, details=usage.details)
        if datetime_utc:
            restored._start_utcnow = datetime.datetime.fromisoformat(datetime_utc)
        restored._logged_duration_ms = duration_ms
        restored.error = error
        return restored


class Response(_BaseResponse):
    """A response from a synchronous model. Iterate it to stream chunks as they arrive."""

    conversation: Conversation | None

    def _run(self) -> Iterator[StreamEvent]:
        """Run the model once, recording each chunk; yield each as an event."""
        self._started()
        from . import resilience

        chunks = resilience.chunks(
            self,
            lambda model, prompt: model.execute(
                prompt, stream=self.stream, response=self, **_execute_kwargs(self, model)
            ),
        )
        try:
            for chunk in chunks:
                if chunk is None:
                    continue
                self._record(chunk)
                yield self._events.events[-1]
        except Exception as ex:
            self._failed(ex)
            raise
        self._finished()
        for callback in self.done_callbacks:
            callback(self)
        self.done_callbacks = []

    def __iter__(self) -> Iterator[str]:
        """The text as it arrives (reasoning and tool-call events are not text)."""
        if self._done:
            yield from self._chunks
            return
        for event in self._live():
            if event.type == "text":
                yield event.chunk

    def stream_events(self) -> Iterator[StreamEvent]:
        """Every ``StreamEvent`` as it arrives: text, reasoning, tool-call fragments, tool
        results. Replayed from what was recorded once the response is done."""
        if self._done:
            yield from self._events.events
            return
        # A loop, not ``yield from``: closing this reader must not close the run.
        for event in self._live():  # noqa: UP028
            yield event

    def _live(self) -> Iterator[StreamEvent]:
        """The one run of the model: a reader that stopped early (``break``) is continued by
        the next, never started again."""
        if self._running is None:
            self._running = self._run()
        return self._running

    def messages(self) -> list[Message]:
        """The assistant message(s) this response produced (runs it first if needed)."""
        self._force()
        return self._messages_now()

    def reply(
        self,
        prompt: str | None = None,
        *,
        messages: list[Message] | None = None,
        tool_results: list[ToolResult] | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Response:
        """The next turn after this one: the model is sent everything this response was
        sent, its answer, the results of the tools it called (run here unless
        ``tool_results`` is given), then ``prompt`` and ``messages``. The same tools are
        offered unless ``tools=`` says otherwise."""
        self._force()
        if "tools" not in kwargs and self.prompt.tools:
            kwargs["tools"] = self.prompt.tools
        if tool_results is None and self._tool_calls:
            tool_results = self.execute_tool_calls(tools=kwargs.get("tools"))
        return cast(
            Response,
            self.model.prompt(
                messages=_reply_chain(self, prompt, messages, tool_results),
                options=options,
                **kwargs,
            ),
        )

    def _force(self) -> None:
        if not self._done:
            for _ in self:
                pass

    def text(self) -> str:
        self._force()
        return "".join(self._chunks)

    def __str__(self) -> str:
        return self.text()

    def json(self) -> dict[str, Any] | None:
        self._force()
        return self.response_json

    def usage(self) -> Usage:
        self._force()
        return Usage(self.input_tokens, self.output_tokens, self.token_details)

    def tool_calls(self) -> list[ToolCall]:
        self._force()
        return self._tool_calls

    def execute_tool_calls(
        self,
        *,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        tool_calls_list: list[ToolCall] | None = None,
        tools: list[Any] | None = None,
    ) -> list[ToolResult]:
        """Run the tool calls this response asked for (or ``tool_calls_list``) with its
        tools (or ``tools``) and return their results."""
        from .chain import execute_tool_calls

        return execute_tool_calls(
            self,
            before_call=before_call,
            after_call=after_call,
            tool_calls=tool_calls_list,
            tools=tools,
        )

    def execute_tool_call(self, tool_call: ToolCall) -> ToolResult:
        """Run one tool call with this response's tools and callbacks."""
        return self.execute_tool_calls(
            before_call=self.before_call,
            after_call=self.after_call,
            tool_calls_list=[with_tool_call_id(tool_call)],
        )[0]

    def duration_ms(self) -> int | None:
        """How long the model took; runs the prompt first if needed, like the original."""
        self._force()
        return super().duration_ms()

    def datetime_utc(self) -> str | None:
        """When the prompt started running (ISO 8601, UTC); runs it first if needed."""
        self._force()
        return super().datetime_utc()

    def on_done(self, callback: Callable[[Response], Any]) -> None:
        """Call ``callback(response)`` once the response is complete (now, if it is)."""
        if self._done:
            callback(self)
        else:
            self.done_callbacks.append(callback)


class AsyncResponse(_BaseResponse):
    """A response from an async model: ``async for chunk in response`` or ``await``."""

    conversation: AsyncConversation | None

    async def _run(self) -> AsyncGenerator[StreamEvent, None]:
        """Run the model once, recording each chunk; yield each as an event."""
        self._started()
        from . import resilience

        chunks = resilience.achunks(
            self,
            lambda model, prompt: model.execute(
                prompt, stream=self.stream, response=self, **_execute_kwargs(self, model)
            ),
        )
        try:
            async for chunk in chunks:
                if chunk is None:
                    continue
                self._record(chunk)
                yield self._events.events[-1]
        except Exception as ex:
            self._failed(ex)
            raise
        self._finished()
        for callback in self.done_callbacks:
            result = callback(self)
            if inspect.isawaitable(result):
                await result
        self.done_callbacks = []

    async def _iterate(self) -> AsyncGenerator[str, None]:
        if self._done:
            for chunk in self._chunks:
                yield chunk
            return
        async for event in self._live():
            if event.type == "text":
                yield event.chunk

    def __aiter__(self) -> AsyncGenerator[str, None]:
        return self._iterate()

    async def astream_events(self) -> AsyncGenerator[StreamEvent, None]:
        """Every ``StreamEvent`` as it arrives (replayed once the response is done)."""
        if self._done:
            for event in self._events.events:
                yield event
            return
        async for event in self._live():
            yield event

    def _live(self) -> AsyncGenerator[StreamEvent, None]:
        """The one run of the model: a reader that stopped early is continued by the next."""
        if self._running is None:
            self._running = self._run()
        return self._running

    async def messages(self) -> list[Message]:
        """The assistant message(s) this response produced (awaits it first if needed)."""
        await self._force()
        return self._messages_now()

    async def reply(
        self,
        prompt: str | None = None,
        *,
        messages: list[Message] | None = None,
        tool_results: list[ToolResult] | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncResponse:
        """The next turn after this one (see ``Response.reply``); awaits this one first."""
        await self._force()
        if "tools" not in kwargs and self.prompt.tools:
            kwargs["tools"] = self.prompt.tools
        if tool_results is None and self._tool_calls:
            tool_results = await self.execute_tool_calls(tools=kwargs.get("tools"))
        return cast(
            AsyncResponse,
            self.model.prompt(
                messages=_reply_chain(self, prompt, messages, tool_results),
                options=options,
                **kwargs,
            ),
        )

    async def _force(self) -> AsyncResponse:
        if not self._done:
            async for _ in self:
                pass
        return self

    def __await__(self) -> Any:
        return self._force().__await__()

    async def text(self) -> str:
        await self._force()
        return "".join(self._chunks)

    async def json(self) -> dict[str, Any] | None:
        await self._force()
        return self.response_json

    async def usage(self) -> Usage:
        await self._force()
        return Usage(self.input_tokens, self.output_tokens, self.token_details)

    async def tool_calls(self) -> list[ToolCall]:
        await self._force()
        return self._tool_calls

    async def execute_tool_calls(
        self,
        *,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        tool_calls_list: list[ToolCall] | None = None,
        tools: list[Any] | None = None,
    ) -> list[ToolResult]:
        """Run the tool calls this response asked for, or ``tool_calls_list`` (async tools
        concurrently), with its tools or ``tools``."""
        from .chain import execute_tool_calls_async

        return await execute_tool_calls_async(
            self,
            before_call=before_call,
            after_call=after_call,
            tool_calls=tool_calls_list,
            tools=tools,
        )

    async def execute_tool_call(self, tool_call: ToolCall) -> ToolResult:
        """Run one tool call with this response's tools and callbacks."""
        results = await self.execute_tool_calls(
            before_call=self.before_call,
            after_call=self.after_call,
            tool_calls_list=[with_tool_call_id(tool_call)],
        )
        return results[0]

    async def on_done(self, callback: Callable[[AsyncResponse], Any]) -> None:
        if self._done:
            result = callback(self)
            if inspect.isawaitable(result):
                await result
        else:
            self.done_callbacks.append(callback)

    async def to_sync_response(self) -> Response:
        """A finished sync ``Response`` with this response's content (awaits it first)."""
        await self._force()
        sync: Response = Response.from_log(
            self.model,
            self.prompt,
            "".join(self._chunks),
            id=self.id,
            conversation=self.conversation,
            tool_calls=self._tool_calls,
            response_json=self.response_json,
            prompt_json=self._prompt_json,
            usage=Usage(self.input_tokens, self.output_tokens, self.token_details),
            datetime_utc=self.datetime_utc(),
            duration_ms=self.duration_ms(),
            error=self.error,
            stream=self.stream,
        )
        sync._log_conversation_id = self.conversation_id_for_log()
        # The structure too, or reasoning and provider metadata would be lost in the log.
        sync._events = self._events
        sync._loaded_messages = self._loaded_messages
        sync.resolved_model = self.resolved_model
        sync.attachments = list(self.attachments)
        return sync


# ---------------------------------------------------------------- conversations


@dataclass
class _BaseConversation(_Chaining[ChainT], Generic[ResponseT, ChainT]):
    model: Any
    id: str = field(default_factory=ulid)
    name: str | None = None
    responses: list[Any] = field(default_factory=list)
    tools: list[Any] | None = None
    chain_limit: int | None = None
    #: Callbacks for the conversation's tool calls (chains and ``execute_tool_call``).
    before_call: Callable[..., Any] | None = None
    after_call: Callable[..., Any] | None = None
    #: The exact history read back from storage: the next turn's history until the
    #: conversation has a response of its own.
    loaded_messages: list[Message] | None = None
    #: The tool specs (e.g. ``'Datasette({"url": ...})'``) storage recorded for it.
    loaded_tools: list[str] | None = None

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """The conversation of a ``conversations`` row (its model looked up by id)."""
        from .registry import get_async_model, get_model

        lookup = get_async_model if cls._asynchronous else get_model
        return cls(model=lookup(row["model"]), id=row["id"], name=row["name"])

    def _chain_holder(self) -> Any:
        return self

    def prompt(
        self,
        prompt: str | None = None,
        *,
        messages: list[Message] | None = None,
        **kwargs: Any,
    ) -> ResponseT:
        """The next turn: the model is sent the whole conversation so far (or
        ``messages``, a history to continue from instead), then this turn's input."""
        if self.tools and not kwargs.get("tools"):
            kwargs["tools"] = self.tools
        kwargs["messages"] = self._history(prompt, messages, kwargs)
        response = self.model.prompt(prompt, **kwargs)
        response.conversation = self
        response.before_call = self.before_call
        response.after_call = self.after_call
        return response

    def _history(
        self, prompt: str | None, messages: list[Message] | None, kwargs: dict[str, Any]
    ) -> list[Message]:
        """The history before this turn's input (which ``model.prompt()`` adds)."""
        from .messages import conversation_chain
        from .prompts import combine_system

        system = combine_system(kwargs.get("system"), kwargs.get("system_fragments"))
        return conversation_chain(self, None, messages=messages, system=system)


@dataclass
class Conversation(_BaseConversation["Response", "ChainResponse"]):
    """A sequence of prompts to one model; each sees the responses before it."""


@dataclass
class AsyncConversation(_BaseConversation["AsyncResponse", "AsyncChainResponse"]):
    """A conversation with an async model: its prompts return ``AsyncResponse``."""

    _asynchronous: ClassVar[bool] = True

    def to_sync_conversation(self) -> Conversation:
        """A sync ``Conversation`` with this one's id, name, tools and chain limit (no
        responses), e.g. to log under."""
        return Conversation(
            model=self.model,
            id=self.id,
            name=self.name,
            tools=self.tools,
            chain_limit=self.chain_limit,
        )


_SyncModel._response_class = Response
_SyncModel._conversation_class = Conversation
_AsyncModel._response_class = AsyncResponse
_AsyncModel._conversation_class = AsyncConversation

"""Running tool calls, and chains of responses that feed tool results back to the model.

This module is the one owner of the tool-calling loop: ``Model.chain()``,
``Conversation.chain()`` (sync and async) and ``Response.execute_tool_calls()`` all delegate
here. A chain prompts the model; when the response asks for tool calls they are run and their
results become the next prompt (empty text, same tools), until a response asks for none.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .tools import (
    CancelToolCall,
    PauseChain,
    ServerSideTool,
    Tool,
    Toolbox,
    ToolCall,
    ToolOutput,
    ToolResult,
    as_tools,
    call_arguments,
)

if TYPE_CHECKING:
    from .attachments import Attachment
    from .models import AsyncResponse, Response
    from .parts import StreamEvent

#: Called before each tool call (``tool`` is None for a tool the model made up).
BeforeCall = Callable[[Tool | None, ToolCall], Awaitable[None] | None]
AfterCall = Callable[[Tool, ToolCall, ToolResult], Awaitable[None] | None]

#: The chain limit the CLI uses when none is given (the Python API has none by default).
DEFAULT_CHAIN_LIMIT = 5


# ---------------------------------------------------------------- one tool call


def _missing_tool(call: ToolCall, reason: str = "does not exist") -> ToolResult:
    # Sent back to the model, which can then correct itself.
    message = f'tool "{call.name}" {reason}'
    return ToolResult(
        name=call.name,
        output=f"Error: {message}",
        tool_call_id=call.tool_call_id,
        exception=KeyError(message),
    )


def _paused(ex: PauseChain, call: ToolCall, finished: list[ToolResult]) -> PauseChain:
    """Say which call paused the chain and what the round finished before it."""
    ex.tool_call = call
    ex.tool_results = list(finished)
    return ex


def _runnable_tools(response: Any, tools: list[Any] | None) -> dict[str, Tool]:
    """The function tools a response's calls are run with, by name (server-side tools run
    at the provider, never here)."""
    offered = as_tools(tools) if tools is not None else response.prompt.tools
    return {tool.name: tool for tool in offered if not isinstance(tool, ServerSideTool)}


def _cancelled(call: ToolCall, ex: CancelToolCall) -> ToolResult:
    return ToolResult(
        name=call.name,
        output=f"Cancelled: {ex}" if str(ex) else "Cancelled",
        tool_call_id=call.tool_call_id,
        exception=ex,
    )


def _instance(tool: Tool) -> Toolbox | None:
    if tool.toolbox is not None:
        return tool.toolbox
    owner = getattr(tool.implementation, "__self__", None)
    return owner if isinstance(owner, Toolbox) else None


def _result(tool: Tool, call: ToolCall, value: Any, error: Exception | None) -> ToolResult:
    """Turn what a tool returned (or raised) into the result that goes back to the model."""
    attachments: list[Attachment] = []
    if error is not None:
        output = f"Error: {error}"
    else:
        if isinstance(value, ToolOutput):
            attachments = list(value.attachments)
            value = value.output
        output = value if isinstance(value, str) else json.dumps(value, default=repr)
    return ToolResult(
        name=call.name,
        output=output,
        attachments=attachments,
        tool_call_id=call.tool_call_id,
        instance=_instance(tool),
        exception=error,
    )


def _implementation(tool: Tool) -> Callable[..., Any]:
    if tool.implementation is None:
        raise ValueError(f"No implementation available for tool: {tool.name}")
    return tool.implementation


def _run_coroutine(awaitable: Awaitable[Any]) -> Any:
    """Run an async tool from sync code, even when the caller is already inside an event loop
    (a notebook): then it runs on a thread of its own."""

    async def wrapper() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrapper())
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(wrapper())
        except BaseException as ex:  # re-raised on the caller's thread
            outcome["error"] = ex

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _sync_callback(result: Any, which: str) -> None:
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()  # never awaited: avoid the "was never awaited" warning
        raise TypeError(
            f"An async {which} callback cannot be used with a synchronous model:"
            " use an async model or a synchronous callback"
        )


def execute_tool_calls(
    response: Response,
    *,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
    tool_calls: list[ToolCall] | None = None,
    tools: list[Any] | None = None,
) -> list[ToolResult]:
    """Run the tool calls a (sync) response asked for and return their results, in order.

    An unknown tool, a tool that raises and a call cancelled by ``before_call`` raising
    ``CancelToolCall`` each become a result the model is told about; nothing stops the chain.
    Sync tools run as they come; ``async def`` tools are approved (``before_call``) in turn,
    then run concurrently on one event loop. ``PauseChain`` from a tool or ``before_call``
    stops the round there and propagates (see ``PauseChain``).
    """
    tools_by_name = _runnable_tools(response, tools)
    results: dict[int, ToolResult] = {}
    deferred: list[tuple[int, Tool, ToolCall]] = []

    def finished() -> list[ToolResult]:
        return [results[index] for index in sorted(results)]

    def finish(index: int, tool: Tool, call: ToolCall, value: Any, error: Exception | None) -> None:
        result = _result(tool, call, value, error)
        if after_call is not None:
            _sync_callback(after_call(tool, call, result), "after_call")
        results[index] = result

    calls = response.tool_calls() if tool_calls is None else tool_calls
    for index, call in enumerate(calls):
        tool = tools_by_name.get(call.name)
        if before_call is not None:
            try:
                # Told about unknown tools too (tool None), as the original does.
                _sync_callback(before_call(tool, call), "before_call")
            except CancelToolCall as ex:
                results[index] = _cancelled(call, ex)
                continue
            except PauseChain as ex:
                raise _paused(ex, call, finished()) from None
        if tool is None:
            results[index] = _missing_tool(call)
            continue
        implementation = _implementation(tool)
        if inspect.iscoroutinefunction(implementation):
            deferred.append((index, tool, call))
            continue
        value: Any = None
        error: Exception | None = None
        try:
            value = implementation(**call_arguments(implementation, call))
            if inspect.isawaitable(value):
                value = _run_coroutine(value)
        except PauseChain as ex:
            raise _paused(ex, call, finished()) from None
        except Exception as ex:
            error = ex
        finish(index, tool, call, value, error)

    if deferred:

        async def run_one(tool: Tool, call: ToolCall) -> tuple[Any, BaseException | None]:
            implementation = _implementation(tool)
            try:
                return await implementation(**call_arguments(implementation, call)), None
            except Exception as ex:
                return None, ex

        async def run_all() -> list[tuple[Any, BaseException | None]]:
            return list(await asyncio.gather(*(run_one(tool, call) for _, tool, call in deferred)))

        outcomes = list(zip(deferred, _run_coroutine(run_all()), strict=True))
        # Concurrent calls all finish; then the first that paused pauses the chain.
        for (index, tool, call), (value, error) in outcomes:
            if not isinstance(error, PauseChain):
                finish(index, tool, call, value, error)
        for (_, _, call), (_, error) in outcomes:
            if isinstance(error, PauseChain):
                raise _paused(error, call, finished())
    return finished()


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


async def execute_tool_calls_async(
    response: AsyncResponse,
    *,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
    tool_calls: list[ToolCall] | None = None,
    tools: list[Any] | None = None,
) -> list[ToolResult]:
    """Run an async response's tool calls: ``async def`` tools concurrently, sync ones inline;
    results come back in the order the model asked for them. A ``PauseChain`` propagates
    once the calls already running have finished."""
    calls = await response.tool_calls() if tool_calls is None else tool_calls
    tools_by_name = _runnable_tools(response, tools)
    results: list[ToolResult | None] = [None] * len(calls)
    tasks: list[tuple[ToolCall, asyncio.Task[None]]] = []

    def finished() -> list[ToolResult]:
        return [result for result in results if result is not None]

    async def run(index: int, tool: Tool, call: ToolCall) -> None:
        value: Any = None
        error: Exception | None = None
        implementation = _implementation(tool)
        try:
            value = implementation(**call_arguments(implementation, call))
            if inspect.isawaitable(value):
                value = await value
        except PauseChain:
            raise
        except Exception as ex:
            error = ex
        result = _result(tool, call, value, error)
        if after_call is not None:
            await _maybe_await(after_call(tool, call, result))
        results[index] = result

    paused: tuple[PauseChain, ToolCall] | None = None
    for index, call in enumerate(calls):
        tool = tools_by_name.get(call.name)
        if before_call is not None:
            try:
                await _maybe_await(before_call(tool, call))
            except CancelToolCall as ex:
                results[index] = _cancelled(call, ex)
                continue
            except PauseChain as ex:
                paused = (ex, call)
                break
        if tool is None or tool.implementation is None:
            reason = "does not exist" if tool is None else "has no implementation"
            results[index] = _missing_tool(call, reason)
            continue
        if inspect.iscoroutinefunction(_implementation(tool)):
            tasks.append((call, asyncio.create_task(run(index, tool, call))))
            continue
        try:
            await run(index, tool, call)
        except PauseChain as ex:
            paused = (ex, call)
            break
    if tasks:
        outcomes = await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
        for (call, _), outcome in zip(tasks, outcomes, strict=True):
            if isinstance(outcome, PauseChain) and paused is None:
                paused = (outcome, call)
            elif isinstance(outcome, BaseException) and not isinstance(outcome, PauseChain):
                raise outcome
    if paused is not None:
        raise _paused(paused[0], paused[1], finished())
    return finished()


# ---------------------------------------------------------------- chains


def _check_limit(chain_limit: int | None, count: int) -> None:
    if chain_limit and count >= chain_limit:
        raise ValueError(f"Chain limit of {chain_limit} exceeded.")


def _round_separator(last_char: str, chunk: str) -> bool:
    """Whether to show a space between two rounds of a chain, so the text of one does not
    run into the next ("...dragons.Now that..."). Display only: never recorded."""
    return bool(last_char) and not last_char.isspace() and not chunk[0].isspace()


class _BaseChainResponse:
    def __init__(
        self,
        prompt: Any,
        model: Any,
        stream: bool,
        conversation: Any,
        key: str | None = None,
        chain_limit: int | None = None,
        before_call: BeforeCall | None = None,
        after_call: AfterCall | None = None,
    ) -> None:
        self.prompt = prompt
        self.model = model
        self.stream = stream
        self.conversation = conversation
        self._key = key
        #: How many responses the chain may make; None or 0 means no limit.
        self.chain_limit = chain_limit
        self.before_call = before_call
        self.after_call = after_call
        self._responses: list[Any] = []

    def _response(self, prompt: Any) -> Any:
        from .models import AsyncResponse, Response

        response_class = AsyncResponse if isinstance(self, AsyncChainResponse) else Response
        return response_class(
            prompt,
            self.model,
            self.stream,
            conversation=self.conversation,
            key=self._key,
            before_call=self.before_call,
            after_call=self.after_call,
        )

    def _next_prompt(self, history: list[Any], tool_results: list[ToolResult]) -> Any:
        """The prompt of the next round: no text; the history (what the previous round was
        sent and answered) and the tool results; the first prompt's tools, system prompt and
        options, and the attachments the tools returned."""
        from .messages import append_tool_results
        from .prompts import Prompt

        first = self.prompt
        return Prompt(
            "",
            self.model,
            tools=first.tools,
            tool_results=tool_results,
            messages=append_tool_results(history, tool_results),
            system=first._system,
            system_fragments=first.system_fragments,
            options=first.options,
            attachments=[a for result in tool_results for a in result.attachments],
            hide_reasoning=first.hide_reasoning,
        )

    def _pending_tool_calls(self) -> list[ToolCall]:
        """Tool calls the given history ends with and that have no result yet: a chain
        resumed after a pause (or a crash) runs them before calling the model."""
        from .messages import trailing_pending_tool_calls

        if not self.prompt.tools:
            return []
        return trailing_pending_tool_calls(self.prompt.messages)

    def log_to_db(self, db: Any = None) -> None:
        """Log every response of the chain, each as its own row, like any response.

        The database is opened once for the whole chain. A connection the caller passed in
        (e.g. a sqlite-utils ``Database``) stays theirs: it is not closed here.
        """
        if not self._responses:
            return
        from ._compat import log_to_db

        log_to_db(list(self._responses), db)

    def responses_made(self) -> list[Any]:
        """The responses made so far, in order, without running the chain any further."""
        return list(self._responses)

    @property
    def error(self) -> Exception | None:
        """The error the latest response stopped with, if any."""
        return getattr(self._responses[-1], "error", None) if self._responses else None

    def finish_early(self) -> None:
        """Stop the chain where it is (Ctrl-C): the latest response keeps what arrived."""
        if self._responses:
            self._responses[-1].finish_early()

    def text_or_raise(self) -> str:
        """The text of every response made so far, joined as ``text()`` joins it, without
        running the chain."""
        joined = ""
        for response in self._responses:
            text = response.text_or_raise()
            if text and _round_separator(joined[-1:], text):
                joined += " "
            joined += text
        return joined

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prompt={self.prompt.prompt!r}>"


class ChainResponse(_BaseChainResponse):
    """The responses of a sync chain. Iterate it for the text of each response as it streams."""

    _responses: list[Response]

    def responses(self) -> Iterator[Response]:
        """Each response of the chain as it is made; tools run after each is consumed.

        A history (``messages=``) that ends in unanswered tool calls is resumed: those calls
        run first. ``PauseChain`` raised by a tool stops the chain (see ``PauseChain``).
        """
        from .messages import history_after

        if self._responses:  # already run: replay
            yield from self._responses
            return
        current: Response | None = self._response(self.prompt)
        pending = self._pending_tool_calls()
        if pending and current is not None:
            results = current.execute_tool_calls(
                before_call=self.before_call, after_call=self.after_call, tool_calls_list=pending
            )
            current = self._response(self._next_prompt(list(self.prompt.messages), results))
        count = 0
        while current is not None:
            count += 1
            self._responses.append(current)  # recorded first: a caller may stop reading here
            yield current
            if current.tool_calls():
                _check_limit(self.chain_limit, count)  # before running tools nobody will read
            tool_results = current.execute_tool_calls(
                before_call=self.before_call, after_call=self.after_call
            )
            if not tool_results:
                break
            current = self._response(self._next_prompt(history_after(current), tool_results))

    def __iter__(self) -> Iterator[str]:
        last_char = ""
        for response in self.responses():
            first = True
            for chunk in response:
                if not chunk:
                    continue
                if first and _round_separator(last_char, chunk):
                    yield " "
                first = False
                yield chunk
                last_char = chunk[-1]

    def stream_events(self) -> Iterator[StreamEvent]:
        """The stream events of every response of the chain, as they arrive."""
        from .parts import StreamEvent

        last_char = ""
        for response in self.responses():
            first = True
            for event in response.stream_events():
                if event.type == "text" and event.chunk:
                    if first and _round_separator(last_char, event.chunk):
                        yield StreamEvent(type="text", chunk=" ")
                    first = False
                    last_char = event.chunk[-1]
                yield event

    def text(self) -> str:
        return "".join(self)

    def __str__(self) -> str:
        return self.text()


class AsyncChainResponse(_BaseChainResponse):
    """The responses of an async chain: ``async for chunk in chain`` or ``await chain.text()``."""

    _responses: list[AsyncResponse]

    async def _prepare_toolboxes(self) -> None:
        """Await ``prepare_async()`` once per toolbox, then list its tools again (set-up may
        have added some)."""
        toolboxes: list[Toolbox] = []
        for tool in self.prompt.tools:
            box = _instance(tool) if isinstance(tool, Tool) else None
            if box is not None and box not in toolboxes:
                toolboxes.append(box)
        changed = False
        for box in toolboxes:
            if not box._prepared_async:
                box._prepared_async = True
                await box.prepare_async()
                changed = True
        if changed:
            rebuilt: list[Tool | ServerSideTool] = []
            seen: list[Toolbox] = []
            for tool in self.prompt.tools:
                box = _instance(tool) if isinstance(tool, Tool) else None
                if box is None:
                    rebuilt.append(tool)
                elif box not in seen:
                    seen.append(box)
                    rebuilt.extend(box.tools())
            self.prompt.tools = rebuilt

    async def responses(self) -> AsyncIterator[AsyncResponse]:
        """Each response of the chain as it is made (see ``ChainResponse.responses``)."""
        from .messages import history_after

        if self._responses:
            for done in self._responses:
                yield done
            return
        await self._prepare_toolboxes()
        current: AsyncResponse | None = self._response(self.prompt)
        pending = self._pending_tool_calls()
        if pending and current is not None:
            results = await current.execute_tool_calls(
                before_call=self.before_call, after_call=self.after_call, tool_calls_list=pending
            )
            current = self._response(self._next_prompt(list(self.prompt.messages), results))
        count = 0
        while current is not None:
            count += 1
            self._responses.append(current)
            yield current
            if await current.tool_calls():
                _check_limit(self.chain_limit, count)
            tool_results = await current.execute_tool_calls(
                before_call=self.before_call, after_call=self.after_call
            )
            if not tool_results:
                break
            current = self._response(self._next_prompt(history_after(current), tool_results))

    async def __aiter__(self) -> AsyncIterator[str]:
        last_char = ""
        async for response in self.responses():
            first = True
            async for chunk in response:
                if not chunk:
                    continue
                if first and _round_separator(last_char, chunk):
                    yield " "
                first = False
                yield chunk
                last_char = chunk[-1]

    async def astream_events(self) -> AsyncIterator[StreamEvent]:
        """The stream events of every response of the chain, as they arrive."""
        from .parts import StreamEvent

        last_char = ""
        async for response in self.responses():
            first = True
            async for event in response.astream_events():
                if event.type == "text" and event.chunk:
                    if first and _round_separator(last_char, event.chunk):
                        yield StreamEvent(type="text", chunk=" ")
                    first = False
                    last_char = event.chunk[-1]
                yield event

    async def text(self) -> str:
        return "".join([chunk async for chunk in self])


# ---------------------------------------------------------------- starting a chain


def start_chain(
    conversation: Any,
    prompt: str | None,
    *,
    asynchronous: bool,
    stream: bool = True,
    key: str | None = None,
    chain_limit: int | None = None,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
    options: dict[str, Any] | None = None,
    messages: list[Any] | None = None,
    **prompt_kwargs: Any,
) -> Any:
    """The chain for ``conversation.chain(...)``: its first prompt built and checked like
    ``model.prompt()``'s, sent the conversation so far (or ``messages``); the
    conversation's tools, callbacks and chain limit unless others are given."""
    from .messages import conversation_chain
    from .prompts import combine_system

    model = conversation.model
    if not prompt_kwargs.get("tools") and conversation.tools:
        prompt_kwargs["tools"] = conversation.tools
    system = combine_system(prompt_kwargs.get("system"), prompt_kwargs.get("system_fragments"))
    history = conversation_chain(conversation, None, messages=messages, system=system)
    first = model._make_prompt(
        prompt, options=dict(options or {}), messages=history, **prompt_kwargs
    )
    chain_class = AsyncChainResponse if asynchronous else ChainResponse
    return chain_class(
        first,
        model,
        stream,
        conversation,
        key=key,
        chain_limit=chain_limit if chain_limit is not None else conversation.chain_limit,
        before_call=before_call or conversation.before_call,
        after_call=after_call or conversation.after_call,
    )

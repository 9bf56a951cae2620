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

from .tools import CancelToolCall, Tool, Toolbox, ToolCall, ToolOutput, ToolResult

if TYPE_CHECKING:
    from .attachments import Attachment
    from .models import AsyncResponse, Response

BeforeCall = Callable[[Tool, ToolCall], Awaitable[None] | None]
AfterCall = Callable[[Tool, ToolCall, ToolResult], Awaitable[None] | None]

#: The chain limit the CLI uses when none is given (the Python API has none by default).
DEFAULT_CHAIN_LIMIT = 5


# ---------------------------------------------------------------- one tool call


def _missing_tool(call: ToolCall) -> ToolResult:
    # Sent back to the model, which can then correct itself.
    return ToolResult(
        name=call.name,
        output=f'Error: tool "{call.name}" does not exist',
        tool_call_id=call.tool_call_id,
    )


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
) -> list[ToolResult]:
    """Run the tool calls a (sync) response asked for and return their results, in order.

    An unknown tool, a tool that raises and a call cancelled by ``before_call`` raising
    ``CancelToolCall`` each become a result the model is told about; nothing stops the chain.
    Sync tools run as they come; ``async def`` tools are approved (``before_call``) in turn,
    then run concurrently on one event loop.
    """
    tools_by_name = {tool.name: tool for tool in response.prompt.tools}
    results: dict[int, ToolResult] = {}
    deferred: list[tuple[int, Tool, ToolCall]] = []

    def finish(index: int, tool: Tool, call: ToolCall, value: Any, error: Exception | None) -> None:
        result = _result(tool, call, value, error)
        if after_call is not None:
            _sync_callback(after_call(tool, call, result), "after_call")
        results[index] = result

    for index, call in enumerate(response.tool_calls()):
        tool = tools_by_name.get(call.name)
        if tool is None:
            results[index] = _missing_tool(call)
            continue
        implementation = _implementation(tool)
        if before_call is not None:
            try:
                _sync_callback(before_call(tool, call), "before_call")
            except CancelToolCall as ex:
                results[index] = _cancelled(call, ex)
                continue
        if inspect.iscoroutinefunction(implementation):
            deferred.append((index, tool, call))
            continue
        value: Any = None
        error: Exception | None = None
        try:
            value = implementation(**call.arguments)
            if inspect.isawaitable(value):
                value = _run_coroutine(value)
        except Exception as ex:
            error = ex
        finish(index, tool, call, value, error)

    if deferred:

        async def run_one(tool: Tool, call: ToolCall) -> tuple[Any, Exception | None]:
            try:
                return await _implementation(tool)(**call.arguments), None
            except Exception as ex:
                return None, ex

        async def run_all() -> list[tuple[Any, Exception | None]]:
            return list(await asyncio.gather(*(run_one(tool, call) for _, tool, call in deferred)))

        for (index, tool, call), (value, error) in zip(
            deferred, _run_coroutine(run_all()), strict=True
        ):
            finish(index, tool, call, value, error)
    return [results[index] for index in sorted(results)]


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


async def execute_tool_calls_async(
    response: AsyncResponse,
    *,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
) -> list[ToolResult]:
    """Run an async response's tool calls: ``async def`` tools concurrently, sync ones inline;
    results come back in the order the model asked for them."""
    calls = await response.tool_calls()
    tools_by_name = {tool.name: tool for tool in response.prompt.tools}
    results: list[ToolResult | None] = [None] * len(calls)
    tasks: list[asyncio.Task[None]] = []

    async def run(index: int, tool: Tool, call: ToolCall) -> None:
        if before_call is not None:
            try:
                await _maybe_await(before_call(tool, call))
            except CancelToolCall as ex:
                results[index] = _cancelled(call, ex)
                return
        value: Any = None
        error: Exception | None = None
        try:
            value = _implementation(tool)(**call.arguments)
            if inspect.isawaitable(value):
                value = await value
        except Exception as ex:
            error = ex
        result = _result(tool, call, value, error)
        if after_call is not None:
            await _maybe_await(after_call(tool, call, result))
        results[index] = result

    for index, call in enumerate(calls):
        tool = tools_by_name.get(call.name)
        if tool is None:
            results[index] = _missing_tool(call)
            continue
        implementation = _implementation(tool)
        if inspect.iscoroutinefunction(implementation):
            tasks.append(asyncio.create_task(run(index, tool, call)))
        else:
            await run(index, tool, call)
    if tasks:
        await asyncio.gather(*tasks)
    return [result for result in results if result is not None]


# ---------------------------------------------------------------- chains


def _check_limit(chain_limit: int | None, count: int) -> None:
    if chain_limit and count >= chain_limit:
        raise ValueError(f"Chain limit of {chain_limit} exceeded.")


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

    def _next_prompt(self, previous: Any, tool_results: list[ToolResult]) -> Any:
        from .prompts import Prompt

        # Tool results drive the next turn: no text, the same tools and options.
        return Prompt(
            "",
            self.model,
            tools=previous.prompt.tools,
            tool_results=tool_results,
            options=self.prompt.options,
        )

    def log_to_db(self, db: Any = None) -> None:
        """Log every response of the chain, each as its own row, like any response.

        The database is opened once for the whole chain. A connection the caller passed in
        (e.g. a sqlite-utils ``Database``) stays theirs: it is not closed here.
        """
        if not self._responses:
            return
        import os

        from ._compat import sibling

        store = sibling("storage", feature="Logging responses").open_for_logging(db)
        try:
            for response in self._responses:  # sync and async responses log the same way
                store.log_response(response)
        finally:
            if store is not db and (db is None or isinstance(db, str | os.PathLike)):
                store.close()

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
        """The text of every response made so far, joined, without running the chain."""
        return "".join(response.text_or_raise() for response in self._responses)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prompt={self.prompt.prompt!r}>"


class ChainResponse(_BaseChainResponse):
    """The responses of a sync chain. Iterate it for the text of each response as it streams."""

    _responses: list[Response]

    def responses(self) -> Iterator[Response]:
        """Each response of the chain as it is made; tools run after each is consumed."""
        from .models import Response

        if self._responses:  # already run: replay
            yield from self._responses
            return
        current: Response | None = Response(
            self.prompt, self.model, self.stream, conversation=self.conversation, key=self._key
        )
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
            current = Response(
                self._next_prompt(current, tool_results),
                self.model,
                self.stream,
                conversation=self.conversation,
                key=self._key,
            )

    def __iter__(self) -> Iterator[str]:
        for response in self.responses():
            yield from response

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
            box = _instance(tool)
            if box is not None and box not in toolboxes:
                toolboxes.append(box)
        changed = False
        for box in toolboxes:
            if not box._prepared_async:
                box._prepared_async = True
                await box.prepare_async()
                changed = True
        if changed:
            rebuilt: list[Tool] = []
            seen: list[Toolbox] = []
            for tool in self.prompt.tools:
                box = _instance(tool)
                if box is None:
                    rebuilt.append(tool)
                elif box not in seen:
                    seen.append(box)
                    rebuilt.extend(box.tools())
            self.prompt.tools = rebuilt

    async def responses(self) -> AsyncIterator[AsyncResponse]:
        from .models import AsyncResponse

        if self._responses:
            for done in self._responses:
                yield done
            return
        await self._prepare_toolboxes()
        current: AsyncResponse | None = AsyncResponse(
            self.prompt, self.model, self.stream, conversation=self.conversation, key=self._key
        )
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
            current = AsyncResponse(
                self._next_prompt(current, tool_results),
                self.model,
                self.stream,
                conversation=self.conversation,
                key=self._key,
            )

    async def __aiter__(self) -> AsyncIterator[str]:
        async for response in self.responses():
            async for chunk in response:
                yield chunk

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
    **prompt_kwargs: Any,
) -> Any:
    """The chain for ``conversation.chain(...)``: its first prompt built and checked like
    ``model.prompt()``'s, the conversation's tools used unless others are given."""
    model = conversation.model
    if not prompt_kwargs.get("tools") and conversation.tools:
        prompt_kwargs["tools"] = conversation.tools
    first = model._make_prompt(prompt, options=dict(options or {}), **prompt_kwargs)
    chain_class = AsyncChainResponse if asynchronous else ChainResponse
    return chain_class(
        first,
        model,
        stream,
        conversation,
        key=key,
        chain_limit=chain_limit,
        before_call=before_call,
        after_call=after_call,
    )

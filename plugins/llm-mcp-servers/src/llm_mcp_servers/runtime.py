"""The MCP servers one ``llm`` process talks to: each started on first use, kept for the rest
of the process (a chain, a chat), stopped when the process exits.

The ``mcp`` SDK is asynchronous and a session must live in one task, so every connection runs
on one event loop in a background thread; callers (sync or async tools, ``llm mcp tools``)
hand it coroutines and wait for the answer. Everything that can go wrong with a server (it
cannot start, it dies mid-call, it hangs past its timeout, it writes something that is not
MCP) comes back as one :class:`ServerError` naming the server, and the connection is started
again on the next call when it is gone.

stdio servers run in their own process group (the SDK starts them so); their stderr goes to
``mcp-logs/NAME.log`` in the user directory. At exit (normal, Ctrl-C, or SIGTERM, which this
module turns into an exit while servers run) each is stopped as the SDK does it: stdin closed,
then SIGTERM and SIGKILL to its process group.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import datetime
import signal
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import IO, Any, TypeVar

from llm.config import ConfigFileError, user_dir

from . import manifest
from .config import Server

T = TypeVar("T")

#: How long stopping every server may take at exit (the SDK waits up to 2 s for a server to
#: leave once its stdin closes, then 2 s after SIGTERM).
SHUTDOWN_TIMEOUT = 8.0


class ServerError(Exception):
    """An MCP server could not do what was asked; the message names it and says why."""


def log_path(name: str) -> Path:
    """Where a stdio server's stderr goes."""
    return user_dir() / "mcp-logs" / f"{name}.log"


def _first_error(error: BaseException) -> BaseException:
    """The first real error inside the exception groups anyio task groups raise."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _describe(error: BaseException) -> str:
    """One line for an error: ours as they are, others with their type; a validation error
    (a line that is not JSON-RPC) by its first problem and the text it was given."""
    error = _first_error(error)
    if isinstance(error, ServerError | ConfigFileError):
        return str(error)
    problems = getattr(error, "errors", None)
    if callable(problems):
        with contextlib.suppress(Exception):
            first = problems()[0]
            return f"{first['msg']}: {str(first.get('input'))[:80]!r}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def tool_listing(tool: Any) -> dict[str, Any]:
    """An ``mcp`` Tool as cached and offered: name, description, input schema."""
    listing: dict[str, Any] = {
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input_schema,
    }
    return listing


class Connection:
    """One server's session, on the runtime's event loop."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._session: Any = None
        self._tools: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Event | None = None
        self._broken: asyncio.Future[None] | None = None
        self._start_lock: asyncio.Lock | None = None
        self._errlog: IO[str] | None = None

    @property
    def name(self) -> str:
        return self.server.name

    async def tools(self) -> list[dict[str, Any]]:
        """The server's tools (started if need be), recorded in the cache."""
        await self._ensure_started()
        manifest.store_tools(self.server, self._tools)
        return self._tools

    async def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        """The server's ``CallToolResult``; a :class:`ServerError` for anything but an answer."""
        await self._ensure_started()
        assert self._broken is not None
        broken = self._broken
        timeout = self.server.call_timeout
        task = asyncio.ensure_future(self._session.call_tool(tool, arguments))
        # Read its outcome even when nobody waits for it any more (the process is exiting).
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        done, _ = await asyncio.wait({task, broken}, timeout=timeout, return_when="FIRST_COMPLETED")
        if task in done:
            try:
                return task.result()
            except Exception as ex:
                from mcp.shared.exceptions import MCPError
                from mcp.types import CONNECTION_CLOSED

                if isinstance(ex, MCPError) and ex.code != CONNECTION_CLOSED:  # an answer
                    raise ServerError(
                        f"MCP server {self.name} refused {tool}: {ex.message}"
                    ) from None
                if isinstance(ex, RuntimeError | ValueError) and not broken.done():
                    # The connection is fine; what came back is not (e.g. its structured
                    # content does not match the tool's output schema).
                    raise ServerError(
                        f"MCP server {self.name} gave an invalid answer to {tool}: {_describe(ex)}"
                    ) from None
                await self._stop()
                raise ServerError(
                    f"MCP server {self.name} failed during {tool}: {self._gone_reason(ex)}"
                ) from None
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if broken in done:
            await self._stop()
            reason = _describe(broken.exception() or Exception())
            raise ServerError(f"MCP server {self.name} failed during {tool}: {reason}")
        raise ServerError(f"MCP server {self.name} did not answer {tool} within {timeout:g} s")

    def _gone_reason(self, error: BaseException) -> str:
        if self._broken is not None and self._broken.done() and self._broken.exception():
            return _describe(self._broken.exception())  # type: ignore[arg-type]
        reason = _describe(error)
        if self.server.command:
            reason += f" (the server exited? its log: {log_path(self.name)})"
        return reason

    async def _ensure_started(self) -> None:
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._session is not None and self._task is not None and not self._task.done():
                return
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[None] = loop.create_future()
            self._broken = loop.create_future()
            self._closing = asyncio.Event()
            self._task = asyncio.create_task(self._run(ready))
            try:
                await ready
            except ServerError:
                raise
            except BaseException as ex:
                raise ServerError(
                    f"MCP server {self.name} could not start: {_describe(ex)}"
                ) from None

    def _transport(self) -> Any:
        server = self.server.expanded()
        if server.command:
            from mcp.client.stdio import StdioServerParameters, stdio_client

            path = log_path(self.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._errlog = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in _run
            stamp = datetime.datetime.now().isoformat(timespec="seconds")
            self._errlog.write(f"--- {stamp} starting: {server.describe()}\n")
            self._errlog.flush()
            parameters = StdioServerParameters(
                command=server.command, args=server.args, env=server.env or None, cwd=server.cwd
            )
            return stdio_client(parameters, errlog=self._errlog)
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        client = create_mcp_http_client(headers=server.headers or None)
        return _owning(client, streamable_http_client(str(server.url), http_client=client))

    def _on_message(self, message: Any) -> Any:
        async def handle(message: Any) -> None:
            # A line the transport could not parse: whatever is waiting for an answer gets an
            # error now rather than at its timeout.
            if isinstance(message, Exception) and self._broken and not self._broken.done():
                self._broken.set_exception(
                    ServerError(f"it sent something that is not MCP ({_describe(message)})")
                )

        return handle(message)

    async def _run(self, ready: asyncio.Future[None]) -> None:
        import anyio
        from mcp.client.session import ClientSession

        assert self._closing is not None
        try:
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(
                    ClientSession(read, write, message_handler=self._on_message)
                )
                with anyio.fail_after(self.server.startup_timeout):
                    await session.initialize()
                    self._tools = await _list_tools(session)
                manifest.store_tools(self.server, self._tools)
                self._session = session
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as ex:
            if not ready.done():
                if isinstance(_first_error(ex), TimeoutError):
                    ready.set_exception(
                        ServerError(
                            f"MCP server {self.name} did not start within"
                            f" {self.server.startup_timeout:g} s"
                        )
                    )
                else:
                    ready.set_exception(ex)
            if isinstance(ex, asyncio.CancelledError):
                raise
        finally:
            self._session = None
            if self._broken is not None and not self._broken.done():
                self._broken.set_exception(ServerError("the connection closed"))
            if self._broken is not None:
                self._broken.exception()  # retrieved: no "never retrieved" warning
            if self._errlog is not None:
                self._errlog.close()
                self._errlog = None

    async def _stop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._task is not None:
            with contextlib.suppress(BaseException):
                await self._task
        self._task = None

    async def stop(self) -> None:
        await self._stop()


@contextlib.asynccontextmanager
async def _owning(client: Any, transport: Any) -> Any:
    """The HTTP transport, with the httpx2 client we made for its headers closed after it."""
    async with client, transport as streams:
        yield streams


async def _list_tools(session: Any) -> list[dict[str, Any]]:
    from mcp.types import PaginatedRequestParams

    tools: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):  # a server whose pages never end cannot hang us
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await session.list_tools(params=params)
        tools.extend(tool_listing(tool) for tool in result.tools)
        cursor = result.next_cursor
        if not cursor:
            break
    return tools


def exit_on_signals() -> None:
    """While servers run, SIGTERM and SIGHUP end the process through ``sys.exit`` (so the
    ``atexit`` handler stops the servers) where they would otherwise kill it outright and
    leave the servers, in their own process groups, running. Called before every call: the
    CLI puts its own handlers in place while a response streams, and the defaults back after.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, _exit_for_signal)


def _exit_for_signal(signum: int, _frame: Any) -> None:
    sys.exit(128 + signum)


class Runtime:
    """The event loop thread and every connection of this process."""

    def __init__(self) -> None:
        import logging

        # The SDK logs a server's misbehaviour (with tracebacks) as it meets it; we report it
        # once, as the tool's error. Without a handler of its own, Python would print them.
        logging.getLogger("mcp").addHandler(logging.NullHandler())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="llm-mcp-servers", daemon=True
        )
        self._thread.start()
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self._closed = False
        atexit.register(self.close)

    def connection(self, server: Server) -> Connection:
        key = f"{server.name}\0{server.fingerprint()}"
        with self._lock:
            if key not in self._connections:
                self._connections[key] = Connection(server)
            return self._connections[key]

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if self._closed:
            coroutine.close()
            raise ServerError("MCP servers are shutting down")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for it (Ctrl-C interrupts the wait)."""
        exit_on_signals()
        return self.submit(coroutine).result()

    async def run_async(self, coroutine: Coroutine[Any, Any, T]) -> T:
        exit_on_signals()
        return await asyncio.wrap_future(self.submit(coroutine))

    def close(self) -> None:
        """Stop every server, then the loop. Called at exit; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        connections = list(self._connections.values())

        async def stop_all() -> None:
            await asyncio.gather(*(c.stop() for c in connections), return_exceptions=True)

        try:
            future = asyncio.run_coroutine_threadsafe(stop_all(), self._loop)
            future.result(timeout=SHUTDOWN_TIMEOUT)
        except BaseException:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=2)


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This process's runtime, started on first use."""
    global _runtime
    with _runtime_lock:
        if _runtime is None or _runtime._closed:
            _runtime = Runtime()
        return _runtime

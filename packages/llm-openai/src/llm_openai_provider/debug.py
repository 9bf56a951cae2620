"""``LLM_OPENAI_SHOW_RESPONSES``: print every request and response to stderr.

Bodies are printed as they stream, so a long SSE response shows up chunk by chunk. The
``Authorization`` header is never printed, nor a password or key anywhere else in what is
printed (``llm.redact``).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2

_HIDDEN = {"authorization", "api-key", "x-api-key"}


def debug_print(text: str) -> None:
    """What LLM_OPENAI_SHOW_RESPONSES shows goes to standard error, as it arrives, with the
    credentials in URLs and the known keys masked (``llm.redact``)."""
    from llm.redact import redact

    sys.stderr.write(redact(text))
    sys.stderr.flush()


def _headers(headers: httpx2.Headers) -> str:
    return "".join(
        f"  {name}: {'[hidden]' if name.lower() in _HIDDEN else value}\n"
        for name, value in headers.items()
    )


def _prepare(request: httpx2.Request) -> None:
    # Ask for an uncompressed body, so what is printed is readable.
    request.headers["accept-encoding"] = "identity"
    text = request.content.decode("utf-8", "replace")
    debug_print(f"Request: {request.method} {request.url}\n{_headers(request.headers)}")
    if text:
        debug_print(f"Request body:\n{text}\n")


def _response_head(response: httpx2.Response) -> None:
    debug_print(f"Response: status_code={response.status_code}\n{_headers(response.headers)}")
    debug_print("Response body:\n")


class _PrintingStream(httpx2.SyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            debug_print(chunk.decode("utf-8", "replace"))
            yield chunk
        debug_print("\n")

    def close(self) -> None:
        self._inner.close()


class _AsyncPrintingStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            debug_print(chunk.decode("utf-8", "replace"))
            yield chunk
        debug_print("\n")

    async def aclose(self) -> None:
        await self._inner.aclose()


class LoggingTransport(httpx2.BaseTransport):
    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        _prepare(request)
        response = self._inner.handle_request(request)
        _response_head(response)
        response.stream = _PrintingStream(response.stream)
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncLoggingTransport(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        _prepare(request)
        response = await self._inner.handle_async_request(request)
        _response_head(response)
        response.stream = _AsyncPrintingStream(response.stream)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

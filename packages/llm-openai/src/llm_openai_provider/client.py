"""Creating ``openai`` clients (imported here, on first request, never at start-up).

- ``LLM_OPENAI_SHOW_RESPONSES=1`` prints each request and response to stderr.
- ``LLM_OPENAI_TIMEOUT`` sets the request timeout in seconds (the SDK's default otherwise).
- ``OPENAI_BASE_URL`` points the built-in models at another server (read by the SDK).
"""

from __future__ import annotations

import os
from typing import Any

#: Tests set this to an ``httpx2`` transport (e.g. ``httpx2.MockTransport``) to answer
#: requests without a network.
TEST_TRANSPORT: Any = None

#: Sent when an OpenAI-compatible endpoint needs no key: the SDK insists on having one.
PLACEHOLDER_KEY = "no-key-needed"


def where(api_base: str | None) -> str:
    """How error messages name the server: "OpenAI", or the endpoint's URL."""
    return api_base or os.environ.get("OPENAI_BASE_URL") or "OpenAI"


def _timeout() -> float | None:
    value = os.environ.get("LLM_OPENAI_TIMEOUT")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _show_responses() -> bool:
    return os.environ.get("LLM_OPENAI_SHOW_RESPONSES", "") not in ("", "0", "false")


def _client_kwargs(
    key: str | None, api_base: str | None, headers: dict[str, str] | None
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"api_key": key or PLACEHOLDER_KEY, "max_retries": 0}
    if api_base:
        kwargs["base_url"] = api_base
    if headers:
        kwargs["default_headers"] = headers
    timeout = _timeout()
    if timeout is not None:
        kwargs["timeout"] = timeout
    return kwargs


def sync_client(
    key: str | None, api_base: str | None = None, headers: dict[str, str] | None = None
) -> Any:
    """An ``openai.OpenAI`` client; close it when done."""
    import httpx2
    import openai

    transport: Any = TEST_TRANSPORT
    if _show_responses():
        from .debug import LoggingTransport

        transport = LoggingTransport(transport or httpx2.HTTPTransport())
    http_client = httpx2.Client(transport=transport) if transport is not None else None
    return openai.OpenAI(**_client_kwargs(key, api_base, headers), http_client=http_client)


def async_client(
    key: str | None, api_base: str | None = None, headers: dict[str, str] | None = None
) -> Any:
    """An ``openai.AsyncOpenAI`` client; ``await client.close()`` when done."""
    import httpx2
    import openai

    transport: Any = TEST_TRANSPORT
    if _show_responses():
        from .debug import AsyncLoggingTransport

        transport = AsyncLoggingTransport(transport or httpx2.AsyncHTTPTransport())
    http_client = httpx2.AsyncClient(transport=transport) if transport is not None else None
    return openai.AsyncOpenAI(**_client_kwargs(key, api_base, headers), http_client=http_client)

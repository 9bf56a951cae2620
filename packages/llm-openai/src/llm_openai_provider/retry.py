"""Retrying rate limits and server errors with backoff, honouring ``Retry-After``.

The SDK's own retries are switched off (``max_retries=0``) so that the policy lives here,
and tests can make it fast through environment variables:

- ``LLM_OPENAI_MAX_RETRIES``: retries after the first attempt (default 3)
- ``LLM_OPENAI_RETRY_BASE_DELAY``: first backoff in seconds, doubled each time (default 1)
- ``LLM_OPENAI_MAX_RETRY_DELAY``: longest single wait, ``Retry-After`` included (default 60)
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


def _env_number(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 60.0

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        return cls(
            max_retries=int(_env_number("LLM_OPENAI_MAX_RETRIES", 3)),
            base_delay=_env_number("LLM_OPENAI_RETRY_BASE_DELAY", 1.0),
            max_delay=_env_number("LLM_OPENAI_MAX_RETRY_DELAY", 60.0),
        )

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        requested = retry_after_seconds(headers or {})
        if requested is None:
            backoff = self.base_delay * (2 ** (attempt - 1))
            requested = backoff * (0.75 + random.random() / 2)  # jitter: +/- 25%
        return min(requested, self.max_delay)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """What ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date) asks for."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def should_retry(error: BaseException) -> bool:
    """Rate limits, server errors and failed connections are worth another try; timeouts
    are not (the user has already waited the whole timeout)."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        return False
    if isinstance(error, openai.APIConnectionError):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRY_STATUSES or error.status_code >= 500
    return False


def _headers_of(error: BaseException) -> Mapping[str, str]:
    response = getattr(error, "response", None)
    return dict(response.headers) if response is not None else {}


class GaveUp(Exception):
    """Retries are exhausted; ``attempts`` says how many requests were made."""

    def __init__(self, error: BaseException, attempts: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.attempts = attempts


def _retry_delay(error: Exception, attempt: int, policy: RetryPolicy) -> float:
    """Seconds to wait after the ``attempt``-th failed attempt; raises ``error`` when it is
    not worth retrying, and :class:`GaveUp` when the retries are used up."""
    if not should_retry(error):
        raise error
    if attempt > policy.max_retries:
        raise GaveUp(error, attempt) from error
    return policy.delay(attempt, _headers_of(error))


def call_with_retries(call: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    policy = policy or RetryPolicy.from_environment()
    attempt = 0
    while True:
        try:
            return call()
        except Exception as ex:
            attempt += 1
            time.sleep(_retry_delay(ex, attempt, policy))


async def acall_with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy | None = None
) -> T:
    import asyncio

    policy = policy or RetryPolicy.from_environment()
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as ex:
            attempt += 1
            await asyncio.sleep(_retry_delay(ex, attempt, policy))

"""One retry policy and fallback models, for every provider.

A response runs its model through :func:`chunks` (or :func:`achunks`): a failure that
:func:`classify` calls transient (rate limited, unavailable) is retried with exponential
backoff and jitter, honouring the provider's ``Retry-After`` up to a cap; once the retries
are spent, or for an error another model may get past (a context too long), the next of the
model's fallbacks (:func:`with_fallbacks`) is asked instead. Nothing is retried, and no other
model is asked, once the first chunk has reached the caller: the user has seen it.

Settings, read when a response starts: ``LLM_RETRIES`` (retries after the first attempt,
default 3, at most ``MAX_RETRIES``; ``--retries`` sets it for one command),
``LLM_RETRY_BASE_DELAY`` (first backoff in seconds, doubled each time, default 1) and
``LLM_MAX_RETRY_DELAY`` (the longest wait, default 60 s: a provider asking for longer is an
error, not a wait).
"""

from __future__ import annotations

import copy
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import (
    AuthenticationFailed,
    BadRequest,
    ContextTooLong,
    ProviderError,
    RateLimited,
    TimedOut,
    Unavailable,
)

T = TypeVar("T")

RETRIES_ENV = "LLM_RETRIES"
BASE_DELAY_ENV = "LLM_RETRY_BASE_DELAY"
MAX_DELAY_ENV = "LLM_MAX_RETRY_DELAY"
#: The most retries any setting gives (``--retries`` refuses more; ``LLM_RETRIES`` is capped):
#: with waits of up to ``max_delay`` each, ten already take up to ten minutes.
MAX_RETRIES = 10


#: Retries for this process, over ``LLM_RETRIES`` (the CLI's ``--retries``).
retries_override: int | None = None


def _env_number(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait. ``max_delay`` caps every wait, ``Retry-After`` too."""

    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 60.0

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        retries = retries_override
        return cls(
            max_retries=min(
                int(_env_number(RETRIES_ENV, 3)) if retries is None else retries, MAX_RETRIES
            ),
            base_delay=_env_number(BASE_DELAY_ENV, 1.0),
            max_delay=_env_number(MAX_DELAY_ENV, 60.0),
        )

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), capped."""
        requested = retry_after_seconds(headers or {})
        return min(self._backoff(attempt) if requested is None else requested, self.max_delay)

    def _backoff(self, attempt: int) -> float:
        backoff = self.base_delay * (2 ** (attempt - 1))
        return backoff * (0.75 + random.random() / 2)  # jitter: +/- 25%

    def wait_before_retry(self, error: ProviderError, attempt: int) -> float | None:
        """Seconds to wait before retrying after failed attempt number ``attempt``, or
        ``None`` when it must not be retried: not transient, retries spent, or a
        ``Retry-After`` longer than ``max_delay``."""
        if not error.transient or attempt > self.max_retries:
            return None
        requested = getattr(error, "retry_after", None)
        if requested is not None:
            return None if requested > self.max_delay else requested
        return min(self._backoff(attempt), self.max_delay)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """What ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date) asks for."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
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


# ---------------------------------------------------------------- classifying errors

_CONTEXT_TOO_LONG = re.compile(
    r"context[_ ]length|context window|maximum context|prompt is too long|too many tokens"
    r"|reduce the length|input is too long|exceeds the .*(?:limit|context)",
    re.IGNORECASE,
)
# Exceptions the HTTP libraries raise when no answer came back at all.
_NO_ANSWER = re.compile(
    r"Connect(ion)?Error|ConnectTimeout|RemoteProtocolError|ReadError|APIConnectionError"
    r"|ServiceUnavailable|ServerError|InternalServerError|Overloaded"
)
_TIMEOUT = re.compile(r"Timeout")


def _status_and_headers(error: BaseException) -> tuple[int | None, Mapping[str, str]]:
    response = getattr(error, "response", None)
    status = getattr(error, "status_code", None)
    if not isinstance(status, int):
        status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        status = (
            getattr(error, "code", None) if isinstance(getattr(error, "code", None), int) else None
        )
    headers: Mapping[str, str] = {}
    raw = getattr(response, "headers", None)
    if raw is not None:
        try:
            headers = dict(raw)
        except (TypeError, ValueError):
            headers = {}
    return status, headers


def classify(error: BaseException) -> ProviderError | None:
    """The provider-neutral meaning of ``error``, or ``None`` when it has none (a bug, a
    user's Ctrl-C, an error of a kind no HTTP library raises). Looks through ``__cause__``,
    so a plugin's own error that wraps the SDK's is understood too."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ProviderError):
            return current
        found = _classify_one(current, str(error))
        if found is not None:
            return found
        current = current.__cause__
    return None


def _body_text(error: BaseException) -> str:
    """The start of the error response's body, when the library read it (a provider's
    message often says more than the status line: "maximum context length ...")."""
    response = getattr(error, "response", None)
    try:
        text = getattr(response, "text", "")
    except Exception:  # a streamed body not read: httpx's ResponseNotRead
        return ""
    return text[:2000] if isinstance(text, str) else ""


def _classify_one(error: BaseException, message: str) -> ProviderError | None:
    status, headers = _status_and_headers(error)
    name = type(error).__name__
    if status is None:
        if _TIMEOUT.search(name):
            return TimedOut(message)
        if _NO_ANSWER.search(name):
            return Unavailable(message)
        return None
    if status == 429:
        return RateLimited(message, status=status, retry_after=retry_after_seconds(headers))
    if status in (401, 403):
        return AuthenticationFailed(message, status=status)
    if status in (408, 409) or status >= 500:
        return Unavailable(message, status=status)
    if status in (400, 413, 422) and _CONTEXT_TOO_LONG.search(f"{message} {_body_text(error)}"):
        return ContextTooLong(message, status=status)
    if 400 <= status < 500:
        return BadRequest(message, status=status)
    return None


# ---------------------------------------------------------------- fallbacks


def with_fallbacks(model: Any, fallbacks: Sequence[Any]) -> Any:
    """``model`` answering as itself, and when it cannot (unavailable, rate limited past the
    retries, a prompt too long for it) the first of ``fallbacks`` that can. The copy keeps the
    primary's ID, so its responses are logged, and conversations continued, under the model
    the user asked for; the one that answered is the response's ``resolved_model``."""
    if not fallbacks:
        return model
    combined = copy.copy(model)
    combined.fallback_models = [*getattr(model, "fallback_models", []), *fallbacks]
    return combined


def candidates(model: Any) -> list[Any]:
    """The models to ask, in order: the model itself, then its fallbacks."""
    return [model, *getattr(model, "fallback_models", [])]


def prompt_for(model: Any, prompt: Any) -> Any:
    """``prompt`` as ``model`` should receive it: the options it shares with the model the
    prompt was made for, the rest left at ``model``'s defaults."""
    if model is prompt.model:
        return prompt
    moved = copy.copy(prompt)
    moved.model = model
    fields = getattr(model.Options, "model_fields", {})
    shared = {k: v for k, v in prompt.options.set_values().items() if k in fields}
    try:
        moved.options = model.Options(**shared)
    except Exception:  # an option value this model does not accept: its defaults instead
        moved.options = model.Options()
    return moved


# ---------------------------------------------------------------- reporting attempts

#: Called with one line for every retry and every move to a fallback model; the CLI points it
#: at standard error. ``None``: nothing is said (a library's caller reads
#: ``response.attempts``).
reporter: Callable[[str], Any] | None = None


def _say(response: Any, line: str) -> None:
    response.attempts.append(line)
    if reporter is not None:
        reporter(line)


def _describe(error: ProviderError, original: BaseException) -> str:
    from .redact import redact  # what a provider's error quotes may hold a key or password

    text = redact(" ".join(str(original).split())) or type(original).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _human_seconds(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.1f} s"


class _Plan:
    """Where one response stands in its retries and fallbacks: the model and prompt of the
    current attempt, and what to do when it fails. ``chunks`` and ``achunks`` differ only in
    how they iterate and sleep; everything they decide is here."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.policy = RetryPolicy.from_environment()
        self.models = candidates(response.model)
        self.index = 0
        self.attempt = 0
        self.produced = False
        self.prompt = prompt_for(self.models[0], response.prompt)

    @property
    def model(self) -> Any:
        return self.models[self.index]

    def answered(self) -> None:
        """The current attempt produced output (called for every chunk; acts on the first):
        it can no longer be retried."""
        if not self.produced:
            self.produced = True
            _resolved(self.response, self.model, self.index)

    def failed(self, error: BaseException) -> float:
        """The seconds to wait before the next attempt (on this model or the next); raises
        when ``error`` ends the response: output was already produced, or nothing more is
        to be done (see :func:`_decide`)."""
        if self.produced:
            raise error
        self.attempt += 1
        has_next = self.index + 1 < len(self.models)
        wait, next_model = _decide(
            self.response, error, self.attempt, self.policy, self.model, has_next
        )
        _reset(self.response)
        if next_model:
            self.index += 1
            self.attempt = 0
            self.prompt = prompt_for(self.model, self.response.prompt)
        return wait


def _decide(
    response: Any,
    error: BaseException,
    attempt: int,
    policy: RetryPolicy,
    model: Any,
    has_next: bool,
) -> tuple[float, bool]:
    """What to do after attempt number ``attempt`` of ``model`` failed with ``error``
    before any output: (seconds to wait, whether to move to the next model); raises when
    nothing more is to be done."""
    meaning = classify(error)
    if meaning is None:
        raise error
    wait = policy.wait_before_retry(meaning, attempt)
    what = _describe(meaning, error)
    if wait is not None:
        _say(
            response,
            f"{model.model_id}: {what} - retrying in {wait:.1f} s"
            f" (attempt {attempt + 1} of {policy.max_retries + 1})",
        )
        return wait, False
    if meaning.another_model_may_help and has_next:
        _say(response, f"{model.model_id}: {what} - trying the next fallback model")
        return 0.0, True
    requested = getattr(meaning, "retry_after", None)
    if meaning.transient and requested is not None and requested > policy.max_delay:
        raise meaning.reworded(
            f"{what} - the provider asked to wait {_human_seconds(requested)}, longer than"
            f" the {policy.max_delay:g} s this waits ({MAX_DELAY_ENV})"
        ) from error
    if attempt > 1:
        raise meaning.reworded(f"{what} - gave up after {attempt} attempts") from error
    raise error


def _reset(response: Any) -> None:
    """Forget what a failed attempt recorded, so the next one starts clean."""
    response._tool_calls = []
    response.response_json = None
    response.input_tokens = response.output_tokens = None
    response.token_details = None
    response.error = None


def _resolved(response: Any, model: Any, index: int) -> None:
    if index == 0:
        return
    setter = getattr(response, "set_resolved_model", None)
    if callable(setter):
        setter(model.model_id)
    else:
        response.resolved_model = model.model_id
    _say(response, f"Answered by {model.model_id}")


def chunks(response: Any, execute: Callable[[Any, Any], Iterator[T]]) -> Iterator[T]:
    """What ``execute(model, prompt)`` yields for the first candidate model that answers,
    retried and fallen back as the module docstring says."""
    plan = _Plan(response)
    while True:
        try:
            for chunk in execute(plan.model, plan.prompt):
                plan.answered()
                yield chunk
            plan.answered()
            return
        except Exception as ex:
            wait = plan.failed(ex)
        time.sleep(wait)


async def achunks(
    response: Any, execute: Callable[[Any, Any], AsyncIterator[T]]
) -> AsyncIterator[T]:
    """:func:`chunks` for async models."""
    import asyncio

    plan = _Plan(response)
    while True:
        try:
            async for chunk in execute(plan.model, plan.prompt):
                plan.answered()
                yield chunk
            plan.answered()
            return
        except Exception as ex:
            wait = plan.failed(ex)
        await asyncio.sleep(wait)


def call_with_retries(call: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """``call()``, retried as a response is (for requests that are not a prompt, such as
    embeddings)."""
    policy = policy or RetryPolicy.from_environment()
    attempt = 0
    while True:
        try:
            return call()
        except Exception as ex:
            attempt += 1
            meaning = classify(ex)
            wait = None if meaning is None else policy.wait_before_retry(meaning, attempt)
            if wait is None:
                raise
            time.sleep(wait)


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
            meaning = classify(ex)
            wait = None if meaning is None else policy.wait_before_retry(meaning, attempt)
            if wait is None:
                raise
            await asyncio.sleep(wait)

"""Turning what the SDK and the network raise into one-line ``llm.ModelError`` messages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import llm


class StreamCutOff(llm.ModelError):
    """The connection ended before the model said it had finished; what arrived is kept."""


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _server_message(error: Any) -> str:
    """The ``error.message`` of an API error body, or a short rendering of the body."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
    if isinstance(body, str) and body.strip():
        return body
    response = getattr(error, "response", None)
    if response is not None:
        with contextlib.suppress(Exception):
            text = response.text
            if text.strip():
                return text
    return getattr(error, "message", "") or type(error).__name__


def _describe(error: BaseException, where: str, key_name: str | None) -> str:
    import openai

    if isinstance(error, openai.APITimeoutError):
        return f"Request to {where} timed out"
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        reason = f": {one_line(str(cause), 150)}" if cause and str(cause) else ""
        return f"Could not connect to {where}{reason}"
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        detail = one_line(_server_message(error))
        if status == 401:
            fix = f" - check it with 'llm keys set {key_name}'" if key_name else ""
            return f"{where} rejected the API key (401): {detail}{fix}"
        if status == 429:
            return f"Rate limited by {where} (429): {detail}"
        if status >= 500:
            return f"{where} server error ({status}): {detail}"
        return f"{where} error ({status}): {detail}"
    return one_line(f"{type(error).__name__}: {error}")


def to_model_error(error: BaseException, where: str, key_name: str | None) -> llm.ModelError:
    """One line for the user, as the provider-neutral class that says what it means (rate
    limited, unavailable, ...), so the one retry loop and fallbacks can act on it."""
    from llm.redact import redact
    from llm.resilience import classify

    # The endpoint's URL may hold a password, the server may echo the key: masked.
    message = redact(_describe(error, where, key_name))
    meaning = classify(error)
    return meaning.reworded(message) if meaning is not None else llm.ModelError(message)


def _translatable(error: BaseException) -> bool:
    import openai

    return isinstance(error, openai.OpenAIError)


@contextlib.contextmanager
def model_errors(where: str, key_name: str | None) -> Iterator[None]:
    """Re-raise SDK errors (and exhausted retries) as ``llm.ModelError``; a plain ``with``
    serves async code too (the body may await)."""
    try:
        yield
    except Exception as ex:
        if isinstance(ex, llm.ModelError) or not _translatable(ex):
            raise
        raise to_model_error(ex, where, key_name) from ex

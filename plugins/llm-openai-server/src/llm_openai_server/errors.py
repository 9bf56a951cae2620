"""Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}`` with the
status an OpenAI client expects, and the translation of what models raise into them."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import llm


@dataclass
class APIError(Exception):
    """An error answered as OpenAI's error JSON with this HTTP status."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def bad_request(message: str, param: str | None = None) -> APIError:
    return APIError(400, message, param=param)


def unknown_model(name: str) -> APIError:
    return APIError(
        404, f"The model `{name}` does not exist", param="model", code="model_not_found"
    )


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps: ``raise ... from``, implicit context, and the
    ``.error`` a retry wrapper keeps of its last attempt."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        inner = getattr(current, "error", None)
        pending += [
            current.__cause__,
            current.__context__,
            inner if isinstance(inner, BaseException) else None,
        ]
    return seen


def _status_and_headers(error: BaseException) -> tuple[int | None, dict[str, str]]:
    """The HTTP status (and headers) of a provider's error that a model error wraps: every
    common SDK (openai, anthropic, httpx) keeps ``status_code`` and a ``response``."""
    for cause in _causes(error):
        response = getattr(cause, "response", None)
        status = getattr(cause, "status_code", None) or getattr(response, "status_code", None)
        if isinstance(status, int):
            headers: dict[str, str] = {}
            with contextlib.suppress(Exception):
                headers = {k.lower(): v for k, v in dict(getattr(response, "headers", {})).items()}
            return status, headers
    return None, {}


def from_model_error(error: Exception) -> APIError:
    """What a model raised while answering, as the error the client gets.

    A provider's rate limit is passed on as 429 with its ``Retry-After``; the server's own
    missing key is a 500 the operator must fix; other provider failures are 502 (the
    client's credentials for this server were fine, so never 401)."""
    message = str(error) or type(error).__name__
    status, headers = _status_and_headers(error)
    if status == 429:
        passed = {
            name: headers[name.lower()]
            for name in ("Retry-After", "retry-after-ms")
            if name.lower() in headers
        }
        return APIError(429, message, "rate_limit_error", "rate_limit_exceeded", headers=passed)
    if isinstance(error, llm.NeedsKeyException):
        return APIError(500, message, "server_error", "missing_provider_key")
    if isinstance(error, llm.ModelError) or status is not None:
        return APIError(502, message, "upstream_error", "provider_error")
    if isinstance(error, ValueError):
        return bad_request(message)
    return APIError(500, f"{type(error).__name__}: {message}", "server_error")

"""Reading what ``-f``, ``-t`` and ``-a`` name by URL: one-line errors when the server fails."""

from __future__ import annotations

import click

import llm


def is_url(value: str) -> bool:
    """Whether a ``-f``/``-t``/``-a`` value names something on the web rather than a file."""
    return value.startswith(("http://", "https://"))


# Fragments and templates are text for a prompt; past this a URL is almost surely a mistake
# (a binary, a dump) and would only exhaust memory or the model's context.
MAX_FETCH_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 30.0
#: Sent with every fetch, as llm 0.32+ sends it for a fragment's URL.
_HEADERS = {"User-Agent": f"llm/{llm.__version__} (https://llm.datasette.io/)"}


def fetch_text(url: str, what: str, *, limit: int = MAX_FETCH_BYTES) -> str:
    """The text at ``url``; a one-line error naming ``what`` was being loaded if it fails,
    takes longer than ``FETCH_TIMEOUT`` between bytes, or is larger than ``limit`` bytes."""
    import httpx2

    try:
        with httpx2.stream(
            "GET", url, follow_redirects=True, timeout=FETCH_TIMEOUT, headers=_HEADERS
        ) as fetched:
            fetched.raise_for_status()
            body = bytearray()
            for chunk in fetched.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise click.ClickException(
                        f"Could not load {what} {url}: larger than {limit // (1024 * 1024)} MB"
                        if limit >= 1024 * 1024
                        else f"Could not load {what} {url}: larger than {limit} bytes"
                    )
            encoding = fetched.encoding or "utf-8"
    except httpx2.HTTPError as ex:
        raise click.ClickException(f"Could not load {what} {url}: {ex}") from ex
    return bytes(body).decode(encoding, errors="replace")


def content_type_at(url: str) -> str | None:
    """The content type a URL answers a HEAD request with.

    Raises ``ValueError`` with the HTTP failure (``404 Not Found`` and the like), so a missing
    page is reported as missing rather than as an unsupported ``text/html`` attachment."""
    import httpx2

    try:
        response = httpx2.head(url, follow_redirects=True, timeout=30)
        response.raise_for_status()
    except httpx2.HTTPError as ex:
        raise ValueError(str(ex)) from ex
    content_type = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip() or None

"""Reading what ``-f``, ``-t`` and ``-a`` name by URL: one-line errors when the server fails."""

from __future__ import annotations

import click

import llm


def is_url(value: str) -> bool:
    """Whether a ``-f``/``-t``/``-a`` value names something on the web rather than a file."""
    return value.startswith(("http://", "https://"))


#: Sent with every fetch, as llm 0.32+ sends it for a fragment's URL.
_HEADERS = {"User-Agent": f"llm/{llm.__version__} (https://llm.datasette.io/)"}


def fetch_text(url: str, what: str, *, limit: int | None = None) -> str:
    """The text at ``url``; a one-line error naming ``what`` was being loaded if it fails,
    is larger than ``limit`` bytes (default: ``LLM_MAX_FRAGMENT_BYTES``, 0 for none) or takes
    longer than ``LLM_FETCH_TIMEOUT`` seconds in all (``llm.limits.fetch``: a server that
    trickles a byte at a time is given up at that deadline, one that sends nothing sooner)."""
    import httpx2

    from llm import limits as core

    from . import limits

    if limit is None:
        limit = limits.max_fragment_bytes()
    failed = f"Could not load {what} {url}"
    try:
        body, encoding = core.fetch(
            url, failed, limit, limits.MAX_FRAGMENT_BYTES_ENV, headers=_HEADERS
        )
    except core.LimitError as ex:
        raise click.ClickException(str(ex)) from None
    except httpx2.TimeoutException as ex:
        raise click.ClickException(
            f"{failed}: timed out (no answer within {limits.read_timeout():g} seconds)"
        ) from ex
    except httpx2.HTTPError as ex:
        raise click.ClickException(f"{failed}: {ex}") from ex
    return body.decode(encoding or "utf-8", errors="replace")


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

"""Reading what ``-f``, ``-t`` and ``-a`` name by URL: one-line errors when the server fails."""

from __future__ import annotations

import click


def is_url(value: str) -> bool:
    """Whether a ``-f``/``-t``/``-a`` value names something on the web rather than a file."""
    return value.startswith(("http://", "https://"))


def fetch_text(url: str, what: str, *, limit: int | None = None) -> str:
    """The text at ``url``; a one-line error naming ``what`` was being loaded if it fails,
    is larger than ``limit`` bytes (default: ``LLM_MAX_FRAGMENT_BYTES``, 0 for none) or takes
    longer than ``LLM_FETCH_TIMEOUT`` seconds in all (a server trickling a byte at a time
    is given up at that deadline, one that sends nothing within 30 s sooner)."""
    import time

    import httpx2

    from . import limits

    if limit is None:
        limit = limits.max_fragment_size()
    deadline = limits.fetch_deadline()
    read_timeout = min(limits.READ_TIMEOUT, deadline) if deadline else limits.READ_TIMEOUT
    started = time.monotonic()
    failed = f"Could not load {what} {url}"
    try:
        with httpx2.stream("GET", url, follow_redirects=True, timeout=read_timeout) as fetched:
            fetched.raise_for_status()
            body = bytearray()
            for chunk in fetched.iter_bytes():
                body += chunk
                if limit and len(body) > limit:
                    raise click.ClickException(
                        f"{failed}: larger than {limits.describe_size(limit)}"
                        f" (the {limits.MAX_FRAGMENT_SIZE_ENV} setting)"
                    )
                if deadline and time.monotonic() - started > deadline:
                    raise click.ClickException(
                        f"{failed}: not complete after {deadline:g} seconds"
                        f" (the {limits.FETCH_DEADLINE_ENV} setting)"
                    )
            encoding = fetched.encoding or "utf-8"
    except httpx2.TimeoutException as ex:
        raise click.ClickException(
            f"{failed}: timed out after {read_timeout:g} seconds without data"
        ) from ex
    except httpx2.HTTPError as ex:
        raise click.ClickException(f"{failed}: {ex}") from ex
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

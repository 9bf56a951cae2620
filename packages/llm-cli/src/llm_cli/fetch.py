"""Reading what ``-f``, ``-t`` and ``-a`` name by URL: one-line errors when the server fails."""

from __future__ import annotations

import click


def is_url(value: str) -> bool:
    """Whether a ``-f``/``-t``/``-a`` value names something on the web rather than a file."""
    return value.startswith(("http://", "https://"))


def fetch_text(url: str, what: str) -> str:
    """The text at ``url``; a one-line error naming ``what`` was being loaded if it fails."""
    import httpx2

    try:
        fetched = httpx2.get(url, follow_redirects=True, timeout=30)
        fetched.raise_for_status()
    except httpx2.HTTPError as ex:
        raise click.ClickException(f"Could not load {what} {url}: {ex}") from ex
    return fetched.text


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

"""Resolving fragment references: a stored alias or hash, a file, or a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import llm


def is_url(value: str) -> bool:
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


def resolve_fragment(store: Any, reference: str) -> llm.Fragment:
    """The fragment ``reference`` names; one-line error if it names nothing."""
    if is_url(reference):
        return llm.Fragment(fetch_text(reference, "fragment"), reference)
    if store is not None:
        found = store.get_fragment(reference)
        if found is not None:
            return llm.Fragment(found["content"], found.get("source") or "")
    path = Path(reference)
    if path.is_file():
        try:
            return llm.Fragment(path.read_text(), str(path.resolve()))
        except (OSError, UnicodeDecodeError) as ex:
            raise click.ClickException(f"Could not read fragment {reference}: {ex}") from ex
    raise click.ClickException(f"Fragment '{reference}' not found")

"""Resolving fragment references: a stored alias or hash, a file, or a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import llm


def resolve_fragment(store: Any, reference: str) -> llm.Fragment:
    """The fragment ``reference`` names; one-line error if it names nothing."""
    if reference.startswith(("http://", "https://")):
        import httpx2

        try:
            fetched = httpx2.get(reference, follow_redirects=True)
            fetched.raise_for_status()
        except httpx2.HTTPError as ex:
            raise click.ClickException(f"Could not load fragment {reference}: {ex}") from ex
        return llm.Fragment(fetched.text, reference)
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

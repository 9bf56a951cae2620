"""Resolving fragment references: ``-`` (stdin), a plugin loader's ``prefix:argument``, a
URL, a stored alias or hash, or a file."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

import llm

from . import limits
from .attachments import means_stdin
from .fetch import fetch_text, is_url

_PREFIX = re.compile(r"^[A-Za-z0-9_-]+:")


def _from_loader(reference: str, allow_attachments: bool) -> list[Any] | None:
    """What a plugin's fragment loader returns for ``prefix:argument``; None when no
    loader has that prefix (the reference may still be an alias, a hash or a file)."""
    prefix, _, argument = reference.partition(":")
    from llm.loaders import get_fragment_loader

    loader = get_fragment_loader(prefix)  # imports only its plugin, when known
    if loader is None:
        return None
    try:
        loaded = loader(argument)
    except Exception as ex:
        raise click.ClickException(f"Could not load fragment {reference}: {ex}") from ex
    items = loaded if isinstance(loaded, list) else [loaded]
    for item in items:
        if isinstance(item, llm.Attachment):
            if not allow_attachments:  # --sf, chat's !fragment: text only (the original's text)
                raise click.ClickException(
                    f"Could not load fragment {reference}: "
                    f"Fragment loader {prefix} returned a disallowed attachment"
                )
        elif not isinstance(item, llm.Fragment):
            raise click.ClickException(
                f"Fragment loader {prefix} returned {type(item).__name__},"
                " not a Fragment or Attachment"
            )
    return items


def resolve_fragments(
    store: Any, references: list[str] | tuple[str, ...], *, allow_attachments: bool = False
) -> list[Any]:
    """The fragments (and, if allowed, attachments from loaders) that ``references`` name,
    in order; a one-line error for the first that names nothing."""
    resolved: list[Any] = []
    for reference in references:
        resolved.extend(_resolve(store, reference, allow_attachments))
    return resolved


def resolve_fragment(store: Any, reference: str) -> llm.Fragment:
    """The one fragment ``reference`` names; a one-line error if it names nothing, or
    (a plugin loader's) several."""
    found = _resolve(store, reference, allow_attachments=False)
    if len(found) != 1:
        raise click.ClickException(f"{reference} gives {len(found)} fragments where one is needed")
    fragment: llm.Fragment = found[0]
    return fragment


def _resolve(store: Any, reference: str, allow_attachments: bool) -> list[Any]:
    if means_stdin(reference):  # "-", or /dev/stdin (not a file when stdin is a pipe)
        return [llm.Fragment(_read_stdin(), "-")]
    if is_url(reference):
        return [llm.Fragment(fetch_text(reference, "fragment"), reference)]
    if _PREFIX.match(reference):
        loaded = _from_loader(reference, allow_attachments)
        if loaded is not None:
            return loaded
    found_stored = _stored_or_file(store, reference)
    if found_stored is not None:
        return [found_stored]
    if _PREFIX.match(reference):
        raise click.ClickException(f"Unknown fragment prefix: {reference.partition(':')[0]}")
    raise click.ClickException(f"Fragment '{reference}' not found")


def _stored_or_file(store: Any, reference: str) -> llm.Fragment | None:
    if store is not None:
        found = store.get_fragment(reference)
        if found is not None:
            return llm.Fragment(found["content"], found.get("source") or "")
    path = Path(reference)
    if path.is_file():
        try:
            text = limits.read_text_file(reference, f"Fragment {reference}")
            return llm.Fragment(text, str(path.resolve()))
        except (OSError, UnicodeDecodeError) as ex:
            raise click.ClickException(f"Could not read fragment {reference}: {ex}") from ex
    return None


def _read_stdin() -> str:
    """Standard input for ``-f -``, within ``LLM_MAX_FRAGMENT_BYTES`` (counted in characters)."""
    limit = limits.max_fragment_bytes()
    if not limit:
        return sys.stdin.read()
    text = sys.stdin.read(limit + 1)
    if len(text) > limit:
        raise limits.too_large("Fragment -", limit, limits.MAX_FRAGMENT_BYTES_ENV)
    return text

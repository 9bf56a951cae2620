"""Resolving fragment references: ``-`` (stdin), a plugin loader's ``prefix:argument``, a
URL, a stored alias or hash, or a file."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

import llm

_PREFIX = re.compile(r"^[A-Za-z0-9_-]+:")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


# Fragments and templates are text for a prompt; past this a URL is almost surely a mistake
# (a binary, a dump) and would only exhaust memory or the model's context.
MAX_FETCH_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 30.0


def fetch_text(url: str, what: str, *, limit: int = MAX_FETCH_BYTES) -> str:
    """The text at ``url``; a one-line error naming ``what`` was being loaded if it fails,
    takes longer than ``FETCH_TIMEOUT`` between bytes, or is larger than ``limit`` bytes."""
    import httpx2

    try:
        with httpx2.stream("GET", url, follow_redirects=True, timeout=FETCH_TIMEOUT) as fetched:
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


def _from_loader(reference: str, allow_attachments: bool) -> list[Any] | None:
    """What a plugin's fragment loader returns for ``prefix:argument``; None when no
    loader has that prefix (the reference may still be an alias, a hash or a file)."""
    prefix, _, argument = reference.partition(":")
    loaders = llm.get_fragment_loaders()
    if prefix not in loaders:
        return None
    try:
        loaded = loaders[prefix](argument)
    except Exception as ex:
        raise click.ClickException(f"Could not load fragment {reference}: {ex}") from ex
    items = loaded if isinstance(loaded, list) else [loaded]
    for item in items:
        if isinstance(item, llm.Attachment) and allow_attachments:
            continue
        if not isinstance(item, llm.Fragment):
            kind = "an attachment" if isinstance(item, llm.Attachment) else type(item).__name__
            raise click.ClickException(
                f"Fragment loader {prefix} returned {kind}, which cannot be used here"
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
    if reference == "-":
        return [llm.Fragment(sys.stdin.read(), "-")]
    if is_url(reference):
        return [llm.Fragment(fetch_text(reference, "fragment"), reference)]
    if _PREFIX.match(reference):
        loaded = _from_loader(reference, allow_attachments)
        if loaded is not None:
            return loaded
    if store is not None:
        found = store.get_fragment(reference)
        if found is not None:
            return [llm.Fragment(found["content"], found.get("source") or "")]
    path = Path(reference)
    if path.is_file():
        try:
            return [llm.Fragment(path.read_text(), str(path.resolve()))]
        except (OSError, UnicodeDecodeError) as ex:
            raise click.ClickException(f"Could not read fragment {reference}: {ex}") from ex
    raise click.ClickException(f"Fragment '{reference}' not found")

"""Resolving fragment references: ``prefix:argument`` for a plugin's loader, a URL, ``-``
for standard input, a stored alias or hash, or a file."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

import llm
from llm.plugins import load_plugins, pm

from .fetch import fetch_text, is_url

# A loader prefix: letters, digits, "_" or "-", then a colon (as in the original).
_PREFIX = re.compile(r"^([a-zA-Z0-9_-]+):(.*)$", re.DOTALL)


def collect_loaders(hook: Any) -> dict[str, Any]:
    """The loaders a ``register_*_loaders`` hook registers, by prefix. A prefix registered
    twice keeps both: the later one as ``prefix_1``, then ``prefix_2``... as the original."""
    load_plugins()
    loaders: dict[str, Any] = {}

    def register(prefix: str, loader: Any) -> None:
        candidate, suffix = prefix, 0
        while candidate in loaders:
            suffix += 1
            candidate = f"{prefix}_{suffix}"
        loaders[candidate] = loader

    hook(register=register)
    return loaders


def fragment_loaders() -> dict[str, Any]:
    return collect_loaders(pm.hook.register_fragment_loaders)


def _from_loader(loader: Any, prefix: str, argument: str, reference: str) -> list[Any]:
    try:
        result = loader(argument)
    except Exception as ex:  # a plugin's failure: one line naming the fragment
        raise click.ClickException(f"Could not load fragment {reference}: {ex}") from ex
    items = result if isinstance(result, list) else [result]
    for item in items:
        if not isinstance(item, (llm.Fragment, llm.Attachment)):
            raise click.ClickException(
                f"Fragment loader {prefix} returned {type(item).__name__},"
                " not a Fragment or Attachment"
            )
    return items


def resolve_fragments(
    store: Any, references: tuple[str, ...] | list[str], *, allow_attachments: bool = False
) -> list[llm.Fragment | llm.Attachment]:
    """What the ``-f``/``--sf`` references name, in order. A plugin's loader may give several
    fragments and (where ``allow_attachments``: ``-f``, not ``--sf``) attachments."""
    resolved: list[llm.Fragment | llm.Attachment] = []
    loaders: dict[str, Any] | None = None
    for reference in references:
        match = _PREFIX.match(reference)
        if match and not is_url(reference):
            loaders = fragment_loaders() if loaders is None else loaders
            prefix, argument = match.groups()
            if prefix in loaders:
                items = _from_loader(loaders[prefix], prefix, argument, reference)
                if not allow_attachments and any(isinstance(i, llm.Attachment) for i in items):
                    raise click.ClickException(
                        f"Fragment loader {prefix} returned a disallowed attachment"
                    )
                resolved.extend(items)
                continue
            # Not a loader's prefix: it may still be a stored alias or a file name.
            found = _stored_or_file(store, reference)
            if found is None:
                raise click.ClickException(f"Unknown fragment prefix: {prefix}")
            resolved.append(found)
            continue
        resolved.append(resolve_fragment(store, reference))
    return resolved


def resolve_fragment(store: Any, reference: str) -> llm.Fragment:
    """The one fragment ``reference`` names (a URL, ``-``, an alias, hash or file)."""
    if is_url(reference):
        return llm.Fragment(fetch_text(reference, "fragment"), reference)
    if reference == "-":
        return llm.Fragment(sys.stdin.read(), "-")
    found = _stored_or_file(store, reference)
    if found is None:
        raise click.ClickException(f"Fragment '{reference}' not found")
    return found


def _stored_or_file(store: Any, reference: str) -> llm.Fragment | None:
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
    return None

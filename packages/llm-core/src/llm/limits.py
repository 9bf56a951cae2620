"""Bounds on what a prompt reads: how much text a fragment or template may hold, how large an
attachment may be, how long fetching a URL may take.

Each bound is an environment variable with a default that no real use reaches and that every
runaway does (a fragment larger than any model's context, a disk image given as an attachment,
a server that trickles a byte at a time); ``0`` turns it off. Past a bound, :class:`LimitError`
names it and its setting. The command line reads the same settings for what it reads itself.
"""

from __future__ import annotations

import os
import re
from typing import Any

#: Text read for a fragment (file, URL, standard input) or a template (file, URL), and the
#: size a YAML file we read (a template, ``extra-openai-models.yaml``) may reach once its
#: aliases are expanded. 10 MB of text is some 2.5 million tokens: more than the largest
#: context window of any model.
MAX_FRAGMENT_BYTES_ENV = "LLM_MAX_FRAGMENT_BYTES"
DEFAULT_MAX_FRAGMENT_BYTES = 10 * 1024 * 1024
#: One attachment (file, standard input, URL). Providers refuse inline requests past
#: 20-32 MB, so 50 MB leaves room for every one of them while a disk image or a video dump is
#: refused before it is read into memory (and base64-encoded, a third bigger again).
MAX_ATTACHMENT_BYTES_ENV = "LLM_MAX_ATTACHMENT_BYTES"
DEFAULT_MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
#: Standard input read as the prompt: more than any context window, far less than memory.
MAX_STDIN_BYTES_ENV = "LLM_MAX_STDIN_BYTES"
DEFAULT_MAX_STDIN_BYTES = 200 * 1024 * 1024
#: Seconds to fetch a URL, from connecting to the last byte: 10 MB needs 80 s at 1 Mbit/s.
FETCH_TIMEOUT_ENV = "LLM_FETCH_TIMEOUT"
DEFAULT_FETCH_TIMEOUT = 120.0
#: The longest wait for one read within that deadline.
READ_TIMEOUT = 30.0

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class LimitError(ValueError):
    """A bound was passed, or a setting of one is not valid; the message says which."""


def size_setting(name: str, default: int) -> int:
    """Bytes from the environment variable ``name`` (``10MB``, ``500k``, ``1000``; 0: none)."""
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    match = _SIZE.match(value)
    if match is None:
        raise LimitError(
            f"{name} must be a size such as 10MB, 500KB or 0 for no limit, not {value[:40]!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def max_fragment_bytes() -> int:
    """The most bytes a fragment or template may hold (0: no limit)."""
    return size_setting(MAX_FRAGMENT_BYTES_ENV, DEFAULT_MAX_FRAGMENT_BYTES)


def max_attachment_bytes() -> int:
    """The most bytes one attachment may hold (0: no limit)."""
    return size_setting(MAX_ATTACHMENT_BYTES_ENV, DEFAULT_MAX_ATTACHMENT_BYTES)


def max_stdin_bytes() -> int:
    """The most bytes of standard input read as a prompt (0: no limit)."""
    return size_setting(MAX_STDIN_BYTES_ENV, DEFAULT_MAX_STDIN_BYTES)


def fetch_timeout() -> float:
    """Seconds a URL fetch may take in all (0: no deadline, only the per-read timeout)."""
    value = os.environ.get(FETCH_TIMEOUT_ENV, "")
    if not value.strip():
        return DEFAULT_FETCH_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise LimitError(
            f"{FETCH_TIMEOUT_ENV} must be a number of seconds (0 for none), not {value[:40]!r}"
        )
    return seconds


def describe_size(size: int) -> str:
    """``10 MB``, ``512 KB`` or ``100 bytes``: how a limit is named in an error."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    if size >= 1024**2:
        return f"{size / 1024**2:.1f} MB"
    return f"{size} bytes"


def too_large(what: str, limit: int, setting: str) -> LimitError:
    return LimitError(f"{what} is larger than {describe_size(limit)} (the {setting} setting)")


class YAMLExpansionError(LimitError):
    """A YAML document whose aliases expand it past the bound, or that refers to itself. The
    message says what it does; the caller names the document first."""


def load_yaml_within(text: str, limit: int) -> Any:
    """``yaml.safe_load(text)``, refusing a document whose aliases would expand it past
    ``limit`` characters (0: no limit) or that refers to itself.

    A "billion laughs" of nested aliases is a few hundred bytes that PyYAML builds as shared
    references, and that anything walking the result (validating it, logging it, printing
    it) expands to gigabytes; the expanded size is counted on the composed nodes, each node
    once, before anything is built. Needs PyYAML (its callers depend on it); raises
    ``yaml.YAMLError`` for text that is not YAML.
    """
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if limit:
            _expanded_size(node, limit)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: Any, limit: int) -> int:
    """The size of the document at ``root`` with every alias expanded (scalars by length,
    one per node), each node counted once however often it is referred to."""
    import yaml

    sizes: dict[int, int] = {}
    # Depth-first without recursion: (node, children visited yet?).
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = len(node.value) + 1
            continue
        children = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > limit:
                raise YAMLExpansionError(
                    f"expands to more than {describe_size(limit)} through its YAML aliases"
                    f" (the {MAX_FRAGMENT_BYTES_ENV} setting)"
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YAMLExpansionError("is invalid: a YAML alias refers to itself")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def fetch(
    url: str,
    failing: str,
    limit: int,
    setting: str,
    *,
    max_redirects: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[bytes, str | None]:
    """The body at ``url`` and its declared encoding, read as it arrives: more than ``limit``
    bytes (0: no limit) or longer than :func:`fetch_timeout` in all raises
    :class:`LimitError` (``failing: larger than 10 MB (the SETTING setting)``); an HTTP
    failure raises httpx2's error, as a plain GET would."""
    import time

    import httpx2

    deadline = fetch_timeout()
    read_timeout = min(READ_TIMEOUT, deadline) if deadline else READ_TIMEOUT
    started = time.monotonic()
    options: dict[str, Any] = {"follow_redirects": True, "timeout": read_timeout}
    if headers:
        options["headers"] = headers
    if max_redirects is not None:
        options["max_redirects"] = max_redirects
    with httpx2.Client(**options) as client, client.stream("GET", url) as response:
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if limit and len(body) > limit:
                raise LimitError(
                    f"{failing}: larger than {describe_size(limit)} (the {setting} setting)"
                )
            if deadline and time.monotonic() - started > deadline:
                raise LimitError(
                    f"{failing}: not complete after {deadline:g} seconds"
                    f" (the {FETCH_TIMEOUT_ENV} setting)"
                )
        return bytes(body), response.encoding

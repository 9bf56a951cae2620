"""Bounds on the work one command may do with what it is given: how much text a fragment or
template may hold, how large an attachment may be, how long fetching a URL may take.

Each bound is a setting (an environment variable) with a default that no real use reaches and
that every runaway does: a fragment or attachment larger than any model accepts, a server that
trickles a byte at a time. ``0`` turns a bound off. Past a bound the command stops with one
line naming it and the setting, before anything is sent to a model.
"""

from __future__ import annotations

import os
import re
from typing import IO

import click

#: Text read for a fragment (file, URL, standard input) or a template (file, URL, loader), and
#: the size a template's YAML may reach once its aliases are expanded. 10 MB of text is some
#: 2.5 million tokens: more than the largest context window of any model.
MAX_FRAGMENT_SIZE_ENV = "LLM_MAX_FRAGMENT_BYTES"
DEFAULT_MAX_FRAGMENT_SIZE = 10 * 1024 * 1024
#: One attachment (file or standard input). Providers refuse inline requests past 20-32 MB,
#: so 50 MB leaves room for every one of them while a disk image or a video dump is refused
#: before it is read into memory (and base64-encoded, a third bigger again).
MAX_ATTACHMENT_SIZE_ENV = "LLM_MAX_ATTACHMENT_BYTES"
DEFAULT_MAX_ATTACHMENT_SIZE = 50 * 1024 * 1024
#: Seconds to fetch a fragment or template URL, from connecting to the last byte. A 10 MB
#: fragment needs 80 s at 1 Mbit/s; a server that sends nothing for 30 s is given up sooner.
FETCH_DEADLINE_ENV = "LLM_FETCH_TIMEOUT"
DEFAULT_FETCH_DEADLINE = 120.0
#: The longest wait for one read within that deadline.
READ_TIMEOUT = 30.0

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _size_setting(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    match = _SIZE.match(value)
    if match is None:
        raise click.ClickException(
            f"{name} must be a size such as 10MB, 500KB or 0 for no limit, not {value[:40]!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def max_fragment_size() -> int:
    """The most bytes a fragment or template may hold (0: no limit)."""
    return _size_setting(MAX_FRAGMENT_SIZE_ENV, DEFAULT_MAX_FRAGMENT_SIZE)


def max_attachment_size() -> int:
    """The most bytes one attachment may hold (0: no limit)."""
    return _size_setting(MAX_ATTACHMENT_SIZE_ENV, DEFAULT_MAX_ATTACHMENT_SIZE)


def fetch_deadline() -> float:
    """Seconds a URL fetch may take in all (0: no deadline, only the per-read timeout)."""
    value = os.environ.get(FETCH_DEADLINE_ENV, "")
    if not value.strip():
        return DEFAULT_FETCH_DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise click.ClickException(
            f"{FETCH_DEADLINE_ENV} must be a number of seconds (0 for none), not {value[:40]!r}"
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


def too_large(what: str, limit: int, setting: str) -> click.ClickException:
    """The one-line error for ``what`` being over ``limit`` bytes."""
    return click.ClickException(
        f"{what} is larger than {describe_size(limit)} (the {setting} setting)"
    )


def read_bounded(stream: IO[bytes], limit: int, what: str, setting: str) -> bytes:
    """All of ``stream``, refusing to read more than ``limit`` bytes (0: no limit) so a huge
    or endless input (``/dev/zero``, a pipe) is stopped at the limit, not at a MemoryError."""
    if not limit:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(what, limit, setting)
    return data


def read_text_file(path: str, what: str) -> str:
    """A fragment or template file's text (UTF-8, line endings made ``\\n`` as
    ``Path.read_text`` makes them), within :func:`max_fragment_size` (counted in characters
    here: the file is not read past it)."""
    limit = max_fragment_size()
    with open(path, encoding="utf-8") as fp:
        if not limit:
            return fp.read()
        text = fp.read(limit + 1)
    if len(text) > limit:
        raise too_large(what, limit, MAX_FRAGMENT_SIZE_ENV)
    return text

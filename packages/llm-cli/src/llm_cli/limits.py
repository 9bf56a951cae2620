"""The bounds of ``llm.limits`` as the command line meets them: a setting that is not valid or
an input past its bound is one ``Error:`` line, before anything is sent to a model; files and
standard input are never read past the bound (``/dev/zero``, a 1 GB file, an endless pipe)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TypeVar

import click

from llm import limits as core

T = TypeVar("T")

MAX_FRAGMENT_BYTES_ENV = core.MAX_FRAGMENT_BYTES_ENV
MAX_ATTACHMENT_BYTES_ENV = core.MAX_ATTACHMENT_BYTES_ENV
FETCH_TIMEOUT_ENV = core.FETCH_TIMEOUT_ENV
describe_size = core.describe_size


def _setting(read: Callable[[], T]) -> T:
    try:
        return read()
    except core.LimitError as ex:
        raise click.ClickException(str(ex)) from None


def max_fragment_bytes() -> int:
    """``LLM_MAX_FRAGMENT_BYTES``: fragments and templates (0: no limit)."""
    return _setting(core.max_fragment_bytes)


def max_attachment_bytes() -> int:
    """``LLM_MAX_ATTACHMENT_BYTES``: one attachment (0: no limit)."""
    return _setting(core.max_attachment_bytes)


def too_large(what: str, limit: int, setting: str) -> click.ClickException:
    """The one-line error for ``what`` being over ``limit`` bytes."""
    return click.ClickException(str(core.too_large(what, limit, setting)))


def read_bounded(stream: IO[bytes], limit: int, what: str, setting: str) -> bytes:
    """All of ``stream``, refusing to read more than ``limit`` bytes (0: no limit)."""
    if not limit:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(what, limit, setting)
    return data


def read_text_file(path: str, what: str) -> str:
    """A fragment or template file's text (UTF-8, line endings made ``\\n`` as
    ``Path.read_text`` makes them), within ``LLM_MAX_FRAGMENT_BYTES`` (counted in characters
    here: the file is not read past it)."""
    limit = max_fragment_bytes()
    with open(path, encoding="utf-8") as fp:
        if not limit:
            return fp.read()
        text = fp.read(limit + 1)
    if len(text) > limit:
        raise too_large(what, limit, MAX_FRAGMENT_BYTES_ENV)
    return text


def read_timeout() -> float:
    """Seconds one read of a URL may wait (within ``LLM_FETCH_TIMEOUT``)."""
    deadline = _setting(core.fetch_timeout)
    return min(core.READ_TIMEOUT, deadline) if deadline else core.READ_TIMEOUT

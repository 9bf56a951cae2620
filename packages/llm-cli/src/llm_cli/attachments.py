"""Click parameter types for ``-a`` and ``--at`` attachments."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

import llm

from . import limits
from .fetch import content_type_at, is_url

#: Set in the click context when an attachment consumed standard input.
STDIN_TAKEN = "llm.stdin_taken"

#: What ``-a``, ``--at``, ``-f`` and ``--sf`` read as standard input: ``-`` and the names
#: the system gives it (which are not regular files when stdin is a pipe or a terminal).
STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def means_stdin(value: str) -> bool:
    return value in STDIN_NAMES


_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def local_file_problem(value: str) -> str | None:
    """Why ``value`` cannot be attached as a local file, or ``None`` if it can: checked up
    front so a device (``/dev/zero``) or an unsupported URL is never read or sent."""
    path = Path(value)
    if not path.exists():
        scheme = _URL_SCHEME.match(value)
        if scheme:
            return f"Unsupported URL scheme '{scheme.group(1)}' in {value}: use http:// or https://"
        return f"File {value} does not exist"
    if not path.is_file():
        return f"{value} is not a file"
    try:
        with path.open("rb"):
            pass
    except OSError as ex:
        return f"Cannot read {value}: {ex.strerror}"
    limit = limits.max_attachment_bytes()
    if limit and path.stat().st_size > limit:
        return limits.too_large(
            f"Attachment {value}", limit, limits.MAX_ATTACHMENT_BYTES_ENV
        ).message
    return None


def _read_stdin_bytes() -> bytes:
    """Standard input for ``-a -``, within ``LLM_MAX_ATTACHMENT_BYTES``."""
    return limits.read_bounded(
        sys.stdin.buffer,
        limits.max_attachment_bytes(),
        "Attachment -",
        limits.MAX_ATTACHMENT_BYTES_ENV,
    )


class AttachmentType(click.ParamType):
    """A path, a URL, or ``-`` for standard input; the content type is detected."""

    name = "attachment"

    def convert(self, value: Any, param: Any, ctx: Any) -> llm.Attachment:
        if isinstance(value, llm.Attachment):
            return value
        if means_stdin(value):
            if ctx is not None:
                ctx.meta[STDIN_TAKEN] = True
            try:
                attachment = llm.Attachment(content=_read_stdin_bytes())
            except click.ClickException as ex:
                self.fail(ex.message, param, ctx)
        elif is_url(value):
            # Checked now, so a page that is not there is reported as such, not as an
            # attachment of an unsupported type (the server's HTML error page).
            try:
                attachment = llm.Attachment(url=value, type=content_type_at(value))
            except ValueError as ex:
                self.fail(str(ex), param, ctx)
        else:
            problem = local_file_problem(value)
            if problem:
                self.fail(problem, param, ctx)
            attachment = llm.Attachment(path=str(value))
        if not is_url(value):
            try:
                # Detected once, here, and given as the type (as the original's CLI does).
                attachment.type = attachment.resolve_type()
            except ValueError:
                self.fail(
                    f"Could not determine the type of {value} - use --at {value} TYPE",
                    param,
                    ctx,
                )
        return attachment


def attachment_with_type(value: str, mimetype: str) -> llm.Attachment:
    """An attachment for ``--at VALUE TYPE``: the type is taken as given."""
    if means_stdin(value):
        try:
            return llm.Attachment(content=_read_stdin_bytes(), type=mimetype)
        except click.ClickException as ex:
            raise click.BadParameter(ex.message, param_hint="'--at'") from None
    if is_url(value):
        return llm.Attachment(url=value, type=mimetype)
    problem = local_file_problem(value)
    if problem:
        raise click.BadParameter(problem, param_hint="'--at'")
    return llm.Attachment(path=str(value), type=mimetype)

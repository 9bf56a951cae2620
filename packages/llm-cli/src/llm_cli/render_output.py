"""Where a streamed answer goes on standard output: raw text, or on a terminal Markdown
rendered as it arrives (``render_markdown``, which imports rich only when used); and
keeping notices on standard error off the answer's unfinished last line.

Stdlib only: the raw path is every piped prompt's."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Protocol, TextIO

#: Decides rendering when no --render/--no-render is given: 1/always, 0/never, auto.
RENDER_ENV = "LLM_RENDER"
_TRUE = {"1", "true", "yes", "on", "always"}
_FALSE = {"0", "false", "no", "off", "never"}


class AnswerOutput(Protocol):
    finished: bool

    def write(self, chunk: str) -> None: ...

    def finish(self) -> None:
        """The answer is complete: show what is left, end the line."""

    def before_notice(self) -> None:
        """Something is about to be written to standard error: leave the screen so that
        it starts on a line of its own."""


class RawOutput:
    """Today's output, byte for byte: the chunks, then a newline."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.mid_line = False
        self.finished = False

    def write(self, chunk: str) -> None:
        if chunk:
            self.stream.write(chunk)
            self.stream.flush()
            self.mid_line = not chunk.endswith("\n")

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
        self.mid_line = False
        self.finished = True

    def before_notice(self) -> None:
        # Only where both streams show on one terminal; the bytes on stdout never change.
        if self.mid_line and _isatty(self.stream) and _isatty(sys.stderr):
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.mid_line = False


_active: AnswerOutput | None = None


def should_render(flag: bool | None, stream: TextIO | None = None) -> bool:
    """``--render``/``--no-render`` when given; else ``LLM_RENDER``; else render only on a
    terminal that is not ``TERM=dumb``, and not when ``NO_COLOR`` is set."""
    if flag is not None:
        return flag
    setting = os.environ.get(RENDER_ENV, "").strip().lower()
    if setting in _TRUE:
        return True
    if setting in _FALSE:
        return False
    if setting not in ("", "auto"):
        import click

        raise click.ClickException(
            f"{RENDER_ENV} must be 1 (always), 0 (never) or auto, not {setting!r}"
        )
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream or sys.stdout)


def open_answer(render: bool) -> AnswerOutput:
    """The output for one answer; notices (``before_notice()``) go through it until the
    next answer opens."""
    global _active
    if render:
        from .render_markdown import MarkdownOutput

        _active = MarkdownOutput(sys.stdout)
    else:
        _active = RawOutput()
    return _active


def write_rendered(pieces: Iterable[str]) -> None:
    """Markdown made piece by piece (``llm logs``), shown as an answer is shown."""
    output = open_answer(True)
    try:
        for piece in pieces:
            output.write(piece)
    finally:
        output.finish()


def end_answer() -> None:
    """An answer cut short (Ctrl-C, an error): show what arrived and end its line."""
    if _active is not None and not _active.finished:
        _active.finish()
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()


def before_notice() -> None:
    """Call before writing to standard error while an answer may be on screen."""
    if _active is not None:
        _active.before_notice()


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False

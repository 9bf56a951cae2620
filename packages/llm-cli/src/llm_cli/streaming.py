"""Showing a streamed response: its text on standard output as it arrives, its visible
reasoning on standard error (dimmed on a terminal, plain when redirected), never mixed.

``prompt`` and ``chat`` both stream through here. A response whose model yields plain
strings (plugins written before llm 0.32) shows exactly as before.
"""

from __future__ import annotations

from typing import Any

import click


class StreamWriter:
    """Writes one response's events; remembers whether reasoning is mid-line on stderr, so
    that the text starts on a fresh line once the reasoning ends. The text goes through
    ``render_output``: raw, or Markdown rendered as it streams (``render``)."""

    def __init__(self, show_reasoning: bool = True, render: bool = False) -> None:
        from .render_output import open_answer

        self.show_reasoning = show_reasoning
        self._reasoning_open = False
        self.output = open_answer(render)
        #: The reader of standard output went away (``llm ... | head``): the rest of the
        #: answer is still read, to be logged, but no longer written.
        self.closed = False

    def event(self, event: Any) -> None:
        kind = getattr(event, "type", "text")
        chunk = getattr(event, "chunk", event)
        if kind == "reasoning":
            if self.show_reasoning and chunk:
                self.output.before_notice()
                # click drops the style when stderr is not a terminal.
                click.echo(click.style(chunk, dim=True), err=True, nl=False)
                self._reasoning_open = True
            return
        if kind != "text" or not chunk:
            return
        self.end_reasoning()
        if not self.closed:
            try:
                self.output.write(chunk)
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed = True
        silence_stdout()

    def end_reasoning(self) -> None:
        if self._reasoning_open:
            click.echo("", err=True)
            self._reasoning_open = False

    def finish(self) -> None:
        """The end of the response: close any reasoning line, end the text's line."""
        self.end_reasoning()
        if not self.closed:
            try:
                self.output.finish()
            except BrokenPipeError:
                self._reader_gone()


def silence_stdout() -> None:
    """Standard output's reader is gone: what is still written to it (buffered text, the
    final flush) goes to the null device rather than failing again."""
    import os
    import sys

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def events_of(response: Any) -> Any:
    """A sync response's events, or its text chunks when it has no events."""
    events = getattr(response, "stream_events", None)
    return events() if events is not None else response


def consume(response: Any, echo: bool, show_reasoning: bool = True, render: bool = False) -> bool:
    """Run the response to the end, writing text and reasoning as they arrive when ``echo``
    (the text rendered as Markdown when ``render``). True when standard output's reader
    went away part-way: the answer was still read to its end, so that it can be logged."""
    if not echo:
        for _ in response:
            pass
        return False
    writer = StreamWriter(show_reasoning, render)
    for event in events_of(response):
        writer.event(event)
    writer.finish()
    return writer.closed


async def consume_async(
    response: Any, echo: bool, show_reasoning: bool = True, render: bool = False
) -> bool:
    """:func:`consume` for an async response."""
    if not echo:
        async for _ in response:
            pass
        return False
    writer = StreamWriter(show_reasoning, render)
    events = getattr(response, "astream_events", None)
    async for event in events() if events is not None else response:
        writer.event(event)
    writer.finish()
    return writer.closed

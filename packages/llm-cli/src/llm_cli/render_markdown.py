"""An answer rendered as Markdown on a terminal while it streams.

The text is cut into top-level blocks (markdown-it-py, configured as rich parses). A block
is finished once the next one has started: it is drawn and printed once, never redrawn.
Only the unfinished block is live: drawn below the finished ones, erased and drawn again
as text arrives, and never taller than the screen, so erasing it never needs a line that
scrolled away.

The work is done in frames, at most one every ``redraw_interval`` seconds: chunks that
arrive in between are only collected, then parsed, printed and drawn together, by the
next chunk's ``write()`` or, when the model pauses before sending one, by a thread that
keeps the frame's deadline (started only when text waits, ended by ``finish()``). Paragraphs,
headings and simple lists are drawn from the block parse's own tokens by ``BlockDrawer``
(as rich draws them, at a fraction of the cost); rich's ``Markdown`` draws the rest
(tables, quotes, nested lists...), and ``rich.markdown`` is imported only then.

Fenced code blocks at the top level are printed line by line as each line completes,
highlighted line by line (pygments), with nothing added: no box, no padding, no wrapping,
so what is copied from the screen is the code. Each finished block is parsed once more
while it is the live one, so the cost grows with the answer, not with its square (except
within one very long list or paragraph, which is re-parsed at each frame as it grows)."""

from __future__ import annotations

import atexit
import functools
import io
import math
import os
import re
import shutil
import threading
import time
from typing import Any, TextIO

from markdown_it import MarkdownIt
from rich.cells import cell_len
from rich.console import Console

from .render_blocks import BlockDrawer

CODE_THEME = "monokai"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TRAILING_SPACES = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$")
_DIM, _RESET = "\x1b[2m", "\x1b[0m"
# Blocks that a following line starting with a letter carries on (no blank line between).
_ORDERED_ITEM = re.compile(r"\d{1,9}([.)]) ")
_CONTINUED = {"paragraph_open", "bullet_list_open", "ordered_list_open"}


def _parser() -> MarkdownIt:
    # As rich.markdown.Markdown configures its parser, so blocks are cut where rich sees them.
    return MarkdownIt().enable("strikethrough").enable("table")


_rich_markdown: Any = None


def _rich_markdown_class() -> Any:
    """rich's Markdown, with one parser for every block (rich builds a parser for each
    document, which costs more than rendering a paragraph) and code blocks inside lists
    or quotes highlighted without rich's padding. Imported for the first block that
    ``BlockDrawer`` leaves to rich (a table, a quote...): rich.markdown brings rich's
    tables and syntax highlighting."""
    global _rich_markdown
    if _rich_markdown is not None:
        return _rich_markdown
    from rich.markdown import CodeBlock, Markdown
    from rich.syntax import Syntax

    class PlainCodeBlock(CodeBlock):
        def __rich_console__(self, console: Any, options: Any) -> Any:
            yield Syntax(
                str(self.text).rstrip("\n"),
                self.lexer_name,
                theme=self.theme,
                word_wrap=True,
                padding=0,
                background_color="default",
            )

    class OneParserMarkdown(Markdown):
        elements = {**Markdown.elements, "fence": PlainCodeBlock, "code_block": PlainCodeBlock}

        def __init__(self, markup: str, parser: MarkdownIt) -> None:
            self.markup = markup
            self.parsed = parser.parse(markup)
            self.code_theme = CODE_THEME
            self.justify = None
            self.style = "none"
            self.hyperlinks = False
            self.inline_code_lexer = None
            self.inline_code_theme = CODE_THEME

    _rich_markdown = OneParserMarkdown
    return _rich_markdown


def _block_parser() -> MarkdownIt:
    """Finds where blocks start and end, without parsing their inline text."""
    parser = _parser()
    parser.disable(["inline", "linkify", "replacements", "smartquotes", "text_join"], True)
    return parser


class _Fence:
    """A top-level fenced code block being printed line by line."""

    def __init__(self, opening: str, highlighter: _Highlighter) -> None:
        stripped = opening.lstrip(" ")
        char = stripped[0]
        self.marker = char * (len(stripped) - len(stripped.lstrip(char)))
        info = stripped[len(self.marker) :].strip().split(" ")[0] if char else ""
        self.highlight = highlighter.for_language(info)

    def closes(self, line: str) -> bool:
        stripped = line.rstrip("\r\n")
        if len(stripped) - len(stripped.lstrip(" ")) > 3:
            return False
        stripped = stripped.strip()
        return stripped.startswith(self.marker) and not stripped.strip(self.marker[0])


class _Highlighter:
    """Per-line syntax highlighting at the terminal's colour depth."""

    def __init__(self, color_system: str | None) -> None:
        self.color_system = color_system
        self.known: dict[str, Any] = {}  # a lexer and a formatter take milliseconds to make

    def for_language(self, name: str) -> Any:
        if name not in self.known:
            self.known[name] = self._make(name)
        return self.known[name]

    def _make(self, name: str) -> Any:
        plain = lambda line: line  # noqa: E731
        if not self.color_system or not name:
            return plain
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False, tabsize=0)
        except ClassNotFound:
            return plain
        formatter = self._formatter()
        from pygments import highlight

        # A line is highlighted on its own, so the same line always looks the same:
        # answers repeat many (a closing brace, ``return result``), and pygments' lexers
        # are the largest share of rendering.
        @functools.lru_cache(maxsize=4096)
        def highlighted(line: str) -> str:
            return str(highlight(line, lexer, formatter)) if line else line

        return highlighted

    def _formatter(self) -> Any:
        if self.color_system == "truecolor":
            from pygments.formatters import TerminalTrueColorFormatter

            return TerminalTrueColorFormatter(style=CODE_THEME)
        if self.color_system in ("256", "eight_bit"):
            from pygments.formatters import Terminal256Formatter

            return Terminal256Formatter(style=CODE_THEME)
        from pygments.formatters import TerminalFormatter

        return TerminalFormatter()


class MarkdownOutput:
    """Writes an answer to ``stream`` as rendered Markdown, chunk by chunk."""

    def __init__(
        self,
        stream: TextIO,
        width: int | None = None,
        height: int | None = None,
        redraw_interval: float = 0.1,
        color_system: str | None = "auto",
    ) -> None:
        size = shutil.get_terminal_size()
        self.stream = stream
        self.width = max(width or size.columns, 20)
        self.height = max(height or size.lines, 3)
        self.redraw_interval = redraw_interval
        if color_system == "auto":
            color_system = Console(file=stream, force_terminal=True).color_system
        if os.environ.get("NO_COLOR"):
            color_system = None
        self.highlighter = _Highlighter(color_system)
        # Rendered one column short of the width: no line fills the last column, so the
        # cursor never waits in a terminal's deferred wrap while the tail is live.
        self.console = Console(
            file=io.StringIO(),
            width=self.width - 1,
            height=self.height,
            force_terminal=True,
            color_system=color_system,  # type: ignore[arg-type]
            no_color=color_system is None,
            highlight=False,
            legacy_windows=False,
        )
        self.parser = _parser()
        self.block_parser = _block_parser()
        self.drawer = BlockDrawer(self.console, self.parser, color_system, self.width - 1)
        self.pending = ""  # unfinished text, from the start of a block (or of a code line)
        self.arrived: list[str] = []  # chunks written since the last frame
        self.fence: _Fence | None = None
        self.live_type: str | None = None  # the last parse's unfinished block
        self.live_markup = ""  # its list marker
        self.seen = 0  # how much of ``pending`` that parse saw
        self.after_blank = False
        self.blocks_printed = 0
        self.tail_rows = 0
        self.last_draw = 0.0
        self.lines_waiting = False  # a line completed since the last frame
        self.finished = False
        # Frames are drawn by write() and, for text that a pause would leave undrawn, by
        # one thread (the flusher, started when first needed, ended by finish()); the
        # lock keeps their frames whole and in order.
        self._lock = threading.Condition(threading.Lock())
        self._due: float | None = None  # when the collected text's frame is owed
        self._flusher: threading.Thread | None = None
        self._stopping = False
        self._flusher_error: Exception | None = None

    # -- the AnswerOutput protocol

    def write(self, chunk: str) -> None:
        if not chunk:
            return
        with self._lock:
            self._raise_flusher_error()
            self.arrived.append(chunk)
            self.lines_waiting = self.lines_waiting or "\n" in chunk
            # One frame at most every redraw_interval: what arrived in between is parsed,
            # printed and drawn together, at the next chunk or, if none comes in time,
            # by the flusher at the frame's deadline.
            now = time.monotonic()
            if now - self.last_draw >= self.redraw_interval:
                self._frame(now)
            elif self._due is None and math.isfinite(self.redraw_interval):
                self._due = self.last_draw + self.redraw_interval
                self._wake_flusher()

    def finish(self) -> None:
        self._stop_flusher()
        if self.finished:
            return
        self.finished = True
        self.pending += "".join(self.arrived)
        self.arrived.clear()
        if self.pending and not self.pending.endswith("\n"):
            self.pending += "\n"
        self._print_finished(final=True)
        self._erase_tail()
        self.stream.flush()

    def before_notice(self) -> None:
        with self._lock:
            # Nothing is drawn while the notice (or a question) is written: the text
            # collected so far waits for the next chunk's frame, below the notice.
            self._due = None
            self._erase_tail()
            self.stream.flush()

    # -- frames

    def _frame(self, now: float) -> None:
        self._due = None
        self.pending += "".join(self.arrived)
        self.arrived.clear()
        if self.lines_waiting:
            self.lines_waiting = False
            self._print_finished(final=False)
        self._draw_tail()
        self.last_draw = now

    def _wake_flusher(self) -> None:
        """Text is waiting for a frame: make sure the flusher will draw it by ``_due``."""
        if self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_when_due, name="llm-render-flusher", daemon=True
            )
            self._flusher.start()
            # An exit that skipped finish() must not find the flusher mid-frame.
            atexit.register(self._end_flusher)
        else:
            self._lock.notify()

    def _flush_when_due(self) -> None:
        """The flusher's loop: draws the frame that text collected since the last one is
        owed when no chunk came to draw it by its deadline (a model pausing mid-answer)."""
        with self._lock:
            while not self._stopping:
                if self._due is None:
                    self._lock.wait()
                    continue
                delay = self._due - time.monotonic()
                if delay > 0:
                    self._lock.wait(delay)
                    continue
                try:
                    self._frame(time.monotonic())
                except Exception as error:  # raised in the main thread, at its next call
                    self._flusher_error = error
                    return

    def _stop_flusher(self) -> None:
        """Ends the flusher, then raises what it failed with (a closed pipe), as a frame
        drawn by write() would have."""
        self._end_flusher()
        self._raise_flusher_error()

    def _end_flusher(self) -> None:
        """Ends the flusher (once its frame, if it is drawing one, is whole) and waits for
        it. Also run at exit, should an answer end without finish()."""
        flusher = self._flusher
        if flusher is None:
            return
        with self._lock:
            self._stopping = True
            self._due = None
            self._lock.notify()
        flusher.join()
        self._flusher = None
        atexit.unregister(self._end_flusher)

    def _raise_flusher_error(self) -> None:
        error, self._flusher_error = self._flusher_error, None
        if error is not None:
            raise error

    # -- finished blocks

    def _print_finished(self, final: bool) -> None:
        out: list[str] = []
        while True:
            if self.fence is not None:
                self._code_lines(out)
                if self.fence is not None:
                    break
            complete = self.pending[: self.pending.rfind("\n") + 1]
            if not complete or (not final and self._continues(complete)):
                break
            lines = complete.splitlines(keepends=True)
            self.after_blank = False
            blocks = self._blocks(complete)
            self.live_type = blocks[-1][2][0].type if blocks else None
            self.live_markup = blocks[-1][2][0].markup if blocks else ""
            self.seen = len(complete)
            if not blocks:  # blank lines only
                self.pending = self.pending[len(complete) :]
                self.seen = 0
                break
            last = len(blocks) if final else len(blocks) - 1
            for start, end, tokens in blocks[:last]:
                self._block(out, lines[start:end], tokens)
            if final:
                self.pending = ""
                break
            start, _, tokens = blocks[-1]
            dropped = sum(len(line) for line in lines[:start])
            self.pending = self.pending[dropped:]
            self.seen -= dropped
            if tokens[0].type != "fence":
                break
            # A code block: its lines are final as soon as each one is complete.
            opening, _, self.pending = self.pending.partition("\n")
            self.seen, self.live_type = 0, None
            self._separate(out)
            self.fence = _Fence(opening, self.highlighter)
            out.append(f"{_DIM}{opening}{_RESET}\n")
        self._emit("".join(out))

    def _code_lines(self, out: list[str]) -> None:
        fence = self.fence
        assert fence is not None
        text, start = self.pending, 0
        while (end := text.find("\n", start)) >= 0:
            line, start = text[start:end], end + 1
            if fence.closes(line):
                out.append(f"{_DIM}{line}{_RESET}\n")
                self.fence = None
                break
            out.append(fence.highlight(line) + "\n")
        self.pending = text[start:]

    def _continues(self, complete: str) -> bool:
        """Whether the lines that completed since the last parse only carry on the live
        paragraph or list (each starts with a letter, no blank line before it), so parsing
        again would find the same blocks. Blank lines end nothing by themselves."""
        if self.live_type not in _CONTINUED:
            return False
        for line in complete[self.seen :].splitlines():
            if not line.strip():
                self.after_blank = True
            elif self.after_blank or not (line[:1].isalpha() or self._next_item(line)):
                return False
        self.seen = len(complete)
        return True

    def _next_item(self, line: str) -> bool:
        """``line`` starts the next item of the live list (same marker, not a rule)."""
        marker = self.live_markup
        if self.live_type == "bullet_list_open":
            return line.startswith(marker + " ") and bool(line.strip(marker + " "))
        found = _ORDERED_ITEM.match(line)
        return found is not None and found[1] == marker

    def _blocks(self, text: str) -> list[tuple[int, int, list[Any]]]:
        """The top-level blocks of ``text``: (first line, line after the last, its block
        tokens, inline text not parsed)."""
        tokens: list[Any] = self.block_parser.parse(text)
        starts = [
            n
            for n, token in enumerate(tokens)
            if token.level == 0 and token.nesting >= 0 and token.map
        ]
        ends = [*starts[1:], len(tokens)]
        return [
            (tokens[n].map[0], tokens[n].map[1], tokens[n:end])
            for n, end in zip(starts, ends[: len(starts)], strict=True)
        ]

    def _block(self, out: list[str], lines: list[str], tokens: list[Any]) -> None:
        if tokens[0].type == "fence":
            self._separate(out)
            fence = _Fence(lines[0], self.highlighter)
            out.append(f"{_DIM}{lines[0].rstrip(chr(10))}{_RESET}\n")
            for line in lines[1:]:
                line = line.rstrip("\n")
                if fence.closes(line):
                    out.append(f"{_DIM}{line}{_RESET}\n")
                    break
                out.append(fence.highlight(line) + "\n")
            return
        self._separate(out)
        drawn = self.drawer.lines(tokens)
        out.append(self._render("".join(lines)) if drawn is None else _trimmed(drawn))

    def _separate(self, out: list[str]) -> None:
        if self.blocks_printed:
            out.append("\n")
        self.blocks_printed += 1

    def _render(self, text: str) -> str:
        """Blocks as rich renders them, lines without trailing padding."""
        file = self.console.file
        assert isinstance(file, io.StringIO)
        file.seek(0)
        file.truncate()
        self.console.print(_rich_markdown_class()(text, self.parser))
        lines = [_TRAILING_SPACES.sub(r"\1", line) for line in file.getvalue().split("\n")]
        return _trimmed(lines)

    def _draw(self, text: str) -> str:
        """Blocks drawn by ``BlockDrawer`` when it can draw each of them, else by rich."""
        drawn: list[str] = []
        for _, _, tokens in self._blocks(text):
            lines = self.drawer.lines(tokens)
            if lines is None:
                return self._render(text)
            if drawn:
                drawn.append("")
            drawn.extend(lines)
        return _trimmed(drawn)

    # -- the live tail

    def _emit(self, text: str) -> None:
        if text:
            self._erase_tail()
            self.stream.write(text)
            self.stream.flush()

    def _tail_lines(self) -> list[str]:
        if not self.pending.strip():
            return []
        if self.fence is not None:
            line = self.pending.replace("\t", "    ")
            while cell_len(line) > self.width - 1:
                line = line[1:]  # the end of a long line, where the text arrives
            return [self.fence.highlight(line)]
        lines = self._draw(self.pending).split("\n")[:-1]
        if lines and self.blocks_printed:
            lines.insert(0, "")
        return lines

    def _draw_tail(self) -> None:
        self._erase_tail()
        lines = self._tail_lines()
        room = self.height - 1  # one row to spare: the cursor's
        shown = lines[-room:]
        if not shown:
            self.stream.flush()
            return
        self.stream.write("\n".join(shown))
        self.stream.flush()
        self.tail_rows = len(shown)

    def _erase_tail(self) -> None:
        if not self.tail_rows:
            return
        up = self.tail_rows - 1
        self.stream.write("\r" + (f"\x1b[{up}A" if up else "") + "\x1b[J")
        self.tail_rows = 0


def _trimmed(lines: list[str]) -> str:
    """Lines without the blank ones around them (rich's margins around lists and tables:
    blocks are spaced here, one blank line), each ended."""
    shown = [i for i, line in enumerate(lines) if visible(line).strip()]
    if not shown:
        return ""
    return "".join(line + "\n" for line in lines[shown[0] : shown[-1] + 1])


def render_document(text: str, width: int, color_system: str | None = None) -> str:
    """The whole answer at once, as streaming it ends up on screen."""
    out = io.StringIO()
    output = MarkdownOutput(
        out, width=width, height=1000, redraw_interval=float("inf"), color_system=color_system
    )
    output.write(text)
    output.finish()
    return out.getvalue()


def visible(text: str) -> str:
    """``text`` without its colours and styles."""
    return _ANSI.sub("", text)

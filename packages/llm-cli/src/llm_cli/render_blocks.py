"""The common blocks of an answer (paragraphs, headings, lists of one-paragraph items)
drawn straight from markdown-it's tokens, as ``rich.markdown`` draws them: the same theme
styles, the same word wrapping, the same bullets and numbers, without rich's renderable
pipeline (which costs several times the drawing for a block of text). Anything else
(tables, quotes, rules, nested lists, images, HTML) is left to rich: ``lines()`` says None.

Only rich's public modules are used: its theme (``Console.get_style``), ``Style.render``
for the escape codes and ``rich.cells`` for the width of text on screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.color import ColorSystem
from rich.style import Style

_WORD = re.compile(r"\s*\S+\s*")  # a word and the spaces around it, as rich wraps
_INLINE_STYLES = {"strong", "em", "s"}
_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "eight_bit": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}
# Text without a character that starts an inline rule (escapes, code, emphasis,
# strikethrough, links and images, autolinks and HTML, entities): only line breaks to handle.
_PLAIN = re.compile(r"[^\\`*_~\[\]<&\t]*")
_NULL = Style()
_CONTROL = {7: None, 8: None, 11: None, 12: None, 13: None}  # what rich's Text drops
Runs = list[tuple[str, Style]]


class BlockDrawer:
    """Draws the blocks it knows at ``width`` columns, with ``console``'s theme."""

    def __init__(self, console: Any, parser: Any, color_system: str | None, width: int) -> None:
        self.console = console
        self.parser = parser
        self.color_system = _COLOR_SYSTEMS.get(color_system or "")
        self.width = width
        self.styles: dict[str, Style] = {}
        self.codes: dict[Style, tuple[str, str]] = {}

    def lines(self, tokens: list[Any]) -> list[str] | None:
        """The lines of one top-level block (its block tokens, inline text not parsed),
        or None when rich must draw it."""
        kind = tokens[0].type
        if kind == "paragraph_open" and len(tokens) == 3:
            runs = self._runs(tokens[1].content)
            return None if runs is None else self._text(runs, self.width)
        if kind == "heading_open" and len(tokens) == 3:
            tag = tokens[0].tag
            runs = self._runs(tokens[1].content, self._style(f"markdown.{tag}"))
            if runs is None:
                return None
            return self._text(runs, self.width, center=tag == "h1")
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._list(tokens)
        return None

    # -- lists

    def _list(self, tokens: list[Any]) -> list[str] | None:
        items = tokens[1:-1]
        # Each item is exactly: list_item_open, paragraph_open, inline, paragraph_close,
        # list_item_close (one paragraph, nothing nested).
        if len(items) % 5 or any(
            items[i].type != "list_item_open" or items[i + 1].type != "paragraph_open"
            for i in range(0, len(items), 5)
        ):
            return None
        texts = [items[i + 2].content for i in range(0, len(items), 5)]
        if tokens[0].type == "bullet_list_open":
            style = self._style("markdown.item.bullet")
            first, rest, width = (
                self._paint(" • ", style),
                self._paint("   ", style),
                self.width - 3,
            )
            markers = [(first, rest)] * len(texts)
        else:
            style = self._style("markdown.item.number")
            start = int(tokens[0].attrs.get("start", 1))
            number_width = len(str(start + len(texts))) + 2  # as rich counts it
            width = self.width - number_width
            rest = self._paint(" " * number_width, style)
            markers = [
                (self._paint(f"{start + n}".rjust(number_width - 1) + " ", style), rest)
                for n in range(len(texts))
            ]
        out: list[str] = []
        for text, (first, rest) in zip(texts, markers, strict=True):
            runs = self._runs(text)
            if runs is None:
                return None
            drawn = self._text(runs, width)
            out.extend((first if n == 0 else rest) + line for n, line in enumerate(drawn))
        return out

    # -- inline text

    def _runs(self, content: str, base: Style = _NULL) -> Runs | None:
        """The text of an inline token with the style of each run, as rich.markdown
        styles it (links shown as ``text (url)``); None for what only rich draws."""
        if "\t" in content:
            return None  # rich expands tabs by column, line by line
        content = content.translate(_CONTROL)
        if _PLAIN.fullmatch(content):
            text = _plain_text(content)
            return [(text, base)] if text else []
        tokens: list[Any] = []
        self.parser.inline.parse(content, self.parser, {}, tokens)
        stack = [base]
        runs: Runs = []
        link: list[str] | None = None  # a link's text, while inside one

        def add(text: str, style: Style) -> None:
            if link is not None:
                link.append(text)
            elif runs and runs[-1][1] is style:
                runs[-1] = (runs[-1][0] + text, style)
            elif text:
                runs.append((text, style))

        for token in tokens:
            kind = token.type
            if kind in ("text", "text_special"):
                add(token.content, stack[-1])
            elif kind == "softbreak":
                add(" ", stack[-1])
            elif kind == "hardbreak":
                add("\n", stack[-1])
            elif kind == "code_inline":
                add(token.content, stack[-1] + self._style("markdown.code"))
            elif token.tag in _INLINE_STYLES and token.nesting:
                if token.nesting == 1:
                    stack.append(stack[-1] + self._style(f"markdown.{token.tag}"))
                else:
                    stack.pop()
            elif kind == "link_open" and link is None:
                link, href = [], str(token.attrs.get("href", ""))
            elif kind == "link_close" and link is not None:
                text, link = "".join(link), None
                add(text, stack[-1] + self._style("markdown.link"))
                add(" (", stack[-1])
                add(href, stack[-1] + self._style("markdown.link_url"))
                add(")", stack[-1])
            elif kind == "html_inline":
                if token.content == "<kbd>":
                    stack.append(stack[-1] + self._style("markdown.kbd"))
                elif token.content == "</kbd>" and len(stack) > 1:
                    stack.pop()
                # any other inline HTML is left out, as rich leaves it
            else:
                return None
        return runs

    def _text(self, runs: Runs, width: int, center: bool = False) -> list[str]:
        """Runs wrapped at ``width`` as rich wraps text (words, folding the longer ones),
        each line without trailing spaces."""
        plain = "".join(text for text, _ in runs)
        out: list[str] = []
        offset = 0
        for logical in plain.split("\n"):
            end = offset + len(logical)
            for start, stop in _divide(logical, width):
                piece = logical[start:stop].rstrip(" ")
                line = self._slice(runs, offset + start, offset + start + len(piece))
                if center:
                    line = " " * ((width - cell_len(piece)) // 2) + line
                out.append(line)
            offset = end + 1
        return out

    def _slice(self, runs: Runs, start: int, stop: int) -> str:
        out: list[str] = []
        position = 0
        for text, style in runs:
            end = position + len(text)
            if end > start and position < stop:
                out.append(self._paint(text[max(start - position, 0) : stop - position], style))
            if end >= stop:
                break
            position = end
        return "".join(out)

    # -- styles

    def _style(self, name: str) -> Style:
        style = self.styles.get(name)
        if style is None:
            style = self.styles[name] = self.console.get_style(name, default="none")
        return style

    def _paint(self, text: str, style: Style) -> str:
        codes = self.codes.get(style)
        if codes is None:
            if self.color_system is None:
                codes = ("", "")
            else:
                before, _, after = style.render("\0", color_system=self.color_system).partition(
                    "\0"
                )
                codes = (before, after)
            self.codes[style] = codes
        return codes[0] + text + codes[1] if text else ""


def _plain_text(content: str) -> str:
    """What markdown-it's inline rules make of text with no markup character (``_PLAIN``):
    the text itself, each line break a space (a soft break, one trailing space dropped) or,
    after two or more spaces, a new line (a hard break, the spaces dropped); the spaces
    that start the next line dropped. Most of an answer's prose is such text, and this
    costs a fraction of running the rules (``tests/test_render_fast_paths.py`` compares)."""
    if "\n" not in content:
        return content
    lines = content.split("\n")
    out: list[str] = []
    for n, line in enumerate(lines):
        if n:
            line = line.lstrip(" ")
        if n < len(lines) - 1:
            if line.endswith("  "):
                line = line.rstrip(" ") + "\n"
            else:
                line = (line[:-1] if line.endswith(" ") else line) + " "
        out.append(line)
    return "".join(out)


def _divide(text: str, width: int) -> list[tuple[int, int]]:
    """Where a line of text breaks to fit ``width`` cells: rich's word wrapping (a word
    that fits goes on the line, one that does not starts the next, one longer than a
    line is folded)."""
    # Printable ASCII takes a cell a character (most answers): measured by len().
    ascii_text = text.isascii() and text.isprintable()
    measure = len if ascii_text else cell_len
    if measure(text) <= width:
        return [(0, len(text))]
    breaks = _ascii_breaks(text, width) if ascii_text else None
    if breaks is None:
        breaks = _word_breaks(text, width, measure)
    edges = [0, *breaks, len(text)]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _word_breaks(text: str, width: int, measure: Callable[[str], int]) -> list[int]:
    """rich's word wrapping, a word at a time."""
    breaks: list[int] = []
    position = 0  # cells used on the current line
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = measure(word.rstrip())
        if width - position >= length:
            position += measure(word)
        elif length > width:
            folded = chop_cells(word, width)
            for n, piece in enumerate(folded):
                if start:
                    breaks.append(start)
                if n == len(folded) - 1:
                    position = cell_len(piece)
                else:
                    start += len(piece)
        elif position and start:
            breaks.append(start)
            position = measure(word)
    return breaks


def _ascii_breaks(text: str, width: int) -> list[int] | None:
    """``_divide``'s breaks for printable ASCII (a character a cell, a space the only
    whitespace), found a line at a time rather than a word at a time: a line ends before
    the word that reaches past its last column. None when a word is wider than a line, or
    the text starts with spaces: the general path folds those."""
    if text[0] == " ":
        return None
    stop = len(text.rstrip(" "))  # trailing spaces never break a line
    breaks: list[int] = []
    start = 0  # where the current line starts: a word's first character
    while stop - start > width:
        limit = start + width
        if text[limit] == " ":  # every word ending by the last column fits
            nxt = limit
            while text[nxt] == " ":
                nxt += 1
        else:  # the word under the last column starts the next line
            nxt = text.rfind(" ", start, limit) + 1
            if nxt <= start:
                return None
        end = text.find(" ", nxt)
        if (stop if end < 0 else end) - nxt > width:
            return None
        breaks.append(nxt)
        start = nxt
    return breaks

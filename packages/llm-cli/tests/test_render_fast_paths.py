"""The renderer's shortcuts give exactly what the long way gives: text without markup is
taken without running markdown-it's inline rules (line breaks, soft and hard, and the
spaces around them), plain ASCII is wrapped a line at a time rather than a word at a time;
and whole answers render as before."""

from __future__ import annotations

import io
import random
import re

import pytest

from llm_cli import render_blocks
from llm_cli.render_markdown import MarkdownOutput, render_document

# Line breaks with spaces around them, and every character that ends markdown-it's text
# rule without starting one of the enabled rules.
ALPHABET = [
    "a",
    "b",
    "é",
    "漢",
    " ",
    " ",
    "  ",
    "\n",
    " \n",
    "  \n",
    "\n  ",
    *"!#$%+-:=>@^{}.,?'\"",
]
CASES = [
    "plain",
    "two\nlines",
    "soft \nbreak",
    "hard  \nbreak",
    "hard   \n   indented next",
    "Hello! A question? 50% + 3 = {x} @you #tag ^ $5 -> ok: fine",
    "end with spaces on a line  \nthen\nmore \n  text",
]


def _drawer() -> render_blocks.BlockDrawer:
    return MarkdownOutput(io.StringIO(), width=40, height=24, color_system="256").drawer


def _by_the_rules(content: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(render_blocks, "_PLAIN", re.compile(r"(?!)"))  # never plain
        return _drawer()._runs(content)


def _contents() -> list[str]:
    generator = random.Random(7)
    made = []
    for _ in range(2000):
        text = "".join(generator.choice(ALPHABET) for _ in range(generator.randint(1, 30)))
        # As a paragraph's inline content comes: stripped, no blank line inside.
        text = re.sub(r"\n[ ]*\n", "\n", text).strip()
        if text:
            made.append(text)
    return CASES + made


def test_plain_text_is_taken_as_the_inline_rules_take_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawer = _drawer()
    for content in _contents():
        assert render_blocks._PLAIN.fullmatch(content), content
        assert drawer._runs(content) == _by_the_rules(content, monkeypatch), repr(content)


def test_markup_still_goes_through_the_rules() -> None:
    for content in ["**b**", "a `c`", "x_y", "[l](u)", "<b>", "&amp;", "a\\*", "~~s~~"]:
        assert not render_blocks._PLAIN.fullmatch(content)


@pytest.mark.parametrize("color_system", ["256", None])
def test_documents_of_plain_prose_render_as_by_the_rules(
    monkeypatch: pytest.MonkeyPatch, color_system: str | None
) -> None:
    document = "\n\n".join(
        [
            "# A plain heading",
            "A paragraph of plain prose that wraps  \nafter a hard break, and goes on\n"
            "   over a soft one, long enough to wrap at forty columns.",
            "- a plain item\n- another plain item that is long enough to wrap here",
            "1. one\n2. two",
        ]
    )
    fast = render_document(document, 40, color_system)
    with monkeypatch.context() as patch:
        patch.setattr(render_blocks, "_PLAIN", re.compile(r"(?!)"))
        assert render_document(document, 40, color_system) == fast


def _wrapped_texts() -> list[str]:
    generator = random.Random(11)
    words = ["a", "to", "word", "longer", "wrapping", "x" * 12, "y" * 30, "z" * 45, "!", "."]
    made = ["", " ", "word", "  leading spaces", "trailing   ", "a" * 100, "ab " * 40]
    for _ in range(3000):
        pieces = [
            generator.choice(words) + " " * generator.choice([0, 1, 1, 1, 2, 3])
            for _ in range(generator.randint(1, 25))
        ]
        made.append(("" if generator.random() < 0.9 else " ") + "".join(pieces))
    return made


@pytest.mark.parametrize("width", [1, 5, 12, 20, 40, 79])
def test_ascii_is_wrapped_as_word_by_word(width: int) -> None:
    for text in _wrapped_texts():
        fast = render_blocks._ascii_breaks(text, width) if text else None
        if fast is not None:
            assert fast == render_blocks._word_breaks(text, width, len), (text, width)


def test_the_shortcut_wraps_most_prose() -> None:
    prose = "The answer explains the idea in a paragraph of ordinary prose. " * 5
    assert render_blocks._ascii_breaks(prose, 40) is not None

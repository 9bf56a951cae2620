"""BlockDrawer: paragraphs, headings and simple lists drawn from markdown-it's tokens,
byte for byte as rich's Markdown draws them; everything else left to rich."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from llm_cli.render_markdown import MarkdownOutput, _trimmed

DRAWN = [
    "## Section 7",
    "The answer explains the idea in a paragraph of ordinary\nprose, with some **bold** words,"
    " an *aside*, a bit of `inline code` and a [link](https://example.com/7). It goes on.",
    "- a first point, with `code`\n- a second point that is long enough to wrap onto a second"
    " line on a narrow terminal\n- a third point",
    "# A heading with **bold** and `code`",
    "# h1 that is quite long and will need wrapping since it is longer than the screen is",
    "###### six *em*",
    "#",
    "A para with a hard  \nbreak and a\\\nbackslash break",
    "A [**bold link**](http://x.com/a?b=c) and <kbd>Ctrl</kbd>-C, <span>html</span> ~~gone~~",
    "averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword"
    " and more text after it that wraps",
    "1. one\n2. two **b**\n3. three",
    "7. seven\n8. eight\n9. nine\n10. ten with a much longer text that needs wrapping at some"
    " point on the screen",
    "3) other delimiter",
    "- a\n\n- b loose\n\n- c",
    "Wide 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 text",
    "Emoji 🎉 party 🎉 " * 6,
    "Escapes \\*not em\\* and &amp; entity &copy;",
    "***bold em*** and **nested *em* in bold** and *em **bold** em*",
    "Control \x07bell\x08 chars",
    "Trailing spaces   ",
]
LEFT_TO_RICH = [
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "> a quote",
    "- outer\n  - nested",
    "- item\n\n  ```\n  code in an item\n  ```",
    "An ![image](http://x/y.png) here",
    "---",
    "<div>html</div>",
    "Tab\tin a paragraph",
    "-",
]


def _output(width: int, color_system: str | None) -> MarkdownOutput:
    return MarkdownOutput(io.StringIO(), width=width, height=24, color_system=color_system)


@pytest.mark.parametrize("color_system", ["256", "truecolor", "standard", None])
@pytest.mark.parametrize("width", [80, 33])
def test_drawn_as_rich_draws(width: int, color_system: str | None) -> None:
    output = _output(width, color_system)
    for text in DRAWN:
        (_, _, tokens), *others = output._blocks(text + "\n")
        assert not others, text
        drawn = output.drawer.lines(tokens)
        assert drawn is not None, text
        assert _trimmed(drawn) == output._render(text + "\n"), text


def test_the_rest_is_left_to_rich() -> None:
    output = _output(80, "256")
    for text in LEFT_TO_RICH:
        (_, _, tokens), *_ = output._blocks(text + "\n")
        assert output.drawer.lines(tokens) is None, text


def test_the_live_tail_is_drawn_the_same_way() -> None:
    output = _output(40, "256")
    text = "A paragraph with **bold** words that wraps\n\n- one\n- two"
    assert output._draw(text) == output._render(text)
    table = "Before\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert output._draw(table) == output._render(table)


def test_rich_markdown_is_imported_only_for_what_rich_draws() -> None:
    script = """
import io, sys
from llm_cli.render_markdown import render_document
render_document("# T\\n\\nSome *text*\\n\\n- a\\n- b\\n\\n```python\\nx = 1\\n```\\n", 80, "256")
print("rich.markdown" in sys.modules)
render_document("| a |\\n|---|\\n| 1 |\\n", 80, "256")
print("rich.markdown" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]

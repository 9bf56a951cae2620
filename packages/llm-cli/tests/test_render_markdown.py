"""Markdown rendered while it streams, checked on an emulated terminal (pyte): whatever
the chunks, the screen ends up as the whole document rendered at once, nothing
duplicated or lost, and the live tail never outgrows the screen."""

from __future__ import annotations

import io

import pyte
import pytest

from llm_cli.render_markdown import MarkdownOutput, render_document, visible

WIDTH, HEIGHT = 50, 8

DOCUMENT = """# Title here

Some *emphasis* and **bold** text with `inline code` and a [link](https://example.com).
A second line of the same paragraph, long enough to wrap on a narrow screen.

- item one
- item two
  continued
+ another list: another marker
- - -
1) a list with another delimiter

```python
def f(x):
\treturn x * 2  # a comment that is longer than the screen is wide, kept on one line
```

| a | b |
|---|---|
| 1 | 2 |

Setext heading
--------------

1. first
2. second
3. third
4. fourth
5. fifth
6. sixth
7. seventh
8. eighth

Final paragraph."""


def _screen(output: str, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    """Every line the terminal shows or scrolled away, after ``output``."""
    screen = pyte.HistoryScreen(width, height, history=10_000)
    stream = pyte.Stream(screen)
    stream.feed(output.replace("\n", "\r\n"))  # as the terminal driver (onlcr) does
    rows = [*screen.history.top, *(screen.buffer[y] for y in range(height))]
    text = ["".join(row[x].data for x in range(width)).rstrip() for row in rows]
    while text and not text[-1]:
        text.pop()
    return text


def _streamed(chunks: list[str], height: int = HEIGHT) -> str:
    out = io.StringIO()
    output = MarkdownOutput(out, width=WIDTH, height=height, redraw_interval=0, color_system=None)
    for chunk in chunks:
        output.write(chunk)
        assert output.tail_rows < height
    output.finish()
    return out.getvalue()


@pytest.fixture(scope="module")
def whole() -> list[str]:
    return _screen(render_document(DOCUMENT, WIDTH))


def test_the_whole_document_renders_markdown(whole: list[str]) -> None:
    assert "Title here" in whole[0] and "#" not in whole[0]
    text = "\n".join(whole)
    assert "*emphasis*" not in text and "emphasis" in text
    assert " • item one" in text
    assert "(https://example.com)" in text


def test_code_blocks_copy_back_byte_identical() -> None:
    rendered = visible(render_document(DOCUMENT, WIDTH, color_system="truecolor"))
    code = DOCUMENT.split("```python\n")[1].split("```")[0]
    assert "```python\n" + code + "```\n" in rendered


def test_every_split_in_two_chunks_ends_as_the_whole(whole: list[str]) -> None:
    for offset in range(len(DOCUMENT) + 1):
        streamed = _screen(_streamed([DOCUMENT[:offset], DOCUMENT[offset:]]))
        assert streamed == whole, f"split at {offset}"


def test_one_character_at_a_time_ends_as_the_whole(whole: list[str]) -> None:
    assert _screen(_streamed(list(DOCUMENT))) == whole


def test_a_tail_taller_than_the_screen_shows_only_its_end() -> None:
    long_list = "".join(f"- item {n}\n" for n in range(40))
    chunks = [line + "\n" for line in long_list.splitlines()]
    assert _screen(_streamed(chunks, height=5)) == _screen(render_document(long_list, WIDTH))


def test_colours_follow_the_terminal() -> None:
    coloured = render_document("Some **bold** `code`\n\n```python\nx = 1\n```\n", WIDTH, "256")
    assert "\x1b[" in coloured
    plain = render_document("Some **bold**\n\n```python\nx = 1\n```\n", WIDTH, None)
    assert "\x1b[38" not in plain

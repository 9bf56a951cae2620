"""Text that arrives just before the model pauses is drawn within the redraw interval,
not at the next chunk: the flusher thread keeps each frame's deadline, draws nothing while a
notice is being written, ends with the answer, and hands its errors to the main thread."""

from __future__ import annotations

import io
import threading
import time

import pytest

from llm_cli.render_markdown import MarkdownOutput, render_document, visible

INTERVAL = 0.05


class _Screen(io.StringIO):
    """A stream written from two threads; read under its own lock."""

    def __init__(self) -> None:
        super().__init__()
        self.guard = threading.Lock()

    def write(self, text: str) -> int:
        with self.guard:
            return super().write(text)

    def shown(self) -> str:
        with self.guard:
            return visible(self.getvalue())


def _flushers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "llm-render-flusher"]


def _output(stream: io.StringIO) -> MarkdownOutput:
    return MarkdownOutput(stream, width=60, height=10, redraw_interval=INTERVAL, color_system=None)


def _wait_for(condition, timeout: float = 5.0) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "not drawn in time"
        time.sleep(0.005)
    return time.monotonic() - start


def test_text_before_a_pause_is_drawn_without_another_chunk() -> None:
    screen = _Screen()
    output = _output(screen)
    output.write("Sure.")  # drawn at once: the first frame
    output.write(" Thinking about it...")  # within the interval: collected
    assert "Thinking" not in screen.shown()
    waited = _wait_for(lambda: "Thinking about it..." in screen.shown())
    assert waited < INTERVAL + 1.0  # the deadline, give or take a busy machine
    output.write(" Done.")
    output.finish()
    assert not _flushers()
    assert "Sure. Thinking about it... Done." in screen.shown()


def test_finish_ends_the_flusher_and_the_screen_is_the_whole_document() -> None:
    document = (
        "# Plan\n\nFirst a paragraph,\nthen a list:\n\n- one\n- two\n\n```python\nx = 1\n```\n"
    )
    screen = _Screen()
    output = _output(screen)
    for n, character in enumerate(document):
        output.write(character)
        if n % 17 == 0:
            time.sleep(INTERVAL * 1.5)  # pauses mid-line and mid-block: the flusher draws
    output.finish()
    assert not _flushers()
    whole = render_document(document, 60)
    # Every frame erased what it drew before: what stays is the whole document's lines.
    for line in visible(whole).splitlines():
        assert line in screen.shown()


def test_nothing_is_drawn_while_a_notice_is_written() -> None:
    screen = _Screen()
    output = _output(screen)
    output.write("Sure.")
    output.write(" Let me look that up.")
    output.before_notice()  # the tail erased; a tool notice goes to stderr now
    after_notice = screen.getvalue()
    time.sleep(INTERVAL * 4)
    assert screen.getvalue() == after_notice
    output.write(" Found it.")  # the next chunk draws what waited, below the notice
    output.finish()
    assert "Sure. Let me look that up. Found it." in screen.shown()
    assert not _flushers()


class _ClosedPipe(io.StringIO):
    """Standard output whose reader went away after the first frame."""

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0

    def flush(self) -> None:
        self.frames += 1
        if self.frames > 1:
            raise BrokenPipeError(32, "Broken pipe")


def test_the_flushers_error_is_raised_in_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    thread_errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    stream = _ClosedPipe()
    output = _output(stream)
    output.write("Sure.")
    output.write(" Thinking...")
    _wait_for(lambda: stream.frames > 1)
    time.sleep(0.05)
    with pytest.raises(BrokenPipeError):
        output.write(" more")
    assert not thread_errors  # no traceback from the thread
    assert not _flushers()


def test_an_answer_that_never_pauses_draws_no_more_frames_than_before() -> None:
    """A fast stream: the flusher only keeps deadlines that write() would keep anyway."""
    screen = _Screen()
    output = MarkdownOutput(
        screen, width=60, height=10, redraw_interval=float("inf"), color_system=None
    )
    for word in ["a "] * 200:
        output.write(word)
    assert not _flushers()  # an infinite interval (render_document) needs no flusher
    output.finish()


def test_an_exit_without_finish_ends_the_flusher_quietly() -> None:
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from llm_cli.render_markdown import MarkdownOutput\n"
        "output = MarkdownOutput(sys.stdout, width=40, height=10, redraw_interval=0.2,"
        " color_system=None)\n"
        "output.write('Sure.')\n"
        "output.write(' Thinking...')\n"  # its frame is owed in 0.2 s: the exit comes first
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert "Sure." in done.stdout

"""Run ``llm`` on a pseudo-terminal and read its screen through a terminal emulator (pyte)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Any

import pyte


class _Screen(pyte.HistoryScreen):  # type: ignore[misc]
    """Answers the questions programs ask a terminal (prompt_toolkit's cursor position)."""

    answer: Any = None

    def write_process_input(self, data: str) -> None:
        if self.answer is not None:
            self.answer(data.encode())


def _take_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty, so that
    Ctrl-C typed there is SIGINT, as at a real terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A process on a pseudo-terminal of ``columns`` x ``lines``; what it writes lands on an
    emulated screen (with the lines that scrolled away kept)."""

    def __init__(
        self,
        args: list[str],
        user_dir: Path,
        columns: int = 80,
        lines: int = 24,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.controller, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
        full_env.pop("NO_COLOR", None)
        full_env.update({"LLM_USER_PATH": str(user_dir), "TERM": "xterm-256color", **(env or {})})
        self.process = subprocess.Popen(
            args,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=full_env,
            close_fds=True,
            cwd=cwd,
            preexec_fn=_take_terminal,
        )
        os.close(terminal)
        self.screen = _Screen(columns, lines, history=10_000)
        self.screen.answer = self.send
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""

    def send(self, data: bytes) -> None:
        os.write(self.controller, data)

    def _pump(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.controller], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.controller, 65536)
        except OSError:  # the process ended and the terminal closed
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def wait_for(self, text: str, timeout: float = 120, times: int = 1) -> None:
        """Until ``text`` is on the screen (or scrolled past), ``times`` times (the typed
        line and the answer may both hold it)."""
        deadline = time.monotonic() + timeout

        def seen() -> bool:
            return self.shows(text) and self.text().count(text) >= times

        while not seen() and time.monotonic() < deadline:
            if not self._pump(0.1):
                break
        assert seen(), self.text()[-2000:]

    def wait_for_prompt(self, prompt: str = "> ", timeout: float = 120) -> None:
        """Until the cursor waits on an empty prompt: the program reads keys again (before
        that, the terminal driver would take Ctrl-C and Ctrl-D for itself)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.screen.display[self.screen.cursor.y]
            if row.startswith(prompt) and not row[len(prompt) :].strip():
                return
            if not self._pump(0.1):
                break
        raise AssertionError(self.text()[-2000:])

    def wait_for_signals(self, timeout: float = 30) -> None:
        """Until the terminal turns Ctrl-C into SIGINT again (a line editor in raw mode
        reads it as a key; it gives the terminal back a moment after its line is done)."""
        deadline = time.monotonic() + timeout
        while not termios.tcgetattr(self.controller)[3] & termios.ISIG:
            assert time.monotonic() < deadline, "the terminal stayed in raw mode"
            self._pump(0.05)

    def shows(self, text: str) -> bool:
        return text in self.text() or text in "\n".join(self.lines(strip=False))

    def finish(self, timeout: float = 120) -> int:
        """Read until the process ends; its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._pump(0.1):
            if self.process.poll() is not None:
                while self._pump(0.05) and select.select([self.controller], [], [], 0)[0]:
                    pass
                break
        try:
            return self.process.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            self.close()

    def lines(self, strip: bool = True) -> list[str]:
        rows = [
            *self.screen.history.top,
            *(self.screen.buffer[y] for y in range(self.screen.lines)),
        ]
        text = ["".join(row[x].data for x in range(self.screen.columns)) for row in rows]
        text = [line.rstrip() for line in text] if strip else text
        while text and not text[-1].strip():
            text.pop()
        return text

    def text(self) -> str:
        return "\n".join(self.lines())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        try:
            os.close(self.controller)
        except OSError:
            pass

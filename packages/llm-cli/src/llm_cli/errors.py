"""Turning the exceptions models and plugins raise into one-line CLI errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

import llm


def describe_validation_error(error: Any) -> str:
    """A pydantic ValidationError raised by a model's Options, as the original prints it:
    the option's name, then the problem indented below it."""
    lines = []
    for problem in error.errors():
        lines.append(", ".join(str(part) for part in problem.get("loc", ())) or "options")
        lines.append("  " + str(problem.get("msg")))
    return "\n".join(lines)


def error_line(message: str) -> str:
    """``Error: <message>`` with no key or password in it: whatever raised the error and
    whatever it quotes (a URL with credentials, a server that echoed the key) goes through
    ``llm.redact``."""
    from llm.redact import redact

    return f"Error: {redact(message)}"


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Re-raise the errors users cause or meet daily as ``click.ClickException``."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader went away: __main__ ends quietly
    except (llm.UnknownModelError, llm.ModelError, ValueError, OSError) as ex:
        raise click.ClickException(str(ex)) from ex


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while a response was streaming: handled like Ctrl-C (what
    arrived is kept and logged), then the process exits with ``exit_code``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code_for(interrupt: KeyboardInterrupt) -> int:
    """The conventional status for an interrupted process: 128 + the signal's number
    (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
    return interrupt.exit_code if isinstance(interrupt, Interrupted) else 130


def signal_name(interrupt: KeyboardInterrupt) -> str:
    import signal

    signum = interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT
    return signal.Signals(signum).name


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While a response streams, SIGTERM and SIGHUP raise :class:`Interrupted` in the main
    thread, as SIGINT raises KeyboardInterrupt; the previous handlers come back after."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: Any) -> None:
        raise Interrupted(signum)

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

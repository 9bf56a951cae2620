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


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Re-raise the errors users cause or meet daily as ``click.ClickException``."""
    try:
        yield
    except (llm.UnknownModelError, llm.ModelError, ValueError, OSError) as ex:
        raise click.ClickException(str(ex)) from ex

"""Turning the exceptions models and plugins raise into one-line CLI errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

import llm


def describe_validation_error(error: Any, model_id: str) -> str:
    """One line for a pydantic ValidationError raised by a model's Options."""
    messages = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem.get("loc", ())) or "options"
        if problem.get("type") == "extra_forbidden":
            messages.append(f"unknown option '{name}' for model {model_id}")
        else:
            messages.append(f"option '{name}': {problem.get('msg')}")
    return "; ".join(messages)


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Re-raise the errors users cause or meet daily as ``click.ClickException``."""
    try:
        yield
    except (llm.UnknownModelError, llm.ModelError, ValueError, OSError) as ex:
        raise click.ClickException(str(ex)) from ex

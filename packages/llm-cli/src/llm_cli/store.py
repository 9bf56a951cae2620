"""Where the CLI logs responses: the log store, and the ``logs on/off`` switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import llm


def logs_off_path() -> Path:
    return llm.user_dir() / "logs-off"


def logging_enabled() -> bool:
    return not logs_off_path().exists()


def open_store(database: str | None) -> Any:
    """The log store for ``-d/--database`` (a path or URL), or the configured default."""
    import llm_storage

    try:
        return llm_storage.open_store(database)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def open_for_reading(database: str | None) -> Any:
    """The log to read (``-c``, ``-f``, schema IDs, ``llm logs``), opened the cheapest way the
    database allows; None when its SQLite file does not exist (reading creates nothing)."""
    import llm_storage

    try:
        return llm_storage.open_for_reading(database)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def open_for_logging(database: str | None) -> Any:
    """Where responses get logged, opened the cheapest way the database allows (an
    up-to-date SQLite or PostgreSQL database needs no SQLAlchemy); still before the model
    is called."""
    import llm_storage

    try:
        return llm_storage.open_for_logging(database)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def check_writable(store: Any) -> None:
    """Check before you pay: refuse now, before a model is called, when the answer could not
    be logged (a read-only database or directory, a full disk, a lock held past the wait)."""
    import llm_storage

    check = getattr(store, "check_writable", None)
    if check is None:
        return
    try:
        check()
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def log_to(store: Any, response: Any) -> None:
    """Log ``response`` to ``store``; no store means logging is off. A tool chain is logged
    as each of its responses, in order."""
    if store is None:
        return
    made = getattr(response, "responses_made", None)
    for one in made() if made is not None else [response]:
        log_response(store, one)


def log_response(store: Any, response: Any) -> None:
    """Store a finished response; a storage failure is a clear error, never a traceback."""
    import llm_storage

    try:
        store.log_response(response)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def log_paid(store: Any, response: Any) -> None:
    """A run stopped part-way (a tool that exited, no answer at an approval prompt, an
    error in a later step of a tool chain): log every response that got an answer, in full
    or in part, so that nothing paid for is lost. A response that got nothing (its request
    failed before the model answered) is not logged."""
    if store is None or response is None:
        return
    made = getattr(response, "responses_made", None)
    for one in made() if made is not None else [response]:
        one.finish_early()  # a response cut off mid-stream keeps what arrived
        if one.text_or_raise() or one.tool_calls_or_raise():
            log_response(store, one)

"""The typed contracts at llm-storage's boundaries.

``LoggableResponse`` is everything the log writer reads from a response (``llm.Response`` and
``llm.AsyncResponse`` both satisfy it; so may a plugin's own object). ``LogTarget`` is what
``open_for_logging()`` returns: a full ``LogStore`` or the sqlite3-only writer. Only
read-only members are declared, so implementations may use plain attributes or properties.
mypy checks llm-core against them where ``Response.log_to_db`` hands itself to the store.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from .store import LogStore


class LoggedModel(Protocol):
    @property
    def model_id(self) -> str: ...


class LoggedEarlierResponse(Protocol):
    """An earlier turn of the conversation: its text and fragments are referenced, not
    repeated, in the JSON columns (see ``condense``)."""

    @property
    def id(self) -> str: ...
    @property
    def prompt(self) -> LoggedPrompt: ...
    def text_or_raise(self) -> str: ...


class LoggedConversation(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def model(self) -> LoggedModel: ...
    @property
    def responses(self) -> Sequence[LoggedEarlierResponse]:
        """Its responses so far, the one being logged last."""
        ...


class LoggedAttachment(Protocol):
    @property
    def path(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def content(self) -> bytes | None: ...
    def id(self) -> str: ...
    def resolve_type(self) -> str: ...


class LoggedTool(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def input_schema(self) -> dict[str, Any]: ...
    @property
    def plugin(self) -> str | None: ...
    def hash(self) -> str: ...


class LoggedToolCall(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def arguments(self) -> dict[str, Any]: ...
    @property
    def tool_call_id(self) -> str | None: ...


class LoggedToolResult(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def output(self) -> str: ...
    @property
    def tool_call_id(self) -> str | None: ...
    @property
    def instance(self) -> Any:
        """The ``llm.Toolbox`` that ran the tool, or None (its class name, ``plugin`` and
        ``_config`` are logged)."""


class LoggedPrompt(Protocol):
    @property
    def prompt_text(self) -> str | None: ...
    @property
    def system_text(self) -> str | None: ...
    @property
    def fragments(self) -> Sequence[str]:
        """str, or ``llm.Fragment`` (whose ``source`` is logged)."""

    @property
    def system_fragments(self) -> Sequence[str]: ...
    @property
    def schema(self) -> dict[str, Any] | None: ...
    @property
    def attachments(self) -> Sequence[LoggedAttachment]: ...
    @property
    def tools(self) -> Sequence[LoggedTool]: ...
    @property
    def tool_results(self) -> Sequence[LoggedToolResult]: ...
    def options_json(self) -> dict[str, Any]: ...


class LoggableResponse(Protocol):
    """What ``log_response()`` reads from a response: this and nothing else."""

    @property
    def id(self) -> str: ...
    @property
    def model(self) -> LoggedModel: ...
    @property
    def prompt(self) -> LoggedPrompt: ...
    @property
    def conversation(self) -> LoggedConversation | None: ...
    @property
    def prompt_json(self) -> dict[str, Any] | None: ...
    @property
    def response_json(self) -> dict[str, Any] | None: ...
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...
    @property
    def token_details(self) -> dict[str, Any] | None: ...
    def text_or_raise(self) -> str: ...
    def tool_calls_or_raise(self) -> Sequence[LoggedToolCall]: ...
    def duration_ms(self) -> int | None: ...
    def datetime_utc(self) -> str | None: ...
    def conversation_id_for_log(self) -> str:
        """Used only when ``conversation`` is None: the same ID on every call."""
        ...


@runtime_checkable
class LogTarget(Protocol):
    """What ``open_for_logging()`` returns: log responses to it, then close it."""

    @property
    def backend(self) -> str:
        """The SQLAlchemy dialect name: ``sqlite``, ``postgresql``, ..."""
        ...

    @property
    def location(self) -> str:
        """Where the data lives, fit for messages (never a password)."""
        ...

    def log_response(self, response: LoggableResponse) -> None: ...
    def check_writable(self) -> None:
        """Raise ``StoreError`` unless ``log_response`` could write now (called before a
        model runs, so that an answer is never paid for and then lost)."""
        ...

    def close(self) -> None: ...


class HasSqliteConnection(Protocol):
    """A ``sqlite_utils.Database``, or anything else whose ``conn`` is a sqlite3 connection."""

    @property
    def conn(self) -> sqlite3.Connection: ...


#: What ``open_store()`` / ``open_for_logging()`` / ``Response.log_to_db()`` accept: None (the
#: default database), a path, a SQLAlchemy URL (a str with ``://``), a LogStore, a sqlite3
#: connection or a sqlite-utils Database.
StoreTarget: TypeAlias = (
    "str | os.PathLike[str] | LogStore | sqlite3.Connection | HasSqliteConnection | None"
)

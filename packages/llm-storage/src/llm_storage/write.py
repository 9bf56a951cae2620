"""Writing a response and its child rows. Reads only the attributes listed in the
llm-core contract (see README): nothing else on the Response object is touched.

The rows are built here once and handed to a ``Writer``: SQLAlchemy Core for every backend
(``sql_writer``), or plain ``sqlite3`` for an up-to-date SQLite file (``sqlite_writer``),
which spares a logged prompt the SQLAlchemy import. Both run the same code below.
"""

from __future__ import annotations

import datetime
import json
import re
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from llm.identity import fragment_hash, schema_id, schema_json

from .condense import condense
from .storable import storable

if TYPE_CHECKING:
    from .contracts import (
        LoggableResponse,
        LoggedAttachment,
        LoggedTool,
        LoggedToolCall,
        LoggedToolResult,
    )

CONVERSATION_NAME_LENGTH = 32


def conversation_name(prompt: str | None) -> str:
    """First characters of the prompt, whitespace collapsed, "…" when cut short.

    Only as much of the prompt is looked at as the name needs: collapsing all of a 50 MB
    prompt would cost many times its size in memory."""
    text = prompt or ""
    window = 4 * CONVERSATION_NAME_LENGTH
    while True:
        part = text[:window]
        collapsed = re.sub(r"\s+", " ", part).strip()
        if len(part) == len(text) or len(collapsed) > CONVERSATION_NAME_LENGTH:
            break
        window *= 4
    if len(collapsed) <= CONVERSATION_NAME_LENGTH:
        return collapsed
    return collapsed[: CONVERSATION_NAME_LENGTH - 1] + "…"


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def sqlite_utc_now() -> str:
    """Now as SQLite's ``datetime('now')`` writes it (``2026-12-07 13:33:27``): how both
    originals stamp a fragment, so fragments written by any of us sort together."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


class Writer(Protocol):
    """The four operations writing needs, by table and column name."""

    def insert_ignore(self, table: str, values: dict[str, Any]) -> None:
        """Insert unless a row with the same primary or unique key exists."""

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert every row (all with the same columns)."""

    def id_for(self, table: str, column: str, value: Any) -> int:
        """The ``id`` of the row whose ``column`` equals ``value``."""

    def insert_returning_id(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row; its new ``id``."""

    def run(self, sql: str, params: list[Any]) -> int:
        """Run one statement (``?`` placeholders); the number of rows it changed."""

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows a query (``?`` placeholders) returns."""

    @property
    def database(self) -> str:
        """Which database this writes to (a file path or URL), to tell databases apart."""

    @property
    def keeps_nul(self) -> bool:
        """Whether the database's text columns hold NUL (SQLite's do, PostgreSQL's not)."""


class _Storable:
    """A ``Writer`` whose every text value goes through ``storable()`` first: a value the
    database could not hold (a lone surrogate; NUL on PostgreSQL) is stored escaped, so a
    response is never lost to one character. Values that need no escaping are untouched."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self.keeps_nul = writer.keeps_nul

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        keeps_nul = self.keeps_nul
        return {
            k: storable(v, keeps_nul=keeps_nul) if isinstance(v, str) else v
            for k, v in values.items()
        }

    def insert_ignore(self, table: str, values: dict[str, Any]) -> None:
        self._writer.insert_ignore(table, self._values(values))

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        self._writer.insert(table, [self._values(row) for row in rows])

    def id_for(self, table: str, column: str, value: Any) -> int:
        if isinstance(value, str):
            value = storable(value, keeps_nul=self.keeps_nul)
        return self._writer.id_for(table, column, value)

    def insert_returning_id(self, table: str, values: dict[str, Any]) -> int:
        return self._writer.insert_returning_id(table, self._values(values))

    def _params(self, params: list[Any]) -> list[Any]:
        keeps_nul = self.keeps_nul
        return [storable(v, keeps_nul=keeps_nul) if isinstance(v, str) else v for v in params]

    def run(self, sql: str, params: list[Any]) -> int:
        return self._writer.run(sql, self._params(params))

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self._writer.rows(sql, self._params(params))

    @property
    def database(self) -> str:
        return self._writer.database


def _storing(writer: Writer) -> Writer:
    return writer if isinstance(writer, _Storable) else _Storable(writer)


def _fragment_hash(content: str) -> str:
    """The fragment's hash as the originals compute it; for text they could not hash (a
    lone surrogate), the hash of the form it is stored in."""
    try:
        return fragment_hash(content)
    except UnicodeEncodeError:
        return fragment_hash(storable(content))


def store_fragment(writer: Writer, content: str, source: str | None) -> int:
    """Insert the fragment if new (deduplicated by hash); return its id."""
    writer = _storing(writer)
    digest = _fragment_hash(content)
    writer.insert_ignore(
        "fragments",
        {
            "hash": digest,
            "content": str(content),
            "datetime_utc": sqlite_utc_now(),
            "source": source,
        },
    )
    return writer.id_for("fragments", "hash", digest)


def store_tool(writer: Writer, tool: LoggedTool) -> int:
    """Insert the tool if new (deduplicated by its hash); return its id."""
    writer = _storing(writer)
    digest = tool.hash()
    writer.insert_ignore(
        "tools",
        {
            "hash": digest,
            "name": tool.name,
            "description": tool.description,
            "input_schema": _json(tool.input_schema),
            "plugin": tool.plugin,
        },
    )
    return writer.id_for("tools", "hash", digest)


def log_response(writer: Writer, response: LoggableResponse) -> None:
    """Write one response and all its child rows (the caller owns the transaction)."""
    writer = _storing(writer)
    prompt = response.prompt
    model_id = response.model.model_id
    conversation = response.conversation
    if conversation is not None:
        conversation_id = conversation.id
        conversation_model = conversation.model.model_id
        name = conversation.name
    else:
        conversation_id = response.conversation_id_for_log()
        conversation_model = model_id
        name = None
    writer.insert_ignore(
        "conversations",
        {
            "id": conversation_id,
            "name": name or conversation_name(prompt.prompt_text),
            "model": conversation_model,
        },
    )

    schema_key = None
    if prompt.schema:
        schema_key = schema_id(prompt.schema)
        writer.insert_ignore("schemas", {"id": schema_key, "content": schema_json(prompt.schema)})

    fragments: dict[str, Sequence[str]] = {
        "prompt_fragments": prompt.fragments or [],
        "system_fragments": prompt.system_fragments or [],
    }
    fragment_ids, replacements = _store_fragments_and_replacements(writer, response, fragments)

    token_details = response.token_details
    writer.insert(
        "responses",
        [
            {
                "id": response.id,
                "model": model_id,
                "prompt": prompt.prompt_text,
                "system": prompt.system_text,
                "prompt_json": _json(condense(response.prompt_json, replacements)),
                "options_json": json.dumps(prompt.options_json() or {}),
                "response": response.text_or_raise(),
                "response_json": _json(condense(response.response_json, replacements)),
                "conversation_id": conversation_id,
                "duration_ms": response.duration_ms(),
                "datetime_utc": response.datetime_utc(),
                "input_tokens": response.input_tokens,
                "output_tokens": response.output_tokens,
                "token_details": json.dumps(token_details) if token_details else None,
                "schema_id": schema_key,
            }
        ],
    )
    _log_extras(writer, response)
    _link_fragments(writer, response.id, fragment_ids)
    _log_attachments(writer, response.id, prompt.attachments or [])
    tool_ids = _log_tools(writer, response.id, prompt.tools or [])
    _log_tool_calls(writer, response.id, response.tool_calls_or_raise() or [], tool_ids)
    _log_tool_results(writer, response.id, prompt.tool_results or [], tool_ids)
    # The same exchange in llm 0.32+'s message store (same id), for llm 0.36 to read.
    from .message_store import log_turn

    log_turn(writer, response)


def _log_extras(writer: Writer, response: LoggableResponse) -> None:
    """The resolved model, visible reasoning and attempts (a row only when there is one).
    Read with ``getattr``: a plugin's own response object may have none of them."""
    reasoning = getattr(response, "reasoning_text", None)
    attempts = getattr(response, "attempts", None) or None
    extras = {
        "resolved_model": getattr(response, "resolved_model", None),
        "reasoning": reasoning() if callable(reasoning) else None,
        "attempts": json.dumps(attempts) if attempts else None,
    }
    if any(value is not None for value in extras.values()):
        writer.insert("response_extras", [{"response_id": response.id, **extras}])


def _store_fragments(writer: Writer, fragments: Sequence[str]) -> list[int]:
    return [store_fragment(writer, str(f), getattr(f, "source", "") or "") for f in fragments]


def _store_fragments_and_replacements(
    writer: Writer, response: LoggableResponse, fragments: dict[str, Sequence[str]]
) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Store the fragments (those of earlier turns first, as the original does, so the new
    ``fragments.id`` values come out the same); return this response's fragment ids per link
    table, and the texts ``condense`` references in the JSON columns, keyed as the original
    keys them: earlier turns (with their fragments), this response's fragments, its text."""
    replacements: dict[str, str] = {}
    conversation = response.conversation
    for previous in list(conversation.responses)[:-1] if conversation is not None else []:
        earlier = [*previous.prompt.fragments, *previous.prompt.system_fragments]
        for fragment, fragment_id in zip(earlier, _store_fragments(writer, earlier), strict=True):
            replacements[f"f:{fragment_id}"] = str(fragment)
            # (only for a turn that had fragments: as the original does)
            replacements[f"r:{previous.id}"] = previous.text_or_raise()
    fragment_ids = {name: _store_fragments(writer, items) for name, items in fragments.items()}
    for name, items in fragments.items():
        for fragment, fragment_id in zip(items, fragment_ids[name], strict=True):
            replacements[f"f{fragment_id}"] = str(fragment)
    replacements[f"r:{response.id}"] = response.text_or_raise()
    return fragment_ids, replacements


def _link_fragments(writer: Writer, response_id: str, fragment_ids: dict[str, list[int]]) -> None:
    for table_name, ids in fragment_ids.items():
        rows = [
            {"response_id": response_id, "fragment_id": fragment_id, "order": order}
            for order, fragment_id in enumerate(ids)
        ]
        if rows:
            writer.insert(table_name, rows)


def store_attachment(writer: Writer, attachment: LoggedAttachment | Any) -> str:
    """Store an attachment (once per content id); its id."""
    attachment_id = str(attachment.id())
    content = attachment.content if isinstance(attachment.content, bytes) else None
    writer.insert_ignore(
        "attachments",
        {
            "id": attachment_id,
            "type": attachment.resolve_type(),
            "path": None if attachment.path is None else str(attachment.path),
            "url": attachment.url,
            "content": content,
        },
    )
    return attachment_id


def _log_attachments(
    writer: Writer, response_id: str, attachments: Sequence[LoggedAttachment]
) -> None:
    for order, attachment in enumerate(attachments):
        attachment_id = store_attachment(writer, attachment)
        writer.insert_ignore(
            "prompt_attachments",
            {"response_id": response_id, "attachment_id": attachment_id, "order": order},
        )


def _log_tools(writer: Writer, response_id: str, tools: Sequence[LoggedTool]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for tool in tools:
        tool_id = store_tool(writer, tool)
        ids[tool.name] = tool_id
        writer.insert_ignore("tool_responses", {"tool_id": tool_id, "response_id": response_id})
    return ids


def _log_tool_calls(
    writer: Writer, response_id: str, calls: Sequence[LoggedToolCall], tool_ids: dict[str, int]
) -> None:
    rows = [
        {
            "response_id": response_id,
            "tool_id": tool_ids.get(call.name),
            "name": call.name,
            "arguments": json.dumps(call.arguments),
            "tool_call_id": call.tool_call_id,
        }
        for call in calls
    ]
    if rows:
        writer.insert("tool_calls", rows)


# Toolbox instance -> {database: tool_instances.id}: one row per instance and database, as the
# original logs them, however many results and responses the instance produces.
_instance_ids: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def _instance_id(writer: Writer, instance: Any) -> int:
    try:
        known = _instance_ids.setdefault(instance, {})
    except TypeError:  # not weak-referenceable: a row per result
        known = {}
    database = writer.database
    if database not in known:
        name = getattr(instance, "toolbox_name", None)
        known[database] = writer.insert_returning_id(
            "tool_instances",
            {
                "plugin": getattr(instance, "plugin", None),
                "name": name() if callable(name) else type(instance).__name__,
                "arguments": json.dumps(getattr(instance, "_config", {}), default=repr),
            },
        )
    if hasattr(type(instance), "instance_id"):
        instance.instance_id = known[database]  # as the original sets it
    return known[database]


def exception_text(error: BaseException | str | None) -> str | None:
    """A tool's exception as logged (``ValueError: bad input``), as llm 0.36 stores it."""
    if error is None or isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}"


def _log_tool_results(
    writer: Writer,
    response_id: str,
    results: Sequence[LoggedToolResult],
    tool_ids: dict[str, int],
) -> None:
    for result in results:
        instance = result.instance
        instance_id = None if instance is None else _instance_id(writer, instance)
        writer.insert(
            "tool_results",
            [
                {
                    "response_id": response_id,
                    "tool_id": tool_ids.get(result.name),
                    "name": result.name,
                    "output": result.output,
                    "tool_call_id": result.tool_call_id,
                    "instance_id": instance_id,
                    "exception": exception_text(getattr(result, "exception", None)),
                }
            ],
        )


#: Every table ``log_response`` may write (the preflight checks each is there and writable).
TABLES_WRITTEN = (
    "conversations",
    "schemas",
    "fragments",
    "responses",
    "response_extras",
    "prompt_fragments",
    "system_fragments",
    "attachments",
    "prompt_attachments",
    "tools",
    "tool_responses",
    "tool_calls",
    "tool_instances",
    "tool_results",
)


class _Stand:
    """A stand-in for every object ``log_response`` reads: a model, a conversation-less
    prompt with one of everything, a tool, a tool call and result, an attachment."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def rehearse(writer: Writer) -> None:
    """Write a stand-in response that uses every table, column and trigger a real one can
    (a fragment, a system fragment, a schema, an attachment, a tool with its call and
    result from a toolbox instance, reasoning, its turn in the message store). The caller
    runs this inside a transaction and rolls it back: a missing table or column, a trigger
    whose table is gone, a read-only file, is found before a model is paid to answer. Its
    values are unique, so nothing of the database's own rows is touched."""
    import os

    from llm.parts import assistant, user

    unique = f"llm preflight {os.urandom(16).hex()}"
    tool = _Stand(
        name=unique,
        description=unique,
        input_schema={},
        plugin=None,
        hash=lambda: fragment_hash(unique + " tool"),
    )
    attachment = _Stand(
        path=None,
        url=None,
        content=unique.encode(),
        id=lambda: fragment_hash(unique + " attachment"),
        resolve_type=lambda: "text/plain",
    )
    prompt = _Stand(
        prompt_text=unique,
        system_text=unique,
        fragments=[unique + " fragment"],
        system_fragments=[unique + " system fragment"],
        schema={"title": unique},
        attachments=[attachment],
        tools=[tool],
        tool_results=[
            _Stand(
                name=unique, output=unique, tool_call_id=unique, instance=_Stand(), exception=unique
            )
        ],
        options_json=dict,
        # The message store's tables too: a part borrowing the fragment, a turn, a thread.
        messages=[user(f"{unique} fragment\n{unique}")],
    )
    call = _Stand(name=unique, arguments={}, tool_call_id=unique)
    response = _Stand(
        id=unique,
        model=_Stand(model_id=unique),
        prompt=prompt,
        conversation=None,
        prompt_json=None,
        response_json=None,
        input_tokens=None,
        output_tokens=None,
        token_details=None,
        text_or_raise=lambda: unique,
        tool_calls_or_raise=lambda: [call],
        duration_ms=lambda: 0,
        datetime_utc=utc_now,
        conversation_id_for_log=lambda: unique,
        reasoning_text=lambda: unique,
        _messages_now=lambda: [assistant(unique)],
    )
    log_response(writer, response)  # type: ignore[arg-type]

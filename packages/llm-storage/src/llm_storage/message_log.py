"""``llm.logs``: llm 0.32+'s ``LogStore`` API over a SQLite log, for code written against it.

``LogStore(db)`` (a sqlite-utils ``Database``, a ``sqlite3`` connection or a path) brings the
database to the current schema and then reads and writes the content-addressed message store
(``message_store``): chains of messages (``ensure_chain``, ``load_chain``), threads
(``create_thread``, ``append``, ``fork``), turns (``log``), ``verify`` and
``pending_tool_calls``. ``merged_log_rows`` lists logged exchanges as ``llm logs`` does: the
``responses`` rows (each standing for its turn) and the turns without one, newest first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .message_store import (
    ChainWriter,
    attachment_ids,
    canonical_json,
    content_hash,
    decode_text_refs,
    fragment_ids,
    load,
    message_hash,
)
from .sqlite_writer import SqliteWriter

#: Runs a query (``?`` placeholders); its rows as dicts.
Query = Callable[[str, Sequence[Any]], list[dict[str, Any]]]

__all__ = [
    "LogStore",
    "canonical_json",
    "content_hash",
    "log_row_extras",
    "merged_log_rows",
    "message_hash",
]


def _connection(db: Any) -> tuple[Any, sqlite3.Connection]:
    if isinstance(db, sqlite3.Connection):
        return db, db
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return db, conn
    import sqlite_utils

    database = sqlite_utils.Database(db) if db is not None else None
    if database is None:
        from .opening import default_target

        database = sqlite_utils.Database(str(default_target()))
    return database, database.conn


#: How ``LogStore.log`` writes a turn's search row (named here, as in llm 0.32+'s
#: ``llm.logs``, where code written for it may look it up).
TURN_SEARCH_INSERT_SQL = (
    "INSERT INTO turn_search (turn_id, prompt, response) VALUES (:turn_id, :prompt, :response)"
)


class LogStore(ChainWriter):
    """Conversation history in a SQLite log database (migrated on construction)."""

    def __init__(self, db: Any = None) -> None:
        from .opening import open_store

        self.db, self.conn = _connection(db)
        store = open_store(self.db)
        if getattr(store, "_borrowed", None) is None:
            store.close()
        super().__init__(SqliteWriter(self.conn))
        self._depth = 0

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All or nothing, nested freely (a savepoint on the store's connection)."""
        name = f"llm_logs_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    # -- writing ---------------------------------------------------------------------------

    def _ensure_message(self, message: Any, parent_hash: str | None, fragment_map: Any) -> str:
        with self.atomic():
            return super()._ensure_message(message, parent_hash, fragment_map)

    def ensure_chain(
        self, messages: Any, parent: str | None = None, fragments: Any = None
    ) -> str | None:
        with self.atomic():
            return super().ensure_chain(messages, parent, fragments)

    def create_thread(
        self,
        name: str | None = None,
        tip: str | None = None,
        forked_from: str | None = None,
        id: str | None = None,
    ) -> str:
        with self.atomic():
            return super().create_thread(name=name, tip=tip, forked_from=forked_from, id=id)

    def fork(
        self, message_hash_: str, name: str | None = None, forked_from: str | None = None
    ) -> str:
        """A new thread at a stored message: its history is shared, nothing is copied."""
        if not self._message_exists(message_hash_):
            raise KeyError(message_hash_)
        return self.create_thread(name=name, tip=message_hash_, forked_from=forked_from)

    def append(self, thread_id: str, messages: Any) -> str | None:
        """Add messages to the end of a thread; its new tip."""
        with self.atomic():
            tip = self.ensure_chain(messages, parent=self.thread_tip(thread_id))
            self.set_tip(thread_id, tip)
        return tip

    def log(self, response: Any, thread_id: str | None = None) -> str:
        """Record a finished response as a turn (of its conversation's thread by default)."""
        with self.atomic():
            if thread_id is not None:
                self.thread_tip(thread_id)  # KeyError when unknown
            return self.log_turn(response, thread_id)

    def _log_search(self, turn_id: str, prompt: Any, response: Any) -> None:
        import llm.logs

        # ``llm.logs.TURN_SEARCH_INSERT_SQL`` is this module's, unless someone replaced it.
        sql = getattr(llm.logs, "TURN_SEARCH_INSERT_SQL", TURN_SEARCH_INSERT_SQL)
        values = {
            "turn_id": turn_id,
            "prompt": getattr(prompt, "prompt", None) or "",
            "response": response.text_or_raise(),
        }
        self.conn.execute(sql, values)

    # -- reading ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def thread_tip(self, thread_id: str) -> str | None:
        found = self._query("SELECT tip_message_hash FROM threads WHERE id = ?", [thread_id])
        if not found:
            raise KeyError(thread_id)
        tip: str | None = found[0]["tip_message_hash"]
        return tip

    def thread_messages(self, thread_id: str) -> list[Any]:
        return self.load_chain(self.thread_tip(thread_id))

    def load_chain(self, tip: str | None) -> list[Any]:
        """The messages up to ``tip``, oldest first (KeyError for an unknown tip)."""
        return load_chain(self._query, tip)

    def _load_parts(self, hashes: list[str]) -> dict[str, list[Any]]:
        return load_parts(self._query, hashes)

    def verify(self) -> list[str]:
        """The stored messages whose content no longer hashes to their hash (a changed or
        deleted fragment or attachment file, a damaged row); empty when all is well."""
        from llm.parts import Message

        broken = []
        for row in self._query("SELECT hash, parent_hash, role, provider_metadata FROM messages"):
            parts = self._load_parts([row["hash"]]).get(row["hash"], [])
            message = Message(
                role=row["role"], parts=parts, provider_metadata=load(row["provider_metadata"])
            )
            if message_hash(message, row["parent_hash"]) != row["hash"]:
                broken.append(row["hash"])
        return broken

    def pending_tool_calls(self, tip: str | None) -> list[Any]:
        """The client-side tool calls a chain ends with (a paused conversation)."""
        from llm.parts import ToolCallPart

        chain = self.load_chain(tip)
        if not chain:
            return []
        return [
            part
            for part in chain[-1].parts
            if isinstance(part, ToolCallPart) and not part.server_executed
        ]

    def turn_response_json(self, turn_id: str) -> Any:
        """The provider payload a turn recorded, whole again (``payloads``), or None; a
        payload referring to what its turn no longer provides raises UncondenseError."""
        from . import payloads

        found = self._query(
            "SELECT turns.model, turns.parent_message_hash, turns.tip_message_hash,"
            " turns.response_json, schemas.content AS schema_json FROM turns"
            " LEFT JOIN schemas ON schemas.id = turns.schema_id WHERE turns.id = ?",
            [turn_id],
        )
        if not found or found[0]["response_json"] is None:
            return None
        row = found[0]
        inputs = self.load_chain(row["parent_message_hash"])
        outputs = self.load_chain(row["tip_message_hash"])[len(inputs) :]
        tools = [
            (tool["name"], tool["description"])
            for tool in self._query(
                "SELECT tools.name, tools.description FROM turn_tools"
                " JOIN tools ON tools.id = turn_tools.tool_id WHERE turn_tools.turn_id = ?",
                [turn_id],
            )
        ]
        stored = row["response_json"]
        known = payloads.replacements(
            outputs,
            tools,
            schema=load(row["schema_json"]),
            model_replacements=(
                payloads.model_replacements(row["model"]) if '"m.' in stored else None
            ),
        )
        return payloads.uncondense(json.loads(stored), known)

    def iter_responses(self, limit: int | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
        """Logged exchanges as ``llm logs`` reads them (``read.iter_responses``)."""
        from . import read

        yield from read.iter_responses(read.SqliteRows(self.conn), limit=limit, **filters)


def load_parts(query: Query, hashes: list[str]) -> dict[str, list[Any]]:
    """Each message's parts, rebuilt: fragment text and attachments resolved."""
    from llm.attachments import Attachment
    from llm.parts import AttachmentPart, Part, ToolResultPart

    if not hashes:
        return {}
    marks = ", ".join("?" for _ in hashes)
    part_rows = query(
        f"SELECT * FROM parts WHERE message_hash IN ({marks}) ORDER BY message_hash, position",
        hashes,
    )
    payloads = []
    for row in part_rows:
        payload = json.loads(row["payload"]) if row["payload"] else {}
        payload["type"] = row["type"]
        if row["text"] is not None:
            payload["text"] = row["text"]
        payloads.append(payload)
    wanted_fragments = sorted({i for p in payloads for i in fragment_ids(p)})
    fragments: dict[int, str] = {}
    if wanted_fragments:
        marks = ", ".join("?" for _ in wanted_fragments)
        for found in query(
            f"SELECT id, content FROM fragments WHERE id IN ({marks})", wanted_fragments
        ):
            fragments[found["id"]] = found["content"]
    wanted_attachments = sorted({i for p in payloads for i in attachment_ids(p)})
    attachments: dict[str, Any] = {}
    if wanted_attachments:
        marks = ", ".join("?" for _ in wanted_attachments)
        for found in query(f"SELECT * FROM attachments WHERE id IN ({marks})", wanted_attachments):
            attachments[found["id"]] = Attachment.from_row(found)
    out: dict[str, list[Any]] = {}
    for row, payload in zip(part_rows, payloads, strict=True):
        decode_text_refs(payload, fragments)
        ids = attachment_ids(payload)
        payload.pop("attachment", None)
        payload.pop("attachments", None)
        part = Part.from_dict(payload)  # type: ignore[arg-type]
        if ids and isinstance(part, AttachmentPart):
            part.attachment = attachments.get(ids[0])
        elif ids and isinstance(part, ToolResultPart):
            part.attachments = [attachments[i] for i in ids if i in attachments]
        out.setdefault(row["message_hash"], []).append(part)
    return out


def load_chain(query: Query, tip: str | None) -> list[Any]:
    """The messages up to ``tip``, oldest first (KeyError for an unknown tip)."""
    from llm.parts import Message

    rows = []
    hash_ = tip
    while hash_ is not None:
        found = query("SELECT * FROM messages WHERE hash = ?", [hash_])
        if not found:
            raise KeyError(hash_)
        rows.append(found[0])
        hash_ = found[0]["parent_hash"]
    rows.reverse()
    parts = load_parts(query, [row["hash"] for row in rows])
    return [
        Message(
            role=row["role"],
            parts=parts.get(row["hash"], []),
            provider_metadata=load(row["provider_metadata"]),
        )
        for row in rows
    ]


def merged_log_rows(
    store: Any,
    *,
    count: int | None = None,
    query: str | None = None,
    latest: bool = False,
    any_tools: bool = False,
    tool_names: Sequence[str] = (),
    **filters: Any,
) -> list[dict[str, Any]]:
    """Logged exchanges, newest first (best first with ``query``, unless ``latest``), at
    most ``count``, with ``llm logs``'s filters (``model``, ``conversation_id``...)."""
    if any_tools:
        filters["has_tools"] = True
    if tool_names:
        # As 0.36: results carrying each name, whether or not a tool of that name was given.
        filters["tool_result_names"] = list(tool_names)
    rows = list(store.iter_responses(count, query=query, latest=latest, **filters))
    for row in rows:
        row.setdefault("resolved_model", None)
        row.setdefault("reasoning", None)
        _resolve_turn_payload(store, row)
    if not query or latest:
        rows.sort(key=lambda row: row["id"], reverse=True)
    return rows


def _resolve_turn_payload(store: Any, row: dict[str, Any]) -> None:
    """A row read from a turn (no ``responses`` row): its payload, whole, or None when it no
    longer resolves."""
    from .payloads import UncondenseError

    if row.get("response_json") is not None or not hasattr(store, "turn_response_json"):
        return
    if store._query("SELECT 1 FROM responses WHERE id = ?", [row["id"]]):
        return
    try:
        payload = store.turn_response_json(row["id"])
    except (UncondenseError, KeyError):
        payload = None
    row["response_json"] = None if payload is None else json.dumps(payload)


def _payload_replacements(
    messages: Any, tools: Any = (), schema: Any = None, model_replacements: Any = None
) -> dict[str, Any]:
    """What a turn's payload may refer to (``payloads.replacements``)."""
    from .payloads import replacements

    return replacements(messages, tools, schema, model_replacements)


def log_row_extras(store: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A row's tools (with the configured instance each used), tool calls and results,
    attachments and fragments, as lists of dicts."""
    tools = []
    for tool in row.get("tools") or []:
        instance = None
        if getattr(store, "conn", None) is not None:
            found = store._query(
                "SELECT tool_instances.name, tool_instances.arguments FROM turn_tools"
                " JOIN tool_instances ON tool_instances.id = turn_tools.instance_id"
                " WHERE turn_tools.turn_id = ? AND turn_tools.tool_id = ?",
                [row["id"], tool["id"]],
            )
            instance = found[0] if found else None
        tools.append({**tool, "instance": instance})
    calls = [
        {**call, "arguments": json.loads(call["arguments"]) if call.get("arguments") else {}}
        for call in row.get("tool_calls") or []
    ]
    results = []
    for result in row.get("tool_results") or []:
        instance = None
        if result.get("instance_name") is not None:
            instance = {
                "name": result["instance_name"],
                "plugin": result.get("instance_plugin"),
                "arguments": result.get("instance_arguments"),
            }
        results.append({**result, "instance": instance})
    return {
        "tools": tools,
        "tool_calls": calls,
        "tool_results": results,
        "attachments": list(row.get("attachments") or []),
        "prompt_fragments": list(row.get("prompt_fragments") or []),
        "system_fragments": list(row.get("system_fragments") or []),
    }

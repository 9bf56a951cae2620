"""Writing llm 0.32+'s content-addressed message store, on any backend.

A conversation is a parent-linked tree of ``messages``: each is identified by a hash over its
own content and its parent's hash (``message_hash``: BLAKE2b of the canonical JSON of
``{"parent": ..., "message": Message.to_dict()}``, attachments by the SHA-256 of their bytes
and their type, exactly as llm 0.36 computes it, so its rows and ours are the same rows).
Shared prefixes are stored once. A message's ``parts`` keep their order; literal text sits
raw in ``parts.text``, the rest of a part is its ``to_dict()`` as JSON without ``type``, with
fragment text replaced by ``text_ref`` pieces and attachments by their ids.

A logged exchange is a ``turns`` row (the response's id: the same id as its ``responses``
row, which is how llm 0.36 and our ``llm logs`` show the two as one exchange) from the chain
it was sent (``parent_message_hash``) to the chain with its answer (``tip_message_hash``),
in a ``threads`` row (the conversation's id). ``write.log_response`` calls ``log_turn`` after
the 0.26 rows, in the same transaction; the ``Writer`` is any of the three (sqlite3,
psycopg, SQLAlchemy), with its ``run``/``rows`` for the statements this module needs.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .write import conversation_name, store_attachment, store_fragment, store_tool

if TYPE_CHECKING:
    from llm.parts import Message, Part

    from .write import Writer

HASH_PREFIX = "b2:"
_DIGEST_SIZE = 16


def canonical_json(obj: Any) -> str:
    """The form hashed: keys sorted, no insignificant whitespace, non-ASCII kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: Strings are escaped and hashed this many characters at a time, so hashing a message of a
#: 50 MB prompt holds no second copy of it (the JSON text, then its UTF-8 bytes).
_SLICE = 1 << 20


def _canonical_pieces(obj: Any) -> Iterator[str]:
    """``canonical_json(obj)`` in pieces (long strings in slices; the same text joined)."""
    if isinstance(obj, str):
        if len(obj) <= _SLICE:
            yield json.dumps(obj, ensure_ascii=False)
            return
        yield '"'
        for start in range(0, len(obj), _SLICE):
            # Escaping is character by character: slices escape as the whole does.
            yield json.dumps(obj[start : start + _SLICE], ensure_ascii=False)[1:-1]
        yield '"'
    elif isinstance(obj, dict):
        yield "{"
        for n, key in enumerate(sorted(obj)):
            yield ("," if n else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from _canonical_pieces(obj[key])
        yield "}"
    elif isinstance(obj, list | tuple):
        yield "["
        for n, item in enumerate(obj):
            if n:
                yield ","
            yield from _canonical_pieces(item)
        yield "]"
    else:
        yield canonical_json(obj)


def content_hash(obj: Any) -> str:
    """``b2:`` and the 16-byte BLAKE2b of ``obj``'s canonical JSON, in hex."""
    digest = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    for piece in _canonical_pieces(obj):
        # (A lone surrogate, which no UTF-8 text holds and llm 0.36 cannot log, is hashed
        # as Python's "surrogatepass" encodes it.)
        digest.update(piece.encode("utf-8", "surrogatepass"))
    return HASH_PREFIX + digest.hexdigest()


def _canonical_attachment(attachment: Any) -> dict[str, Any]:
    """An attachment's identity: the SHA-256 of its bytes (read now, never a cached id; a
    missing file is ``missing:<path>``, a URL attachment the hash of ``{"url": ...}``) and
    the media type the model sees."""
    if attachment.content:
        content_id = hashlib.sha256(attachment.content).hexdigest()
    elif attachment.path:
        try:
            with open(attachment.path, "rb") as fp:
                content_id = hashlib.sha256(fp.read()).hexdigest()
        except OSError:
            content_id = f"missing:{attachment.path}"
    else:
        content_id = hashlib.sha256(json.dumps({"url": attachment.url}).encode()).hexdigest()
    try:
        media_type = attachment.resolve_type()
    except OSError:
        media_type = attachment.type
    return {"id": content_id, "type": media_type}


def message_hash(message: Message, parent_hash: str | None) -> str:
    """The identity of ``message`` reached from ``parent_hash``."""
    d: Any = message.to_dict()
    for part, part_dict in zip(message.parts, d["parts"], strict=True):
        attachment = getattr(part, "attachment", None)
        if attachment is not None:
            part_dict["attachment"] = _canonical_attachment(attachment)
        attachments = getattr(part, "attachments", None)
        if attachments:
            part_dict["attachments"] = [_canonical_attachment(a) for a in attachments]
    return content_hash({"parent": parent_hash, "message": d})


def now_utc() -> str:
    """A thread's creation time, as llm 0.36 writes it (``str()`` of an aware datetime)."""
    return str(datetime.datetime.now(datetime.UTC))


def dump(value: Any) -> str | None:
    return json.dumps(value) if value else None


def load(value: str | None) -> Any:
    return json.loads(value) if value else None


def attachments_of(part: Part) -> list[Any]:
    """The attachments a part carries, in order."""
    from llm.parts import AttachmentPart, ToolResultPart

    if isinstance(part, ToolResultPart):
        return list(part.attachments)
    if isinstance(part, AttachmentPart) and part.attachment is not None:
        return [part.attachment]
    return []


def encode_text_refs(payload: dict[str, Any], fragment_map: dict[str, int]) -> list[int]:
    """Replace ``payload["text"]`` by ``text_ref`` pieces (``{"fragment": id}`` where a known
    fragment occurs, the earliest first and the longest on a tie; ``{"literal": ...}``
    between them); the fragment ids used, in order. Nothing changes when none occurs."""
    text = payload.get("text")
    if not text or not fragment_map:
        return []
    pieces: list[dict[str, Any]] = []
    used: list[int] = []
    rest = text
    while rest:
        best: tuple[int, int, str] | None = None
        for content in fragment_map:
            index = rest.find(content)
            if index != -1 and (best is None or (index, -len(content)) < best[:2]):
                best = (index, -len(content), content)
        if best is None:
            pieces.append({"literal": rest})
            break
        index, _, content = best
        if index:
            pieces.append({"literal": rest[:index]})
        pieces.append({"fragment": fragment_map[content]})
        used.append(fragment_map[content])
        rest = rest[index + len(content) :]
    if used:
        del payload["text"]
        payload["text_ref"] = pieces
    return used


def decode_text_refs(payload: dict[str, Any], fragments: dict[int, str]) -> None:
    pieces = payload.pop("text_ref", None)
    if pieces is not None:
        payload["text"] = "".join(
            piece["literal"] if "literal" in piece else fragments.get(piece["fragment"], "")
            for piece in pieces
        )


def fragment_ids(payload: dict[str, Any]) -> list[int]:
    return [p["fragment"] for p in payload.get("text_ref") or [] if "fragment" in p]


def attachment_ids(payload: dict[str, Any]) -> list[str]:
    if payload["type"] == "attachment" and "attachment" in payload:
        return [payload["attachment"]["id"]]
    if payload["type"] == "tool_result":
        return [ref["id"] for ref in payload.get("attachments") or []]
    return []


def store_tool_instance(writer: Writer, name: str, plugin: str | None, arguments: str) -> int:
    """The ``tool_instances`` row of a configuration: the first one stored, else a new one."""
    sql = "SELECT id FROM tool_instances WHERE name = ? AND arguments = ? AND plugin "
    if plugin is None:
        found = writer.rows(sql + "IS NULL ORDER BY id LIMIT 1", [name, arguments])
    else:
        found = writer.rows(sql + "= ? ORDER BY id LIMIT 1", [name, arguments, plugin])
    if found:
        return int(found[0][0])
    return writer.insert_returning_id(
        "tool_instances", {"plugin": plugin, "name": name, "arguments": arguments}
    )


def toolbox_instance(writer: Writer, instance: Any) -> int:
    """The row of a configured toolbox: one already stored for the same configuration (a
    turn refers to it however many objects were built from it), else the row the
    ``responses`` side makes for this object (``write._instance_id``), so the two share it."""
    from .write import _instance_id

    name = getattr(instance, "toolbox_name", None)
    found = writer.rows(
        "SELECT id FROM tool_instances WHERE name = ? AND arguments = ? AND plugin "
        + ("IS NULL" if getattr(instance, "plugin", None) is None else "= ?")
        + " ORDER BY id LIMIT 1",
        [
            name() if callable(name) else type(instance).__name__,
            json.dumps(getattr(instance, "_config", {}), default=repr),
            *([] if getattr(instance, "plugin", None) is None else [instance.plugin]),
        ],
    )
    if found:
        return int(found[0][0])
    return _instance_id(writer, instance)


class ChainWriter:
    """Writes messages, threads and turns through a ``Writer`` (the caller's transaction)."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    # -- messages --------------------------------------------------------------------------

    def ensure_chain(
        self,
        messages: Iterable[Message],
        parent: str | None = None,
        fragments: Sequence[Any] | None = None,
    ) -> str | None:
        """Store ``messages`` after ``parent``; the hash of the last (``parent`` if none).
        Messages already stored are skipped; text holding one of ``fragments`` refers to it."""
        fragment_map = self._fragment_map(fragments)
        tip = parent
        for message in messages:
            tip = self._ensure_message(message, tip, fragment_map)
        return tip

    def _fragment_map(self, fragments: Sequence[Any] | None) -> dict[str, int]:
        found: dict[str, int] = {}
        for fragment in fragments or ():
            if str(fragment):
                source = getattr(fragment, "source", "") or ""
                found[str(fragment)] = store_fragment(self.writer, str(fragment), source)
        return found

    def _message_exists(self, hash_: str) -> bool:
        return bool(self.writer.rows("SELECT 1 FROM messages WHERE hash = ?", [hash_]))

    def _ensure_message(
        self, message: Message, parent_hash: str | None, fragment_map: dict[str, int]
    ) -> str:
        hash_ = message_hash(message, parent_hash)
        if self._message_exists(hash_):
            return hash_  # and, the parent being part of the hash, all before it
        inserted = self.writer.run(
            "INSERT INTO messages (hash, parent_hash, role, provider_metadata)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [hash_, parent_hash, message.role, dump(message.provider_metadata)],
        )
        if inserted:  # another writer may have stored it meanwhile: only one writes parts
            for position, part in enumerate(message.parts):
                self._write_part(hash_, position, part, fragment_map)
        return hash_

    def _write_part(
        self, message_hash_: str, position: int, part: Part, fragment_map: dict[str, int]
    ) -> None:
        payload: dict[str, Any] = dict(part.to_dict())
        part_type = payload.pop("type")
        used = encode_text_refs(payload, fragment_map)
        ids = [store_attachment(self.writer, a) for a in attachments_of(part)]
        if ids and part_type == "attachment":
            payload["attachment"] = {"id": ids[0]}
        elif ids and part_type == "tool_result":
            payload["attachments"] = [{"id": i} for i in ids]
        text = None
        if part_type in ("text", "reasoning") and "text" in payload:
            text = payload.pop("text")
        part_id = self.writer.insert_returning_id(
            "parts",
            {
                "message_hash": message_hash_,
                "position": position,
                "type": part_type,
                "tool_name": payload.get("name"),
                "text": text,
                # Key order as produced (canonical order is for hashing only).
                "payload": json.dumps(payload) if payload else None,
            },
        )
        for order, attachment_id in enumerate(ids):
            self.writer.insert(
                "part_attachments",
                [{"part_id": part_id, "attachment_id": attachment_id, "order": order}],
            )
        for order, fragment_id in enumerate(used):
            self.writer.insert(
                "part_fragments",
                [{"part_id": part_id, "fragment_id": fragment_id, "order": order}],
            )

    # -- threads ---------------------------------------------------------------------------

    def create_thread(
        self,
        name: str | None = None,
        tip: str | None = None,
        forked_from: str | None = None,
        id: str | None = None,
    ) -> str:
        from llm import ulid

        thread_id = id or ulid()
        self.writer.insert(
            "threads",
            [
                {
                    "id": thread_id,
                    "name": name,
                    "tip_message_hash": tip,
                    "forked_from": forked_from,
                    "datetime_utc": now_utc(),
                }
            ],
        )
        return thread_id

    def ensure_thread(self, thread_id: str, name: str | None = None) -> str:
        if not self.writer.rows("SELECT 1 FROM threads WHERE id = ?", [thread_id]):
            self.create_thread(name=name, id=thread_id)
        return thread_id

    def set_tip(self, thread_id: str, tip: str | None) -> None:
        self.writer.run("UPDATE threads SET tip_message_hash = ? WHERE id = ?", [tip, thread_id])

    # -- turns -----------------------------------------------------------------------------

    def log_turn(self, response: Any, thread_id: str | None = None, *, listed: bool = False) -> str:
        """Store what ``response`` was sent and answered as a turn of ``thread_id`` (by
        default its conversation's, made when new); the turn's id (the response's). Logging
        the same response again replaces its turn, and its ``turn_search`` row (what llm
        0.36 searches: it does not look for a turn's exchange in ``responses_fts``).
        ``listed``: the response has its ``responses`` row too (see :class:`Coverage`)."""
        coverage = Coverage(self.writer) if listed and is_sqlite(self.writer) else None
        unlisted = coverage.unlisted_before() if coverage is not None else None
        prompt = response.prompt
        if thread_id is None:
            conversation = getattr(response, "conversation", None)
            if conversation is not None:
                thread_id = conversation.id
                name = getattr(conversation, "name", None)
            else:
                thread_id = response.conversation_id_for_log()
                name = None
            text = getattr(prompt, "prompt", None) or getattr(prompt, "system", None) or ""
            self.ensure_thread(thread_id, name=name or conversation_name(text))

        prompt_fragments = list(getattr(prompt, "fragments", None) or [])
        system_fragments = list(getattr(prompt, "system_fragments", None) or [])
        parent = self.ensure_chain(prompt.messages, fragments=prompt_fragments + system_fragments)
        own_messages = response._messages_now()
        tip = self.ensure_chain(own_messages, parent=parent)

        schema_id = None
        if prompt.schema:
            from llm.identity import schema_id as make_schema_id
            from llm.identity import schema_json

            schema_id = make_schema_id(prompt.schema)
            self.writer.insert_ignore(
                "schemas", {"id": schema_id, "content": schema_json(prompt.schema)}
            )

        turn_id = str(response.id)
        for table in ("turn_search", "turn_tools", "turn_fragments", "tool_instantiations"):
            self.writer.run(f"DELETE FROM {table} WHERE turn_id = ?", [turn_id])
        self.writer.run("DELETE FROM turns WHERE id = ?", [turn_id])
        options = prompt.options_json() if hasattr(prompt, "options_json") else {}
        token_details = getattr(response, "token_details", None)
        self.writer.insert(
            "turns",
            [
                {
                    "id": turn_id,
                    "thread_id": thread_id,
                    "parent_message_hash": parent,
                    "tip_message_hash": tip,
                    "model": response.model.model_id,
                    "resolved_model": getattr(response, "resolved_model", None),
                    "options_json": dump(options),
                    "schema_id": schema_id,
                    "input_tokens": response.input_tokens,
                    "output_tokens": response.output_tokens,
                    "token_details": dump(token_details),
                    "duration_ms": response.duration_ms(),
                    "datetime_utc": response.datetime_utc(),
                    "response_json": response_json_for(response, own_messages),
                }
            ],
        )
        self._log_turn_tools(turn_id, prompt)
        for kind, fragments in (("prompt", prompt_fragments), ("system", system_fragments)):
            for order, fragment in enumerate(fragments):
                source = getattr(fragment, "source", "") or ""
                fragment_id = store_fragment(self.writer, str(fragment), source)
                self.writer.insert(
                    "turn_fragments",
                    [
                        {
                            "turn_id": turn_id,
                            "fragment_id": fragment_id,
                            "order": order,
                            "kind": kind,
                        }
                    ],
                )
        self._log_instantiations(turn_id, prompt)
        self._log_search(turn_id, prompt, response)
        self.set_tip(thread_id, tip)
        if coverage is not None and unlisted is not None:
            coverage.record(unlisted)
        elif is_sqlite(self.writer):
            Coverage(self.writer).forget()
        return turn_id

    def _log_search(self, turn_id: str, prompt: Any, response: Any) -> None:
        self.writer.insert(
            "turn_search",
            [
                {
                    "turn_id": turn_id,
                    "prompt": getattr(prompt, "prompt", None) or "",
                    "response": response.text_or_raise(),
                }
            ],
        )

    def _log_turn_tools(self, turn_id: str, prompt: Any) -> None:
        tools = list(getattr(prompt, "tools", None) or [])
        if not tools:
            return
        from llm.tools import ServerSideTool

        seen: set[int] = set()
        for tool in tools:
            if isinstance(tool, ServerSideTool):
                instance: Any = tool
                instance_name = type(tool).__name__
            else:
                instance = getattr(getattr(tool, "implementation", None), "__self__", None)
                instance_name = tool.name.split("_")[0]
            config = getattr(instance, "_config", None)
            instance_id = None
            if config is not None and isinstance(tool, ServerSideTool):
                plugin = getattr(tool, "plugin", None)
                instance_id = store_tool_instance(
                    self.writer, instance_name, plugin, json.dumps(config)
                )
            elif config is not None:
                instance_id = toolbox_instance(self.writer, instance)
            tool_id = store_tool(self.writer, tool)
            if tool_id in seen:
                continue
            seen.add(tool_id)
            self.writer.insert(
                "turn_tools",
                [{"turn_id": turn_id, "tool_id": tool_id, "instance_id": instance_id}],
            )

    def _log_instantiations(self, turn_id: str, prompt: Any) -> None:
        seen: set[str] = set()
        for result in getattr(prompt, "tool_results", None) or []:
            config = getattr(result.instance, "_config", None)
            if config is None or not result.tool_call_id or result.tool_call_id in seen:
                continue
            seen.add(result.tool_call_id)
            instance_id = toolbox_instance(self.writer, result.instance)
            self.writer.insert(
                "tool_instantiations",
                [
                    {
                        "turn_id": turn_id,
                        "tool_call_id": result.tool_call_id,
                        "instance_id": instance_id,
                    }
                ],
            )


def response_json_for(response: Any, own_messages: Sequence[Any]) -> str | None:
    """The provider's payload as the turn stores it: JSON, condensed against the turn's own
    messages, tools, schema and model (``payloads``); None when there is none."""
    from . import payloads

    payload = getattr(response, "response_json", None)
    if payload is None:
        return None
    prompt = response.prompt
    tools = [(t.name, t.description) for t in getattr(prompt, "tools", None) or []]
    known = payloads.replacements(
        own_messages,
        tools,
        schema=getattr(prompt, "schema", None),
        model_replacements=getattr(response.model, "json_replacements", None),
    )
    return json.dumps(payloads.condense(payload, known))


def is_sqlite(writer: Any) -> bool:
    """Whether ``writer`` writes to SQLite (the only database whose turns we read)."""
    import sqlite3

    while hasattr(writer, "_writer"):  # write._Storable: the writer it wraps
        writer = writer._writer
    conn = getattr(writer, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return True
    dialect = getattr(conn, "dialect", None)
    return getattr(dialect, "name", None) == "sqlite"


#: Turns without a ``responses`` row of their id (those llm 0.36 logged): a full scan.
UNLISTED_SQL = (
    "SELECT count(*) FROM turns"
    " WHERE NOT EXISTS (SELECT 1 FROM responses WHERE responses.id = turns.id)"
)
#: What changes whenever a turn or a response is added or deleted (SQLite): cheap.
TURNS_STATE_SQL = (
    "SELECT (SELECT count(*) FROM turns), (SELECT max(rowid) FROM turns),"
    " (SELECT count(*) FROM responses), (SELECT max(rowid) FROM responses)"
)
COVERAGE_SQL = (
    "SELECT turns, last_rowid, responses, responses_last_rowid, unlisted"
    " FROM message_store_coverage"
)


class Coverage:
    """Whether every turn has its ``responses`` row, without scanning the turns.

    ``llm logs`` lists turns only when some lack a ``responses`` row (0.36 logged them):
    proving there are none means checking every turn, a third of a second on 100,000. So
    each turn we log with its row records, in ``message_store_coverage``, how many turns
    lacked one and the count and last rowid of turns and of responses; a reader that finds
    them unchanged and none lacking skips the turns (``turns.unlisted_possible``). Anything
    else that adds or deletes a turn or a response changes a count or a rowid, and the next
    turn we log counts again."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    def unlisted_before(self) -> int:
        now = tuple(self.writer.rows(TURNS_STATE_SQL, [])[0])
        state = self.writer.rows(COVERAGE_SQL, [])
        if state and tuple(state[0][:4]) == now and state[0][4] is not None:
            return int(state[0][4])
        return int(self.writer.rows(UNLISTED_SQL, [])[0][0])

    def record(self, unlisted: int) -> None:
        turns, last_rowid, responses, responses_last_rowid = self.writer.rows(TURNS_STATE_SQL, [])[
            0
        ]
        self.forget()
        self.writer.insert(
            "message_store_coverage",
            [
                {
                    "turns": turns,
                    "last_rowid": last_rowid,
                    "responses": responses,
                    "responses_last_rowid": responses_last_rowid,
                    "unlisted": unlisted,
                }
            ],
        )

    def forget(self) -> None:
        self.writer.run("DELETE FROM message_store_coverage", [])


def log_turn(writer: Writer, response: Any) -> None:
    """``write.log_response``'s addition: the response as a turn, when it can say what it was
    sent and answered as messages (an ``llm`` Response; a plugin's own object may not)."""
    if not hasattr(response, "_messages_now") or not hasattr(response.prompt, "messages"):
        return
    # A response whose messages cannot be stored (a plugin's part or metadata that is not
    # JSON, say) is still logged as its responses row: only the turn is given up, with a
    # warning. Database errors fail the whole log, as before.
    writer.run("SAVEPOINT llm_message_store", [])
    try:
        ChainWriter(writer).log_turn(response, listed=True)
    except (TypeError, ValueError, AttributeError, KeyError) as ex:
        writer.run("ROLLBACK TO SAVEPOINT llm_message_store", [])
        writer.run("RELEASE SAVEPOINT llm_message_store", [])
        import warnings

        warnings.warn(
            f"response {response.id} was logged without its llm 0.32+ turn: {ex}", stacklevel=2
        )
        return
    writer.run("RELEASE SAVEPOINT llm_message_store", [])

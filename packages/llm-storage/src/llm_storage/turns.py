"""Reading the exchanges llm 0.32+ logged as turns, as response records.

llm 0.32 and later log a prompt as a ``turns`` row pointing into a content-addressed chain of
``messages`` (each with ordered ``parts``) rather than as a ``responses`` row. A ``logs.db``
they wrote is adopted in place, so ``llm logs`` and ``-c``/``--cid`` read those turns too:
a turn's input is the run of user (and tool) messages after the last assistant message up to
its parent, its response what it appended up to its tip, its system prompt the chain's
leading system message - as llm 0.36 itself renders them. Records have the shape of
``read``'s, their child records (attachments, fragments, tools, tool calls and results)
read from the turn's parts and link tables (``turn_children``).

We write turns too (``message_store``), each beside a ``responses`` row of the same id that
stands for it here: only turns without one (what 0.36 logged) are read from the chains.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from .read import RESPONSE_COLUMNS, RowSource

Record = dict[str, Any]

_TURN_COLUMNS = (
    "turns.id, turns.thread_id AS conversation_id, turns.parent_message_hash,"
    " turns.tip_message_hash, turns.model, turns.options_json, turns.schema_id,"
    " turns.input_tokens, turns.output_tokens, turns.token_details, turns.duration_ms,"
    " turns.datetime_utc, threads.name AS conversation_name, schemas.content AS schema_json,"
    " turns.response_json AS stored_payload"
)


# Tool results among what a turn was sent: in its parent message, or in the one before it
# when a user prompt follows them.
_SENT_RESULTS = (
    "EXISTS (SELECT 1 FROM parts JOIN messages ON messages.hash = parts.message_hash"
    " WHERE parts.type = 'tool_result' AND messages.role = 'tool'{name} AND (messages.hash"
    " = turns.parent_message_hash OR messages.hash = (SELECT parent_hash FROM messages AS"
    " asked WHERE asked.hash = turns.parent_message_hash AND asked.role = 'user')))"
)


def present(rows: RowSource) -> bool:
    """Whether this database holds llm 0.32+'s ``turns`` table (only a SQLite file can)."""
    if rows.dialect != "sqlite":
        return False
    found = list(
        rows.rows("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'turns'")
    )
    return bool(found)


def unlisted_possible(rows: RowSource) -> bool:
    """Whether some turn may lack a ``responses`` row: False only when the last turn we
    logged found none lacking and no turn or response was added or deleted since
    (``message_store.Coverage``)."""
    from .message_store import COVERAGE_SQL, TURNS_STATE_SQL

    state = [tuple(r.values()) for r in rows.rows(COVERAGE_SQL)]
    if not state or state[0][4] != 0:
        return True
    [now] = [tuple(r.values()) for r in rows.rows(TURNS_STATE_SQL)]
    return now != state[0][:4]


def turn_records(
    rows: RowSource,
    *,
    limit: int | None,
    model: str | None = None,
    conversation_id: str | None = None,
    schema_id: str | None = None,
    id_gt: str | None = None,
    id_gte: str | None = None,
    response_ids: Sequence[str] | None = None,
    fragments_filter: Sequence[str] = (),
    has_tools: bool = False,
    tools_used: Sequence[tuple[str, str | None]] = (),
    tool_result_names: Sequence[str] = (),
    query: str | None = None,
    latest: bool = False,
    omit: Collection[str] = (),
) -> list[Record]:
    """The newest ``limit`` turns (None or 0: all) every filter selects, oldest first; with
    ``query`` (full-text, in ``turn_search_fts`` as 0.36 indexes a turn), the best ``limit``
    matches, best first (``latest``: the newest, newest first), each with its
    ``search_rank`` (more negative is better), as ``read.iter_responses`` orders responses.

    ``fragments_filter``: turns given each fragment (hash or alias; ``turn_fragments``).
    ``has_tools``: turns sent tool results (a tool message ending their input, or just
    before the prompt that ends it); ``tools_used``: results of each named tool (from a
    tool of that name and plugin the turn was given, as ``responses`` rows are matched);
    ``tool_result_names``: results carrying each name, whatever the turn was given (as
    0.36's ``merged_log_rows(tool_names=)`` matches). ``omit``: as ``read.iter_responses``."""
    # A turn we logged has a ``responses`` row of the same id, which stands for it.
    where: list[str] = ["NOT EXISTS (SELECT 1 FROM responses WHERE responses.id = turns.id)"]
    params: list[Any] = []
    for clause, value in (
        ("(turns.model = ? OR turns.resolved_model = ?)", model),
        ("turns.thread_id = ?", conversation_id),
        ("turns.schema_id = ?", schema_id),
        ("turns.id > ?", id_gt),
        ("turns.id >= ?", id_gte),
    ):
        if value is not None:
            where.append(clause)
            params += [value] * clause.count("?")
    for key in fragments_filter:
        where.append(
            "EXISTS (SELECT 1 FROM turn_fragments JOIN fragments"
            " ON fragments.id = turn_fragments.fragment_id"
            " WHERE turn_fragments.turn_id = turns.id AND (fragments.hash = ? OR fragments.id"
            " IN (SELECT fragment_id FROM fragment_aliases WHERE alias = ?)))"
        )
        params += [key, key]
    if has_tools or tools_used:
        where.append(_SENT_RESULTS.format(name=""))
    for name in tool_result_names:
        where.append(_SENT_RESULTS.format(name=" AND parts.tool_name = ?"))
        params.append(name)
    for name, plugin in tools_used:
        plugin_clause = "tools.plugin IS NULL" if plugin is None else "tools.plugin = ?"
        where.append(_SENT_RESULTS.format(name=" AND parts.tool_name = ?"))
        params.append(name)
        where.append(
            "EXISTS (SELECT 1 FROM turn_tools JOIN tools ON tools.id = turn_tools.tool_id"
            f" WHERE turn_tools.turn_id = turns.id AND tools.name = ? AND {plugin_clause})"
        )
        params += [name] if plugin is None else [name, plugin]
    if response_ids is not None:
        if not response_ids:
            return []
        where.append(f"turns.id IN ({', '.join('?' for _ in response_ids)})")
        params += list(response_ids)
    searching = bool(query and query.strip())
    sql = f"SELECT {_TURN_COLUMNS}"
    if searching:
        from .fts import SQLITE_RANK

        sql += f", {SQLITE_RANK.format(table='turn_search_fts')} AS search_rank"
    sql += (
        " FROM turns"
        " LEFT JOIN threads ON threads.id = turns.thread_id"
        " LEFT JOIN schemas ON schemas.id = turns.schema_id"
    )
    if searching:
        from .fts import sqlite_match_expression

        sql += (
            " JOIN turn_search ON turn_search.turn_id = turns.id"
            " JOIN turn_search_fts ON turn_search_fts.rowid = turn_search.rowid"
        )
        where.append("turn_search_fts MATCH ?")
        params.append(sqlite_match_expression(str(query)))
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY " + ("search_rank, " if searching and not latest else "") + "turns.id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    found = list(rows.rows(sql, params))
    if not searching:
        found.reverse()  # oldest first; matches stay best (or, with ``latest``, newest) first
    chains = _Chains(rows)
    first_models = _conversation_models(rows, {r["conversation_id"] for r in found})
    records = []
    for row in found:
        rank = row.pop("search_rank", None)
        record = chains.record(row, first_models, omit)
        if searching:
            record["search_rank"] = rank
        records.append(record)
    return records


def latest_conversation(rows: RowSource) -> tuple[str, str] | None:
    """(turn id, thread id) of the newest turn, or None."""
    for record in rows.rows(
        "SELECT id, thread_id FROM turns WHERE thread_id IS NOT NULL ORDER BY id DESC LIMIT 1"
    ):
        return record["id"], record["thread_id"]
    return None


def _conversation_models(rows: RowSource, thread_ids: set[str]) -> dict[str, str | None]:
    """Each thread's model: that of its first turn (as 0.36 continues it)."""
    models: dict[str, str | None] = {}
    for thread_id in thread_ids:
        if thread_id is None:
            continue
        for record in rows.rows(
            "SELECT model FROM turns WHERE thread_id = ? ORDER BY id LIMIT 1", [thread_id]
        ):
            models[thread_id] = record["model"]
    return models


class _Chains:
    """Messages and their text, read once however many turns share them."""

    def __init__(self, rows: RowSource) -> None:
        self.rows = rows
        self._messages: dict[str, Record] = {}

    def _message(self, hash_: str) -> Record:
        if hash_ not in self._messages:
            found = list(
                self.rows.rows(
                    "SELECT hash, parent_hash, role FROM messages WHERE hash = ?", [hash_]
                )
            )
            if not found:
                raise KeyError(hash_)
            message = found[0]
            message["texts"] = self._texts(hash_)  # the visible text; reasoning apart
            self._messages[hash_] = message
        return self._messages[hash_]

    def _texts(self, hash_: str) -> dict[str, str]:
        """The message's text and reasoning, each its parts' texts joined in order."""
        texts: dict[str, str] = {"text": "", "reasoning": ""}
        for part in self.rows.rows(
            "SELECT type, text, payload FROM parts WHERE message_hash = ? ORDER BY position",
            [hash_],
        ):
            if part["type"] not in texts:
                continue
            text = part["text"]
            if text is None and part["payload"]:
                text = self._from_references(json.loads(part["payload"]))
            texts[part["type"]] += text or ""
        return texts

    def _from_references(self, payload: dict[str, Any]) -> str:
        """A text that borrowed stored fragments: its literals and fragments, in order."""
        if "text" in payload:
            return str(payload["text"] or "")
        pieces = []
        for piece in payload.get("text_ref") or []:
            if "literal" in piece:
                pieces.append(piece["literal"])
            else:
                found = list(
                    self.rows.rows(
                        "SELECT content FROM fragments WHERE id = ?", [piece.get("fragment")]
                    )
                )
                pieces.append(found[0]["content"] if found else "")
        return "".join(pieces)

    def chain(self, tip: str | None) -> list[Record]:
        """The messages up to ``tip``, oldest first."""
        chain: list[Record] = []
        hash_ = tip
        while hash_ is not None:
            message = self._message(hash_)
            chain.append(message)
            hash_ = message["parent_hash"]
        chain.reverse()
        return chain

    def payload(self, row: Record) -> str | None:
        """The turn's provider payload, whole again (None when it no longer resolves)."""
        from . import payloads
        from .message_log import load_chain

        stored = row.get("stored_payload")
        if stored is None:
            return None

        def query(sql: str, params: Sequence[Any]) -> list[Record]:
            return list(self.rows.rows(sql, params))

        try:
            inputs = load_chain(query, row["parent_message_hash"])
            outputs = load_chain(query, row["tip_message_hash"])[len(inputs) :]
            tools = [
                (tool["name"], tool["description"])
                for tool in query(
                    "SELECT tools.name, tools.description FROM turn_tools"
                    " JOIN tools ON tools.id = turn_tools.tool_id WHERE turn_tools.turn_id = ?",
                    [row["id"]],
                )
            ]
            known = payloads.replacements(
                outputs,
                tools,
                schema=json.loads(row["schema_json"]) if row.get("schema_json") else None,
                model_replacements=(
                    payloads.model_replacements(row["model"]) if '"m.' in stored else None
                ),
            )
            return json.dumps(payloads.uncondense(json.loads(stored), known))
        except (payloads.UncondenseError, KeyError, ValueError):
            return None

    def record(
        self, row: Record, first_models: dict[str, str | None], omit: Collection[str] = ()
    ) -> Record:
        payload = self.payload(row)
        row.pop("stored_payload", None)
        inputs = self.chain(row.pop("parent_message_hash"))
        outputs = self.chain(row.pop("tip_message_hash"))[len(inputs) :]
        boundary = len(inputs)
        while boundary and inputs[boundary - 1]["role"] in ("user", "tool"):
            boundary -= 1
        prompt = "".join(m["texts"]["text"] for m in inputs[boundary:] if m["role"] == "user")
        system = inputs[0]["texts"]["text"] if inputs and inputs[0]["role"] == "system" else ""
        values = {
            **row,
            "prompt": prompt,
            "system": system or None,
            "prompt_json": None,
            "options_json": row["options_json"] or "{}",
            "response": "".join(m["texts"]["text"] for m in outputs),
            "response_json": payload,
        }
        # The keys of a ``responses`` record, in its order.
        record = {name: values.get(name) for name in RESPONSE_COLUMNS}
        record["conversation_name"] = row["conversation_name"]
        record["conversation_model"] = first_models.get(row["conversation_id"])
        record["schema_json"] = row["schema_json"]
        reasoning = "".join(m["texts"]["reasoning"] for m in outputs)
        if reasoning:  # a key only when logged, as ``read`` adds it
            record["reasoning"] = reasoning
        from . import turn_children

        turn_children.attach(
            self.rows,
            record,
            [m["hash"] for m in inputs[boundary:]],
            [m["hash"] for m in outputs],
            omit,
        )
        return record

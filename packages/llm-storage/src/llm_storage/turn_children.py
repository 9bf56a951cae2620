"""What a turn llm 0.32+ logged carries besides its text, as ``read``'s child records.

0.36 keeps a turn's attachments, tool calls and tool results as parts of its messages
(``parts``, their ids in the payload), its fragments in ``turn_fragments``, the tools it was
given in ``turn_tools`` (with the configured instance that provided each) and the instance
that ran each call in ``tool_instantiations``. This reads them into the records
``read._attach_children`` makes for a ``responses`` row, so ``llm logs`` shows a turn
as it shows a response: a turn's attachments and tool results are among its own input
messages, its tool calls (and the results of tools the provider ran, ``server_executed``)
among the messages it appended.

For our ``responses`` rows, from the turn we wrote beside each, :func:`tool_instances` adds
the instance each tool came from and :func:`server_executed` the calls and results of tools
the provider ran (0.26's tables record neither).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from .read import ATTACHMENT_CONTENT, FRAGMENT_CONTENT, FRAGMENT_PREVIEW, RowSource, _aliases

Record = dict[str, Any]


def attach(
    rows: RowSource,
    record: Record,
    inputs: Sequence[str],
    outputs: Sequence[str],
    omit: Collection[str] = (),
) -> None:
    """Fill ``record``'s child lists from its turn: ``inputs``, the hashes of the messages
    that are the turn's own input; ``outputs``, those it appended (each oldest first)."""
    turn_id = record["id"]
    given = _parts(rows, inputs)
    appended = _parts(rows, outputs)
    wanted = [i for part in given + appended for i in _attachment_ids(part)]
    attachments = _attachments(rows, wanted, omit)
    tools = _tools(rows, turn_id)
    tool_ids = {tool["name"]: tool["id"] for tool in tools}
    record["attachments"] = [
        attachments[i]
        for part in given
        if part["type"] == "attachment"
        for i in _attachment_ids(part)
        if i in attachments
    ]
    record.update(_fragments(rows, turn_id, omit))
    record["tools"] = tools
    record["tool_calls"] = [
        _call(part, tool_ids) for part in appended if part["type"] == "tool_call"
    ]
    instances = _instantiations(rows, turn_id)
    results = [(part, False) for part in given] + [(part, True) for part in appended]
    record["tool_results"] = [
        _tool_result(part, server_executed, tool_ids, instances, attachments)
        for part, server_executed in results
        if part["type"] == "tool_result"
    ]


def tool_instances(rows: RowSource, ids: Sequence[str]) -> dict[tuple[str, int], Record]:
    """(turn id, tool id) -> the configured instance (``name``, ``arguments``) that gave
    the turn that tool, for the turns of these ids that name one."""
    found: dict[tuple[str, int], Record] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for row in rows.rows(
            "SELECT turn_tools.turn_id, turn_tools.tool_id, tool_instances.name,"
            " tool_instances.arguments FROM turn_tools JOIN tool_instances"
            " ON tool_instances.id = turn_tools.instance_id"
            f" WHERE turn_tools.turn_id IN ({', '.join('?' for _ in chunk)})",
            chunk,
        ):
            key = (row["turn_id"], row["tool_id"])
            found[key] = {"name": row["name"], "arguments": row["arguments"]}
    return found


def server_executed(
    rows: RowSource, ids: Sequence[str]
) -> dict[str, tuple[list[Record], list[Record]]]:
    """turn id -> (calls, results) of the tools a provider ran itself during that turn, for
    the turns of these ids that have any. Our ``responses`` rows have no place for them
    (0.26's tables hold the calls we run); the turn beside each holds them."""
    found: dict[str, tuple[list[Record], list[Record]]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        turns = list(
            rows.rows(
                "SELECT id, parent_message_hash, tip_message_hash FROM turns"
                f" WHERE id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
        )
        # What a provider ran is in the answer it gave, the turn's tip message: only turns
        # whose answer holds a tool part are read further. Looked up by message (an index),
        # never by scanning the parts, which hold every prompt and answer.
        tips = [turn["tip_message_hash"] for turn in turns if turn["tip_message_hash"]]
        with_tools = (
            {
                row["message_hash"]
                for row in rows.rows(
                    "SELECT DISTINCT message_hash FROM parts"
                    f" WHERE message_hash IN ({', '.join('?' for _ in tips)})"
                    " AND type IN ('tool_call', 'tool_result')",
                    tips,
                )
            }
            if tips
            else set()
        )
        for turn in turns:
            if turn["tip_message_hash"] not in with_tools:
                continue
            appended = _parts(
                rows, _segment(rows, turn["tip_message_hash"], turn["parent_message_hash"])
            )
            calls = [
                {**_call(part, {}), "tool_id": None}
                for part in appended
                if part["type"] == "tool_call" and part["payload"].get("server_executed")
            ]
            results = [
                _tool_result(part, True, {}, {}, {})
                for part in appended
                if part["type"] == "tool_result" and part["payload"].get("server_executed")
            ]
            if calls or results:
                found[turn["id"]] = (calls, results)
    return found


def _segment(rows: RowSource, tip: str | None, parent: str | None) -> list[str]:
    """The hashes of the messages after ``parent`` up to ``tip``, oldest first."""
    hashes: list[str] = []
    hash_ = tip
    while hash_ is not None and hash_ != parent:
        hashes.append(hash_)
        found = list(rows.rows("SELECT parent_hash FROM messages WHERE hash = ?", [hash_]))
        hash_ = found[0]["parent_hash"] if found else None
    hashes.reverse()
    return hashes


def _call(part: Record, tool_ids: dict[str, int]) -> Record:
    payload = part["payload"]
    return {
        "id": part["id"],
        "tool_id": tool_ids.get(payload.get("name")),
        "name": payload.get("name"),
        "arguments": json.dumps(payload.get("arguments") or {}),
        "tool_call_id": payload.get("tool_call_id"),
        "server_executed": bool(payload.get("server_executed")),
    }


def _parts(rows: RowSource, hashes: Sequence[str]) -> list[Record]:
    """The attachment, tool call and tool result parts of these messages, in order, each
    with its payload decoded."""
    if not hashes:
        return []
    order = {hash_: n for n, hash_ in enumerate(hashes)}
    found = []
    for row in rows.rows(
        "SELECT id, message_hash, position, type, payload FROM parts"
        f" WHERE message_hash IN ({', '.join('?' for _ in order)})"
        " AND type IN ('attachment', 'tool_call', 'tool_result')",
        list(order),
    ):
        try:
            payload = json.loads(row["payload"]) if row["payload"] else {}
        except ValueError:
            payload = {}
        row["payload"] = payload if isinstance(payload, dict) else {}
        found.append(row)
    found.sort(key=lambda part: (order[part["message_hash"]], part["position"]))
    return found


def _attachment_ids(part: Record) -> list[str]:
    payload = part["payload"]
    if part["type"] == "attachment":
        reference = payload.get("attachment")
        return [reference["id"]] if isinstance(reference, dict) and "id" in reference else []
    if part["type"] == "tool_result":
        return [r["id"] for r in payload.get("attachments") or [] if isinstance(r, dict)]
    return []


def _attachments(rows: RowSource, ids: Sequence[str], omit: Collection[str]) -> dict[str, Record]:
    if not ids:
        return {}
    unique = list(dict.fromkeys(ids))
    content = "NULL AS content" if ATTACHMENT_CONTENT in omit else "content"
    return {
        row["id"]: row
        for row in rows.rows(
            f"SELECT id, type, path, url, {content}, length(content) AS content_length"
            f" FROM attachments WHERE id IN ({', '.join('?' for _ in unique)})",
            unique,
        )
    }


def _fragments(rows: RowSource, turn_id: str, omit: Collection[str]) -> dict[str, list[Record]]:
    content = (
        f"substr(fragments.content, 1, {FRAGMENT_PREVIEW}) AS content"
        if FRAGMENT_CONTENT in omit
        else "fragments.content"
    )
    found: dict[str, list[Record]] = {"prompt_fragments": [], "system_fragments": []}
    listed = list(
        rows.rows(
            f"SELECT turn_fragments.kind, fragments.id, fragments.hash, {content},"
            " fragments.source, fragments.datetime_utc FROM turn_fragments"
            " JOIN fragments ON fragments.id = turn_fragments.fragment_id"
            ' WHERE turn_fragments.turn_id = ? ORDER BY turn_fragments."order"',
            [turn_id],
        )
    )
    aliases = _aliases(rows, sorted({f["id"] for f in listed}))
    for fragment in listed:
        key = f"{fragment.pop('kind')}_fragments"
        if key in found:
            fragment["aliases"] = aliases.get(fragment["id"], [])
            found[key].append(fragment)
    return found


def _tools(rows: RowSource, turn_id: str) -> list[Record]:
    tools = []
    for row in rows.rows(
        "SELECT tools.id, tools.hash, tools.name, tools.description, tools.input_schema,"
        " tools.plugin, tool_instances.name AS instance_name,"
        " tool_instances.arguments AS instance_arguments"
        " FROM turn_tools JOIN tools ON tools.id = turn_tools.tool_id"
        " LEFT JOIN tool_instances ON tool_instances.id = turn_tools.instance_id"
        " WHERE turn_tools.turn_id = ? ORDER BY tools.id",
        [turn_id],
    ):
        name, arguments = row.pop("instance_name"), row.pop("instance_arguments")
        row["instance"] = None if name is None else {"name": name, "arguments": arguments}
        tools.append(row)
    return tools


def _instantiations(rows: RowSource, turn_id: str) -> dict[str, Record]:
    """tool_call_id -> the configured instance that ran that call in this turn."""
    return {
        row.pop("tool_call_id"): row
        for row in rows.rows(
            "SELECT tool_instantiations.tool_call_id, tool_instances.name,"
            " tool_instances.plugin, tool_instances.arguments FROM tool_instantiations"
            " JOIN tool_instances ON tool_instances.id = tool_instantiations.instance_id"
            " WHERE tool_instantiations.turn_id = ?",
            [turn_id],
        )
    }


def _tool_result(
    part: Record,
    server_executed: bool,
    tool_ids: dict[str, int],
    instances: dict[str, Record],
    attachments: dict[str, Record],
) -> Record:
    payload = part["payload"]
    instance = instances.get(payload.get("tool_call_id") or "")
    return {
        "id": part["id"],
        "tool_id": tool_ids.get(payload.get("name")),
        "name": payload.get("name"),
        "output": payload.get("output"),
        "tool_call_id": payload.get("tool_call_id"),
        "exception": payload.get("exception"),
        "server_executed": server_executed,
        "instance_plugin": instance["plugin"] if instance else None,
        "instance_name": instance["name"] if instance else None,
        "instance_arguments": instance["arguments"] if instance else None,
        "attachments": [attachments[i] for i in _attachment_ids(part) if i in attachments],
    }

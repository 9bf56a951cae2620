"""Queries behind ``llm logs``, ``llm fragments`` and ``llm schemas``.

Records are plain dicts: every ``responses`` column (JSON columns left as the stored JSON
text), plus ``conversation_name``, ``conversation_model``, ``schema_json`` (the schema's JSON
text) and lists of child records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)

from . import fts
from .schema import tables

Record = dict[str, Any]
CHUNK = 500

responses = tables["responses"]
conversations = tables["conversations"]
schemas = tables["schemas"]
fragments = tables["fragments"]
aliases = tables["fragment_aliases"]


def _base_select() -> Select[Any]:
    return select(
        *responses.c,
        conversations.c.name.label("conversation_name"),
        conversations.c.model.label("conversation_model"),
        schemas.c.content.label("schema_json"),
    ).select_from(
        responses.outerjoin(
            conversations, responses.c.conversation_id == conversations.c.id
        ).outerjoin(schemas, responses.c.schema_id == schemas.c.id)
    )


def _fragment_key_clause(key: str) -> Any:
    return or_(
        fragments.c.hash == key,
        fragments.c.id.in_(select(aliases.c.fragment_id).where(aliases.c.alias == key)),
    )


def list_responses(
    conn: Connection,
    *,
    limit: int | None = 3,
    model: str | None = None,
    query: str | None = None,
    conversation_id: str | None = None,
    schema_id: str | None = None,
    fragments_filter: Sequence[str] = (),
    id_gt: str | None = None,
    id_gte: str | None = None,
    has_tools: bool = False,
    tools_used: Sequence[tuple[str, str | None]] = (),
    latest: bool = False,
    response_ids: Sequence[str] | None = None,
) -> list[Record]:
    stmt = _base_select()
    order: Any = responses.c.id.desc()
    if query and query.strip():  # a blank query has no words to look for: no filter
        join_table, where, best_first = fts.search_terms(conn.dialect.name, query)
        if join_table is not None:
            fts_table = table(join_table, column("rowid"))
            stmt = stmt.join(fts_table, fts_table.c.rowid == literal_column("responses.rowid"))
        stmt = stmt.where(where)
        if not latest:
            order = best_first
    filters = {
        "model": model,
        "conversation_id": conversation_id,
        "schema_id": schema_id,
    }
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(responses.c[name] == value)
    if id_gt is not None:
        stmt = stmt.where(responses.c.id > id_gt)
    if id_gte is not None:
        stmt = stmt.where(responses.c.id >= id_gte)
    if response_ids is not None:
        stmt = stmt.where(responses.c.id.in_(list(response_ids)))
    for key in fragments_filter:
        stmt = stmt.where(_uses_fragment(key))
    if has_tools:
        # As the original: a response "used tools" when it carries tool results.
        results = tables["tool_results"]
        stmt = stmt.where(exists().where(results.c.response_id == responses.c.id))
    for name, plugin in tools_used:
        # Results from each named tool (the same name from another plugin is another tool).
        results, tools = tables["tool_results"], tables["tools"]
        stmt = stmt.where(
            exists()
            .select_from(results.join(tools, tools.c.id == results.c.tool_id))
            .where(
                results.c.response_id == responses.c.id,
                tools.c.name == name,
                tools.c.plugin.is_(None) if plugin is None else tools.c.plugin == plugin,
            )
        )
    stmt = stmt.order_by(order, responses.c.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    records = [dict(row._mapping) for row in conn.execute(stmt)]
    records.reverse()  # the original shows oldest (or least relevant) first
    _attach_children(conn, records)
    return records


def _uses_fragment(key: str) -> Any:
    clauses = []
    for name in ("prompt_fragments", "system_fragments"):
        link = tables[name]
        clauses.append(
            exists()
            .where(link.c.response_id == responses.c.id)
            .where(link.c.fragment_id.in_(select(fragments.c.id).where(_fragment_key_clause(key))))
        )
    return or_(*clauses)


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _grouped(conn: Connection, ids: list[str], build: Any) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in conn.execute(build(chunk)):
            record = dict(row._mapping)
            grouped[record.pop("response_id")].append(record)
    return grouped


def _attach_children(conn: Connection, records: list[Record]) -> None:
    if not records:
        return
    ids = [r["id"] for r in records]
    att, pa = tables["attachments"], tables["prompt_attachments"]
    attachments = _grouped(
        conn,
        ids,
        lambda chunk: (
            select(pa.c.response_id, *att.c, func.length(att.c.content).label("content_length"))
            .join(att, att.c.id == pa.c.attachment_id)
            .where(pa.c.response_id.in_(chunk))
            .order_by(pa.c.response_id, pa.c.order)
        ),
    )
    fragment_lists = {
        name: _grouped(
            conn,
            ids,
            lambda chunk, link=tables[name]: (
                select(
                    link.c.response_id,
                    fragments.c.id,
                    fragments.c.hash,
                    fragments.c.content,
                    fragments.c.source,
                    fragments.c.datetime_utc,
                )
                .join(fragments, fragments.c.id == link.c.fragment_id)
                .where(link.c.response_id.in_(chunk))
                .order_by(link.c.response_id, link.c.order)
            ),
        )
        for name in ("prompt_fragments", "system_fragments")
    }
    tools_t, tr = tables["tools"], tables["tool_responses"]
    tools = _grouped(
        conn,
        ids,
        lambda chunk: (
            select(tr.c.response_id, *tools_t.c)
            .join(tools_t, tools_t.c.id == tr.c.tool_id)
            .where(tr.c.response_id.in_(chunk))
            .order_by(tr.c.response_id, tools_t.c.id)
        ),
    )
    calls_t = tables["tool_calls"]
    calls = _grouped(
        conn,
        ids,
        lambda chunk: (
            select(
                calls_t.c.response_id,
                calls_t.c.id,
                calls_t.c.tool_id,
                calls_t.c.name,
                calls_t.c.arguments,
                calls_t.c.tool_call_id,
            )
            .where(calls_t.c.response_id.in_(chunk))
            .order_by(calls_t.c.id)
        ),
    )
    results_t, inst = tables["tool_results"], tables["tool_instances"]
    results = _grouped(
        conn,
        ids,
        lambda chunk: (
            select(
                results_t.c.response_id,
                results_t.c.id,
                results_t.c.tool_id,
                results_t.c.name,
                results_t.c.output,
                results_t.c.tool_call_id,
                results_t.c.instance_id,
                inst.c.plugin.label("instance_plugin"),
                inst.c.name.label("instance_name"),
                inst.c.arguments.label("instance_arguments"),
            )
            .outerjoin(inst, inst.c.id == results_t.c.instance_id)
            .where(results_t.c.response_id.in_(chunk))
            .order_by(results_t.c.id)
        ),
    )
    fragment_ids = {
        f["id"] for found in fragment_lists.values() for group in found.values() for f in group
    }
    names = _aliases(conn, sorted(fragment_ids))
    for found in fragment_lists.values():
        for group in found.values():
            for fragment in group:
                fragment["aliases"] = names.get(fragment["id"], [])
    for record in records:
        rid = record["id"]
        record["attachments"] = attachments.get(rid, [])
        record["prompt_fragments"] = fragment_lists["prompt_fragments"].get(rid, [])
        record["system_fragments"] = fragment_lists["system_fragments"].get(rid, [])
        record["tools"] = tools.get(rid, [])
        record["tool_calls"] = calls.get(rid, [])
        record["tool_results"] = results.get(rid, [])


def latest_conversation_id(conn: Connection) -> str | None:
    return conn.execute(
        select(responses.c.conversation_id)
        .where(responses.c.conversation_id.is_not(None))
        .order_by(responses.c.id.desc())
        .limit(1)
    ).scalar()


def count(conn: Connection, table_name: str) -> int:
    return int(conn.execute(select(func.count()).select_from(tables[table_name])).scalar_one())


# Fragments ---------------------------------------------------------------------------------


def _aliases(conn: Connection, ids: list[int], *, by_name: bool = False) -> dict[int, list[str]]:
    """Each fragment's aliases: by name, or (like the original's logs) as stored."""
    by_id: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        stmt = select(aliases.c.fragment_id, aliases.c.alias).where(
            aliases.c.fragment_id.in_(ids[start : start + CHUNK])
        )
        if by_name:
            stmt = stmt.order_by(aliases.c.alias)
        for fragment_id, alias in conn.execute(stmt):
            by_id[fragment_id].append(alias)
    return by_id


def _fragment_records(conn: Connection, stmt: Select[Any]) -> list[Record]:
    records = [dict(row._mapping) for row in conn.execute(stmt)]
    if records:
        by_id = _aliases(conn, [r["id"] for r in records], by_name=True)
        for record in records:
            record["aliases"] = by_id.get(record["id"], [])
    return records


def get_fragment(conn: Connection, key: str) -> Record | None:
    found = _fragment_records(
        conn, select(*fragments.c).where(_fragment_key_clause(key)).order_by(fragments.c.id)
    )
    return found[0] if found else None


def list_fragments(
    conn: Connection, query: str | None = None, aliases_only: bool = False
) -> list[Record]:
    stmt = select(*fragments.c).order_by(fragments.c.datetime_utc, fragments.c.id)
    for term in (query or "").split():
        pattern = f"%{term}%"
        stmt = stmt.where(or_(fragments.c.content.like(pattern), fragments.c.source.like(pattern)))
    if aliases_only:
        stmt = stmt.where(exists().where(aliases.c.fragment_id == fragments.c.id))
    return _fragment_records(conn, stmt)


# Schemas -----------------------------------------------------------------------------------


def get_schema(conn: Connection, schema_id: str) -> str | None:
    schemas = tables["schemas"]
    return conn.execute(select(schemas.c.content).where(schemas.c.id == schema_id)).scalar()


def schema_usage(conn: Connection, query: str | None = None) -> list[Record]:
    schemas = tables["schemas"]
    stmt = (
        select(
            schemas.c.id,
            schemas.c.content,
            func.count(responses.c.id).label("times_used"),
            func.max(responses.c.datetime_utc).label("last_used"),
        )
        .select_from(schemas.outerjoin(responses, responses.c.schema_id == schemas.c.id))
        .group_by(schemas.c.id, schemas.c.content)
        .order_by(func.max(responses.c.datetime_utc).desc(), schemas.c.id)
    )
    for term in (query or "").split():
        stmt = stmt.where(schemas.c.content.like(f"%{term}%"))
    return [dict(row._mapping) for row in conn.execute(stmt)]


def fragment_id_for_key(conn: Connection, key: str) -> int | None:
    return conn.execute(
        select(fragments.c.id).where(_fragment_key_clause(key)).order_by(fragments.c.id).limit(1)
    ).scalar()

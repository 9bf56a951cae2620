"""Queries behind ``llm fragments list`` and ``llm schemas list``: the stored fragments
(with their aliases) and the schemas responses have used.

Each function takes an open :class:`~llm_storage.store.LogStore` and returns plain dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, or_, select

from . import read
from .schema import tables

if TYPE_CHECKING:
    from .store import LogStore

Record = dict[str, Any]


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` literally anywhere (``%`` and ``_`` escaped)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_fragments(
    store: LogStore, queries: Sequence[str] = (), *, aliases_only: bool = False
) -> list[Record]:
    """Fragments, oldest first, each with ``aliases`` (sorted).

    Every query must match: a fragment's hash or one of its aliases exactly, or part of
    its source or content.
    """
    fragments, aliases = tables["fragments"], tables["fragment_aliases"]
    stmt = select(*fragments.c).order_by(fragments.c.datetime_utc, fragments.c.id)
    if aliases_only:
        stmt = stmt.where(exists().where(aliases.c.fragment_id == fragments.c.id))
    for query in queries:
        stmt = stmt.where(
            or_(
                fragments.c.hash == query,
                exists().where(
                    and_(aliases.c.fragment_id == fragments.c.id, aliases.c.alias == query)
                ),
                fragments.c.source.like(_like(query), escape="\\"),
                fragments.c.content.like(_like(query), escape="\\"),
            )
        )
    with store._read() as conn:
        return read.with_aliases(conn, [dict(row._mapping) for row in conn.execute(stmt)])


def schemas_in_use(store: LogStore, queries: Sequence[str] = ()) -> list[Record]:
    """Schemas that responses used: ``id``, ``content`` (JSON text), ``recently_used`` and
    ``times_used``; least recently used first. Every query must be part of the content."""
    schemas, responses = tables["schemas"], tables["responses"]
    recently_used = func.max(responses.c.datetime_utc)
    stmt = (
        select(
            schemas.c.id,
            schemas.c.content,
            recently_used.label("recently_used"),
            func.count().label("times_used"),
        )
        .select_from(schemas.join(responses, responses.c.schema_id == schemas.c.id))
        .group_by(schemas.c.id, schemas.c.content)
        .order_by(recently_used, schemas.c.id)
    )
    for query in queries:
        stmt = stmt.where(schemas.c.content.like(_like(query), escape="\\"))
    with store._read() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]

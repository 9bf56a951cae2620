"""``llm.logs``: the module path of llm 0.32+'s log store, for code written against it.

What it offers is the part that reads and writes the ``responses`` tables all three (llm 0.26,
0.36 and this one) share: ``LogStore(db)`` opens the log database ``db`` (None, a path, a URL,
a ``sqlite3`` connection or a sqlite-utils ``Database``) as llm-storage's store, and
``merged_log_rows(store, ...)`` lists its logged responses, newest first, as dicts keyed by
the ``responses`` columns (``model``, ``prompt``, ``system``, ``response``, ...). 0.32's
content-addressed message store (threads, turns, ``load_chain``) is not offered: what we log
stays readable by llm 0.26 (docs/conformance.md says why).
"""

from __future__ import annotations

from typing import Any

from ._compat import sibling

__all__ = ["LogStore", "merged_log_rows"]


def LogStore(db: Any = None) -> Any:
    """The log store of ``db``, created and brought up to date as needed."""
    return sibling("storage", feature="llm.logs.LogStore").open_store(db)


def merged_log_rows(
    store: Any,
    *,
    count: int | None = None,
    query: str | None = None,
    latest: bool = False,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Logged responses, newest first (most relevant first with ``query``, unless
    ``latest``), at most ``count``, with ``llm logs``'s filters (``model``,
    ``conversation_id``...)."""
    rows = list(store.iter_responses(count, query=query, latest=latest, **filters))
    if not query or latest:
        rows.sort(key=lambda row: row["id"], reverse=True)
    return rows

"""``llm.logs``: the module path of llm 0.32+'s log store, for code written against it.

``LogStore(db)`` opens the log database ``db`` (a sqlite-utils ``Database``, a ``sqlite3``
connection or a path) and reads and writes its content-addressed message store (chains of
messages, threads, turns); ``merged_log_rows(store, ...)`` lists its logged exchanges,
newest first, and ``log_row_extras(store, row)`` a row's tools, calls and results;
``message_hash`` and ``canonical_json`` are the store's identities. All of it lives in
llm-storage (``llm_storage.message_log``), loaded on first use.
"""

from __future__ import annotations

from typing import Any

from ._compat import sibling

#: What the module offers (resolved from llm-storage on first access).
NAMES = ("LogStore", "canonical_json", "log_row_extras", "merged_log_rows", "message_hash")


def __dir__() -> list[str]:
    return sorted({*globals(), *NAMES})


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    module = sibling("storage", "message_log", feature="llm.logs")
    try:
        value = getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module 'llm.logs' has no attribute {name!r}") from None
    globals()[name] = value
    return value

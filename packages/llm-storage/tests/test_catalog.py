"""``llm_storage.catalog``: the fragment and schema listings, on every backend."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert

from llm_storage import catalog
from llm_storage.schema import tables


def _unwrap(store: Any) -> Any:
    return getattr(store, "_store", store)


def test_fragments_oldest_first_with_sorted_aliases(store: Any) -> None:
    first = store.store_fragment("first body", "one.txt")
    second = store.store_fragment("second body", "two.txt")
    store.set_fragment_alias("zed", first)
    store.set_fragment_alias("alpha", first)
    rows = catalog.list_fragments(_unwrap(store))
    assert [(r["hash"], r["aliases"]) for r in rows] == [(first, ["alpha", "zed"]), (second, [])]
    only = catalog.list_fragments(_unwrap(store), aliases_only=True)
    assert [r["hash"] for r in only] == [first]
    assert [r["hash"] for r in catalog.list_fragments(_unwrap(store), ["zed"])] == [first]
    assert [r["hash"] for r in catalog.list_fragments(_unwrap(store), [second])] == [second]
    assert catalog.list_fragments(_unwrap(store), ["body", "two"])[0]["hash"] == second
    assert catalog.list_fragments(_unwrap(store), ["_"]) == []  # no literal underscore


def test_schemas_in_use_counts_and_orders(store: Any) -> None:
    real = _unwrap(store)
    schemas, responses = tables["schemas"], tables["responses"]
    with real._write() as conn:
        conn.execute(
            insert(schemas),
            [
                {"id": "b" * 32, "content": json.dumps({"name": "b"})},
                {"id": "a" * 32, "content": json.dumps({"name": "a"})},
                {"id": "c" * 32, "content": json.dumps({"never": "used"})},
            ],
        )
        conn.execute(
            insert(responses),
            [
                {"id": "r1", "model": "m", "datetime_utc": "2024-01-01", "schema_id": "b" * 32},
                {"id": "r2", "model": "m", "datetime_utc": "2024-01-03", "schema_id": "b" * 32},
                {"id": "r3", "model": "m", "datetime_utc": "2024-01-03", "schema_id": "a" * 32},
                {"id": "r4", "model": "m", "datetime_utc": "2024-01-02", "schema_id": None},
            ],
        )
    rows = catalog.schemas_in_use(real)
    # Tied on most recent use: the id decides, so the order is stable on every backend.
    assert [(r["id"][0], r["times_used"], r["recently_used"]) for r in rows] == [
        ("a", 1, "2024-01-03"),
        ("b", 2, "2024-01-03"),
    ]
    assert [r["id"][0] for r in catalog.schemas_in_use(real, ['"a"'])] == ["a"]

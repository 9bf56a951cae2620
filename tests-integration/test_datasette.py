"""The databases we write open in Datasette unchanged, as the original's do: ``logs.db`` and
``embeddings.db`` are made by our CLI, then browsed in process through ``Datasette.client``
(no server, no socket) — tables, full-text search, foreign-key labels, SQL, blobs, pages."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

Invoke = Callable[..., CompletedProcess[str]]


def _ok(result: CompletedProcess[str]) -> CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def databases(invoke_llm: Invoke, user_dir: Path, tmp_path: Path) -> dict[str, Path]:
    notes = tmp_path / "notes.md"
    notes.write_text("a fragment about penguins")
    image = tmp_path / "pixel.png"
    image.write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    ))  # fmt: skip
    _ok(invoke_llm("-m", "echo", "hello penguins", "-s", "be brief", "-f", str(notes)))
    _ok(invoke_llm("-c", "and again"))
    _ok(invoke_llm("-m", "echo", "look", "-a", str(image)))
    calls = json.dumps({"tool_calls": [{"name": "llm_version", "arguments": {}}]})
    _ok(invoke_llm("-m", "echo", "-T", "llm_version", calls))
    person = json.dumps({"raw": json.dumps({"name": "Cleo", "age": 5})})
    _ok(invoke_llm("-m", "echo", "--schema", "name, age int", person))
    facts = tmp_path / "facts.csv"
    facts.write_text("id,text\ncats,cats purr\ndogs,dogs bark\n")
    _ok(invoke_llm("embed-multi", "facts", str(facts), "-m", "hash", "--store"))
    return {"logs": user_dir / "logs.db", "embeddings": user_dir / "embeddings.db"}


def _digest(path: Path) -> str:
    """The database's schema and rows (its bytes may change when a reader checkpoints the
    write-ahead log; what it holds must not)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def _browse(files: list[Path], paths: list[str]) -> dict[str, Any]:
    """GET each path from a Datasette over the files: JSON for .json paths, else the page."""
    from datasette.app import Datasette

    async def browse() -> dict[str, Any]:
        datasette = Datasette([str(path) for path in files])
        await datasette.invoke_startup()
        answers: dict[str, Any] = {}
        for path in paths:
            response = await datasette.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            answers[path] = response.json() if ".json" in path else response.text
        return answers

    return asyncio.run(browse())


def test_logs_db_browses_in_datasette(databases: dict[str, Path], invoke_llm: Invoke) -> None:
    logs = databases["logs"]
    before = _digest(logs)
    logged = json.loads(_ok(invoke_llm("logs", "--json", "-n", "0")).stdout)
    pages = [
        "/-/databases.json",
        "/logs.json",
        "/logs/responses.json?_shape=array&_sort=id",
        "/logs/responses.json?_search=look&_shape=array",
        "/logs/responses.json?_labels=on&_shape=array&_sort=id",
        "/logs/tool_calls.json?_shape=array",
        "/logs/fragments.json?_shape=array",
        "/logs/attachments.json?_shape=array",
        "/logs.json?sql=select+count(*)+as+n+from+responses&_shape=array",
        "/logs/responses",
        "/logs/conversations",
    ]
    got = _browse([logs], pages)
    # Browsing wrote nothing.
    assert _digest(logs) == before
    assert [db["name"] for db in got["/-/databases.json"]] == ["logs"]
    tables = {table["name"]: table for table in got["/logs.json"]["tables"]}
    for name in ("conversations", "responses", "fragments", "attachments", "tool_calls",
                 "tool_results", "tools", "schemas"):  # fmt: skip
        assert name in tables, sorted(tables)
    # The full-text index is recognised as the responses table's, so ?_search works.
    assert tables["responses"]["fts_table"] == "responses_fts"
    rows = got["/logs/responses.json?_shape=array&_sort=id"]
    assert [row["id"] for row in rows] == sorted(entry["id"] for entry in logged)
    assert {row["prompt"] for row in rows} == {entry["prompt"] for entry in logged}
    found = got["/logs/responses.json?_search=look&_shape=array"]
    assert [row["prompt"] for row in found] == ["look"]
    # Foreign keys are declared, so Datasette labels a response's conversation by its name.
    labelled = got["/logs/responses.json?_labels=on&_shape=array&_sort=id"][0]
    assert labelled["conversation_id"]["value"] == rows[0]["conversation_id"]
    assert labelled["conversation_id"]["label"] == "hello penguins"
    assert [call["name"] for call in got["/logs/tool_calls.json?_shape=array"]] == ["llm_version"]
    fragments = got["/logs/fragments.json?_shape=array"]
    assert [fragment["content"] for fragment in fragments] == ["a fragment about penguins"]
    assert [a["type"] for a in got["/logs/attachments.json?_shape=array"]] == ["image/png"]
    count = got["/logs.json?sql=select+count(*)+as+n+from+responses&_shape=array"]
    assert count == [{"n": len(logged)}]
    assert "hello penguins" in got["/logs/responses"]
    assert "<table" in got["/logs/conversations"]
    # llm still reads the file.
    assert len(json.loads(_ok(invoke_llm("logs", "--json", "-n", "0")).stdout)) == len(logged)


def test_embeddings_db_browses_in_datasette(databases: dict[str, Path], invoke_llm: Invoke) -> None:
    embeddings = databases["embeddings"]
    before = _digest(embeddings)
    pages = [
        "/embeddings/collections.json?_shape=array",
        "/embeddings/embeddings.json?_shape=array&_sort=id&_labels=on",
        "/embeddings/embeddings",
    ]
    got = _browse([embeddings], pages)
    assert _digest(embeddings) == before
    [collection] = got["/embeddings/collections.json?_shape=array"]
    assert (collection["name"], collection["model"]) == ("facts", "hash-384")
    rows = got["/embeddings/embeddings.json?_shape=array&_sort=id&_labels=on"]
    assert [(row["id"], row["content"]) for row in rows] == [
        ("cats", "cats purr"),
        ("dogs", "dogs bark"),
    ]
    assert rows[0]["collection_id"] == {"value": collection["id"], "label": "facts"}
    # Vectors are the original's little-endian float32 blobs; Datasette hands them out whole.
    blob = base64.b64decode(rows[0]["embedding"]["encoded"])
    vector = struct.unpack("<" + "f" * 384, blob)
    expected = json.loads(_ok(invoke_llm("embed", "-m", "hash", "-c", "cats purr")).stdout)
    assert vector == pytest.approx(expected, abs=1e-6)
    assert "cats purr" in got["/embeddings/embeddings"]
    similar = json.loads(_ok(invoke_llm("similar", "facts", "-c", "cats purr", "-n", "1")).stdout)
    assert similar["id"] == "cats"

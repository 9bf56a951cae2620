"""llm.Collection on SQLite: the original's behaviour, plus what we promise beyond it."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import struct

import pytest
import sqlite_utils

import llm
from llm.embeddings import Entry
from llm_embeddings import Collection, decode, encode


def test_public_names_resolve_lazily() -> None:
    assert llm.Collection is Collection
    assert Entry(id="1", score=0.5) == Entry(id="1", score=0.5, content=None, metadata=None)
    from llm.embeddings_migrations import embeddings_migrations

    assert "m004_store_content_hash" in repr(embeddings_migrations)


def test_encode_decode_is_the_original_format() -> None:
    assert encode([1.0, 2.5]) == struct.pack("<2f", 1.0, 2.5)
    assert decode(encode([1.0, -2.5, 0.0])) == (1.0, -2.5, 0.0)


def test_create_embed_count_and_rows(model) -> None:
    db = sqlite_utils.Database(memory=True)
    collection = Collection("words", db, model_id="wl")  # an alias resolves to the model id
    assert collection.model_id == "word-lengths"
    collection.embed("1", "hello world", metadata={"a": 1}, store=True)
    collection.embed(2, b"\x00\x01 \x02", store=True)  # ids become text, bytes go to content_blob
    assert collection.count() == 2
    rows = {row["id"]: row for row in db["embeddings"].rows}
    assert rows["1"]["content"] == "hello world"
    assert json.loads(rows["1"]["metadata"]) == {"a": 1}
    assert decode(rows["1"]["embedding"])[:3] == (5.0, 5.0, 0.0)
    assert rows["2"]["content"] is None and rows["2"]["content_blob"] == b"\x00\x01 \x02"
    assert rows["2"]["content_hash"] == Collection.content_hash(b"\x00\x01 \x02")
    assert list(db["collections"].rows) == [{"id": 1, "name": "words", "model": "word-lengths"}]


def test_reopening_needs_no_model_and_create_false_raises(model) -> None:
    db = sqlite_utils.Database(memory=True)
    Collection("words", db, model=model).embed("1", "hi")
    again = Collection("words", db)
    assert again.model() is model and again.count() == 1
    with pytest.raises(Collection.DoesNotExist):
        Collection("other", db, create=False)
    with pytest.raises(ValueError, match="Either model= or model_id="):
        Collection("other", db)
    with pytest.raises(llm.UnknownModelError):
        Collection("other", db, model_id="no-such-model")
    assert Collection.exists(db, "words") and not Collection.exists(db, "other")
    assert not Collection.exists(sqlite_utils.Database(memory=True), "words")


def test_unchanged_content_is_not_embedded_again(model) -> None:
    db = sqlite_utils.Database(memory=True)
    collection = Collection("c", db, model=model)
    collection.embed("1", "hello world")
    collection.embed("1", "hello world")
    assert model.embedded == ["hello world"]
    collection.embed_multi([("1", "hello world"), ("2", "hello world"), ("3", "new one")])
    # Same content under a new id is still stored for that id; only id 1 was unchanged.
    assert model.embedded == ["hello world", "hello world", "new one"]
    collection.embed("1", "changed text")
    assert model.embedded[-1] == "changed text"
    assert collection.count() == 3
    # Another collection embeds its own copy.
    Collection("d", db, model=model).embed("1", "hello world")
    assert len(model.embedded) == 5


@pytest.mark.parametrize(("batch_size", "expected"), [(100, 10), (5, 20), (1000, 10)])
def test_embed_multi_batches(model, batch_size, expected) -> None:
    db = sqlite_utils.Database(memory=True)
    collection = Collection("c", db, model=model)
    entries = ((str(i), f"text {i}", {"n": i}) for i in range(100))
    collection.embed_multi_with_metadata(entries, batch_size=batch_size)
    # The model's own batch_size (10) caps the collection's.
    assert len(model.batches) == expected
    assert collection.count() == 100
    row = next(db["embeddings"].rows_where("id = ?", ["7"]))
    assert json.loads(row["metadata"]) == {"n": 7} and row["content"] is None


def test_rows_embedded_before_a_failure_are_kept(model) -> None:
    db = sqlite_utils.Database(memory=True)
    collection = Collection("c", db, model=model)

    def entries():
        for i in range(25):
            yield str(i), f"text {i}"
        raise RuntimeError("input broke")

    with pytest.raises(RuntimeError, match="input broke"):
        collection.embed_multi(entries())
    assert collection.count() == 20  # two full batches of 10 were embedded and written


def test_binary_rejected_by_text_only_model(model) -> None:
    model.supports_binary = False
    collection = Collection("c", sqlite_utils.Database(memory=True), model=model)
    with pytest.raises(ValueError, match="does not support binary"):
        collection.embed("1", b"bytes")
    assert collection.count() == 0


def _brute_force(vectors, query, skip=None, prefix=None):
    def cos(a, b):
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(x * x for x in b)))

    scored = [
        (cos(decode(encode(v)), query), i)
        for i, v in vectors.items()
        if i != skip and (not prefix or i.lower().startswith(prefix.lower()))
    ]
    return sorted(scored, key=lambda item: -item[0])


@pytest.mark.parametrize("rows", [50, 2500])  # below and above the cache threshold
def test_similar_matches_brute_force(model, tmp_path, rows, monkeypatch) -> None:
    rng = random.Random(rows)
    vectors = {f"{'AB'[i % 2]}{i}": [rng.uniform(-1, 1) for _ in range(16)] for i in range(rows)}
    path = tmp_path / "e.db"
    collection = Collection("c", str(path), model=model)
    other = Collection("other", str(path), model=model)
    now = 0
    rows_sql = [(collection.id, i, encode(v), b"h", now) for i, v in vectors.items()]
    rows_sql += [(other.id, "x", encode([1.0] * 16), b"h", now)]
    with collection.conn:
        collection.conn.executemany(
            "INSERT INTO embeddings (collection_id, id, embedding, content_hash, updated) "
            "VALUES (?, ?, ?, ?, ?)",
            rows_sql,
        )
    query = [rng.uniform(-1, 1) for _ in range(16)]
    for _ in range(2):  # the second time, a big collection is read from its cache file
        expected = _brute_force(vectors, query)[:7]
        got = collection.similar_by_vector(query, number=7)
        assert [e.id for e in got] == [i for _, i in expected]
        assert [e.score for e in got] == pytest.approx([s for s, _ in expected], rel=1e-12)
    assert (path.parent / "e.db.vectors" / f"collection-{collection.id}").exists() == (rows >= 1000)
    got = collection.similar_by_vector(query, number=5, prefix="a")  # LIKE: case-insensitive
    assert [e.id for e in got] == [i for _, i in _brute_force(vectors, query, prefix="a")[:5]]
    first = next(iter(vectors))
    got = collection.similar_by_id(first, number=3)
    assert [e.id for e in got] == [i for _, i in _brute_force(vectors, vectors[first], first)[:3]]
    assert len(collection.similar_by_vector(query, number=rows + 10)) == rows
    assert collection.similar_by_vector(query, number=0) == []


def test_cache_never_serves_stale_vectors(model, tmp_path) -> None:
    path = tmp_path / "e.db"
    collection = Collection("c", str(path), model=model)
    rows = [(str(i), f"w{'x' * (i % 7)} y{'y' * (i % 5)}") for i in range(1200)]
    collection.embed_multi(rows)
    query = [1.0] + [0.0] * 15
    before = collection.similar_by_vector(query, number=1)[0]
    cache_file = path.parent / "e.db.vectors" / f"collection-{collection.id}"
    assert cache_file.exists()
    # Another writer (plain sqlite3, as the original tool or sqlite-utils would) changes a row.
    other = sqlite3.connect(path)
    with other:
        other.execute(
            "UPDATE embeddings SET embedding = ? WHERE id = '5'", [encode([9.0] + [0.0] * 15)]
        )
    other.close()
    best = collection.similar_by_vector(query, number=1)[0]
    assert best.id == "5" and best.score == pytest.approx(1.0)
    assert before.id != "5" or before.score != pytest.approx(1.0)
    # A deleted row disappears from results at once.
    with collection.conn:
        collection.conn.execute("DELETE FROM embeddings WHERE id = '5'")
    assert collection.similar_by_vector(query, number=1)[0].id != "5"
    collection.delete()
    assert not cache_file.exists()


def test_vectors_of_another_length_are_still_compared(model) -> None:
    db = sqlite_utils.Database(memory=True)
    collection = Collection("c", db, model=model)
    collection.embed("16", "a bb ccc")
    with db.conn:
        db.execute(
            "INSERT INTO embeddings (collection_id, id, embedding, content_hash, updated) "
            "VALUES (?, 'short', ?, x'00', 0)",
            [collection.id, encode([1.0, 2.0])],
        )
    results = collection.similar("a bb ccc")
    assert [e.id for e in results] == ["16", "short"]
    assert results[0].score == pytest.approx(1.0)


def test_delete_removes_only_that_collection(model) -> None:
    db = sqlite_utils.Database(memory=True)
    a = Collection("a", db, model=model)
    b = Collection("b", db, model=model)
    a.embed("1", "one")
    b.embed("1", "one")
    a.delete()
    assert [r["name"] for r in db["collections"].rows] == ["b"]
    assert db["embeddings"].count == 1 and b.count() == 1

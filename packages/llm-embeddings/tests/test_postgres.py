"""llm.Collection on the real PostgreSQL: with pgvector, and with the numpy fallback.

Every test runs in a throwaway schema (parallel workers never meet). The pgvector tests are
skipped, naming .ci/install-pgvector, when the server has no pgvector (see
llm_embeddings.testing); CI sets LLM_TEST_REQUIRE_PGVECTOR=1, which makes that a failure.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator

import psycopg
import pytest
from sqlalchemy import make_url

import llm
from llm_embeddings import Collection, Entry, decode
from llm_embeddings.postgres import EmbeddingsDatabaseError, PostgresEmbeddings
from llm_embeddings.testing import postgres_url

pytestmark = pytest.mark.postgres


class SeededVectors(llm.EmbeddingModel):
    """A pseudo-random unit-free vector per text (from its MD5): no ties, reproducible."""

    model_id = "seeded-24"
    batch_size = 50
    supports_binary = True

    def __init__(self) -> None:
        self.embedded: list[str | bytes] = []

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        for item in items:
            self.embedded.append(item)
            data = item.encode() if isinstance(item, str) else item
            digest = b"".join(hashlib.md5(data + bytes([i])).digest() for i in range(6))
            yield [(byte - 127.5) / 127.5 for byte in digest[:24]]


@pytest.fixture
def seeded() -> SeededVectors:
    return SeededVectors()


@pytest.fixture(params=["pgvector", "fallback"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(mode: str) -> Iterator[str]:
    with postgres_url(pgvector=mode == "pgvector") as url:
        yield url


@pytest.fixture
def pgvector_url() -> Iterator[str]:
    with postgres_url(pgvector=True) as url:
        yield url


@pytest.fixture
def store(url: str, mode: str) -> Iterator[PostgresEmbeddings]:
    # index_min_rows=1: even these small collections search through their HNSW index.
    store = PostgresEmbeddings(url, pgvector=mode == "pgvector", index_min_rows=1)
    try:
        yield store
    finally:
        store.close()


def _sql(url: str, query: str, *args: object) -> list[tuple[object, ...]]:
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    options = parsed.query.get("options")
    with psycopg.connect(dsn, options=str(options)) as conn:  # commits on leaving
        cursor = conn.execute(query, args)
        return list(cursor.fetchall()) if cursor.description else []


INDEXES = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
TEXTS = [f"entry {i} about {topic}" for i, topic in enumerate(["cats", "dogs", "tea"] * 40)]


def test_store_reports_its_mode(store: PostgresEmbeddings, mode: str) -> None:
    assert store.uses_pgvector is (mode == "pgvector")
    assert ("pgvector" in repr(store)) is (mode == "pgvector")


def test_embed_rows_metadata_count_exists_delete(
    store: PostgresEmbeddings, url: str, mode: str, seeded: SeededVectors
) -> None:
    collection = Collection("words", store, model=seeded)
    collection.embed("1", "hello world", metadata={"a": 1}, store=True)
    collection.embed(2, b"\x00\x01 \x02", store=True)  # ids become text, bytes: content_blob
    assert collection.count() == 2
    assert Collection.exists(store, "words") and not Collection.exists(store, "other")
    rows = {
        row[0]: row
        for row in _sql(
            url,
            "SELECT id, content, content_blob, content_hash, metadata, updated, embedding "
            "FROM embeddings ORDER BY id",
        )
    }
    assert rows["1"][1] == "hello world" and json.loads(str(rows["1"][4])) == {"a": 1}
    assert rows["1"][3] == Collection.content_hash("hello world")
    assert isinstance(rows["1"][5], int) and rows["1"][5] > 0
    assert decode(bytes(rows["1"][6])) == pytest.approx(seeded.embed("hello world"), abs=1e-6)
    assert rows["2"][1] is None and rows["2"][2] == b"\x00\x01 \x02"
    assert _sql(url, "SELECT id, name, model FROM collections") == [
        (collection.id, "words", "seeded-24")
    ]
    ledger = {row[0] for row in _sql(url, "SELECT name FROM _llm_embeddings_migrations")}
    assert "p001_create_tables" in ledger
    assert ("p002_pgvector" in ledger) is (mode == "pgvector")

    # Reopening by name needs no model; create=False on a missing one raises.
    again = Collection("words", store)
    assert again.id == collection.id and again.model_id == "seeded-24" and again.count() == 2
    with pytest.raises(Collection.DoesNotExist):
        Collection("other", store, create=False)

    collection.delete()
    assert not Collection.exists(store, "words")
    assert _sql(url, "SELECT count(*) FROM embeddings") == [(0,)]
    assert _sql(url, "SELECT count(*) FROM collections") == [(0,)]


def test_unchanged_content_is_not_embedded_again(
    store: PostgresEmbeddings, seeded: SeededVectors
) -> None:
    collection = Collection("texts", store, model=seeded)
    collection.embed_multi([(str(i), text) for i, text in enumerate(TEXTS[:10])], store=True)
    assert len(seeded.embedded) == 10
    seeded.embedded.clear()
    changed = [(str(i), text + (" changed" if i == 3 else "")) for i, text in enumerate(TEXTS)]
    collection.embed_multi(changed[:10], store=True)
    assert seeded.embedded == [TEXTS[3] + " changed"]
    assert collection.count() == 10
    [entry] = collection.similar(TEXTS[3] + " changed", number=1)
    assert entry.id == "3" and entry.content == TEXTS[3] + " changed"
    assert entry.score == pytest.approx(1.0)


def test_metadata_and_content_come_back_with_results(
    store: PostgresEmbeddings, seeded: SeededVectors
) -> None:
    collection = Collection("texts", store, model=seeded)
    collection.embed_multi_with_metadata(
        [(str(i), text, {"n": i}) for i, text in enumerate(TEXTS[:30])], store=True, batch_size=7
    )
    results = collection.similar(TEXTS[5], number=3)
    assert results[0].id == "5" and results[0].metadata == {"n": 5}
    assert results[0].content == TEXTS[5]
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    by_id = collection.similar_by_id("5", number=3)
    assert "5" not in [r.id for r in by_id] and len(by_id) == 3
    with pytest.raises(Collection.DoesNotExist):
        collection.similar_by_id("no-such-id")


def _same(left: list[Entry], right: list[Entry]) -> None:
    """Same entries in the same order; scores equal up to float64 rounding (the two searches
    sum the same products in a different order)."""
    assert [(e.id, e.content, e.metadata) for e in left] == [
        (e.id, e.content, e.metadata) for e in right
    ]
    assert [e.score for e in left] == pytest.approx([e.score for e in right], rel=1e-12)


def test_same_results_as_sqlite(store: PostgresEmbeddings, seeded: SeededVectors) -> None:
    on_postgres = Collection("texts", store, model=seeded)
    on_sqlite = Collection("texts", sqlite3.connect(":memory:"), model=seeded)
    entries = [(f"id-{i}", text, {"i": i}) for i, text in enumerate(TEXTS)]
    for collection in (on_postgres, on_sqlite):
        collection.embed_multi_with_metadata(entries, store=True)
    for query in ("cats", "entry 7 about dogs", "tea and cats", "nothing alike"):
        for number in (1, 10, 200, 990):  # 990: more than the index serves, an exact scan
            _same(on_postgres.similar(query, number=number), on_sqlite.similar(query, number))
    for prefix in ("id-1", "ID-2", "id-_"):  # LIKE: case-insensitive, _ any one character
        _same(on_postgres.similar("cats", prefix=prefix), on_sqlite.similar("cats", prefix=prefix))
        _same(
            on_postgres.similar_by_id("id-10", prefix=prefix),
            on_sqlite.similar_by_id("id-10", prefix=prefix),
        )
    _same(on_postgres.similar_by_id("id-3", number=5), on_sqlite.similar_by_id("id-3", 5))


def test_pgvector_layout_and_index(pgvector_url: str, seeded: SeededVectors) -> None:
    url = pgvector_url
    small = PostgresEmbeddings(url, pgvector=True, index_min_rows=50)
    try:
        collection = Collection("texts", small, model=seeded)
        collection.embed_multi([(str(i), t) for i, t in enumerate(TEXTS[:40])])
        index = f"idx_embeddings_vector_{collection.id}"
        indexes = {row[0] for row in _sql(url, INDEXES)}
        assert index not in indexes  # 40 rows: an exact scan, no index yet
        assert collection.similar(TEXTS[0], number=1)[0].id == "0"
        collection.embed_multi([(str(i), t) for i, t in enumerate(TEXTS)])
        [(definition,)] = _sql(
            url, INDEXES.replace("indexname", "indexdef") + " AND indexname = %s", index
        )
        assert "USING hnsw" in str(definition) and "vector_cosine_ops" in str(definition)
        assert f"WHERE (collection_id = {collection.id})" in str(definition)
        assert _sql(url, "SELECT count(*) FROM embeddings WHERE embedding_vector IS NULL") == [(0,)]
        assert _sql(url, "SELECT collection_id, dimensions FROM _llm_embeddings_dimensions") == [
            (collection.id, 24)
        ]
        # The vector column holds exactly the blob's float32 values.
        for blob, text in _sql(url, "SELECT embedding, embedding_vector::text FROM embeddings"):
            values = [float(v) for v in str(text).strip("[]").split(",")]
            assert llm.encode(values) == blob  # float32 text read back: the same bits
        assert collection.similar(TEXTS[7], number=1)[0].id == "7"
        collection.delete()
        indexes = {row[0] for row in _sql(url, INDEXES)}
        assert index not in indexes
    finally:
        small.close()


def test_rows_without_a_vector_are_still_found(pgvector_url: str, seeded: SeededVectors) -> None:
    """Rows written by the fallback (or by hand, blob only) are searched once pgvector is on,
    and opening with pgvector fills in their vectors."""
    url = pgvector_url
    before = PostgresEmbeddings(url, pgvector=False)
    try:
        collection = Collection("texts", before, model=seeded)
        collection.embed_multi([(str(i), t) for i, t in enumerate(TEXTS[:20])], store=True)
    finally:
        before.close()
    after = PostgresEmbeddings(url, pgvector=True, index_min_rows=1)
    try:
        assert _sql(url, "SELECT count(*) FROM embeddings WHERE embedding_vector IS NULL") == [(0,)]
        upgraded = Collection("texts", after, model=seeded)
        assert upgraded.similar(TEXTS[4], number=1)[0].id == "4"
        # A row with only the blob, as the original tool or sqlite-utils style code writes it.
        _sql(
            url,
            "INSERT INTO embeddings (collection_id, id, embedding) VALUES (%s, 'by-hand', %s)",
            upgraded.id,
            llm.encode(seeded.embed("written by hand")),
        )
        top = upgraded.similar("written by hand", number=2)
        assert top[0].id == "by-hand" and top[0].score == pytest.approx(1.0)
    finally:
        after.close()


def test_a_url_string_works_like_the_store(url: str, mode: str, seeded: SeededVectors) -> None:
    Collection("texts", url, model=seeded).embed("a", "alpha")
    assert Collection.exists(url, "texts")
    assert Collection("texts", url).count() == 1


def test_bad_urls_and_servers_are_clear_errors() -> None:
    with pytest.raises(EmbeddingsDatabaseError, match="PostgreSQL error on"):
        PostgresEmbeddings("postgresql://nobody:secret@127.0.0.1:1/nothing")
    with pytest.raises(EmbeddingsDatabaseError) as raised:
        PostgresEmbeddings("postgresql://nobody:secret@127.0.0.1:1/nothing")
    assert "secret" not in str(raised.value)
    with pytest.raises(EmbeddingsDatabaseError, match="not a PostgreSQL URL"):
        PostgresEmbeddings("mysql://x@127.0.0.1/db")

"""One conformance suite for the embeddings backends: every test runs on a SQLite file, on
PostgreSQL without pgvector (numpy ranking) and on PostgreSQL with pgvector, through
``Collection``, and must see the same results on each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_embeddings import Collection
from llm_embeddings.backend import EmbeddingsBackend, open_backend
from llm_embeddings.postgres import PostgresEmbeddings
from llm_embeddings.sqlite_store import SqliteEmbeddings
from llm_embeddings.testing import postgres_url

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("pgvector", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "embeddings.db")
        return
    with postgres_url(pgvector=request.param == "pgvector") as url:
        yield url


def test_the_backend_is_chosen_by_the_target(db: str, model: Any) -> None:
    backend: EmbeddingsBackend = open_backend(db)
    expected = SqliteEmbeddings if db.endswith(".db") else PostgresEmbeddings
    assert isinstance(backend, expected)
    backend.close()


def test_create_find_and_count(db: str, model: Any) -> None:
    assert not Collection.exists(db, "words")
    collection = Collection("words", db, model=model)
    assert Collection.exists(db, "words")
    assert collection.count() == 0
    collection.embed_multi([("1", "one two three"), ("2", "four five")], store=True)
    assert collection.count() == 2
    again = Collection("words", db, create=False)
    assert (again.id, again.model_id) == (collection.id, "word-lengths")
    with pytest.raises(Collection.DoesNotExist):
        Collection("other", db, create=False)


def test_unchanged_content_is_not_embedded_again(db: str, model: Any) -> None:
    collection = Collection("words", db, model=model)
    collection.embed_multi([("1", "aa bb"), ("2", "ccc")])
    collection.embed_multi([("1", "aa bb"), ("2", "changed now")])
    assert model.embedded == ["aa bb", "ccc", "changed now"]
    assert collection.vector_of("2")[:2] == [7.0, 3.0]


def test_similar_in_order_with_content_metadata_and_prefix(db: str, model: Any) -> None:
    collection = Collection("words", db, model=model)
    collection.embed_multi_with_metadata(
        [
            ("a/1", "xx yy", {"n": 1}),
            ("a/2", "xxxxx y", None),
            ("b/1", "xx yyy", {"n": 3}),
        ],
        store=True,
    )
    found = collection.similar("xx yy", number=2)
    assert [(e.id, e.content, e.metadata) for e in found] == [
        ("a/1", "xx yy", {"n": 1}),
        ("b/1", "xx yyy", {"n": 3}),
    ]
    assert found[0].score == pytest.approx(1.0)
    assert [e.id for e in collection.similar("xx yy", prefix="a/")] == ["a/1", "a/2"]
    assert [e.id for e in collection.similar_by_id("a/1", number=1)] == ["b/1"]
    with pytest.raises(Collection.DoesNotExist):
        collection.similar_by_id("nope")


def test_delete_removes_the_collection_and_only_it(db: str, model: Any) -> None:
    keep = Collection("keep", db, model=model)
    gone = Collection("gone", db, model=model)
    keep.embed("1", "a b")
    gone.embed("1", "a b")
    gone.delete()
    assert not Collection.exists(db, "gone")
    assert keep.count() == 1
    backend = open_backend(db)
    assert [(name, count) for name, _, count in backend.iter_collections()] == [("keep", 1)]
    backend.close()


def test_asking_whether_a_collection_exists_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.db"
    sqlite3.connect(path).close()
    assert not Collection.exists(str(path), "words")
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []

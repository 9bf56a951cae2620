"""embeddings.db: the original's schema and ledger, adoption in place, all-or-nothing steps."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from llm_embeddings import Collection, schema
from llm_embeddings.schema import STEP_NAMES, embeddings_migrations

ORIGINAL_EMBEDDINGS_DDL = """CREATE TABLE "embeddings" (
   [collection_id] INTEGER REFERENCES [collections]([id]),
   [id] TEXT,
   [embedding] BLOB,
   [content] TEXT,
   [content_blob] BLOB,
   [content_hash] BLOB,
   [metadata] TEXT,
   [updated] INTEGER,
   PRIMARY KEY ([collection_id], [id])
)"""


def _sql(db: sqlite_utils.Database, name: str) -> str:
    return db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]


def _ledger(db: sqlite_utils.Database) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'llm.embeddings'"
        )
    ]


def test_new_database_has_the_original_schema() -> None:
    db = sqlite_utils.Database(memory=True)
    embeddings_migrations.apply(db)
    assert _sql(db, "embeddings") == ORIGINAL_EMBEDDINGS_DDL
    assert _sql(db, "idx_embeddings_content_hash") == (
        "CREATE INDEX [idx_embeddings_content_hash]\n    ON [embeddings] ([content_hash])"
    )
    assert _sql(db, "idx_collections_name").startswith("CREATE UNIQUE INDEX")
    assert _ledger(db) == list(STEP_NAMES)
    assert embeddings_migrations.pending(db) == []
    embeddings_migrations.apply(db)  # a no-op the second time
    assert _ledger(db) == list(STEP_NAMES)


def test_adopts_a_first_version_database_keeping_its_rows(tmp_path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    embeddings_migrations.apply(db, stop_before="m002_foreign_key")
    assert _ledger(db) == ["m001_create_tables"]
    db["collections"].insert({"id": 1, "name": "old", "model": "word-lengths"})
    db["embeddings"].insert_all(
        [
            {"collection_id": 1, "id": "a", "embedding": b"\0\0\x80?", "content": "x"},
            {"collection_id": 1, "id": "b", "embedding": b"\0\0\0@", "content": None},
        ]
    )
    db.conn.close()
    collection = Collection("old", str(path))
    assert collection.count() == 2
    db = sqlite_utils.Database(path)
    assert _sql(db, "embeddings") == ORIGINAL_EMBEDDINGS_DDL
    rows = {r["id"]: r for r in db["embeddings"].rows}
    assert rows["a"]["content_hash"] == Collection.content_hash("x")
    assert rows["b"]["content_hash"] is not None and rows["b"]["updated"] > 0
    assert rows["a"]["embedding"] == b"\0\0\x80?"
    assert _ledger(db) == list(STEP_NAMES)


def test_a_failing_step_changes_nothing(monkeypatch, tmp_path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    embeddings_migrations.apply(db, stop_before="m004_store_content_hash")
    db["embeddings"].insert({"collection_id": 1, "id": "a", "embedding": b"", "updated": 1})
    before = list(db.execute("SELECT sql FROM sqlite_master ORDER BY name"))

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE embeddings ADD COLUMN content_blob BLOB")
        raise RuntimeError("disk on fire")

    steps = tuple(
        (name, broken if name == "m005_add_content_blob" else step) for name, step in schema.STEPS
    )
    monkeypatch.setattr(schema, "STEPS", steps)
    with pytest.raises(RuntimeError, match="disk on fire"):
        embeddings_migrations.apply(db)
    assert list(db.execute("SELECT sql FROM sqlite_master ORDER BY name")) == before
    assert _ledger(db) == list(STEP_NAMES[:3])
    assert [r["id"] for r in db["embeddings"].rows] == ["a"]


def test_missing_triggers_are_restored_and_void_caches() -> None:
    db = sqlite_utils.Database(memory=True)
    embeddings_migrations.apply(db)
    db.execute("INSERT INTO collections (id, name, model) VALUES (1, 'c', 'm')")
    db.execute("INSERT INTO embeddings (collection_id, id, embedding) VALUES (1, 'a', x'0000803f')")
    version, nonce = db.execute("SELECT version, nonce FROM _llm_embeddings_versions").fetchone()
    db.execute("DROP TRIGGER _llm_embeddings_after_update")
    assert not schema.is_current(db.conn)
    embeddings_migrations.apply(db)
    assert schema.is_current(db.conn)
    assert db.execute("SELECT nonce FROM _llm_embeddings_versions").fetchone()[0] != nonce
    db.execute("UPDATE embeddings SET embedding = x'00000040'")
    assert db.execute("SELECT version FROM _llm_embeddings_versions").fetchone()[0] > version

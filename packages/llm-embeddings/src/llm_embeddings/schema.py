"""The ``embeddings.db`` schema on SQLite, with only the standard library's ``sqlite3``.

The tables are exactly the original tool's (``collections``, ``embeddings``), so databases it
wrote open here in place and plugins that read the file with sqlite-utils keep working. The
history is the original's five steps, recorded in the same ledger (``_sqlite_migrations``,
migration set ``llm.embeddings``): a database moves between the original and us in both
directions without redoing or skipping a step.

Checking an up-to-date database costs one query; a new database gets the final schema in one
transaction. Older databases are stepped through the remaining migrations, each with its
ledger row, all in one transaction (a failure leaves the database as it was).
"""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
import time
from collections.abc import Callable
from typing import Any

MIGRATION_SET = "llm.embeddings"
LEDGER = "_sqlite_migrations"

# Our own addition, outside the original's schema: a change counter per collection, kept by
# triggers (so every writer - the original tool, sqlite-utils, a plugin - bumps it), that the
# search's on-disk vector cache is checked against. The nonce tells databases apart.
VERSIONS_TABLE = "_llm_embeddings_versions"
CREATE_VERSIONS = """CREATE TABLE IF NOT EXISTS [_llm_embeddings_versions] (
   [collection_id] INTEGER PRIMARY KEY,
   [version] INTEGER NOT NULL,
   [nonce] BLOB NOT NULL
)"""
# Plain INSERT OR IGNORE + UPDATE rather than an UPSERT: any SQLite that can read the
# original's database must still parse this schema (UPSERT needs SQLite 3.24).
_BUMP = """INSERT OR IGNORE INTO [_llm_embeddings_versions] (collection_id, version, nonce)
    VALUES ({row}.collection_id, 0, randomblob(8));
  UPDATE [_llm_embeddings_versions] SET version = version + 1
    WHERE collection_id = {row}.collection_id;"""
_OLD, _NEW = _BUMP.format(row="OLD"), _BUMP.format(row="NEW")
TRIGGERS = {
    "_llm_embeddings_after_insert": f"AFTER INSERT ON [embeddings] BEGIN\n  {_NEW}\nEND",
    "_llm_embeddings_after_update": (
        f"AFTER UPDATE ON [embeddings] BEGIN\n  {_OLD}\n  {_NEW}\nEND"
    ),
    "_llm_embeddings_after_delete": f"AFTER DELETE ON [embeddings] BEGIN\n  {_OLD}\nEND",
}

CREATE_LEDGER = """CREATE TABLE IF NOT EXISTS [_sqlite_migrations] (
   [migration_set] TEXT,
   [name] TEXT,
   [applied_at] TEXT,
   PRIMARY KEY ([migration_set], [name])
)"""
CREATE_COLLECTIONS = """CREATE TABLE [collections] (
   [id] INTEGER PRIMARY KEY,
   [name] TEXT,
   [model] TEXT
)"""
CREATE_COLLECTIONS_INDEX = """CREATE UNIQUE INDEX [idx_collections_name]
    ON [collections] ([name])"""
CREATE_HASH_INDEX = """CREATE INDEX [idx_embeddings_content_hash]
    ON [embeddings] ([content_hash])"""

# Column order of the final table; earlier steps have a subset of these.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("collection_id", "INTEGER"),
    ("id", "TEXT"),
    ("embedding", "BLOB"),
    ("content", "TEXT"),
    ("content_blob", "BLOB"),
    ("content_hash", "BLOB"),
    ("metadata", "TEXT"),
    ("updated", "INTEGER"),
)


def _embeddings_ddl(columns: list[str], *, foreign_key: bool, name: str = "embeddings") -> str:
    lines = []
    for column, kind in COLUMNS:
        if column not in columns:
            continue
        line = f"   [{column}] {kind}"
        if column == "collection_id" and foreign_key:
            line += " REFERENCES [collections]([id])"
        lines.append(line)
    lines.append("   PRIMARY KEY ([collection_id], [id])")
    return f'CREATE TABLE "{name}" (\n' + ",\n".join(lines) + "\n)"


def _columns(conn: sqlite3.Connection, table: str = "embeddings") -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def _rebuild(conn: sqlite3.Connection) -> None:
    """Recreate ``embeddings`` in the canonical column order with its foreign key (rows as is)."""
    present = _columns(conn)
    ordered = [c for c, _ in COLUMNS if c in present]
    extra = [c for c in present if c not in ordered]
    ordered += extra  # never drop a column someone added
    ddl = _embeddings_ddl(ordered, foreign_key=True, name="embeddings_new_llm")
    if extra:
        ddl = ddl.replace(
            "   PRIMARY KEY", "".join(f"   [{c}],\n" for c in extra) + "   PRIMARY KEY"
        )
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'embeddings' "
            "AND sql IS NOT NULL"
        )
    ]
    names = ", ".join(f"[{c}]" for c in ordered)
    conn.execute(ddl)
    conn.execute(f"INSERT INTO [embeddings_new_llm] ({names}) SELECT {names} FROM [embeddings]")
    conn.execute("DROP TABLE [embeddings]")
    conn.execute("ALTER TABLE [embeddings_new_llm] RENAME TO [embeddings]")
    for sql in indexes:
        conn.execute(sql)


def m001_create_tables(conn: sqlite3.Connection) -> None:
    conn.execute(CREATE_COLLECTIONS)
    conn.execute(CREATE_COLLECTIONS_INDEX)
    conn.execute(
        _embeddings_ddl(
            ["collection_id", "id", "embedding", "content", "metadata"], foreign_key=False
        ).replace('"embeddings"', "[embeddings]")
    )


def m002_foreign_key(conn: sqlite3.Connection) -> None:
    _rebuild(conn)


def m003_add_updated(conn: sqlite3.Connection) -> None:
    if "updated" not in _columns(conn):
        conn.execute("ALTER TABLE [embeddings] ADD COLUMN [updated] INTEGER")
    conn.execute("UPDATE embeddings SET updated = ? WHERE updated IS NULL", [int(time.time())])


def _random_md5() -> bytes:
    return hashlib.md5(f"{time.time()}-{time.perf_counter_ns()}".encode()).digest()


def m004_store_content_hash(conn: sqlite3.Connection) -> None:
    if "content_hash" not in _columns(conn):
        conn.execute("ALTER TABLE [embeddings] ADD COLUMN [content_hash] BLOB")
    rows = conn.execute(
        "SELECT rowid, content FROM embeddings WHERE content_hash IS NULL"
    ).fetchall()
    conn.executemany(
        "UPDATE embeddings SET content_hash = ? WHERE rowid = ?",
        [
            (
                hashlib.md5(content.encode("utf-8")).digest()
                if isinstance(content, str)
                else _random_md5(),
                rowid,
            )
            for rowid, content in rows
        ],
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS [idx_embeddings_content_hash]\n"
        "    ON [embeddings] ([content_hash])"
    )


def m005_add_content_blob(conn: sqlite3.Connection) -> None:
    if "content_blob" not in _columns(conn):
        conn.execute("ALTER TABLE [embeddings] ADD COLUMN [content_blob] BLOB")
    _rebuild(conn)


STEPS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("m001_create_tables", m001_create_tables),
    ("m002_foreign_key", m002_foreign_key),
    ("m003_add_updated", m003_add_updated),
    ("m004_store_content_hash", m004_store_content_hash),
    ("m005_add_content_blob", m005_add_content_blob),
)
STEP_NAMES = tuple(name for name, _ in STEPS)


def _now() -> str:
    return str(datetime.datetime.now(datetime.UTC))


def applied(conn: sqlite3.Connection) -> set[str]:
    """Names of the steps recorded in the ledger (empty when there is no ledger)."""
    try:
        rows = conn.execute(
            "SELECT name FROM [_sqlite_migrations] WHERE migration_set = ?", [MIGRATION_SET]
        ).fetchall()
    except sqlite3.OperationalError:
        return set()
    return {row[0] for row in rows}


def is_current(conn: sqlite3.Connection) -> bool:
    """All five steps applied and the change-counting triggers in place (two cheap queries)."""
    if not applied(conn).issuperset(STEP_NAMES):
        return False
    names = list(TRIGGERS)
    (found,) = conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({','.join('?' * len(names))})",
        names,
    ).fetchone()
    return bool(found == len(names))


def _ensure_triggers(conn: sqlite3.Connection) -> None:
    conn.execute(CREATE_VERSIONS)
    existing = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    if existing.issuperset(TRIGGERS):
        return
    for name, body in TRIGGERS.items():
        conn.execute(f"DROP TRIGGER IF EXISTS [{name}]")
        conn.execute(f"CREATE TRIGGER [{name}] {body}")
    # Changes may have gone uncounted while a trigger was missing: void every cache.
    conn.execute("UPDATE [_llm_embeddings_versions] SET nonce = randomblob(8)")
    conn.execute(
        "INSERT OR IGNORE INTO [_llm_embeddings_versions] (collection_id, version, nonce) "
        "SELECT id, 1, randomblob(8) FROM collections"
    )


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return row is not None


def ensure_schema(conn: sqlite3.Connection, *, stop_before: str | None = None) -> None:
    """Bring the embeddings tables in ``conn`` up to date (or up to ``stop_before``)."""
    if stop_before is None and is_current(conn):
        return
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(CREATE_LEDGER)
        done = applied(conn)
        pending = [(name, step) for name, step in STEPS if name not in done]
        fresh = not _has_table(conn, "collections") and not _has_table(conn, "embeddings")
        if stop_before is None and fresh and len(pending) == len(STEPS):
            # A new database: the final schema at once (what the five steps end with).
            conn.execute(CREATE_COLLECTIONS)
            conn.execute(CREATE_COLLECTIONS_INDEX)
            conn.execute(_embeddings_ddl([c for c, _ in COLUMNS], foreign_key=True))
            conn.execute(CREATE_HASH_INDEX)
        else:
            for name, step in pending:
                if name == stop_before:
                    break
                if name == "m001_create_tables" and _has_table(conn, "collections"):
                    pass  # tables made by hand or by a partial run: keep them
                else:
                    step(conn)
                _record(conn, name)
            pending = []
        for name, _ in pending:
            _record(conn, name)
        if stop_before is None:
            _ensure_triggers(conn)
        if own_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if own_transaction and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _record(conn: sqlite3.Connection, name: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO [_sqlite_migrations] (migration_set, name, applied_at) "
        "VALUES (?, ?, ?)",
        [MIGRATION_SET, name, _now()],
    )


def connection_of(db: Any) -> sqlite3.Connection:
    """The ``sqlite3`` connection behind a sqlite-utils ``Database`` (or the connection itself)."""
    if isinstance(db, sqlite3.Connection):
        return db
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError(f"expected a sqlite-utils Database or sqlite3.Connection, not {db!r}")


class EmbeddingsMigrations:
    """``llm.embeddings_migrations.embeddings_migrations``: the original's migration set API."""

    name = MIGRATION_SET

    def apply(self, db: Any, *, stop_before: str | None = None) -> None:
        ensure_schema(connection_of(db), stop_before=stop_before)

    def pending(self, db: Any) -> list[str]:
        done = applied(connection_of(db))
        return [name for name in STEP_NAMES if name not in done]

    def __repr__(self) -> str:
        return f"<Migrations '{MIGRATION_SET}': [{', '.join(STEP_NAMES)}]>"


embeddings_migrations = EmbeddingsMigrations()

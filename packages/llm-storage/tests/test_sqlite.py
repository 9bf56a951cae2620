# ruff: noqa: E501
"""SQLite-only behaviour: adopting original databases, start-up cost, file errors, targets."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import original_db
import pytest
from storage_fakes import make_response

import llm_storage
from llm_storage import LogStore, StoreError, fts, open_store, schema

M012_SCHEMA = """
CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
CREATE TABLE [responses] (
  [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT, [prompt_json] TEXT,
  [options_json] TEXT, [response] TEXT, [response_json] TEXT,
  [conversation_id] TEXT REFERENCES [conversations]([id]), [duration_ms] INTEGER,
  [datetime_utc] TEXT
);
CREATE VIRTUAL TABLE [responses_fts] USING FTS5 ([prompt], [response], content=[responses]);
CREATE TABLE [attachments] ([id] TEXT PRIMARY KEY, [type] TEXT, [path] TEXT, [url] TEXT, [content] BLOB);
CREATE TABLE [prompt_attachments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [attachment_id] TEXT REFERENCES [attachments]([id]), [order] INTEGER,
  PRIMARY KEY ([response_id], [attachment_id])
);
CREATE TABLE [fragments] ([id] INTEGER PRIMARY KEY, [hash] TEXT, [content] TEXT, [datetime_utc] TEXT, [source] TEXT);
CREATE TABLE "prompt_fragments" (
  [response_id] TEXT, [fragment_id] INTEGER, [order] INTEGER,
  PRIMARY KEY ([response_id], [fragment_id])
);
"""
M012_ROWS = """
INSERT INTO conversations VALUES ('c1', 'Old chat', 'gpt-3.5-turbo');
INSERT INTO responses VALUES ('r1', 'gpt-3.5-turbo', 'ancient pelican question', NULL, NULL,
  '{}', 'ancient pelican answer', NULL, 'c1', 100, '2023-07-01T00:00:00');
INSERT INTO attachments VALUES ('a1', 'image/png', NULL, NULL, X'0102');
INSERT INTO prompt_attachments VALUES ('r1', 'a1', 0);
INSERT INTO fragments VALUES (1, 'hash1', 'frag', '2023-07-01', '');
INSERT INTO prompt_fragments VALUES ('r1', 1, 0);
"""
M012_TABLES = [
    "_llm_migrations",
    "conversations",
    "attachments",
    "prompt_attachments",
    "fragments",
    "prompt_fragments",
]

# What our revisions record in llm 0.36's ledger: 0102_message_store (its message store,
# m023-m027) and 0103 (m021), so that 0.36 opening the file does not apply them again.
MESSAGE_STORE_MIGRATIONS = [
    "m023_message_store",
    "m024_tool_instance_references",
    "m025_turn_tools_instance_backfill",
    "m026_message_tree_view",
    "m027_turns_response_json",
    # Revision 0103_tool_result_exception: tool_results.exception, 0.36's m021.
    "m021_tool_results_exception",
]
MESSAGE_STORE_OBJECTS = {
    *schema.MESSAGE_STORE_TABLES,
    "message_tree",
    "turn_search_fts",
    "turn_search_fts_config",
    "turn_search_fts_data",
    "turn_search_fts_docsize",
    "turn_search_fts_idx",
    "turn_search_ai",
    "turn_search_ad",
    "turn_search_au",
    "idx_messages_parent_hash",
    "idx_parts_message_hash_position",
    "idx_part_fragments_fragment_id",
    "idx_turns_thread_id",
    "idx_turn_fragments_fragment_id",
    "idx_turn_search_turn_id",
    "sqlite_autoindex_messages_1",
    "sqlite_autoindex_part_attachments_1",
    "sqlite_autoindex_part_fragments_1",
    "sqlite_autoindex_threads_1",
    "sqlite_autoindex_turns_1",
    "sqlite_autoindex_turn_fragments_1",
    "sqlite_autoindex_turn_tools_1",
    "sqlite_autoindex_tool_instantiations_1",
}


def test_adopt_original_026_database(tmp_path):
    path = original_db.build(tmp_path / "logs.db")
    before = original_db.dump(path)
    before_master = original_db.sqlite_master(path)
    store = open_store(path)
    after = original_db.dump(path)
    # Every row of every table unchanged; the ledger gains the message store (m023-m027),
    # whose tables revision 0102_message_store creates in their final form.
    assert [row[1] for row in after["_llm_migrations"][len(before["_llm_migrations"]) :]] == (
        MESSAGE_STORE_MIGRATIONS
    )
    after["_llm_migrations"] = after["_llm_migrations"][: len(before["_llm_migrations"])]
    # tool_results gains one column (0103), NULL in every existing row.
    assert all(row[-1] is None for row in after["tool_results"])
    after["tool_results"] = [row[:-1] for row in after["tool_results"]]
    assert after == before
    after_master = original_db.sqlite_master(path)
    altered = [m for m in before_master if m not in after_master]
    # Nothing altered but tool_results, which gains its nullable exception column.
    assert [m[1] for m in altered] == ["tool_results"]
    [now] = [m for m in after_master if m[1] == "tool_results"]
    assert (
        now[2].replace(", [exception] TEXT", "").replace(', "exception" TEXT', "") == altered[0][2]
    )
    assert {m[1] for m in after_master} - {m[1] for m in before_master} == {
        "alembic_version",
        "sqlite_autoindex_alembic_version_1",
        # revision 0100_ledger's tables, which the original never reads
        "conversation_names",
        "idx_conversation_names_name",
        "sqlite_autoindex_conversation_names_1",
        "response_costs",
        "idx_response_costs_datetime_utc",
        "sqlite_autoindex_response_costs_1",
        # revision 0101_response_extras's table
        "response_extras",
        "sqlite_autoindex_response_extras_1",
        *MESSAGE_STORE_OBJECTS,
    }
    assert llm_storage.migrate.current_revision(store.engine) == llm_storage.HEAD_REVISION
    # It works afterwards: reading old rows, searching them, writing new ones.
    old = store.get_response("01j0resp000000000000000001")
    assert old["conversation_name"] == "Old chat"
    assert [a["id"] for a in old["attachments"]] == ["att1", "att2"]
    assert [f["content"] for f in old["prompt_fragments"]] == ["fragment text"] * 2
    assert (
        store.get_response("01j0resp000000000000000002")["tool_results"][0]["instance_name"]
        == "SQLite"
    )
    assert [r["id"] for r in store.list_responses(5, query="pelicans")] == [old["id"]]
    store.log_response(make_response("new pelicans", "more", fragments=["fragment text"]))
    assert store.count_responses() == 3
    assert len(store.list_responses(5, query="pelicans")) == 2
    assert store.get_fragment("notes")["content"] == "fragment text"
    store.close()
    # And the original tool's view is intact: its ledger untouched, nothing left to migrate.
    conn = sqlite3.connect(path)
    assert conn.execute("select name from _llm_migrations order by rowid").fetchall() == [
        (name,) for name in original_db.MIGRATIONS_026 + MESSAGE_STORE_MIGRATIONS
    ]
    assert conn.execute("select count(*) from fragments").fetchone() == (2,)
    conn.close()


def test_adopt_older_database_fills_in_missing_pieces(tmp_path):
    path = tmp_path / "old.db"
    migrations = original_db.MIGRATIONS_026[:13]  # up to m012_attachments_tables
    original_db.build(path, migrations, schema=M012_SCHEMA, rows=M012_ROWS)
    before = original_db.dump(path, [*M012_TABLES, "responses"])
    store = open_store(path)
    after = original_db.dump(path, [*M012_TABLES, "responses"])
    # Old rows unchanged; responses rows gained only the new (NULL) columns.
    for table in M012_TABLES[1:]:
        assert after[table] == before[table]
    assert [row[:12] for row in after["responses"]] == before["responses"]
    assert all(value is None for value in after["responses"][0][12:])
    # The ledger keeps its rows and gains the migrations whose effect now exists.
    ledger = after["_llm_migrations"]
    assert ledger[:13] == before["_llm_migrations"]
    assert [row[1] for row in ledger] == original_db.MIGRATIONS_026 + MESSAGE_STORE_MIGRATIONS
    conn = sqlite3.connect(path)
    pk = [r[1] for r in conn.execute("pragma table_info(prompt_fragments)") if r[5]]
    assert pk == ["response_id", "fragment_id", "order"]
    triggers = {r[0] for r in conn.execute("select name from sqlite_master where type='trigger'")}
    assert triggers == {*fts.TRIGGER_NAMES, "turn_search_ai", "turn_search_ad", "turn_search_au"}
    conn.close()
    # The FTS index was rebuilt from existing rows, then kept in sync.
    assert [r["id"] for r in store.list_responses(5, query="ancient")] == ["r1"]
    store.log_response(make_response("ancient again", "x", tools=[], schema={"a": 1}))
    assert len(store.list_responses(5, query="ancient")) == 2
    store.close()


LLM_0_3_LOG = (
    "CREATE TABLE log (id INTEGER PRIMARY KEY, model TEXT, timestamp TEXT, prompt TEXT,"
    " system TEXT, response TEXT, chat_id INTEGER REFERENCES log(id), debug TEXT,"
    " duration_ms INTEGER)"
)


def test_llm_0_3_log_rows_are_kept_in_logs(tmp_path):
    """llm 0.3 and older kept a `log` table; its rows survive in `logs`, as the original's
    own upgrade left them (renamed columns, `debug` dropped), and an empty one goes."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(LLM_0_3_LOG)
    conn.execute(
        "INSERT INTO log VALUES (7, 'gpt-3.5-turbo', '2023-06-01T10:00:00', 'hi', 'sys',"
        " 'hello', NULL, 'debug text', 812)"
    )
    conn.commit()
    conn.close()
    open_store(path).close()
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert "log" not in tables and {"logs", "responses", "conversations"} <= tables
    columns = [r[1] for r in conn.execute("pragma table_info(logs)")]
    assert columns == [
        "id", "model", "prompt", "system", "prompt_json", "options_json", "response",
        "response_json", "reply_to_id", "chat_id", "duration_ms", "datetime_utc",
    ]  # fmt: skip
    row = conn.execute("select * from logs").fetchall()
    assert row == [
        (7, "gpt-3.5-turbo", "hi", "sys", None, None, "hello", None, None, None, 812,
         "2023-06-01T10:00:00"),
    ]  # fmt: skip
    assert conn.execute("select count(*) from responses").fetchone() == (0,)
    conn.close()

    empty = tmp_path / "empty.db"
    conn = sqlite3.connect(empty)
    conn.execute(LLM_0_3_LOG)
    conn.commit()
    conn.close()
    open_store(empty).close()
    conn = sqlite3.connect(empty)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert not tables & {"log", "logs"}
    conn.close()


def test_failed_adoption_leaves_database_untouched(tmp_path, monkeypatch):
    path = original_db.build(tmp_path / "logs.db")
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER responses_au")  # so the migration has work to do
    conn.close()
    before, master = original_db.dump(path), original_db.sqlite_master(path)

    def broken(conn):
        fts.recreate_sqlite_triggers(conn)
        raise RuntimeError("simulated failure after recreating triggers")

    monkeypatch.setattr(fts, "ensure_fts", broken)
    with pytest.raises(RuntimeError):
        open_store(path)
    assert original_db.dump(path) == before
    assert original_db.sqlite_master(path) == master


def test_twenty_processes_create_a_new_database_at_once(tmp_path):
    import multiprocessing

    from test_conformance import _log_from_child

    target = str(tmp_path / "fresh.db")
    context = multiprocessing.get_context("fork")
    barrier, errors = context.Barrier(20), context.Queue()
    procs = [
        context.Process(target=_log_from_child, args=(target, i, barrier, errors))
        for i in range(20)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
    assert errors.empty(), errors.get()
    assert [p.exitcode for p in procs] == [0] * 20
    store = open_store(target)
    assert store.count_responses() == 20
    store.close()


STARTUP_CHECK = """
import sys
import llm_storage
assert "sqlalchemy" not in sys.modules, "import llm_storage must stay light"
store = llm_storage.open_store(sys.argv[1])
store.list_responses()
print("alembic" in sys.modules, any(m.startswith("alembic") for m in sys.modules))
"""


def test_opening_a_current_store_does_not_import_alembic(tmp_path):
    target = str(tmp_path / "logs.db")
    open_store(target).close()
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_CHECK, target], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
    # ...whereas a new database does need it.
    fresh = str(tmp_path / "fresh.db")
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_CHECK, fresh], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True"]


def test_head_constant_matches_migration_scripts():
    from alembic.script import ScriptDirectory

    from llm_storage.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [llm_storage.HEAD_REVISION]
    assert {s.revision for s in scripts.walk_revisions()} == set(llm_storage._head.KNOWN_REVISIONS)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "logs.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("update alembic_version set version_num = '9999_future'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_corrupt_file(tmp_path):
    path = tmp_path / "logs.db"
    garbage = b"this is not a database at all\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as info:
        open_store(path)
    message = str(info.value)
    assert "not a valid SQLite database" in message and str(path) in message
    assert "\n" not in message and "SELECT" not in message.upper()
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs.db"]


def test_directory_not_writable(tmp_path):
    with pytest.raises(StoreError, match="cannot open"):
        open_store("/proc/llm-storage-test/logs.db")  # not creatable, even by root
    if os.geteuid() != 0:
        locked = tmp_path / "ro"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(StoreError, match="cannot open"):
                open_store(locked / "logs.db")
        finally:
            locked.chmod(0o700)


def test_locked_beyond_timeout(tmp_path):
    path = tmp_path / "logs.db"
    store = open_store(path, timeout=0.3)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(
            StoreError, match=r"is locked by another process \(gave up after 0.3 s\)"
        ):
            store.log_response(make_response())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.log_response(make_response())  # and fine once released
    assert store.count_responses() == 1
    store.close()


def test_open_targets(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    by_path = open_store(path)
    assert by_path.path == path and by_path.backend == "sqlite"
    assert open_store(by_path) is by_path
    by_str = open_store(str(path))
    assert by_str.path == path
    by_url = open_store(f"sqlite:///{path}")
    assert by_url.path == path

    class SqliteUtilsLike:
        def __init__(self, conn):
            self.conn = conn

    raw = sqlite3.connect(path)
    assert open_store(SqliteUtilsLike(raw)).path == path
    raw.close()
    memory = open_store(SqliteUtilsLike(sqlite3.connect(":memory:")))
    memory.log_response(make_response())
    assert memory.count_responses() == 1
    for store in (by_path, by_str, by_url, memory):
        store.close()
    with pytest.raises(StoreError):
        open_store(42)


def test_default_locations(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "user"))
    monkeypatch.delenv("LLM_DATABASE_URL", raising=False)
    store = open_store()
    assert store.path == tmp_path / "user" / "logs.db"
    store.close()
    other = tmp_path / "other.db"
    (tmp_path / "user" / "database-url.txt").write_text(f"sqlite:///{other}\n")
    store = open_store()
    assert store.path == other
    store.close()
    env_db = tmp_path / "env.db"
    monkeypatch.setenv("LLM_DATABASE_URL", f"sqlite:///{env_db}")
    store = open_store()
    assert store.path == env_db
    store.close()


def test_bad_urls():
    with pytest.raises(StoreError, match=r"invalid database URL|cannot use"):
        open_store("nosuchdb+driver://user:hunter2@host/db")
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://user:hunter2@127.0.0.1:1/db", timeout=1)
    assert "hunter2" not in str(info.value)
    assert "cannot connect" in str(info.value)


def test_password_masked_in_location():
    from sqlalchemy import create_engine

    store = LogStore(create_engine("postgresql+psycopg://u:hunter2@localhost/db"))
    assert "hunter2" not in store.location
    assert "***" in store.location

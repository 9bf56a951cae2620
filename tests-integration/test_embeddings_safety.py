"""Embeddings commands cannot harm a database, and leave it whole when they exit.

* ``embed-multi --sql`` only reads, on every database it touches: ``embeddings.db``, files
  given with ``--attach``, PostgreSQL. A statement that would write is one error line, before
  a collection is created, and every database is as it was.
* When an embeddings command exits, ``embeddings.db`` alone holds everything: copied
  without its ``-wal`` file, it has every table and row.
* Bad input (malformed JSON, JSON lines, binary data, a file no ``--encoding`` decodes) is
  one error line and creates nothing; long CSV fields and ``--encoding`` work; ``--files``
  reads only regular files inside its directory.

The real ``llm`` executable runs on real SQLite files (a process exit is what leaves, or
used to leave, the write-ahead log behind) and on the test PostgreSQL (``pg_url``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import llm

Run = Callable[..., subprocess.CompletedProcess[str]]


def dump(path: Path) -> list[str]:
    """Everything a SQLite file holds: its schema, rows and user_version."""
    conn = sqlite3.connect(path)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        return [f"user_version {version}", *conn.iterdump()]
    finally:
        conn.close()


def alone(path: Path, tmp_path: Path) -> sqlite3.Connection:
    """A copy of the main file only (no ``-wal``, no ``-shm``), opened."""
    copy = tmp_path / f"copy-of-{path.name}"
    for stale in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    return sqlite3.connect(copy)


def assert_self_contained(path: Path, tmp_path: Path) -> sqlite3.Connection:
    """``path`` has no write-ahead log left beside it, and its copy reads whole."""
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the data is still in the -wal file"
    return alone(path, tmp_path)


def one_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    source = tmp_path / "facts.csv"
    source.write_text("id,text\ncats,cats purr\ndogs,dogs bark\ntea,tea is hot\n")
    return source


@pytest.fixture
def embeddings_db(run_llm: Run, user_dir: Path, facts: Path) -> Path:
    """``embeddings.db`` holding the collection ``facts`` (three rows, content stored)."""
    result = run_llm("embed-multi", "facts", str(facts), "-m", "hash", "--store")
    assert result.returncode == 0, result.stderr
    return user_dir / "embeddings.db"


# -- embed-multi --sql only reads ------------------------------------------------------------

WRITING_SQL = {
    "drop": "DROP TABLE embeddings",
    "delete returning": "DELETE FROM embeddings RETURNING id, content",
    "update returning": "UPDATE embeddings SET content = 'gone' RETURNING id, content",
    "insert returning": "INSERT INTO collections (name, model) VALUES ('x', 'y') RETURNING *",
    "cte delete": "WITH a AS (SELECT 1) DELETE FROM embeddings RETURNING id, content",
    "create as": "CREATE TABLE copied AS SELECT id, content FROM embeddings",
    "pragma write": "PRAGMA user_version = 7",
    "pragma journal": "PRAGMA journal_mode = DELETE",
    "attach": "ATTACH DATABASE '{tmp}/created.db' AS created",
    "begin": "BEGIN IMMEDIATE",
    "vacuum into": "VACUUM INTO '{tmp}/created.db'",
}


@pytest.mark.parametrize("sql", WRITING_SQL.values(), ids=WRITING_SQL.keys())
def test_sql_that_would_write_is_refused(
    run_llm: Run, embeddings_db: Path, tmp_path: Path, sql: str
) -> None:
    before = dump(embeddings_db)
    result = run_llm("embed-multi", "new", "-m", "hash", "--sql", sql.format(tmp=tmp_path))
    one_error(result, "SQL error: ", "--sql must only read the database")
    assert not (tmp_path / "created.db").exists()
    assert dump(embeddings_db) == before  # nothing changed, no collection "new"
    assert_self_contained(embeddings_db, tmp_path).close()


def test_a_second_statement_is_refused(run_llm: Run, embeddings_db: Path) -> None:
    before = dump(embeddings_db)
    result = run_llm(
        "embed-multi", "new", "-m", "hash", "--sql", "SELECT id, content FROM embeddings; "
        "DROP TABLE embeddings",
    )  # fmt: skip
    one_error(result, "SQL error: ", "one statement")
    assert dump(embeddings_db) == before


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    source = tmp_path / "source.db"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE notes (id TEXT, body TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?, ?)", [("a", "apples"), ("b", "pears")])
    conn.close()
    return source


ATTACHED_WRITES = (
    "DELETE FROM src.notes RETURNING id, body",
    "UPDATE src.notes SET body = 'x' RETURNING id, body",
    "DROP TABLE src.notes",
    "INSERT INTO src.notes VALUES ('c', 'plums') RETURNING id, body",
    "DETACH DATABASE src",
)


@pytest.mark.parametrize("sql", ATTACHED_WRITES)
def test_attached_database_is_read_only(
    run_llm: Run, embeddings_db: Path, source_db: Path, sql: str
) -> None:
    before, source_bytes = dump(embeddings_db), source_db.read_bytes()
    result = run_llm(
        "embed-multi", "new", "-m", "hash", "--attach", "src", str(source_db), "--sql", sql
    )
    one_error(result, "--sql must only read the database")
    assert source_db.read_bytes() == source_bytes
    assert dump(embeddings_db) == before


def test_reading_queries_still_run(
    run_llm: Run, embeddings_db: Path, source_db: Path, tmp_path: Path
) -> None:
    """Joins, functions, recursive CTEs over the embeddings and an attached file: all reads."""
    source_bytes = source_db.read_bytes()
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2) "
        "SELECT notes.id, upper(notes.body), (SELECT count(*) FROM embeddings) "
        "FROM src.notes JOIN n ON n.i = unicode(notes.id) - 96"
    )
    result = run_llm(
        "embed-multi", "fruit", "-m", "hash", "--store",
        "--attach", "src", str(source_db), "--sql", sql,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert source_db.read_bytes() == source_bytes
    conn = assert_self_contained(embeddings_db, tmp_path)
    rows = conn.execute(
        "SELECT e.id, e.content FROM embeddings e JOIN collections c ON c.id = e.collection_id "
        "WHERE c.name = 'fruit' ORDER BY e.id"
    ).fetchall()
    assert rows == [("a", "APPLES 3"), ("b", "PEARS 3")]


def test_attached_file_must_exist(run_llm: Run, embeddings_db: Path, tmp_path: Path) -> None:
    before = dump(embeddings_db)
    missing = tmp_path / "missing.db"
    result = run_llm(
        "embed-multi", "new", "-m", "hash", "--attach", "m", str(missing), "--sql", "SELECT 1, 2"
    )
    one_error(result, f"Cannot attach {missing}: no such file")
    assert not missing.exists()
    assert dump(embeddings_db) == before


def test_refused_sql_creates_no_embeddings_db(run_llm: Run, user_dir: Path) -> None:
    result = run_llm("embed-multi", "new", "-m", "hash", "--sql", "DELETE FROM x RETURNING 1")
    assert result.returncode == 1
    assert not (user_dir / "embeddings.db").exists()


# -- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def pg_notes(pg_url: str) -> Iterator[Any]:
    """The test schema with a table ``notes`` (3 rows) and a sequence; yields a function
    returning what the schema holds."""
    from llm_embeddings.postgres import PostgresEmbeddings

    engine = PostgresEmbeddings.open(pg_url).engine
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id text, body text)")
        conn.exec_driver_sql("CREATE SEQUENCE note_numbers")
        conn.exec_driver_sql("INSERT INTO notes VALUES ('a', 'apples'), ('b', 'pears'), ('c', 'x')")

    def state() -> Any:
        with engine.connect() as conn:
            return (
                conn.exec_driver_sql("SELECT id, body FROM notes ORDER BY id").all(),
                conn.exec_driver_sql("SELECT name FROM collections").all(),
                conn.exec_driver_sql("SELECT count(*) FROM embeddings").scalar(),
                conn.exec_driver_sql("SELECT last_value, is_called FROM note_numbers").all(),
            )

    yield state


PG_WRITES = {
    "delete returning": "DELETE FROM notes RETURNING id, body",
    "update returning": "UPDATE notes SET body = 'x' RETURNING id, body",
    "insert returning": "INSERT INTO notes VALUES ('d', 'e') RETURNING id, body",
    "drop": "DROP TABLE notes",
    "cte delete": "WITH gone AS (DELETE FROM notes RETURNING id, body) SELECT * FROM gone",
    "nextval": "SELECT id, nextval('note_numbers')::text FROM notes",
    "for update": "SELECT id, body FROM notes FOR UPDATE",
    "create as": "CREATE TABLE copied AS SELECT id, body FROM notes",
}


@pytest.mark.postgres
@pytest.mark.parametrize("sql", PG_WRITES.values(), ids=PG_WRITES.keys())
def test_sql_that_would_write_is_refused_on_postgres(
    run_llm: Run, pg_url: str, pg_notes: Any, sql: str
) -> None:
    before = pg_notes()
    result = run_llm("embed-multi", "new", "-m", "hash", "-d", pg_url, "--sql", sql)
    one_error(result, "SQL error: ", "--sql must only read the database", "read-only")
    assert pg_notes() == before  # the table, the sequence; no collection "new"


@pytest.mark.postgres
def test_postgres_refuses_a_second_statement_and_reads(
    run_llm: Run, pg_url: str, pg_notes: Any
) -> None:
    before = pg_notes()
    second = run_llm(
        "embed-multi", "new", "-m", "hash", "-d", pg_url,
        "--sql", "SELECT id, body FROM notes; DROP TABLE notes",
    )  # fmt: skip
    one_error(second, "SQL error: ")
    assert pg_notes() == before
    read = run_llm(
        "embed-multi", "notes", "-m", "hash", "-d", pg_url, "--sql", "SELECT id, body FROM notes"
    )
    assert read.returncode == 0, read.stderr
    after = pg_notes()
    assert after[0] == before[0] and after[1] == [("notes",)] and after[2] == 3


@pytest.mark.postgres
def test_attached_sqlite_is_read_only_with_postgres_embeddings(
    run_llm: Run, pg_url: str, pg_notes: Any, source_db: Path
) -> None:
    before, source_bytes = pg_notes(), source_db.read_bytes()
    result = run_llm(
        "embed-multi", "new", "-m", "hash", "-d", pg_url, "--attach", "src", str(source_db),
        "--sql", "DELETE FROM src.notes RETURNING id, body",
    )  # fmt: skip
    one_error(result, "--sql must only read the database")
    assert source_db.read_bytes() == source_bytes
    assert pg_notes() == before


# -- embeddings.db is self-contained when a command exits -------------------------------------


def test_every_command_leaves_the_file_self_contained(
    run_llm: Run, user_dir: Path, facts: Path, tmp_path: Path
) -> None:
    db = user_dir / "embeddings.db"

    def check(*args: str, code: int = 0) -> sqlite3.Connection:
        result = run_llm(*args)
        assert result.returncode == code, result.stderr
        return assert_self_contained(db, tmp_path)

    conn = check("embed", "notes", "one", "-m", "hash", "-c", "first note", "--store")
    assert conn.execute("SELECT id, content FROM embeddings").fetchall() == [("one", "first note")]
    conn.close()
    conn = check("embed-multi", "facts", str(facts), "-m", "hash", "--store")
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (4,)
    names = conn.execute("SELECT name FROM collections ORDER BY id").fetchall()
    assert names == [("notes",), ("facts",)]
    conn.close()
    check("similar", "facts", "-c", "cats", "-n", "1").close()
    check("collections", "list").close()
    check("embed-multi", "x", "-m", "hash", "--sql", "DROP TABLE embeddings", code=1).close()
    conn = check("collections", "delete", "notes")
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (3,)
    assert conn.execute("SELECT name FROM collections").fetchall() == [("facts",)]
    conn.close()
    # What the copy holds is what the file holds: nothing was left in a log.
    assert dump(tmp_path / "copy-of-embeddings.db") == dump(db)


def test_the_file_is_self_contained_with_sql_reading_it(
    run_llm: Run, embeddings_db: Path, tmp_path: Path
) -> None:
    """--sql reads embeddings.db on a second connection while the first writes: both are
    closed, the log checkpointed."""
    result = run_llm(
        "embed-multi",
        "copy",
        "-m",
        "hash",
        "--store",
        "--sql",
        "SELECT id, content FROM embeddings",
    )
    assert result.returncode == 0, result.stderr
    conn = assert_self_contained(embeddings_db, tmp_path)
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (6,)


# -- input: one error, nothing created ---------------------------------------------------------

BAD_INPUTS = {
    "malformed json": ("bad.json", b'[{"id": 1, "t": "a"}, {"id": 2', (), "invalid JSON"),
    "malformed json lines": (
        "bad.jsonl",
        b'{"id": 1, "t": "a"}\n{"id": 2, "t":\n',
        ("--format", "nl"),
        "invalid JSON on line 2",
    ),
    "not objects": ("list.json", b"[1, 2]", (), "each record must be a JSON object"),
    "binary": ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, (), "not text in UTF-8"),
    "csv extra field": ("rows.csv", b"id,text\na,b,c\n", (), "more fields than the header"),
    "latin-1 without --encoding": ("latin.csv", b"id,text\na,caf\xe9\n", (), "--encoding"),
    "no encoding fits": (
        "latin.csv",
        b"id,text\na,caf\xe9\n",
        ("--encoding", "ascii", "--encoding", "utf-8"),
        "not text in ascii, utf-8",
    ),
}


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_creates_nothing(
    run_llm: Run,
    llm_executable: str,
    user_dir: Path,
    tmp_path: Path,
    case: tuple[Any, ...],
    stdin: bool,
) -> None:
    name, data, options, message = case
    source = tmp_path / name
    source.write_bytes(data)
    if stdin:
        result = subprocess.run(
            [llm_executable, "embed-multi", "new", "-", "-m", "hash", *options],
            input=data, capture_output=True, env=_env(user_dir), timeout=600,
        )  # fmt: skip
        completed = subprocess.CompletedProcess(
            result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
        )
    else:
        completed = run_llm("embed-multi", "new", str(source), "-m", "hash", *options)
    one_error(completed, message)
    assert not (user_dir / "embeddings.db").exists()  # not even the file


def test_bad_input_leaves_an_existing_database_as_it_was(
    run_llm: Run, embeddings_db: Path, tmp_path: Path
) -> None:
    before = dump(embeddings_db)
    source = tmp_path / "bad.json"
    source.write_text('[{"id": "a", "t": "fine"}, {"id": "b", "t": ')
    for collection in ("facts", "new"):
        one_error(run_llm("embed-multi", collection, str(source), "-m", "hash"), "invalid JSON")
    assert dump(embeddings_db) == before


def _env(user_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_dir)
    return env


def stored(user_dir: Path, collection: str) -> list[tuple[str, Any]]:
    conn = sqlite3.connect(user_dir / "embeddings.db")
    try:
        return conn.execute(
            "SELECT e.id, e.content FROM embeddings e JOIN collections c "
            "ON c.id = e.collection_id WHERE c.name = ? ORDER BY e.id",
            [collection],
        ).fetchall()
    finally:
        conn.close()


def test_a_csv_field_over_128_kb_is_read(run_llm: Run, user_dir: Path, tmp_path: Path) -> None:
    long_text = "word " * 60_000  # 300 KB
    source = tmp_path / "long.csv"
    source.write_text(f"id,text\nlong,{long_text}\nshort,hi\n")
    result = run_llm("embed-multi", "long", str(source), "-m", "hash", "--store")
    assert result.returncode == 0, result.stderr
    assert stored(user_dir, "long") == [("long", long_text), ("short", "hi")]


@pytest.mark.parametrize(
    ("name", "data", "encodings", "expected"),
    [
        ("latin.csv", "id,text\na,café\n".encode("latin-1"), ["latin-1"], "café"),
        (
            "latin.tsv",
            "id\ttext\na\tcafé\n".encode("latin-1"),
            ["utf-8", "latin-1"],  # the first that reads the whole file
            "café",
        ),
        ("utf16.csv", "id,text\na,naïve\n".encode("utf-16"), ["utf-16"], "naïve"),
        ("utf16.json", json.dumps([{"id": "a", "t": "ß"}]).encode("utf-16"), ["utf-16"], "ß"),
        ("cp1252.jsonl", '{"id": "a", "t": "€5"}\n'.encode("cp1252"), ["cp1252"], "€5"),
    ],
)
def test_encoding_applies_to_input_files(
    run_llm: Run,
    user_dir: Path,
    tmp_path: Path,
    name: str,
    data: bytes,
    encodings: list[str],
    expected: str,
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    options = [item for encoding in encodings for item in ("--encoding", encoding)]
    if name.endswith(".jsonl"):
        options += ["--format", "nl"]
    result = run_llm("embed-multi", "enc", str(source), "-m", "hash", "--store", *options)
    assert result.returncode == 0, result.stderr
    assert stored(user_dir, "enc") == [("a", expected)]


# -- --files: regular files inside the directory only -------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """docs/ with a.txt, inner.txt (a link to a.txt), leak.txt (a link to a file outside),
    outside/ (a link to a directory outside) and pipe.txt (a FIFO nobody writes to)."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "keys.txt").write_text("the secret")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("alpha")
    (docs / "inner.txt").symlink_to("a.txt")
    (docs / "leak.txt").symlink_to(secret / "keys.txt")
    (docs / "outside").symlink_to(secret, target_is_directory=True)
    os.mkfifo(docs / "pipe.txt")
    return docs


def test_files_outside_the_directory_and_fifos_are_skipped(
    run_llm: Run, user_dir: Path, tree: Path
) -> None:
    for pattern in ("*.txt", "outside/*.txt", "../secret/*.txt"):
        result = run_llm(
            "embed-multi", "docs", "--files", str(tree), pattern, "-m", "hash", "--store"
        )
        assert result.returncode == 0, result.stderr  # within the timeout: no hang on the FIFO
    contents = dict(stored(user_dir, "docs"))
    assert contents == {"a.txt": "alpha", "inner.txt": "alpha"}
    assert "the secret" not in (user_dir / "embeddings.db").read_bytes().decode("latin-1")


def test_skipped_files_are_named_on_stderr(run_llm: Run, tree: Path) -> None:
    result = run_llm("embed-multi", "docs", "--files", str(tree), "*", "-m", "hash")
    assert result.returncode == 0, result.stderr
    notices = sorted(result.stderr.splitlines())
    assert notices == [
        f"Skipping {tree}/leak.txt: it leads outside {tree}",
        f"Skipping {tree}/outside: it leads outside {tree}",
        f"Skipping {tree}/pipe.txt: not a regular file",
    ]


def test_an_absolute_pattern_is_a_usage_error(run_llm: Run, tree: Path, user_dir: Path) -> None:
    result = run_llm("embed-multi", "docs", "--files", str(tree), "/etc/*", "-m", "hash")
    assert result.returncode == 2 and "Invalid pattern '/etc/*'" in result.stderr
    assert not (user_dir / "embeddings.db").exists()


# -- a failure while embedding leaves no empty new collection ----------------------------------


class Failing(llm.EmbeddingModel):
    model_id = "failing-embed"

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        raise llm.ModelError("the embedding service is down")


class FailingPlugin:
    @llm.hookimpl
    def register_embedding_models(self, register: Any) -> None:
        register(Failing())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_model_failure_leaves_no_new_collection(
    invoke_llm: Run,
    register_plugin: Any,
    request: pytest.FixtureRequest,
    user_dir: Path,
    facts: Path,
    backend: str,
) -> None:
    register_plugin(FailingPlugin(), "test-embeddings-safety-failing")
    database = (
        str(user_dir / "embeddings.db")
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    assert invoke_llm("embed", "kept", "x", "-m", "hash", "-c", "x", "-d", database).returncode == 0
    for args in (
        ("embed-multi", "new", str(facts)),
        ("embed", "new", "one", "-c", "hello"),
    ):
        result = invoke_llm(*args, "-m", "failing-embed", "-d", database)
        one_error(result, "the embedding service is down")
    listing = invoke_llm("collections", "list", "--json", "-d", database)
    assert [c["name"] for c in json.loads(listing.stdout)] == ["kept"]

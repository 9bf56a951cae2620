"""The embeddings commands on the real PostgreSQL, with pgvector and with the numpy fallback.

`llm embed`, `embed-multi`, `similar` and `collections list/delete/path` with `-d URL`, with
`LLM_EMBEDDINGS_DB` and with `embeddings-database-url.txt`; the same output as on SQLite.
The fallback is forced with LLM_EMBEDDINGS_PGVECTOR=off. The offline model is llm-embed-hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_embeddings.testing import postgres_url

pytestmark = pytest.mark.postgres

FACTS = (
    "id,text\n"
    "cats,cats purr and sleep all day\n"
    "dogs,dogs bark and fetch sticks\n"
    "tea,green tea is brewed with hot water\n"
    "coffee,black coffee is brewed strong\n"
    "kittens,young cats sleep even more\n"
)


@pytest.fixture(params=["pgvector", "fallback"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(mode: str) -> Iterator[str]:
    with postgres_url(pgvector=mode == "pgvector") as url:
        yield url


@pytest.fixture
def env(mode: str) -> dict[str, str]:
    return {"LLM_EMBEDDINGS_PGVECTOR": "on" if mode == "pgvector" else "off"}


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    path = tmp_path / "facts.csv"
    path.write_text(FACTS)
    return path


def _session(invoke_llm, database: str, env: dict[str, str], facts: Path) -> list[str]:
    """The same commands against ``database``; what each printed."""
    outputs = []
    steps = [
        ["embed-multi", "facts", str(facts), "-m", "hash", "--store", "-d", database],
        ["embed", "facts", "extra", "-c", "cats and tea", "--metadata", '{"k": 1}', "-d", database],
        ["embed", "facts", "extra", "-f", "hex", "-c", "cats and tea", "-d", database],
        ["similar", "facts", "-c", "do cats sleep", "-n", "3", "-d", database],
        ["similar", "facts", "cats", "-n", "2", "-d", database],
        ["similar", "facts", "-c", "brewed", "--prefix", "t", "-d", database],
        ["similar", "facts", "-c", "cats", "-p", "-n", "1", "-d", database],
        ["collections", "list", "--json", "-d", database],
        ["collections", "list", "-d", database],
    ]
    for step in steps:
        result = invoke_llm(*step, env=env)
        assert result.returncode == 0, (step, result.stderr)
        assert result.stderr == ""
        outputs.append(result.stdout)
    return outputs


def test_commands_match_sqlite(
    invoke_llm, url: str, env: dict[str, str], facts: Path, tmp_path: Path
) -> None:
    on_postgres = _session(invoke_llm, url, env, facts)
    on_sqlite = _session(invoke_llm, str(tmp_path / "embeddings.db"), env, facts)
    assert on_postgres[0] == "" and on_postgres[1] == ""
    assert len(bytes.fromhex(on_postgres[2].strip())) == 384 * 4
    similar = [json.loads(line) for line in on_postgres[3].splitlines()]
    assert {row["id"] for row in similar[:2]} == {"cats", "kittens"}
    assert similar[0]["content"] == "young cats sleep even more"  # --store kept the text
    assert [json.loads(line)["id"] for line in on_postgres[5].splitlines()] == ["tea"]
    assert json.loads(on_postgres[7]) == [
        {"name": "facts", "model": "hash-384", "num_embeddings": 6}
    ]
    for left, right in zip(on_postgres, on_sqlite, strict=True):
        if left.startswith("{"):  # scores: equal up to float64 rounding
            rows_left = [json.loads(line) for line in left.splitlines()]
            rows_right = [json.loads(line) for line in right.splitlines()]
            assert [{**r, "score": None} for r in rows_left] == [
                {**r, "score": None} for r in rows_right
            ]
            assert [r["score"] for r in rows_left] == pytest.approx(
                [r["score"] for r in rows_right], rel=1e-12
            )
        elif "(" in left and left.split("(", 1)[0] == right.split("(", 1)[0]:
            assert float(left.split("(", 1)[1].split(")")[0]) == pytest.approx(
                float(right.split("(", 1)[1].split(")")[0]), rel=1e-12
            )
        else:
            assert left == right


def test_delete_and_unknown_collection(
    invoke_llm, url: str, env: dict[str, str], facts: Path
) -> None:
    assert (
        invoke_llm("embed-multi", "facts", str(facts), "-m", "hash", "-d", url, env=env).returncode
        == 0
    )
    missing = invoke_llm("similar", "nothing", "-c", "x", "-d", url, env=env)
    assert missing.returncode == 1 and missing.stderr == "Error: Collection does not exist\n"
    unknown_id = invoke_llm("similar", "facts", "no-such-id", "-d", url, env=env)
    assert unknown_id.stderr == "Error: ID not found in collection\n"
    deleted = invoke_llm("collections", "delete", "facts", "-d", url, env=env)
    assert deleted.returncode == 0, deleted.stderr
    again = invoke_llm("collections", "delete", "facts", "-d", url, env=env)
    assert again.returncode == 1 and again.stderr == "Error: Collection does not exist\n"
    listing = invoke_llm("collections", "list", "--json", "-d", url, env=env)
    assert json.loads(listing.stdout) == []


def test_url_file_and_environment_select_postgres(
    invoke_llm, user_dir: Path, url: str, env: dict[str, str], facts: Path
) -> None:
    (user_dir / "embeddings-database-url.txt").write_text(url + "\n")
    result = invoke_llm("embed-multi", "facts", str(facts), "-m", "hash", env=env)
    assert result.returncode == 0, result.stderr
    assert not (user_dir / "embeddings.db").exists()
    path = invoke_llm("collections", "path", env=env)
    assert path.stdout.strip() == url
    listing = invoke_llm("collections", "list", "--json", env=env)
    assert json.loads(listing.stdout)[0]["num_embeddings"] == 5
    (user_dir / "embeddings-database-url.txt").unlink()
    # LLM_EMBEDDINGS_DB (the -d option's variable) takes a URL too.
    listing = invoke_llm("collections", "list", "--json", env={**env, "LLM_EMBEDDINGS_DB": url})
    assert json.loads(listing.stdout)[0]["name"] == "facts"


def test_embed_multi_sql_reads_sqlite_while_storing_in_postgres(
    invoke_llm, url: str, env: dict[str, str], tmp_path: Path
) -> None:
    import sqlite3

    source = tmp_path / "source.db"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE notes (id TEXT, body TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?, ?)", [("a", "apples"), ("b", "bananas")])
    result = invoke_llm(
        "embed-multi", "notes", "--sql", "SELECT id, body FROM src.notes",
        "--attach", "src", str(source), "-m", "hash", "--store", "-d", url, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = invoke_llm("similar", "notes", "-c", "apples", "-n", "1", "-d", url, env=env)
    assert json.loads(found.stdout)["id"] == "a"


def test_embed_multi_sql_runs_on_postgres_without_attach(
    invoke_llm, url: str, env: dict[str, str]
) -> None:
    """With a PostgreSQL target and no --attach, --sql is PostgreSQL's SQL over its tables,
    streamed (more rows than one fetch batch); the query cannot write; a bad one is one line."""
    from sqlalchemy import text

    from llm_embeddings.postgres import PostgresEmbeddings

    with PostgresEmbeddings.open(url).engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id integer, title text, body text)"))
        conn.execute(text("CREATE SEQUENCE note_numbers"))
        conn.execute(
            text(
                "INSERT INTO notes SELECT n, 'note ' || n, repeat('word ', n % 7)"
                " FROM generate_series(1, 2500) n"
            )
        )
    result = invoke_llm(
        "embed-multi", "notes", "-m", "hash", "--store", "-d", url,
        "--sql", "SELECT id, title, body FROM notes WHERE title LIKE 'note %' AND"
        " id::text ~ '^[0-9]+$' AND title <> ':title' ORDER BY id",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    listing = invoke_llm("collections", "list", "--json", "-d", url, env=env)
    assert json.loads(listing.stdout)[0]["num_embeddings"] == 2500
    with PostgresEmbeddings.open(url).engine.connect() as conn:
        stored = conn.execute(text("SELECT content FROM embeddings WHERE id = '12'")).scalar_one()
    assert stored == "note 12 " + "word " * 5  # the columns after the id, joined by a space

    for bad in ("SELEC id FROM notes", "SELECT id, title FROM no_such_table"):
        failed = invoke_llm("embed-multi", "other", "-m", "hash", "--sql", bad, "-d", url, env=env)
        assert failed.returncode == 1, bad
        assert failed.stderr.startswith("Error: SQL error: ") and failed.stderr.count("\n") == 1
        assert "Traceback" not in failed.stderr
    for writing_sql in (
        "WITH gone AS (DELETE FROM notes RETURNING id, title) SELECT * FROM gone",
        "SELECT id, nextval('note_numbers')::text FROM notes",
    ):
        writing = invoke_llm(
            "embed-multi", "other", "-m", "hash", "-d", url, "--sql", writing_sql, env=env
        )
        assert writing.returncode == 1 and writing.stderr.startswith("Error: SQL error: ")
    assert "read-only transaction" in writing.stderr
    with PostgresEmbeddings.open(url).engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar_one() == 2500


def test_unreachable_server_is_one_error_line(invoke_llm) -> None:
    for command in (
        ["embed", "x", "1", "-c", "hi", "-m", "hash"],
        ["similar", "x", "-c", "hi"],
        ["collections", "list"],
        ["collections", "delete", "x"],
    ):
        result = invoke_llm(*command, "-d", "postgresql://someone:secret@127.0.0.1:1/nothing")
        assert result.returncode == 1, command
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, command
        assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_the_real_executable(run_llm, url: str, env: dict[str, str], facts: Path) -> None:
    result = run_llm(
        "embed-multi", "facts", str(facts), "-m", "hash", "--store", "-d", url, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    found = run_llm("similar", "facts", "-c", "do cats sleep", "-n", "1", "-d", url, env=env)
    assert json.loads(found.stdout)["id"] == "kittens", found.stderr


def test_concurrent_processes_all_succeed(
    llm_executable: str, user_dir: Path, url: str, env: dict[str, str], tmp_path: Path
) -> None:
    """Four processes creating the same new collection in a new schema at once (forked
    from one that has imported the CLI, so they race from the same instant): one
    migration, one collection row, every row written."""
    import os
    import subprocess

    from forked import run_forked

    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    child_env.update({"LLM_USER_PATH": str(user_dir), **env})
    commands = []
    for worker in range(4):
        source = tmp_path / f"rows-{worker}.csv"
        source.write_text(
            "id,text\n" + "".join(f"w{worker}-{i},row {i} of worker {worker}\n" for i in range(50))
        )
        commands.append(["embed-multi", "shared", str(source), "-m", "hash", "-d", url])
    assert run_forked(commands, child_env, tmp_path / "stderr") == []
    listing = subprocess.run(
        [llm_executable, "collections", "list", "--json", "-d", url],
        env=child_env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(listing.stdout) == [
        {"name": "shared", "model": "hash-384", "num_embeddings": 200}
    ]

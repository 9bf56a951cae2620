"""Start-up is a feature: ``llm --help`` and ``--version`` import nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["sqlalchemy", "alembic", "numpy", "openai", "httpx2", "puremagic", "asyncio", "yaml"]

PROBE = """
import json, sys
from llm_cli.app import cli
try:
    cli.main(ARGS, prog_name="llm", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _imported_by(args: list[str], user_path) -> set[str]:
    """Every module (full dotted names) a command imports, in a fresh process."""
    probe = PROBE.replace("ARGS", repr(args)).replace(
        '{m.split(".")[0] for m in sys.modules}', "set(sys.modules)"
    )
    assert "set(sys.modules)" in probe
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(user_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def _matching(modules: set[str], names: set[str]) -> set[str]:
    return {m for m in modules if m in names or any(m.startswith(n + ".") for n in names)}


PLUGINS = {"llm_echo", "llm_markov", "llm_openai_provider"}
#: `llm serve`'s web stack (llm-openai-server): imported only when the server runs.
WEB = {"starlette", "uvicorn", "h11", "llm_openai_server"}
#: What no command below may import before it needs it (dotted prefixes).
NEVER = {*HEAVY, *WEB, "httpx", "numpy", "sqlite_utils"}
#: The import budget of each command: what it may import beyond the lightest start-up, once
#: the plugin cache is warm. Anything in NEVER, PLUGINS, "pydantic", "importlib.metadata",
#: "llm_storage" or "llm_cli.commands" that is not listed is a regression.
BUDGET = {
    ("--version",): set(),
    ("--help",): set(),
    ("prompt", "--help"): {"llm_cli.commands"},
    ("logs", "path"): {"llm_cli.commands", "llm_storage"},
    ("keys", "path"): {"llm_cli.commands"},
    # pydantic's own plugin loader scans the installed distributions (importlib.metadata)
    # when the first model class is built: about 15 ms, paid rather than replacing it.
    ("-m", "echo", "hi", "-n"): {
        "llm_cli.commands",
        "llm_echo",
        "pydantic",
        "asyncio",
        "importlib.metadata",
    },
    ("models",): {"llm_cli.commands", *PLUGINS, "pydantic", "asyncio", "importlib.metadata"},
    # Only the command's own module: no starlette, uvicorn or h11 before the server runs.
    ("serve", "--help"): {"llm_openai_server"},
}
WATCHED = {*NEVER, *PLUGINS, "pydantic", "importlib.metadata", "llm_storage", "llm_cli.commands"}


@pytest.mark.parametrize("args", sorted(BUDGET), ids=" ".join)
def test_each_command_imports_only_its_budget(args, tmp_path) -> None:
    _imported_by(["--version"], tmp_path)  # builds the plugin cache
    imported = _imported_by(list(args), tmp_path)
    assert _matching(imported, WATCHED - BUDGET[args]) == set()


def test_the_budget_holds_without_a_warm_cache_for_help(tmp_path) -> None:
    # The first run of all imports every plugin to describe it, but never SQLAlchemy.
    imported = _imported_by(["--help"], tmp_path)
    assert _matching(imported, set(HEAVY)) == set()


def test_logging_to_an_existing_sqlite_database_skips_sqlalchemy(run_llm, user_dir) -> None:
    """Logging is a few INSERTs: once logs.db exists at the current schema, a prompt pays
    for neither SQLAlchemy nor Alembic (about a third of a second)."""
    assert run_llm("-m", "echo", "creates the database").returncode == 0
    probe = PROBE.replace("ARGS", repr(["-m", "echo", "logged cheaply"]))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(user_dir), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not imported & {"sqlalchemy", "alembic"}
    prompts = [r["prompt"] for r in json.loads(run_llm("logs", "--json").stdout)]
    assert prompts == ["creates the database", "logged cheaply"]


def test_the_first_logged_prompt_creates_the_database_without_sqlalchemy(run_llm, user_dir) -> None:
    """The first prompt creates logs.db from the schema snapshot (``fresh_sqlite``), not
    through the migrations: neither SQLAlchemy nor Alembic (half a second, 33 MB)."""
    assert not (user_dir / "logs.db").exists()
    imported = _imported_by(["-m", "echo", "the very first"], user_dir)
    assert _matching(imported, {"sqlalchemy", "alembic"}) == set()
    assert "llm_storage.fresh_sqlite" in imported
    prompts = [r["prompt"] for r in json.loads(run_llm("logs", "--json").stdout)]
    assert prompts == ["the very first"]


@pytest.mark.postgres
def test_logging_to_an_up_to_date_postgres_database_skips_sqlalchemy(
    run_llm, user_dir, pg_url
) -> None:
    """On PostgreSQL too a logged prompt is a few INSERTs, sent through psycopg (imported
    only because a PostgreSQL URL is used), without SQLAlchemy or Alembic."""
    env = {"LLM_USER_PATH": str(user_dir), "PATH": "", "LLM_DATABASE_URL": pg_url}
    assert run_llm("-m", "echo", "creates the schema", env=env).returncode == 0, pg_url
    probe = PROBE.replace("ARGS", repr(["-m", "echo", "logged cheaply"]))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not imported & {"sqlalchemy", "alembic"}
    assert "psycopg" in imported
    prompts = [r["prompt"] for r in json.loads(run_llm("logs", "--json", env=env).stdout)]
    assert prompts == ["creates the schema", "logged cheaply"]


def test_psycopg_is_imported_only_for_a_postgresql_url(user_dir) -> None:
    """A prompt logged to SQLite never imports the PostgreSQL driver."""
    imported = _imported_by(["-m", "echo", "to sqlite"], user_dir)
    assert _matching(imported, {"psycopg", "psycopg_binary", "psycopg_c"}) == set()


READ_ONLY = ["sqlalchemy", "alembic", "pydantic"]


@pytest.mark.parametrize(
    "args",
    [
        ["logs"],
        ["logs", "list", "-n", "0", "--json"],
        ["logs", "-q", "cheaply"],
        ["logs", "-c", "--short"],
        ["logs", "-r"],
        ["logs", "--cid", "nope", "-u"],
    ],
    ids=" ".join,
)
def test_reading_an_up_to_date_sqlite_log_imports_no_sqlalchemy_or_pydantic(
    args, run_llm, user_dir
) -> None:
    """``llm logs`` on the embedded database runs its queries with the standard library's
    sqlite3: what it costs is the SQL, not SQLAlchemy's (or pydantic's) import."""
    assert run_llm("-m", "echo", "read cheaply").returncode == 0
    imported = _imported_by(args, user_dir)
    allowed = {"yaml"} if "--short" in args else set()  # the YAML it prints
    assert _matching(imported, {*READ_ONLY, *NEVER} - allowed) == set()


def test_reading_an_old_database_still_migrates_it(run_llm, user_dir) -> None:
    """A database that needs migrating goes the SQLAlchemy way (which migrates it), and
    is read the same."""
    import sqlite3

    assert run_llm("-m", "echo", "before").returncode == 0
    conn = sqlite3.connect(user_dir / "logs.db")
    conn.execute("DELETE FROM alembic_version")  # as if from before Alembic
    conn.commit()
    conn.close()
    result = run_llm("logs", "--json")
    assert result.returncode == 0, result.stderr
    assert [r["prompt"] for r in json.loads(result.stdout)] == ["before"]


def _schema_id(user_dir) -> str:
    import sqlite3

    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        found: str = conn.execute("SELECT id FROM schemas").fetchone()[0]
    finally:
        conn.close()
    return found


@pytest.mark.parametrize(
    "reading",
    ["-c", "--cid", "-f", "--sf", "--schema-id", "fragments", "fragments-show", "schemas"],
)
def test_prompts_and_commands_that_read_the_log_import_no_sqlalchemy(
    reading, run_llm, user_dir
) -> None:
    """Storage chooses how to read (``open_for_reading``) as it chooses how to write: on an
    up-to-date SQLite file, continuing a conversation, using a stored fragment or a stored
    schema's ID, and listing fragments or schemas all read with sqlite3 alone, and each
    prompt is logged by the same sqlite3 writer as a plain one."""
    first = run_llm("-m", "echo", "--schema", "prompt, system", "first")
    assert first.returncode == 0, first.stderr
    assert run_llm("fragments", "set", "notes", "-", input="stored notes").returncode == 0
    cid = json.loads(run_llm("logs", "--json").stdout)[0]["conversation_id"]
    args = {
        "-c": ["-m", "echo", "-c", "again"],
        "--cid": ["-m", "echo", "--cid", cid, "again"],
        "-f": ["-m", "echo", "-f", "notes", "again"],
        "--sf": ["-m", "echo", "--sf", "notes", "again"],
        "--schema-id": ["-m", "echo", "--schema", _schema_id(user_dir), "again"],
        "fragments": ["fragments", "list"],
        "fragments-show": ["fragments", "show", "notes"],
        "schemas": ["schemas", "list"],
    }[reading]
    imported = _imported_by(args, user_dir)
    assert _matching(imported, {"sqlalchemy", "alembic"}) == set()
    logged = json.loads(run_llm("logs", "--json", "-n", "0").stdout)
    if reading.startswith("-"):
        assert [r["prompt"] for r in logged] == ["first", "again"]
        if reading in ("-c", "--cid"):
            assert logged[1]["conversation_id"] == cid
    else:
        assert [r["prompt"] for r in logged] == ["first"]

"""The log store on SQLite and on PostgreSQL: in process, and with real concurrent processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_database_url_from_environment_option_and_settings_file(
    invoke_llm, user_dir: Path, database: str
) -> None:
    env = {"LLM_DATABASE_URL": database}
    assert invoke_llm("-m", "echo", "via the environment", env=env).returncode == 0
    assert invoke_llm("-m", "echo", "via -d", "-d", database).returncode == 0
    (user_dir / "database-url.txt").write_text(database + "\n")
    assert invoke_llm("-m", "echo", "via the settings file").returncode == 0
    logged = json.loads(invoke_llm("logs", "-n", "0", "--json").stdout)
    assert [r["prompt"] for r in logged] == [
        "via the environment",
        "via -d",
        "via the settings file",
    ]
    assert not (user_dir / "logs.db").exists()
    searched = json.loads(invoke_llm("logs", "-q", "settings", "--json").stdout)
    assert [r["prompt"] for r in searched] == ["via the settings file"]
    status = invoke_llm("logs", "status").stdout
    assert "Number of legacy responses:\t3" in status


def test_ten_processes_creating_the_database_at_once_all_succeed(
    llm_executable: str, user_dir: Path, database: str
) -> None:
    """A new database is created by whichever process comes first, the others wait for it;
    every process's row is there. Ten already outnumber the cores of a CI machine five to one,
    so they all race for the empty database. (Many writers on an existing database:
    test_load.py.)"""
    env = {**os.environ, "LLM_USER_PATH": str(user_dir), "LLM_DATABASE_URL": database}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    expected = [f"writer {n}" for n in range(10)]
    processes = [
        subprocess.Popen(
            [llm_executable, "-m", "echo", f"writer {n}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        for n in range(10)
    ]
    failures = []
    for process in processes:
        _, stderr = process.communicate(timeout=600)  # a hang, not a slow machine
        if process.returncode:
            failures.append(stderr.decode())
    assert failures == []
    listed = subprocess.run(
        [llm_executable, "logs", "-n", "0", "--json"], capture_output=True, text=True, env=env
    )
    prompts = sorted(r["prompt"] for r in json.loads(listed.stdout))
    assert prompts == sorted(expected)


def test_backup_while_another_process_writes(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "LLM_USER_PATH": str(user_dir)}
    subprocess.run(
        [llm_executable, "-m", "echo", "before"], env=env, check=True, capture_output=True
    )
    writer = subprocess.Popen(
        [llm_executable, "-m", "markov", "a b c d", "-o", "length", "30", "-o", "delay", "0.02"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    backup = tmp_path / "backup.db"
    result = subprocess.run(
        [llm_executable, "logs", "backup", str(backup)], env=env, capture_output=True, text=True
    )
    writer.communicate(timeout=60)
    assert result.returncode == 0, result.stderr
    assert writer.returncode == 0
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        prompts = [row[0] for row in conn.execute("select prompt from responses")]
    finally:
        conn.close()
    assert "before" in prompts


def test_reading_a_current_database_does_not_import_alembic(run_llm, user_dir: Path) -> None:
    assert run_llm("-m", "echo", "create the schema").returncode == 0
    probe = (
        "import sys\n"
        "from llm_cli.app import cli\n"
        "try:\n"
        "    cli.main(['logs', '-n', '1'], prog_name='llm', standalone_mode=False)\n"
        "finally:\n"
        "    print('alembic' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "LLM_USER_PATH": str(user_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert "create the schema" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "False"


def test_database_written_by_the_original_tool_is_adopted(invoke_llm, user_dir: Path) -> None:
    """A logs.db in the 0.26 layout (made here from the documented schema) keeps its rows."""
    db = user_dir / "logs.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT);
        INSERT INTO _llm_migrations VALUES ('m001_initial', '2023-07-01 00:00:00');
        CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
        CREATE TABLE [responses] ([id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT,
          [system] TEXT, [prompt_json] TEXT, [options_json] TEXT, [response] TEXT,
          [response_json] TEXT, [conversation_id] TEXT REFERENCES [conversations]([id]),
          [duration_ms] INTEGER, [datetime_utc] TEXT);
        INSERT INTO conversations VALUES ('01h00000000000000000000000', 'old chat', 'gpt-4');
        INSERT INTO responses VALUES ('01h00000000000000000000001', 'gpt-4', 'an old prompt',
          NULL, NULL, '{}', 'an old answer', NULL, '01h00000000000000000000000', 1200,
          '2023-07-01T00:00:00');
        """
    )
    conn.commit()
    conn.close()
    assert invoke_llm("-m", "echo", "a new prompt").returncode == 0
    logged = json.loads(invoke_llm("logs", "-n", "0", "--json").stdout)
    assert [r["prompt"] for r in logged] == ["an old prompt", "a new prompt"]
    assert logged[0]["response"] == "an old answer"
    assert (
        json.loads(invoke_llm("logs", "-q", "old", "--json").stdout)[0]["prompt"] == "an old prompt"
    )
    conn = sqlite3.connect(db)
    try:
        ledger = {row[0] for row in conn.execute("select name from _llm_migrations")}
    finally:
        conn.close()
    assert "m001_initial" in ledger


def test_status_and_backup_name_the_backend(invoke_llm, database: str, tmp_path: Path) -> None:
    env = {"LLM_DATABASE_URL": database}
    invoke_llm("-m", "echo", "hello", env=env)
    status = invoke_llm("logs", "status", env=env).stdout
    backend = "postgresql" if "://" in database else "sqlite"
    if backend == "sqlite":
        assert f"Found log database at {database}\n" in status
    else:  # the URL, its password (if any) hidden; no file size
        assert "Found log database at postgresql" in status
        assert "Database file size" not in status
    assert "Number of threads logged:\t1\nNumber of turns logged:\t\t1\n" in status
    assert "Number of legacy responses:\t1" in status
    backup = invoke_llm("logs", "backup", str(tmp_path / "copy.db"), env=env)
    if backend == "sqlite":
        assert backup.returncode == 0, backup.stderr
    else:
        assert backup.returncode == 1
        assert "pg_dump" in backup.stderr and len(backup.stderr.strip().splitlines()) == 1

"""What plugins written for the original import from ``llm`` still works: ``llm.cli``
(with click's CliRunner, as their test suites use it) and ``llm.migrations``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner


def test_cli_runner_against_llm_cli(user_path: Path) -> None:
    from llm.cli import cli, logs_db_path, logs_on

    result = CliRunner().invoke(cli, ["-m", "echo", "from a plugin test"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["prompt"] == "from a plugin test"
    assert logs_db_path() == user_path / "logs.db"
    assert logs_on() is True
    CliRunner().invoke(cli, ["logs", "off"])
    assert logs_on() is False
    conn = sqlite3.connect(logs_db_path())
    try:
        assert conn.execute("select prompt from responses").fetchall() == [("from a plugin test",)]
    finally:
        conn.close()


def test_migrate_a_sqlite_utils_style_database(tmp_path: Path) -> None:
    """sqlite-utils' Database exposes its sqlite3 connection as ``.conn``."""
    import llm
    from llm.migrations import migrate

    class Database:
        def __init__(self, path: Path) -> None:
            self.conn = sqlite3.connect(path)

    db = Database(tmp_path / "plugin.db")
    migrate(db)
    tables = {row[0] for row in db.conn.execute("select name from sqlite_master")}
    assert {"responses", "conversations", "fragments", "tool_calls"} <= tables
    response = llm.get_model("echo").prompt("logged by a plugin")
    response.log_to_db(db)
    assert db.conn.execute("select prompt from responses").fetchall() == [("logged by a plugin",)]

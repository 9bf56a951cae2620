"""``open_for_logging``: the sqlite3 writer for an up-to-date SQLite file, LogStore otherwise."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage_fakes import make_response

from llm_storage import LogStore, open_for_logging, open_store
from llm_storage.sqlite_writer import SqliteLogWriter


def test_new_file_is_created_for_the_light_writer(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    first = open_for_logging(path)
    assert isinstance(first, SqliteLogWriter)  # created from the schema snapshot
    first.close()
    second = open_for_logging(str(path))
    assert isinstance(second, SqliteLogWriter)
    response = make_response("through sqlite3")
    second.log_response(response)
    second.close()
    with open_store(path) as store:
        assert store.migrate() is None  # already current
        assert store.get_response(response.id)["prompt"] == "through sqlite3"


def test_database_urls_and_old_files_get_a_full_store(tmp_path: Path) -> None:
    url_target = open_for_logging(f"sqlite:///{tmp_path / 'by-url.db'}")
    assert isinstance(url_target, LogStore)
    url_target.close()
    original = tmp_path / "original.db"
    conn = sqlite3.connect(original)
    conn.executescript(
        "CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT);"
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, name TEXT, model TEXT);"
    )
    conn.close()
    adopted = open_for_logging(original)
    assert isinstance(adopted, LogStore)  # adoption runs the migration
    adopted.close()


def test_logging_to_a_current_file_never_imports_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    open_store(path).close()
    tests_dir = Path(__file__).parent
    probe = f"""
import sys
sys.path.insert(0, {str(tests_dir)!r})
from storage_fakes import make_response
import llm_storage
writer = llm_storage.open_for_logging({str(path)!r})
writer.log_response(make_response("light"))
writer.close()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.replace("'", '"')) == []

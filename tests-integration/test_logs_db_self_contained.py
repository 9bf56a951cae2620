"""logs.db is self-contained whenever an ``llm`` command has exited: copying the main file
alone (without ``logs.db-wal`` and ``logs.db-shm``) gives every row that command wrote.

SQLite copies its write-ahead log into the file when the last connection closes. The case
that matters is the one where ``llm`` is *not* the last: another process keeps the database
open (a chat in another terminal, Datasette). Each case runs the real ``llm`` executable
twice over, with and without such a holder, then reads a copy of ``logs.db`` made alone.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@dataclass
class Case:
    args: tuple[str, ...]
    #: SQL whose single value the command changes, and the value expected after it.
    query: str
    expect: object
    input: str = ""
    #: Start from a logs.db in the layout llm 0.26 wrote: the command migrates it through
    #: SQLAlchemy (``LogStore``) rather than writing with the sqlite3 writer.
    original: bool = False


FRAGMENT = "{user}/fragment.txt"

CASES: dict[str, Case] = {
    "prompt": Case(("-m", "echo", "new prompt"), "select count(*) from responses", 2),
    "prompt on a database the original wrote": Case(
        ("-m", "echo", "new prompt"), "select count(*) from responses", 2, original=True
    ),
    "prompt with a fragment": Case(
        ("-m", "echo", "-f", FRAGMENT, "with a fragment"),
        "select count(*) from fragments",
        1,
    ),
    "prompt continuing": Case(
        ("-m", "echo", "-c", "continued"),
        "select count(*) from responses where prompt = 'continued'",
        1,
    ),
    "prompt with a schema": Case(
        ("-m", "echo", "--schema", '{"type": "object"}', "{}"),
        "select count(*) from schemas",
        1,
    ),
    "prompt with a tool": Case(
        ("-m", "echo", "-T", "llm_version", "tool"), "select count(*) from tools", 1
    ),
    "chat": Case(
        ("chat", "-m", "echo"),
        "select count(*) from responses where prompt in ('one', 'two')",
        2,
        input="one\ntwo\nquit\n",
    ),
    "fragments set": Case(
        ("fragments", "set", "notes", FRAGMENT),
        "select count(*) from fragment_aliases where alias = 'notes'",
        1,
    ),
    "conversations rename": Case(
        ("conversations", "rename", "{conversation}", "renamed"),
        "select count(*) from conversations where name = 'renamed'",
        1,
    ),
    "logs rm": Case(("logs", "rm", "{response}", "--yes"), "select count(*) from responses", 0),
    "logs rm --vacuum": Case(
        ("logs", "rm", "--all", "--yes", "--vacuum"), "select count(*) from responses", 0
    ),
}


@pytest.fixture(params=["alone", "held open by another process"])
def holder(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], None]]:
    """Opens a connection to logs.db, as a process that keeps the database open would (not
    inside a transaction: it holds no snapshot back, it only stops the last-close copy)."""
    held: list[sqlite3.Connection] = []

    def hold(path: Path) -> None:
        if request.param != "alone":
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("select count(*) from responses").fetchone()
            held.append(conn)

    yield hold
    for conn in held:
        conn.close()


def _original_database(path: Path) -> None:
    """A logs.db as llm 0.26 left it (its first tables), in WAL mode as it kept it."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("pragma journal_mode = wal")
        conn.executescript(
            """
            CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT);
            INSERT INTO _llm_migrations VALUES ('m001_initial', '2023-07-01 00:00:00');
            CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
            CREATE TABLE [responses] ([id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT,
              [system] TEXT, [prompt_json] TEXT, [options_json] TEXT, [response] TEXT,
              [response_json] TEXT, [conversation_id] TEXT REFERENCES [conversations]([id]),
              [duration_ms] INTEGER, [datetime_utc] TEXT);
            INSERT INTO conversations VALUES ('01h00000000000000000000000', 'old', 'echo');
            INSERT INTO responses VALUES ('01h00000000000000000000001', 'echo', 'old prompt',
              NULL, NULL, '{}', 'old answer', NULL, '01h00000000000000000000000', 1200,
              '2023-07-01T00:00:00');
            """
        )


def _copy_alone(path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy" / "logs.db"
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    return copy


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_logs_db_alone_holds_what_the_command_wrote(
    case: Case, run_llm: Run, user_dir: Path, tmp_path: Path, holder: Callable[[Path], None]
) -> None:
    (user_dir / "fragment.txt").write_text("fragment text\n")
    logs_db = user_dir / "logs.db"
    if case.original:
        _original_database(logs_db)
    else:
        seeded = run_llm("-m", "echo", "seed prompt")
        assert seeded.returncode == 0, seeded.stderr
    with contextlib.closing(sqlite3.connect(logs_db)) as seed:
        response, conversation = seed.execute(
            "select id, conversation_id from responses"
        ).fetchone()
    holder(logs_db)
    args = [
        arg.replace("{user}", str(user_dir))
        .replace("{response}", response)
        .replace("{conversation}", conversation)
        for arg in case.args
    ]
    result = run_llm(*args, input=case.input)
    assert result.returncode == 0, result.stderr

    copy = _copy_alone(logs_db, tmp_path)
    db = sqlite3.connect(copy)
    try:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        assert db.execute(case.query).fetchone()[0] == case.expect
    finally:
        db.close()


def test_a_log_created_by_the_command_is_self_contained(
    run_llm: Run, user_dir: Path, tmp_path: Path
) -> None:
    """The first prompt creates logs.db: the new file alone has its schema and the row."""
    result = run_llm("-m", "echo", "first ever")
    assert result.returncode == 0, result.stderr
    copy = _copy_alone(user_dir / "logs.db", tmp_path)
    with contextlib.closing(sqlite3.connect(copy)) as db:
        assert db.execute("select prompt from responses").fetchall() == [("first ever",)]

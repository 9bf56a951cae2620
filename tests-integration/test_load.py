"""Load and faults: many ``llm`` processes on one database, and a writer killed mid-write.

Real processes on one SQLite file and on one PostgreSQL schema:

* 100 writers at once - half of them streaming (markov, word by word), half echo - with
  ``llm logs`` readers among them: every process succeeds, no "database is locked", every
  row is there, and the SQLite file passes ``PRAGMA integrity_check``;
* a writer killed with SIGKILL in the middle of its transaction (after its rows were
  inserted, before the commit) leaves the database consistent, its rows absent and nothing
  locked.

The hundred are forked from one Python process that has imported the CLI, its plugins and
the database drivers (``forked.run_forked``), each child then running the console script's
entry point with its own arguments, file descriptors and database connection: what is
exercised is connecting, locking and writing, all at once (a fork starts in a millisecond,
where a new interpreter spends a quarter of a second importing, which on two cores spread
the writers out and cost a minute and a half of CPU per run). Concurrent start-up of the
real executable, the plugin cache included, is tested by ``test_storage_backends.py``, ten
executables creating one database at once. The figures (processes, rows, failures,
seconds) are printed (``pytest -s``).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from forked import run_forked

WRITERS = 100
READERS = 10


def _env(user_dir: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LLM_USER_PATH"] = str(user_dir)
    env["LLM_DATABASE_URL"] = database
    return env


def _logged_prompts(llm: str, env: dict[str, str]) -> list[str]:
    listed = subprocess.run(
        [llm, "logs", "-n", "0", "--json"], capture_output=True, text=True, env=env, timeout=600
    )
    assert listed.returncode == 0, listed.stderr
    return [row["prompt"] for row in json.loads(listed.stdout)]


def _integrity(database: str) -> str:
    if "://" in database:
        return "ok"  # PostgreSQL keeps its own consistency; rows are checked instead
    conn = sqlite3.connect(database)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_a_hundred_writers_and_readers_at_once(
    llm_executable: str, user_dir: Path, database: str
) -> None:
    env = _env(user_dir, database)
    seeded = subprocess.run(
        [llm_executable, "-m", "echo", "seed"], env=env, capture_output=True, timeout=600
    )
    assert seeded.returncode == 0, seeded.stderr
    commands: list[list[str]] = []
    for n in range(WRITERS):
        if n % 2:
            commands.append(["-m", "echo", f"writer {n}"])
        else:
            streaming = ["-o", "length", "5", "-o", "delay", "0.01"]
            commands.append(["-m", "markov", f"writer {n}", *streaming])
        if n % (WRITERS // READERS) == 0:
            commands.append(["logs", "-n", "3", "--json"])
    started = time.monotonic()
    failures = run_forked(commands, env, user_dir / "stderr")
    seconds = time.monotonic() - started
    prompts = _logged_prompts(llm_executable, env)
    backend = "postgresql" if "://" in database else "sqlite"
    print(
        f"\n{backend}: {WRITERS} writers + {READERS} readers, {len(prompts)} rows, "
        f"{len(failures)} failures, {seconds:.1f} s"
    )
    assert failures == []
    assert not any("locked" in failure for failure in failures)
    assert sorted(prompts) == sorted(["seed", *(f"writer {n}" for n in range(WRITERS))])
    assert _integrity(database) == "ok"


# The child: the real CLI, with the log writer stopped inside its transaction - after the
# conversation and response rows were inserted, before the commit - until it is killed.
KILLED_MID_TRANSACTION = """
import sys, time
import llm_storage.write as write

def stop_here(*args, **kwargs):
    print("IN TRANSACTION", flush=True)
    time.sleep(600)

write._link_fragments = stop_here
sys.argv = ["llm", "-m", "echo", "killed mid-transaction", "--no-stream"]
from llm_cli.__main__ import main
main()
"""


def test_writer_killed_mid_transaction_leaves_the_database_consistent(
    llm_executable: str, user_dir: Path, database: str
) -> None:
    env = _env(user_dir, database)
    seeded = subprocess.run(
        [llm_executable, "-m", "echo", "before"], env=env, capture_output=True, timeout=600
    )
    assert seeded.returncode == 0, seeded.stderr
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_TRANSACTION],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    try:
        for line in child.stdout:  # the echo answer comes first, then the marker
            if line.strip() == "IN TRANSACTION":
                break
        else:
            pytest.fail(f"the writer ended without reaching its transaction: {child.stderr}")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert _integrity(database) == "ok"
    assert _logged_prompts(llm_executable, env) == ["before"]
    # Nothing is left locked: the next writer goes straight through.
    after = subprocess.run(
        [llm_executable, "-m", "echo", "after"], env=env, capture_output=True, timeout=600
    )
    assert after.returncode == 0, after.stderr
    assert _logged_prompts(llm_executable, env) == ["before", "after"]
    assert _integrity(database) == "ok"

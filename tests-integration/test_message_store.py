"""One logs.db, shared with the real llm 0.36 through its message store (messages, parts,
threads, turns): what 0.36 logs we read and continue with ``-c``, and what we log 0.36 reads,
continues and verifies (its ``LogStore.verify()`` re-hashes every message we stored).

The original comes from ``originals``: installed from PyPI into a cache the first time, or
found where a machine has it; without the network and a cached copy the tests skip.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from originals import Run, run_036, venv_036
from originals import ok as _ok

__all__ = ["run_036", "venv_036"]  # fixtures, used by name


def _prompts(run: Run) -> list[tuple[str, str]]:
    return [
        (row["prompt"], row["conversation_id"])
        for row in json.loads(_ok(run("logs", "-n", "0", "--json")))
    ]


def _previous(answer: str) -> list[str]:
    """The earlier prompts the echo model was sent (it answers with what it got)."""
    return [turn["prompt"] for turn in json.loads(answer)["previous"]]


def _verify_036(venv: Path, user_dir: Path) -> list[str]:
    code = (
        "import json, sys, sqlite_utils\n"
        "from llm.logs import LogStore\n"
        "print(json.dumps(LogStore(sqlite_utils.Database(sys.argv[1])).verify()))\n"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, str(user_dir / "logs.db")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result: list[str] = json.loads(done.stdout)
    return result


def _counts(user_dir: Path) -> dict[str, int]:
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("messages", "turns", "threads", "responses")
        }
    finally:
        conn.close()


def test_llm_036_reads_continues_and_verifies_what_we_log(
    run_llm: Run, run_036: Run, venv_036: Path, user_dir: Path
) -> None:
    _ok(run_llm("-m", "echo", "ours first"))
    assert _previous(_ok(run_llm("-m", "echo", "ours second", "-c"))) == ["ours first"]
    [(_, cid), (_, same)] = _prompts(run_llm)
    assert cid == same
    # 0.36 lists each exchange once (the turn and the responses row share an id) ...
    assert _prompts(run_036) == [("ours first", cid), ("ours second", cid)]
    # ... continues the thread from its tip, and finds every stored message intact.
    answer = _ok(run_036("-m", "echo", "theirs", "-c"))
    assert _previous(answer) == ["ours first", "ours second"]
    assert _verify_036(venv_036, user_dir) == []
    # One linear chain: two messages a turn, nothing stored twice.
    assert _counts(user_dir) == {"messages": 6, "turns": 3, "threads": 1, "responses": 2}


def test_we_read_and_continue_what_llm_036_logs(
    run_llm: Run, run_036: Run, venv_036: Path, user_dir: Path
) -> None:
    _ok(run_036("-m", "echo", "theirs first"))
    [(_, cid)] = _prompts(run_036)
    # Their database is adopted in place: we list the turn, then continue its thread.
    assert _prompts(run_llm) == [("theirs first", cid)]
    assert _previous(_ok(run_llm("-m", "echo", "ours next", "-c"))) == ["theirs first"]
    assert _prompts(run_llm) == [("theirs first", cid), ("ours next", cid)]
    # Our turn extends their chain (the first two messages are theirs, unchanged) ...
    assert _counts(user_dir) == {"messages": 4, "turns": 2, "threads": 1, "responses": 1}
    assert _verify_036(venv_036, user_dir) == []
    # ... and 0.36 shows it and continues after it: its next turn is sent the whole chain.
    # (The echo model's "previous" lists only "ours next": 0.36 rebuilds a conversation's
    # earlier responses from its ``responses`` rows, and the model is sent the thread's
    # messages; llm-echo 0.5 shows the former.)
    assert _prompts(run_036) == [("theirs first", cid), ("ours next", cid)]
    _ok(run_036("-m", "echo", "theirs again", "-c"))
    assert _counts(user_dir)["messages"] == 6
    assert [role for role, _ in _thread_chain(user_dir, cid)] == ["user", "assistant"] * 3
    assert _thread_chain(user_dir, cid)[4][1] == "theirs again"


def _thread_chain(user_dir: Path, thread_id: str) -> list[tuple[str, str]]:
    """(role, text of the first part) of the messages up to the thread's tip, oldest first."""
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        (tip,) = conn.execute("SELECT tip_message_hash FROM threads WHERE id = ?", [thread_id])
        chain, hash_ = [], tip[0]
        while hash_ is not None:
            parent, role, text = conn.execute(
                "SELECT parent_hash, role, text FROM messages"
                " JOIN parts ON parts.message_hash = messages.hash AND parts.position = 0"
                " WHERE hash = ?",
                [hash_],
            ).fetchone()
            chain.append((role, text))
            hash_ = parent
        return chain[::-1]
    finally:
        conn.close()


def test_search_finds_what_llm_036_logged_beside_ours(run_llm: Run, run_036: Run) -> None:
    """``llm logs -q`` looks in 0.36's turns (its ``turn_search_fts``) as well as in our
    ``responses``, ranked together, best first; ``--latest`` takes the newest matches."""
    _ok(run_036("-m", "echo", "pelican theirs once"))
    _ok(run_llm("-m", "echo", "pelican pelican pelican ours"))
    _ok(run_036("-m", "echo", "walrus theirs"))

    def found(*options: str) -> list[str]:
        listed = json.loads(_ok(run_llm("logs", "-q", "pelican", "--json", *options)))
        return [row["prompt"] for row in listed]

    # The prompt that says it three times is the better match: first, as 0.36 lists them.
    assert found() == ["pelican pelican pelican ours", "pelican theirs once"]
    assert found("-n", "1") == ["pelican pelican pelican ours"]
    assert found("--latest", "-n", "1") == ["pelican pelican pelican ours"]  # the newest
    assert json.loads(_ok(run_llm("logs", "-q", "walrus", "--json")))[0]["prompt"] == (
        "walrus theirs"
    )

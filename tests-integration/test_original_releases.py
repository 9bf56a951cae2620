"""One logs.db shared with the real originals, llm 0.26 and llm 0.36, in both directions.

What we write, both releases show in ``llm logs`` and continue with ``-c``; a database that
0.36 created and migrated (its ``_llm_migrations`` m019-m027, its threads/turns/messages/parts
tables) opens for us without error, and what we then log 0.36 still shows; what 0.36 logged
as turns we show and continue.

The releases come from PyPI, installed once into a persistent cache
(``$LLM_TEST_ORIGINALS_CACHE``, default ``~/.cache/llm-test-originals``) with the llm-echo
release each accepts; a ready installation can be named with ``LLM_TEST_ORIGINAL_026`` /
``LLM_TEST_ORIGINAL_036`` (its ``bin/llm``). Without the network and without a cached copy,
the tests skip, saying so.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from originals import RELEASES, Run, installed, run_in
from originals import ok as _ok

from llm_storage import HEAD_REVISION


@pytest.fixture(scope="session", params=sorted(RELEASES))
def original(request: pytest.FixtureRequest) -> tuple[str, Path]:
    return request.param, installed(request.param)


@pytest.fixture
def run_original(original: tuple[str, Path], user_dir: Path) -> Run:
    """Run the original release on the same user directory (so the same logs.db)."""
    return run_in(original[1], user_dir)


def _logged(run: Run) -> list[tuple[str, str]]:
    """(prompt, conversation id) of every logged response, oldest first."""
    return [
        (r["prompt"], r["conversation_id"])
        for r in json.loads(_ok(run("logs", "-n", "0", "--json")))
    ]


def test_the_original_shows_and_continues_what_we_log(
    run_llm: Run, run_original: Run, original: tuple[str, Path]
) -> None:
    release, _ = original
    _ok(run_llm("-m", "echo", "ours first"))
    [(_, cid)] = _logged(run_llm)
    # The original reads our rows, then continues our conversation with -c.
    assert _logged(run_original) == [("ours first", cid)]
    _ok(run_original("-m", "echo", "-c", f"{release} continues"))
    shown = _logged(run_original)
    assert shown == [("ours first", cid), (f"{release} continues", cid)]
    # We go on logging to the database the original has opened (and migrated).
    _ok(run_llm("-m", "echo", "ours again"))
    shown = _logged(run_original)
    assert [prompt for prompt, _ in shown] == ["ours first", f"{release} continues", "ours again"]
    assert "ours again" in _ok(run_original("logs", "-q", "again"))


def test_a_database_the_original_created_is_adopted_in_place(
    run_llm: Run, run_original: Run, original: tuple[str, Path], user_dir: Path
) -> None:
    release, _ = original
    _ok(run_original("-m", "echo", f"{release} first"))
    conn = sqlite3.connect(user_dir / "logs.db")
    ledger_before = conn.execute("SELECT name FROM _llm_migrations ORDER BY rowid").fetchall()
    conn.close()
    # It opens without error, and what we log there the original shows beside its own.
    _ok(run_llm("-m", "echo", "ours after"))
    assert "ours after" in [prompt for prompt, _ in _logged(run_original)]
    assert f"{release} first" in [prompt for prompt, _ in _logged(run_original)]
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        ledger = conn.execute("SELECT name FROM _llm_migrations ORDER BY rowid").fetchall()
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    assert ledger[: len(ledger_before)] == ledger_before  # its ledger kept as it was
    assert revision == HEAD_REVISION
    # And the original goes on writing to it after we adopted it.
    _ok(run_original("-m", "echo", f"{release} last"))
    assert f"{release} last" in [prompt for prompt, _ in _logged(run_original)]


@pytest.mark.parametrize("original", ["0.36"], indirect=True)
def test_we_show_and_continue_what_0_36_logged_as_turns(
    run_llm: Run, run_original: Run, original: tuple[str, Path], user_dir: Path
) -> None:
    """llm 0.32+ logs to threads/turns/messages/parts: our ``llm logs`` (Markdown, --json,
    filters) lists those turns with our responses, and -c/--cid continue them."""
    _ok(run_original("-m", "echo", "0.36 hello"))
    _ok(run_original("-m", "echo", "-c", "0.36 again"))
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        (cid,) = conn.execute("SELECT DISTINCT thread_id FROM turns").fetchone()
        assert conn.execute("SELECT count(*) FROM responses").fetchone() == (0,)
    finally:
        conn.close()
    assert _logged(run_llm) == [("0.36 hello", cid), ("0.36 again", cid)]
    # -c continues the latest conversation: the one 0.36 started (the echo model shows
    # the earlier turns it was sent).
    continued = json.loads(_ok(run_llm("-m", "echo", "-c", "ours continues")))
    assert [p["prompt"] for p in continued["previous"]] == ["0.36 hello", "0.36 again"]
    _ok(run_llm("-m", "echo", "a new one"))
    again = json.loads(_ok(run_llm("-m", "echo", "--cid", cid, "and --cid")))
    assert [p["prompt"] for p in again["previous"]] == [
        "0.36 hello",
        "0.36 again",
        "ours continues",
    ]
    # Filters and formats: by conversation, by model, newest n, Markdown and --json.
    assert [p for p, c in _logged(run_llm) if c == cid] == [
        "0.36 hello",
        "0.36 again",
        "ours continues",
        "and --cid",
    ]
    by_cid = json.loads(_ok(run_llm("logs", "--cid", cid, "--json")))
    assert [r["prompt"] for r in by_cid] == [
        "0.36 hello",
        "0.36 again",
        "ours continues",
        "and --cid",
    ]
    assert all(r["model"] == "echo" for r in by_cid)
    newest = json.loads(_ok(run_llm("logs", "-n", "2", "-m", "echo", "--json")))
    assert [r["prompt"] for r in newest] == ["a new one", "and --cid"]
    markdown = _ok(run_llm("logs", "--cid", cid))
    assert "## Prompt\n\n0.36 again" in markdown
    assert markdown.index("0.36 hello") < markdown.index("ours continues")
    # And 0.36 shows our continuation in its conversation.
    assert [p for p, c in _logged(run_original) if c == cid][-2:] == ["ours continues", "and --cid"]

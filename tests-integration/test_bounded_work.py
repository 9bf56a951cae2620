"""Bounded work: absurd option values are refused by the option parser, and what a command
reads (fragments, templates, attachments, URLs) has a size and a time limit, each a setting,
each past which the command stops with one line before anything is sent. The real ``llm``
executable; URLs served (and trickled) from 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BOMB = ["defaults:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
BOMB += [f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
BOMB += ["prompt: hi"]


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if self.path.startswith("/big/"):
            body = b"x" * int(self.path.split("/")[2])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.end_headers()  # no length: the body ends when the server closes
        self.wfile.flush()
        # /trickle: a byte every 0.3 s, forever; /silent: nothing, forever. Until the client
        # gives up (the write fails) or the test is over.
        while not _STOP.is_set():
            if self.path == "/trickle":
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
            _STOP.wait(0.3)

    def log_message(self, *args: object) -> None:
        pass


_STOP = threading.Event()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    _STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _STOP.set()
    server.shutdown()
    server.server_close()


def _logged(user_dir: Path) -> int:
    path = user_dir / "logs.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        if "responses" not in tables:
            return 0
        count: int = db.execute("select count(*) from responses").fetchone()[0]
        return count


def _one_error(  # type: ignore[no-untyped-def]
    result, user_dir: Path, *needles: str, status: int = 1, logged: int = 0
) -> None:
    """One ``Error:`` line holding ``needles``, the exit ``status``, nothing more logged."""
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert _logged(user_dir) == logged


@pytest.mark.parametrize(
    "args, named",
    [
        (
            ["-m", "echo", "--schema", "a int", "--schema-retries", "1000000", "x"],
            "--schema-retries",
        ),
        (["-m", "echo", "--schema", "a int", "--schema-retries", "-1", "x"], "--schema-retries"),
        (["-m", "echo", "--cl", "-1", "x"], "--chain-limit"),
        (["-m", "echo", "--retries", "1000", "x"], "--retries"),
        (["-m", "echo", "--retries", "-1", "x"], "--retries"),
        (["chat", "-m", "echo", "--cl", "-5"], "--chain-limit"),
        (["similar", "anything", "-c", "x", "-n", "-5"], "--number"),
        (["logs", "-n", "-1"], "--count"),
    ],
)
def test_absurd_values_are_invalid_options(run_llm, user_dir: Path, args, named) -> None:  # type: ignore[no-untyped-def]
    result = run_llm(*args)
    _one_error(result, user_dir, "Invalid value for", named, "range", status=2)


def test_schema_retries_stop_at_the_limit(run_llm, user_dir: Path) -> None:
    # The echo model never answers {"a": int}: each retry is one more (paid) call, ten at most.
    result = run_llm("-m", "echo", "--schema", "a int", "--schema-retries", "10", "x")
    assert result.returncode == 1
    assert _logged(user_dir) == 11


def test_zero_still_means_what_it_meant(run_llm, user_dir: Path) -> None:
    assert run_llm("-m", "echo", "--cl", "0", "hi").returncode == 0  # 0: no chain limit
    assert run_llm("-m", "echo", "--retries", "0", "hi").returncode == 0
    listed = run_llm("logs", "-n", "0", "--json")  # 0: every entry
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 2


def test_huge_fragment_file_is_refused_without_reading_it(
    run_llm, user_dir: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fp:
        fp.truncate(1024**3)  # 1 GB, sparse: reading it whole would exhaust memory
    started = time.monotonic()
    result = run_llm("-m", "echo", "-f", str(big), "hi")
    elapsed = time.monotonic() - started
    _one_error(result, user_dir, f"Fragment {big} is larger than 10 MB", "LLM_MAX_FRAGMENT_BYTES")
    assert elapsed < 60  # it stops at 10 MB read; it used to run for tens of seconds


def test_fragment_size_is_a_setting(run_llm, user_dir: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("n" * 2048)
    small = {"LLM_MAX_FRAGMENT_BYTES": "1KB"}
    _one_error(
        run_llm("-m", "echo", "-f", str(notes), "hi", env=small),
        user_dir,
        "larger than 1 KB (the LLM_MAX_FRAGMENT_BYTES setting)",
    )
    allowed = run_llm("-m", "echo", "-f", str(notes), "hi", env={"LLM_MAX_FRAGMENT_BYTES": "0"})
    assert allowed.returncode == 0 and "n" * 2048 in allowed.stdout
    bad = run_llm("-m", "echo", "-f", str(notes), "hi", env={"LLM_MAX_FRAGMENT_BYTES": "lots"})
    _one_error(bad, user_dir, "LLM_MAX_FRAGMENT_BYTES must be a size such as 10MB", logged=1)


def test_huge_attachment_is_refused(run_llm, user_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "disk.img"
    with big.open("wb") as fp:
        fp.truncate(1024**3)
    result = run_llm("-m", "echo", "-a", str(big), "hi")
    _one_error(
        result,
        user_dir,
        f"Attachment {big} is larger than 50 MB",
        "LLM_MAX_ATTACHMENT_BYTES",
        status=2,
    )
    typed = run_llm("-m", "echo", "--at", str(big), "image/png", "hi")
    _one_error(typed, user_dir, "larger than 50 MB", status=2)
    piped = run_llm(
        "-m", "echo", "-a", "-", "hi", input="x" * 2048, env={"LLM_MAX_ATTACHMENT_BYTES": "1k"}
    )
    _one_error(piped, user_dir, "Attachment - is larger than 1 KB", status=2)


def test_yaml_alias_bomb_is_refused_quickly(run_llm, user_dir: Path, tmp_path: Path) -> None:
    (user_dir / "templates").mkdir()
    (user_dir / "templates" / "bomb.yaml").write_text("\n".join(BOMB) + "\n")
    started = time.monotonic()
    result = run_llm("-m", "echo", "-t", "bomb", "hi")
    elapsed = time.monotonic() - started
    _one_error(result, user_dir, "Template 'bomb' expands to more than 10 MB", "YAML aliases")
    assert elapsed < 30  # 9^9 strings: validating them took minutes and ended in MemoryError

    (user_dir / "templates" / "loop.yaml").write_text("a: &a [*a]\nprompt: x\n")
    _one_error(run_llm("-m", "echo", "-t", "loop", "hi"), user_dir, "refers to itself")

    shared = tmp_path / "shared.yaml"  # aliases within the limit keep working
    shared.write_text("defaults:\n  who: &who World\n  also: *who\nprompt: Hello $who\n")
    fine = run_llm("-m", "echo", "-t", str(shared))
    assert fine.returncode == 0, fine.stderr
    assert json.loads(fine.stdout)["prompt"] == "Hello World"


def test_template_size_limit(run_llm, user_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("prompt: " + "y" * 4096 + "\n")
    result = run_llm("-m", "echo", "-t", str(path), env={"LLM_MAX_FRAGMENT_BYTES": "1k"})
    _one_error(result, user_dir, "larger than 1 KB")


def test_url_fragment_over_the_size_limit(run_llm, user_dir: Path, base_url: str) -> None:
    result = run_llm(
        "-m", "echo", "-f", f"{base_url}/big/5000", "hi", env={"LLM_MAX_FRAGMENT_BYTES": "1k"}
    )
    _one_error(result, user_dir, "Could not load fragment", "larger than 1 KB")


@pytest.mark.parametrize("what", ["-f", "-t"])
def test_trickling_url_gives_up_at_the_deadline(
    run_llm, user_dir: Path, base_url: str, what: str
) -> None:
    started = time.monotonic()
    result = run_llm(
        "-m", "echo", what, f"{base_url}/trickle", "hi", env={"LLM_FETCH_TIMEOUT": "2"}
    )
    elapsed = time.monotonic() - started
    kind = "fragment" if what == "-f" else "template"
    _one_error(
        result,
        user_dir,
        f"Could not load {kind} {base_url}/trickle: not complete after 2 seconds",
        "LLM_FETCH_TIMEOUT",
    )
    assert elapsed < 30, elapsed  # without a deadline it never ended


def test_silent_url_times_out(run_llm, user_dir: Path, base_url: str) -> None:
    result = run_llm("-m", "echo", "-f", f"{base_url}/silent", "hi", env={"LLM_FETCH_TIMEOUT": "1"})
    _one_error(result, user_dir, f"Could not load fragment {base_url}/silent: timed out")
    bad = run_llm("-m", "echo", "-f", f"{base_url}/silent", env={"LLM_FETCH_TIMEOUT": "soon"})
    _one_error(bad, user_dir, "LLM_FETCH_TIMEOUT must be a number of seconds")


def test_url_attachment_fetched_for_a_model_is_bounded(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a model plugin fetches (``Attachment.content_bytes``: OpenAI's audio and PDFs
    by URL) has the attachment limit and the fetch deadline too, from Python as well."""
    import llm
    from llm.limits import LimitError

    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "1")
    started = time.monotonic()
    with pytest.raises(LimitError, match=r"trickle: not complete after 1 seconds"):
        llm.Attachment(url=f"{base_url}/trickle").content_bytes()
    assert time.monotonic() - started < 20
    monkeypatch.setenv("LLM_MAX_ATTACHMENT_BYTES", "1k")
    with pytest.raises(LimitError, match=r"larger than 1 KB \(the LLM_MAX_ATTACHMENT_BYTES"):
        llm.Attachment(url=f"{base_url}/big/5000").content_bytes()
    assert llm.Attachment(url=f"{base_url}/big/1000").content_bytes() == b"x" * 1000

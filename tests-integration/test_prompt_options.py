"""The prompt command's options beyond the first slice: attachments, conversations, Ctrl-C."""

from __future__ import annotations

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import llm

# The smallest valid PNG: signature plus IHDR, enough for type detection.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _db_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def image_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _headers(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()

        def do_HEAD(self) -> None:
            self._headers()

        def do_GET(self) -> None:
            self._headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_attachments_from_path_stdin_url_and_explicit_type(
    invoke_llm, user_dir: Path, tmp_path: Path, image_server: str
) -> None:
    image = tmp_path / "pixel.png"
    image.write_bytes(PNG)
    from_path = json.loads(invoke_llm("-m", "echo", "describe", "-a", str(image)).stdout)
    assert from_path["attachments"][0]["type"] == "image/png"
    assert from_path["attachments"][0]["path"] == str(image)

    piped = invoke_llm("-m", "echo", "describe", "-a", "-", input=PNG)
    assert json.loads(piped.stdout)["attachments"][0]["type"] == "image/png"

    url = f"{image_server}/pelican.png"
    from_url = json.loads(invoke_llm("-m", "echo", "describe", "-a", url).stdout)
    assert from_url["attachments"][0] == {
        "type": "image/png",
        "path": None,
        "url": url,
        "id": from_url["attachments"][0]["id"],
    }

    typed = tmp_path / "no-extension"
    typed.write_bytes(b"not really an image")
    explicit = json.loads(invoke_llm("-m", "echo", "x", "--at", str(typed), "image/jpeg").stdout)
    assert explicit["attachments"][0]["type"] == "image/jpeg"

    stored = _db_rows(
        user_dir / "logs.db",
        "select a.type, a.path, a.url from attachments a "
        "join prompt_attachments p on p.attachment_id = a.id order by p.response_id",
    )
    assert ("image/png", str(image), None) in stored
    assert ("image/png", None, url) in stored
    assert len(_db_rows(user_dir / "logs.db", "select * from prompt_attachments")) == 4


def test_attachment_errors(invoke_llm, tmp_path: Path) -> None:
    unknown = tmp_path / "mystery.bin"
    unknown.write_bytes(b"\x00\x01\x02 no magic here")
    result = invoke_llm("-m", "echo", "x", "-a", str(unknown))
    assert result.returncode != 0
    assert "Could not determine the type" in result.stderr
    unsupported = tmp_path / "doc.pdf"
    unsupported.write_bytes(b"%PDF-1.4\n%...\n")
    refused = invoke_llm("-m", "echo", "x", "-a", str(unsupported))
    assert refused.returncode == 1
    assert "does not support attachments of type 'application/pdf'" in refused.stderr
    unreadable = tmp_path / "secret.png"
    unreadable.write_bytes(PNG)
    unreadable.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        denied = invoke_llm("-m", "echo", "x", "-a", str(unreadable))
        assert denied.returncode != 0 and "Cannot read" in denied.stderr


def test_continue_latest_and_by_id(invoke_llm, user_dir: Path) -> None:
    invoke_llm("-m", "echo", "first")
    invoke_llm("-c", "second")
    other = invoke_llm("-m", "markov", "a b c d e", "-o", "length", "2")
    assert other.returncode == 0
    ids = _db_rows(user_dir / "logs.db", "select conversation_id from responses order by id")
    first_conversation = ids[0][0]
    assert ids[1][0] == first_conversation
    by_id = invoke_llm("--cid", first_conversation, "third")
    # --cid continues with the conversation's own model (echo), not the latest one
    answer = json.loads(by_id.stdout)
    assert [p["prompt"] for p in answer["previous"]] == ["first", "second"]
    unknown = invoke_llm("--cid", "no-such-conversation", "hi")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "Error: No conversation found with id=no-such-conversation"


def test_continue_with_nothing_logged(invoke_llm) -> None:
    result = invoke_llm("-c", "hi")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: No conversation found to continue"


MARKOV_SLOW = ("-o", "length", "2000", "-o", "delay", "0.2")


def test_ctrl_c_stops_cleanly_and_logs_what_arrived(llm_executable: str, user_dir: Path) -> None:
    env = {**os.environ, "LLM_USER_PATH": str(user_dir)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # 2000 words 0.2s apart: the stream cannot end on its own before the signal, however slowly
    # this test process gets scheduled (a 10-second stream once did, on a loaded machine).
    process = subprocess.Popen(
        [llm_executable, "-m", "markov", "one two three four", *MARKOV_SLOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdout is not None
    try:
        streamed = b""
        while len(streamed.split()) < 3:  # the stream has started, and is mid-way
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, "llm exited before streaming three words"
            streamed += chunk
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert b"partial response was kept" in stderr
    [(response,)] = _db_rows(user_dir / "logs.db", "select response from responses")
    # What was logged is exactly what was shown: nothing lost, nothing made up.
    assert response.split() == (streamed + stdout).decode().split()
    assert 3 <= len(response.split()) < 2000


def test_broken_plugin_warns_and_the_rest_work(run_llm, tmp_path: Path) -> None:
    # A subprocess: plugins are found at start-up, from this PYTHONPATH.
    site = tmp_path / "site"
    dist_info = site / "llm_broken-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-broken\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[llm]\nbroken = llm_broken\n")
    (site / "llm_broken.py").write_text("raise RuntimeError('this plugin is broken')\n")
    result = run_llm("-m", "echo", "hi", "-n", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0
    assert json.loads(result.stdout)["prompt"] == "hi"
    assert "plugin llm-broken failed to load" in result.stderr
    assert "this plugin is broken" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("use_async", [False, True])
def test_json_is_what_logs_json_shows(invoke_llm, use_async: bool) -> None:
    result = invoke_llm("-m", "echo", "hello world", "--json", *(["--async"] if use_async else []))
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["model"], row["prompt"]) == ("echo", "hello world")
    assert json.loads(row["response"])["stream"] is False  # the model is not asked to stream
    assert json.loads(invoke_llm("logs", "-n", "1", "--json").stdout) == [row]


@pytest.mark.parametrize("no_log", [["-n"], ["--no-log"], []])
def test_json_without_logging(invoke_llm, user_dir: Path, no_log: list[str]) -> None:
    if not no_log:
        invoke_llm("logs", "off")
    result = invoke_llm("-m", "echo", "hello world", "--json", *no_log)
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["prompt"] == "hello world"
    assert not (user_dir / "logs.db").exists()


def test_json_shows_every_response_of_a_tool_chain(invoke_llm) -> None:
    calls = json.dumps({"tool_calls": [{"name": "llm_version"}]})
    result = invoke_llm("-m", "echo", "-T", "llm_version", calls, "--json")
    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    assert [call["name"] for call in first["tool_calls"]] == ["llm_version"]
    assert [r["output"] for r in second["tool_results"]] == [llm.__version__]
    assert json.loads(invoke_llm("logs", "-n", "2", "--json").stdout) == [first, second]

"""SIGTERM and SIGHUP during a streamed response: what arrived is kept and logged, as for
Ctrl-C, and the process exits with the conventional status (128 + the signal's number).

Through the real executable: signals are a property of a process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

# 2000 words 0.2 s apart: the stream cannot end on its own before the signal, however slowly
# this test process gets scheduled.
MARKOV_SLOW = ("-o", "length", "2000", "-o", "delay", "0.2")
SIGNALS = [
    pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, id="SIGHUP"),
    pytest.param(signal.SIGINT, 130, id="SIGINT"),
]


def _env(user_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LLM_USER_PATH"] = str(user_dir)
    return env


def _responses(user_dir: Path) -> list[str]:
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        return [row[0] for row in conn.execute("select response from responses order by id")]
    finally:
        conn.close()


def _answer(output: bytes, marker: bytes) -> bytes:
    """What came after ``marker`` (the chat's "> " prompt; b"" for a plain prompt)."""
    return output.partition(marker)[2] if marker else output


def _stop_mid_stream(
    args: list[str], user_dir: Path, signum: int, stdin: bytes | None = None, marker: bytes = b""
) -> tuple[subprocess.Popen[bytes], bytes, bytes, bytes]:
    """Start ``llm``, read until three words of the answer (after ``marker``) have streamed,
    send ``signum``; returns the process, what streamed before the signal, and the rest of
    stdout and stderr."""
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(user_dir),
    )
    assert process.stdout is not None
    try:
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)
            process.stdin.flush()
        streamed = b""
        while len(_answer(streamed, marker).split()) < 3:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, "llm exited before streaming"
            streamed += chunk
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process, streamed, stdout, stderr


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_prompt_stream_keeps_and_logs_what_arrived(
    llm_executable: str, user_dir: Path, signum: int, code: int
) -> None:
    process, streamed, stdout, stderr = _stop_mid_stream(
        [llm_executable, "-m", "markov", "one two three four", *MARKOV_SLOW], user_dir, signum
    )
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert b"the partial response was kept" in stderr
    assert signal.Signals(signum).name.encode() in stderr
    [response] = _responses(user_dir)
    # What was logged is exactly what was shown: nothing lost, nothing made up.
    assert response.split() == (streamed + stdout).decode().split()
    assert 3 <= len(response.split()) < 2000


@pytest.mark.parametrize(("signum", "code"), SIGNALS[:2])
def test_chat_turn_keeps_and_logs_what_arrived(
    llm_executable: str, user_dir: Path, signum: int, code: int
) -> None:
    """A terminal closing (SIGHUP) or a shutdown (SIGTERM) mid-answer ends the session;
    the turn's words that arrived are logged."""
    process, streamed, stdout, stderr = _stop_mid_stream(
        [llm_executable, "chat", "-m", "markov", *MARKOV_SLOW],
        user_dir,
        signum,
        stdin=b"one two three four\n",
        marker=b"\n> ",
    )
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert b"the partial response was kept" in stderr
    [response] = _responses(user_dir)
    assert response.split() == _answer(streamed + stdout, b"\n> ").decode().split()
    assert 3 <= len(response.split()) < 2000

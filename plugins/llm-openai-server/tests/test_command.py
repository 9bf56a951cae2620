"""``llm serve`` as a user runs it: the real executable in a process of its own."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

LLM = str(Path(sys.executable).parent / "llm")


def _env(user_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "LLM_USER_PATH": str(user_path), **extra}
    env.pop("LLM_LOAD_PLUGINS", None) if "LLM_LOAD_PLUGINS" not in extra else None
    return env


def _start(user_path: Path, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [LLM, "serve", "--port", "0", *args],
        env=_env(user_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # waits for the event: the line saying it listens
        lines.append(line.rstrip("\n"))
        if line.startswith("Listening on "):
            return process, lines
    process.wait(10)
    raise AssertionError(f"llm serve exited: {process.stderr.read() if process.stderr else ''}")


def test_serve_generates_a_private_token_and_listens(user_path: Path) -> None:
    process, lines = _start(user_path)
    try:
        base = lines[-1].removeprefix("Listening on ")
        token_file = user_path / "serve-token.txt"
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert f"Token: {token} (kept in {token_file})" in lines
        assert f"Web page: {base}/#token={token}" in lines
        assert f"Logging to {user_path / 'logs.db'}" in lines
        assert base.startswith("http://127.0.0.1:")
        assert httpx2.get(f"{base}/health").json()["status"] == "ok"
        assert httpx2.get(f"{base}/v1/models").status_code == 401
        models = httpx2.get(f"{base}/v1/models", headers={"Authorization": f"Bearer {token}"})
        assert "echo" in [m["id"] for m in models.json()["data"]]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    # The same token next time.
    process, lines = _start(user_path)
    process.send_signal(signal.SIGINT)
    process.wait(30)
    assert f"Token: {token} (kept in {token_file})" in lines


def test_given_token_is_not_stored(user_path: Path) -> None:
    process, lines = _start(user_path, "--token", "mine", "--no-log", "-m", "echo")
    process.send_signal(signal.SIGINT)
    process.wait(30)
    assert "Token: mine" in lines and "Not logging (--no-log)" in lines
    assert lines[0].startswith("Serving 1 chat and 0 embedding models at ")
    assert not (user_path / "serve-token.txt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-auth", "--host", "0.0.0.0"], "--no-auth is refused on 0.0.0.0"),
        (["--no-auth", "--token", "t"], "--token and --no-auth cannot be used together"),
        (["-m", "no-such-model"], "Unknown model: no-such-model"),
    ],
)
def test_refused_options(user_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [LLM, "serve", "--port", "0", *args],
        env=_env(user_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (user_path / "serve-token.txt").exists()


def test_without_the_plugin_serve_says_how_to_get_it(user_path: Path) -> None:
    """With the plugin not loaded (as when llm-openai-server is not installed), ``llm serve``
    is never sent to a model as a prompt: it says what to install."""
    done = subprocess.run(
        [LLM, "serve", "--port", "0"],
        env=_env(user_path, LLM_LOAD_PLUGINS=""),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: llm serve needs the llm-openai-server plugin: llm install llm-openai-server"
        " (or pip install 'llm[serve]')"
    ]
    assert done.stdout == ""

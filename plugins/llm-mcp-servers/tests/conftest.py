"""Fixtures: the real ``llm`` executable, MCP servers of the SDK (each test's user directory
is the root conftest's ``user_path``).

The stdio server is ``mcp_test_server.py`` run by this Python; the HTTP server is the same
server on uvicorn, on 127.0.0.1 with a random port, in a thread of the test process. Helpers
the tests import are in ``mcp_fixtures.py`` (tests import with --import-mode=importlib, which
does not put this directory on sys.path: it is added here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mcp_fixtures import LLM, TOKEN  # noqa: E402


@pytest.fixture
def run_llm(user_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real executable with this test's user directory."""
    assert LLM, "the llm executable is not installed in this environment"

    def run(
        *args: str, input: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
        full_env.pop("PYTHONDONTWRITEBYTECODE", None)
        full_env["LLM_USER_PATH"] = str(user_path)
        full_env.update(env or {})
        return subprocess.run(
            [LLM, *args], input=input, capture_output=True, text=True, env=full_env, timeout=600
        )

    return run


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """The test server over Streamable HTTP on 127.0.0.1; yields its URL."""
    import uvicorn
    from mcp_test_server import http_app

    config = uvicorn.Config(
        http_app(TOKEN), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ticker = threading.Event()
    while not server.started and thread.is_alive():
        ticker.wait(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    thread.join(timeout=10)

"""Each CLI test gets its own empty user directory; plugins registered for one test only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

_ENV_VARS = ("LLM_LOAD_PLUGINS", "LLM_MODEL", "OPENAI_API_KEY", "LLM_ECHO_NEEDS_KEY_KEY")


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def invoke(every_plugin_loaded: None) -> Callable[..., Result]:
    """Run the ``llm`` click app in-process; stdout and stderr kept apart."""
    from llm_cli.app import cli

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run

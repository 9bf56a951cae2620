"""Fixtures for end-to-end tests.

``run_llm`` runs the real ``llm`` executable in a subprocess: for what only a process shows
(start-up imports, signals, concurrent writers, plugins found or skipped at start-up, wheels).
``invoke_llm`` runs the same entry point in this process, with click's CliRunner, and returns
the same kind of result; it is many times faster, so behaviour of commands is tested with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Helper modules beside the tests (wheel_env, plugin_venv) import by name: tests are imported
# with --import-mode=importlib, which does not put this directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from llm_process import LLM
from llm_process import llm_env as _llm_env


@pytest.fixture
def llm_executable() -> str:
    assert LLM, "the llm executable is not installed in this environment"
    return LLM


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    path = tmp_path / "user"
    path.mkdir()
    return path


@pytest.fixture
def run_llm(user_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``llm`` with its own user directory; returns the completed process."""
    assert LLM, "the llm executable is not installed in this environment"

    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [LLM, *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=_llm_env(user_dir, env),
            timeout=600,  # catches a hang; a loaded machine can be slow
        )

    return run


@pytest.fixture
def invoke_llm(
    user_dir: Path, every_plugin_loaded: None
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``llm``'s console-script entry point in this process, as the executable would:
    same arguments, stdin, environment and exit status, stdout and stderr kept apart.

    Plugins are those this process loaded once, so a test that changes which plugins load
    (``LLM_LOAD_PLUGINS``, ``PYTHONPATH``) needs ``run_llm``."""
    from llm_cli.testing import invoke as invoke_in_process

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        # Unset the LLM_* variables of this process, as run_llm does for the child.
        unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LLM_")}
        changes = {**unset, "LLM_USER_PATH": str(user_dir), **(env or {})}
        return invoke_in_process(*args, input=input, env=changes)

    return invoke


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One log database shared by several ``llm`` processes: a SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.db")
    return str(request.getfixturevalue("pg_url"))

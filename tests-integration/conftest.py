"""Fixtures for end-to-end tests: the real ``llm`` executable in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

LLM = shutil.which("llm", path=str(Path(sys.executable).parent)) or shutil.which("llm")


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
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
        # Let the child cache bytecode, or every run recompiles every import from source.
        full_env.pop("PYTHONDONTWRITEBYTECODE", None)
        full_env["LLM_USER_PATH"] = str(user_dir)
        full_env.update(env or {})
        return subprocess.run(
            [LLM, *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            timeout=60,
        )

    return run

"""Every test gets its own empty user directory and no stray keys or plugin settings."""

from __future__ import annotations

from pathlib import Path

import pytest

_ENV_VARS = (
    "LLM_LOAD_PLUGINS",
    "LLM_MODEL",
    "OPENAI_API_KEY",
    "LLM_ECHO_NEEDS_KEY_KEY",
    "LLM_TEST_KEY",
)


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return path

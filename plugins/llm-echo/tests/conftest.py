from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user directory per test, and no key in the environment."""
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    monkeypatch.delenv("LLM_ECHO_NEEDS_KEY_KEY", raising=False)
    monkeypatch.delenv("LLM_LOAD_PLUGINS", raising=False)
    return path

"""Each test gets its own empty user directory; plugins registered in a test leave with it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    for name in ("LLM_LOAD_PLUGINS", "LLM_MODEL", "OPENAI_API_KEY", "LLM_TOOLS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return path

"""Every test gets its own empty user directory and no stray keys or plugin settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llm.plugins import pm

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


@pytest.fixture
def register_plugin() -> Iterator[Callable[..., Any]]:
    """Register plugin objects with llm's plugin manager for one test only."""
    names: list[str] = []

    def register(plugin: Any, name: str) -> Any:
        pm.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        pm.unregister(name=name)

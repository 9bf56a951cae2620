"""Each test gets its own empty user directory; plugins registered in a test leave with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llm.plugins import pm


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    for name in ("LLM_LOAD_PLUGINS", "LLM_MODEL", "OPENAI_API_KEY", "LLM_TOOLS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def register_plugin() -> Iterator[Callable[..., Any]]:
    names: list[str] = []

    def register(plugin: Any, name: str) -> Any:
        pm.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        pm.unregister(name=name)

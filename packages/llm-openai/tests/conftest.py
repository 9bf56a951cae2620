"""Fixtures: an empty user directory per test, fast retries, and ways to answer requests
without the internet (a replayed cassette, or a real server on 127.0.0.1)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai import FakeOpenAI

import llm_openai_provider.client

_CLEARED = (
    "LLM_LOAD_PLUGINS",
    "LLM_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "LLM_OPENAI_SHOW_RESPONSES",
    "LLM_OPENAI_TIMEOUT",
)


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    user_dir = tmp_path / "llm-user-dir"
    user_dir.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(user_dir))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLM_RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("LLM_MAX_RETRY_DELAY", "0.5")
    monkeypatch.setenv("LLM_RETRIES", "2")
    return user_dir


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Install an httpx2 transport that answers every request of the openai clients."""

    def install(value: object) -> object:
        monkeypatch.setattr(llm_openai_provider.client, "TEST_TRANSPORT", value)
        return value

    return install


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeOpenAI) -> FakeOpenAI:
    fake_server.reset()
    return fake_server

"""A real ``llm serve`` application on 127.0.0.1 (uvicorn in a thread of the test process,
on a port of its own), and test models registered the way a plugin registers them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import llm
from llm.plugins import pm

TOKEN = "test-token-123"


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llm-user-dir"
    path.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    monkeypatch.delenv("LLM_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("LLM_DATABASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return path


# ------------------------------------------------------------------ test models

#: Set by a test to let ``blocking-sync`` answer.
RELEASE = threading.Event()
STARTED = threading.Event()


class BlockingSync(llm.Model):
    """A sync-only model that answers only once the test says so."""

    model_id = "blocking-sync"
    can_stream = True

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        STARTED.set()
        if not RELEASE.wait(30):
            raise llm.ModelError("never released")
        yield "released"


def _thinking(prompt: Any) -> list[Any]:
    """What ``reasoner`` streams: its reasoning, then its answer, as typed stream events."""
    from llm.parts import StreamEvent

    return [
        StreamEvent(type="reasoning", chunk="Pelicans "),
        StreamEvent(type="reasoning", chunk="have pouches."),
        StreamEvent(type="text", chunk="Answer: "),
        StreamEvent(type="text", chunk=prompt.prompt),
    ]


class Reasoner(llm.Model):
    model_id = "reasoner"
    can_stream = True

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        yield from _thinking(prompt)


class AsyncReasoner(llm.AsyncModel):
    model_id = "reasoner"
    can_stream = True

    async def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        for event in _thinking(prompt):
            yield event


class TestModels:
    __name__ = "serve-test-models"

    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(BlockingSync())
        register(Reasoner(), AsyncReasoner())


@pytest.fixture
def test_models() -> Iterator[None]:
    plugin = TestModels()
    pm.register(plugin, name="serve-test-models")
    RELEASE.clear()
    STARTED.clear()
    try:
        yield
    finally:
        RELEASE.set()
        pm.unregister(name="serve-test-models")


# ------------------------------------------------------------------ the server


@dataclass
class Running:
    base: str
    token: str | None
    app: Any

    @property
    def v1(self) -> str:
        return f"{self.base}/v1"

    def client(self, **kwargs: Any) -> Any:
        import openai

        return openai.OpenAI(
            base_url=self.v1, api_key=self.token or "none", max_retries=0, **kwargs
        )

    def async_client(self, **kwargs: Any) -> Any:
        import openai

        return openai.AsyncOpenAI(
            base_url=self.v1, api_key=self.token or "none", max_retries=0, **kwargs
        )

    def http(self, token: str | None = "default") -> Any:
        import httpx2

        headers = {}
        if token == "default":
            token = self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx2.Client(base_url=self.base, headers=headers, timeout=30)


@contextmanager
def serving(
    *,
    token: str | None = TOKEN,
    models: tuple[str, ...] = (),
    log: bool = True,
    allowed_origins: tuple[str, ...] = (),
    allowed_hosts: tuple[str, ...] = (),
    database: str | None = None,
) -> Iterator[Running]:
    import uvicorn

    from llm_openai_server import catalog
    from llm_openai_server.app import Settings, create_app
    from llm_openai_server.storage import Storage

    storage = Storage(database, log=log)
    storage.open()
    settings = Settings(
        catalog=catalog.build(models),
        storage=storage,
        token=token,
        allowed_hosts=list(allowed_hosts),
        allowed_origins=list(allowed_origins),
    )
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield Running(f"http://127.0.0.1:{sock.getsockname()[1]}", token, app)
    finally:
        server.should_exit = True
        thread.join(30)
        storage.close()
        sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Any]]:
    """``serve(**options)``: a context manager running the server with those options."""
    yield serving


@pytest.fixture
def server() -> Iterator[Running]:
    with serving() as running:
        yield running


def logged(user_path: Path) -> list[dict[str, Any]]:
    """Every logged response, oldest first, as ``llm logs`` reads them."""
    from llm_storage.sqlite_reader import open_current

    reader = open_current(user_path / "logs.db")
    assert reader is not None
    with reader:
        return reader.list_responses(None)

"""A model that stalls mid-answer (a slow tool, a slow token): what it sent just before the
pause is on the screen within the redraw interval, not when the next chunk arrives; Ctrl-C
during the pause leaves the answer shown once, with no traceback. ``llm`` runs on a
pseudo-terminal, its screen read through pyte; the model is our OpenAI provider talking to
a server on 127.0.0.1 that holds the stream open until the test lets it go on."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from terminal import Terminal

BEFORE = ["Sure.", " Thinking", " about it..."]  # sent together, then the pause
AFTER = [" Done: **42**."]


class _PausingServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hung up mid-stream (Ctrl-C)


class PausingProvider:
    """Streams ``BEFORE``, waits until ``go_on`` is set (30 s at most), then ``AFTER``."""

    def __init__(self) -> None:
        self.go_on = threading.Event()
        self.paused = threading.Event()
        self.server = _PausingServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in BEFORE:
                    self._event(body, {"content": piece}, None)
                provider.paused.set()
                provider.go_on.wait(30)
                for piece in AFTER:
                    self._event(body, {"content": piece}, None)
                self._event(body, {}, "stop")
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")

            def _event(self, body: dict[str, Any], delta: dict[str, Any], end: Any) -> None:
                event = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": delta, "finish_reason": end}],
                }
                self._chunk(f"data: {json.dumps(event)}\n\n".encode())

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

        return Handler


@pytest.fixture
def provider() -> Iterator[PausingProvider]:
    provider = PausingProvider()
    provider.thread.start()
    try:
        yield provider
    finally:
        provider.go_on.set()
        provider.server.shutdown()
        provider.server.server_close()


def _start(llm: str, user_dir: Path, provider: PausingProvider) -> Terminal:
    entry = {"model_id": "pausing", "model_name": "gpt-x", "api_base": provider.url}
    (user_dir / "extra-openai-models.yaml").write_text(yaml.safe_dump([entry]))
    return Terminal([llm, "-m", "pausing", "--key", "sk-test", "hi"], user_dir)


def _on_screen_within(term: Terminal, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in term.text():
            return True
        term._pump(0.02)
    return text in term.text()


def test_text_before_a_pause_is_drawn_while_the_model_is_paused(
    llm_executable: str, user_dir: Path, provider: PausingProvider
) -> None:
    term = _start(llm_executable, user_dir, provider)
    try:
        assert provider.paused.wait(60), "the request never came"
        # The redraw interval is 0.1 s; 2 s allows for a busy machine, and is still far
        # shorter than the pause (which lasts until the test ends it).
        assert _on_screen_within(term, "Sure. Thinking about it...", 2.0), term.text()
        assert not provider.go_on.is_set()
    finally:
        provider.go_on.set()
    assert term.finish() == 0
    assert term.text().count("Sure. Thinking about it... Done: 42.") == 1, term.text()
    assert "**" not in term.text()


def test_ctrl_c_during_the_pause_shows_the_answer_once_without_a_traceback(
    llm_executable: str, user_dir: Path, provider: PausingProvider
) -> None:
    term = _start(llm_executable, user_dir, provider)
    assert provider.paused.wait(60), "the request never came"
    assert _on_screen_within(term, "Sure. Thinking about it...", 2.0), term.text()
    term.send(b"\x03")
    status = term.finish(timeout=60)
    text = term.text()
    assert status != 0
    assert "Traceback" not in text, text
    assert text.count("Sure. Thinking about it...") == 1, text
    assert "Done" not in text
    assert b"Exception in thread" not in term.raw

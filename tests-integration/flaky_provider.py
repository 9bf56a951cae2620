"""A provider on 127.0.0.1 that fails the ways real ones do, and counts what it was sent.

It speaks OpenAI's chat completions (streamed as server-sent events and not), so both our
OpenAI provider and :class:`RawHttpModel` (a plugin model of the kind published plugins are:
its own HTTP calls through httpx2, its own errors) can be pointed at it. What it does depends
on the ``model`` of the request:

- ``ok``: answers ``Hello from ok`` in three chunks
- ``429-once``: 429 with ``Retry-After: 0.2`` the first time, then like ``ok``
- ``429-days``: 429 asking to retry after three days
- ``503``: always 503
- ``context``: 400 saying the prompt is longer than the context window
- ``slow``: answers after 3 seconds
- ``cut``: streams two chunks, then drops the connection
- ``401``: rejects the key
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import llm


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or are cut off hang up early


class FlakyProvider:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._server = _Quiet(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FlakyProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model = body["model"]
                provider.counts[model] += 1
                if model == "429-once" and provider.counts[model] == 1:
                    return self._error(429, "Rate limit reached", {"Retry-After": "0.2"})
                if model == "429-days":
                    return self._error(429, "Spend limit reached", {"Retry-After": "259200"})
                if model == "503":
                    return self._error(503, "The engine is currently overloaded")
                if model == "401":
                    return self._error(401, "Incorrect API key provided")
                if model == "context":
                    return self._error(
                        400,
                        "This model's maximum context length is 8 tokens",
                        code="context_length_exceeded",
                    )
                if model == "slow":
                    time.sleep(3)
                self._answer(body, ["Hello ", "from ", model], cut=model == "cut")

            def _error(
                self,
                status: int,
                message: str,
                headers: dict[str, str] | None = None,
                code: str | None = None,
            ) -> None:
                data = json.dumps({"error": {"message": message, "code": code}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, body: dict[str, Any], pieces: list[str], cut: bool) -> None:
                if not body.get("stream"):
                    message = {"role": "assistant", "content": "".join(pieces)}
                    data = json.dumps(
                        {
                            "id": "c1",
                            "object": "chat.completion",
                            "created": 1,
                            "model": body["model"],
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        }
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = pieces[:2] if cut else pieces
                for piece in sent:
                    self._event(body, {"content": piece}, None)
                if cut:  # the connection drops before the stream's last chunk
                    self.close_connection = True
                    return
                self._event(body, {}, "stop")
                self._write_chunk(b"data: [DONE]\n\n")
                self._write_chunk(b"")

            def _event(
                self, body: dict[str, Any], delta: dict[str, Any], finish: str | None
            ) -> None:
                chunk = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                self._write_chunk(f"data: {json.dumps(chunk)}\n\n".encode())

            def _write_chunk(self, data: bytes) -> None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

        return Handler


def _sse_text(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith("data: ") and line != "data: [DONE]":
            delta = json.loads(line[6:])["choices"][0]["delta"]
            if delta.get("content"):
                yield delta["content"]


class RawHttpModel(llm.Model):
    """A plugin model that knows nothing of llm's errors: it calls ``raise_for_status()`` and
    lets httpx2 raise, as many published plugins do."""

    can_stream = True

    def __init__(self, model_id: str, remote: str, api_base: str) -> None:
        self.model_id = model_id
        self.remote = remote
        self.api_base = api_base

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        import httpx2

        payload = {
            "model": self.remote,
            "stream": True,
            "messages": [{"role": "user", "content": prompt.prompt}],
        }
        with (
            httpx2.Client(timeout=1.0) as client,
            client.stream("POST", f"{self.api_base}/chat/completions", json=payload) as answer,
        ):
            if answer.is_error:
                answer.read()  # so the error carries the provider's message
            answer.raise_for_status()
            yield from _sse_text(answer.iter_lines())


class AsyncRawHttpModel(llm.AsyncModel):
    can_stream = True

    def __init__(self, model_id: str, remote: str, api_base: str) -> None:
        self.model_id = model_id
        self.remote = remote
        self.api_base = api_base

    async def execute(
        self, prompt: Any, stream: bool, response: Any, conversation: Any
    ) -> AsyncIterator[str]:
        import httpx2

        payload = {
            "model": self.remote,
            "stream": True,
            "messages": [{"role": "user", "content": prompt.prompt}],
        }
        async with (
            httpx2.AsyncClient(timeout=1.0) as client,
            client.stream("POST", f"{self.api_base}/chat/completions", json=payload) as answer,
        ):
            if answer.is_error:
                await answer.aread()
            answer.raise_for_status()
            async for line in answer.aiter_lines():
                for text in _sse_text(iter([line])):
                    yield text

"""A small server on 127.0.0.1 that speaks the OpenAI wire format, for end-to-end tests.

What it does depends on the ``model`` in the request:

- ``fake-chat``: answers ``Hello from fake: <last user text>`` (SSE when ``stream``)
- ``fake-tools``: asks for a call of the first tool with ``{"a": 2, "b": 3}``, then answers
  with the tool's result once it is sent back
- ``fake-429-once``: a 429 with ``Retry-After`` for the first request, then like fake-chat
- ``fake-500``: always a 500
- ``fake-cutoff``: streams two chunks then closes the connection mid-response
- ``fake-slow``: waits 2 seconds before answering
- ``fake-reset-once``: resets the connection (TCP RST, no response) on the first request,
  then like fake-chat
- ``fake-503-twice``: a 503 for the first two requests, then like fake-chat
- ``fake-echo-request``: answers with the JSON of the request it received
- ``fake-thinker``: reasons first in ``reasoning_content`` (as llama.cpp, vLLM and DeepSeek
  do), ``Let me think.``, then answers like fake-chat

``POST /v1/responses`` (the Responses API) answers any model with ``Hello from fake:
<last user text>``, preceded by a reasoning item (summary ``Thinking about it``, encrypted
content ``enc-<n>``) when the request includes ``reasoning.encrypted_content``; with tools,
it first calls the first tool with ``{"a": 2, "b": 3}``, then answers ``Result: <output>``;
with the hosted ``web_search`` tool, a ``web_search_call`` item comes before the answer.
Streams are ``response.*`` server-sent events ending with ``response.completed``.

Requests with a bearer token other than ``sk-good`` (or ``no-key-needed`` for the keyless
model ``fake-keyless``) get a 401.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_KEY = "sk-good"
CREATED = 1700000000


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up early (timeouts, cut-off streams) are expected


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        self.requests.clear()
        self.counts.clear()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if not self._authorised("any"):
                    return
                if self.path.rstrip("/") == "/v1/models":
                    data = [
                        {
                            "id": "fake-chat",
                            "object": "model",
                            "created": CREATED,
                            "owned_by": "me",
                        },
                        {
                            "id": "gpt-4o-mini",
                            "object": "model",
                            "created": CREATED,
                            "owned_by": "openai",
                        },
                    ]
                    self._json(200, {"object": "list", "data": data})
                else:
                    self._json(404, {"error": {"message": "Not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                model = body.get("model", "")
                fake.counts[model] += 1
                if not self._authorised(model):
                    return
                if self.path == "/v1/embeddings":
                    return self._embeddings(body)
                if self.path == "/v1/completions":
                    return self._completion(body)
                if self.path == "/v1/responses":
                    return self._responses(body)
                if self.path != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": f"No route {self.path}"}})
                if model == "fake-500":
                    return self._json(500, {"error": {"message": "The server had an error"}})
                if model == "fake-429-once" and fake.counts[model] == 1:
                    return self._json(
                        429,
                        {"error": {"message": "Rate limit reached", "type": "requests"}},
                        {"Retry-After": "0.2"},
                    )
                if model == "fake-reset-once" and fake.counts[model] == 1:
                    return self._reset()
                if model == "fake-503-twice" and fake.counts[model] <= 2:
                    return self._json(503, {"error": {"message": "Service unavailable"}})
                if model == "fake-slow":
                    time.sleep(2)
                if model == "fake-cutoff":
                    return self._cut_off()
                if model == "fake-tools" and body.get("tools"):
                    last = body["messages"][-1]
                    if last["role"] != "tool":
                        name = body["tools"][0]["function"]["name"]
                        return self._tool_call(body, name, '{"a": 2, "b": 3}')
                    return self._answer(body, f"Result: {last['content']}")
                if model == "fake-echo-request":
                    return self._answer(body, json.dumps(body))
                if model == "fake-thinker":
                    text = _last_user_text(body["messages"])
                    return self._answer(body, f"Hello from fake: {text}", "Let me think.")
                text = _last_user_text(body["messages"])
                return self._answer(body, f"Hello from fake: {text}")

            # -- replies

            def _authorised(self, model: str) -> bool:
                token = (self.headers.get("authorization") or "").removeprefix("Bearer ")
                if token == GOOD_KEY or (model == "fake-keyless" and token == "no-key-needed"):
                    return True
                self._json(
                    401,
                    {
                        "error": {
                            "message": "Incorrect API key provided",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    },
                )
                return False

            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _sse_start(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()

            def _sse(self, data: Any) -> None:
                text = data if isinstance(data, str) else json.dumps(data)
                event = f"data: {text}\n\n".encode()
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()

            def _sse_end(self) -> None:
                self._sse("[DONE]")
                self.wfile.write(b"0\r\n\r\n")

            def _answer(self, body: dict[str, Any], text: str, reasoning: str = "") -> None:
                usage = {
                    "prompt_tokens": 10,
                    "completion_tokens": 5,
                    "total_tokens": 15,
                    "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": 0},
                }
                if not body.get("stream"):
                    message = {"role": "assistant", "content": text}
                    if reasoning:
                        message["reasoning_content"] = reasoning
                    return self._json(200, _completion(body, message, "stop", usage))
                self._sse_start()
                for piece in (reasoning[:4], reasoning[4:]) if reasoning else ():
                    self._sse(_chunk(body, {"content": None, "reasoning_content": piece}))
                pieces = [text[: len(text) // 2], text[len(text) // 2 :]]
                for piece in pieces:
                    self._sse(_chunk(body, {"content": piece}))
                self._sse(_chunk(body, {}, "stop"))
                self._sse({**_chunk(body, {}), "choices": [], "usage": usage})
                self._sse_end()

            def _tool_call(self, body: dict[str, Any], name: str, arguments: str) -> None:
                call_id = "call_fake_1"
                usage = {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27}
                if not body.get("stream"):
                    message = {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": call_id,
                                "type": "function",
                                "function": {"name": name, "arguments": arguments},
                            }
                        ],
                    }
                    return self._json(200, _completion(body, message, "tool_calls", usage))
                self._sse_start()
                first = {"index": 0, "id": call_id, "type": "function"}
                first["function"] = {"name": name, "arguments": ""}
                self._sse(_chunk(body, {"role": "assistant", "tool_calls": [first]}))
                half = len(arguments) // 2
                for part in (arguments[:half], arguments[half:]):
                    delta = {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}
                    self._sse(_chunk(body, delta))
                self._sse(_chunk(body, {}, "tool_calls"))
                self._sse({**_chunk(body, {}), "choices": [], "usage": usage})
                self._sse_end()

            def _reset(self) -> None:
                """Abort the connection: SO_LINGER with a zero timeout makes close() send RST."""
                import socket
                import struct

                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()

            def _cut_off(self) -> None:
                self._sse_start()
                self._sse(_chunk({"model": "fake-cutoff"}, {"content": "The first "}))
                self._sse(_chunk({"model": "fake-cutoff"}, {"content": "half"}))
                # Close without the final chunk of the chunked encoding.
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)

            def _completion(self, body: dict[str, Any]) -> None:
                text = " there"
                usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
                logprobs = None
                if body.get("logprobs"):
                    logprobs = {
                        "tokens": [" there"],
                        "token_logprobs": [-0.1],
                        "top_logprobs": [{" there": -0.1, " world": -2.5}],
                        "text_offset": [0],
                    }
                base = {"id": "cmpl-1", "object": "text_completion", "created": CREATED}
                base["model"] = body["model"]
                choice = {"index": 0, "text": text, "logprobs": logprobs, "finish_reason": "stop"}
                if not body.get("stream"):
                    return self._json(200, {**base, "choices": [choice], "usage": usage})
                self._sse_start()
                self._sse({**base, "choices": [{**choice, "finish_reason": None}]})
                self._sse({**base, "choices": [{**choice, "text": "", "logprobs": None}]})
                self._sse({**base, "choices": [], "usage": usage})
                self._sse_end()

            def _responses(self, body: dict[str, Any]) -> None:
                number = len(fake.requests)
                output: list[dict[str, Any]] = []
                if "reasoning.encrypted_content" in (body.get("include") or []):
                    output.append(
                        {
                            "id": f"rs_{number}",
                            "type": "reasoning",
                            "summary": [{"type": "summary_text", "text": "Thinking about it"}],
                            "encrypted_content": f"enc-{number}",
                        }
                    )
                last = body["input"][-1]
                # server-side tools (web_search...) are the provider's: only functions are called
                functions = [t for t in body.get("tools") or [] if t.get("type") == "function"]
                if functions and last.get("type") != "function_call_output":
                    output.append(
                        {
                            "id": f"fc_{number}",
                            "type": "function_call",
                            "status": "completed",
                            "call_id": f"call_{number}",
                            "name": functions[0]["name"],
                            "arguments": '{"a": 2, "b": 3}',
                        }
                    )
                else:
                    if any(t.get("type") == "web_search" for t in body.get("tools") or []):
                        output.append(  # OpenAI's hosted search, run before it answers
                            {
                                "id": f"ws_{number}",
                                "type": "web_search_call",
                                "status": "completed",
                                "action": {"type": "search", "query": "news"},
                            }
                        )
                    if last.get("type") == "function_call_output":
                        text = f"Result: {last['output']}"
                    else:
                        text = f"Hello from fake: {_last_user_text(body['input'])}"
                    output.append(
                        {
                            "id": f"msg_{number}",
                            "type": "message",
                            "role": "assistant",
                            "status": "completed",
                            "content": [{"type": "output_text", "text": text, "annotations": []}],
                        }
                    )
                final = {
                    "id": f"resp_{number}",
                    "object": "response",
                    "created_at": CREATED,
                    "model": body["model"],
                    "status": "completed",
                    "output": output,
                    "service_tier": body.get("service_tier", "default"),
                    "usage": {
                        "input_tokens": 10,
                        "output_tokens": 5,
                        "total_tokens": 15,
                        "output_tokens_details": {"reasoning_tokens": 3},
                    },
                }
                if not body.get("stream"):
                    return self._json(200, final)
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()

                def event(data: dict[str, Any]) -> None:
                    raw = f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()
                    self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
                    self.wfile.flush()

                for index, item in enumerate(output):
                    if item["type"] == "reasoning":
                        for piece in ("Thinking ", "about it"):
                            event(
                                {
                                    "type": "response.reasoning_summary_text.delta",
                                    "item_id": item["id"],
                                    "output_index": index,
                                    "summary_index": 0,
                                    "delta": piece,
                                }
                            )
                    if item["type"] == "message":
                        text = item["content"][0]["text"]
                        for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                            event(
                                {
                                    "type": "response.output_text.delta",
                                    "item_id": item["id"],
                                    "output_index": index,
                                    "content_index": 0,
                                    "delta": piece,
                                }
                            )
                    event(
                        {"type": "response.output_item.done", "output_index": index, "item": item}
                    )
                event({"type": "response.completed", "response": final})
                self.wfile.write(b"0\r\n\r\n")

            def _embeddings(self, body: dict[str, Any]) -> None:
                size = body.get("dimensions") or 3
                items = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [
                    {"object": "embedding", "index": i, "embedding": [float(len(text))] * size}
                    for i, text in enumerate(items)
                ]
                usage = {"prompt_tokens": len(items), "total_tokens": len(items)}
                self._json(
                    200, {"object": "list", "data": data, "model": body["model"], "usage": usage}
                )

        return Handler


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message["content"]
            if isinstance(content, list):
                return " ".join(p.get("text", f"[{p['type']}]") for p in content)
            return content
    return ""


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": body.get("model", ""),
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _completion(body: dict[str, Any], message: dict, finish: str, usage: dict) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }

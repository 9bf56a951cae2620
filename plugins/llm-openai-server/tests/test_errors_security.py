"""Errors in OpenAI's shape with the statuses clients expect, and the safe defaults:
token, Host allow-list, origins."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest

from .conftest import Running


def test_unknown_model_is_404(server: Running) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        server.client().chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "x"}]
        )
    assert raised.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        server.client().embeddings.create(model="no-such-model", input="x")
    with pytest.raises(openai.NotFoundError):
        server.client().models.retrieve("no-such-model")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "echo"}, "messages must be a non-empty list"),
        ({"model": "echo", "messages": [{"role": "wizard", "content": "x"}]}, "not supported"),
        (
            {"model": "echo", "messages": [{"role": "user", "content": "x"}], "options": {"z": 1}},
            "unknown option for this model: z",
        ),
        (
            {
                "model": "echo",
                "messages": [{"role": "user", "content": "x"}],
                "options": {"example_bool": "not a bool"},
            },
            "example_bool",
        ),
        (
            {"model": "echo", "messages": [{"role": "user", "content": "x"}], "tools": [{}]},
            "must be a function tool",
        ),
        (
            {
                "model": "markov",
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "t"}}],
            },
            "does not support tools",
        ),
        (
            {
                "model": "echo",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo"},
                ],
            },
            "the last message must be from the user or a tool",
        ),
    ],
)
def test_bad_requests_are_400(server: Running, body: dict[str, Any], message: str) -> None:
    with server.http() as http:
        answer = http.post("/v1/chat/completions", json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert message in error["message"]


def test_bad_request_through_the_sdk(server: Running) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        server.client().chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "x"}],
            extra_body={"options": {"example_bool": "maybe"}},
        )
    assert "example_bool" in raised.value.message


def test_body_that_is_not_json_is_400(server: Running) -> None:
    with server.http() as http:
        answer = http.post("/v1/chat/completions", content=b"{nope")
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_bad_or_missing_token_is_401(server: Running) -> None:
    for token in ("wrong", ""):
        client = openai.OpenAI(base_url=server.v1, api_key=token or "x", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as raised:
            client.models.list()
        assert raised.value.code == "invalid_api_key"
    with server.http(token=None) as http:
        assert http.get("/v1/models").status_code == 401
        # The health check and the page itself need no token; the page's data does.
        assert http.get("/health").json()["status"] == "ok"
        assert http.get("/").status_code == 200
        assert http.get("/api/logs/conversations").status_code == 401


def test_no_auth_serves_without_a_token(serve: Any) -> None:
    with serve(token=None) as running, running.http(token=None) as http:
        assert http.get("/v1/models").status_code == 200


def test_host_allow_list_stops_dns_rebinding(serve: Any) -> None:
    with serve(allowed_hosts=("llm.example.test",)) as running, running.http() as http:
        assert http.get("/health", headers={"Host": "attacker.example"}).status_code == 400
        assert http.get("/v1/models", headers={"Host": "attacker.example:80"}).status_code == 400
        for host in ("localhost:1234", "127.0.0.1", "[::1]:80", "llm.example.test"):
            assert http.get("/v1/models", headers={"Host": host}).status_code == 200, host


def test_no_cross_origin_access_unless_allowed(serve: Any) -> None:
    request = {"model": "echo", "messages": [{"role": "user", "content": "x"}]}
    with serve() as running, running.http() as http:
        answer = http.post(
            "/v1/chat/completions", json=request, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code == 403
        assert "access-control-allow-origin" not in answer.headers
        preflight = http.options(
            "/v1/chat/completions",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
        # Sandboxed frames and file: pages send "null": no more welcome than any other.
        sandboxed = http.post("/v1/chat/completions", json=request, headers={"Origin": "null"})
        assert sandboxed.status_code == 403
        # The page served by the server itself is same-origin.
        same = http.post("/v1/chat/completions", json=request, headers={"Origin": running.base})
        assert same.status_code == 200
    with serve(allowed_origins=("https://app.example",)) as running, running.http() as http:
        preflight = http.options(
            "/v1/chat/completions",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        answer = http.post(
            "/v1/chat/completions", json=request, headers={"Origin": "https://app.example"}
        )
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://app.example"
        assert "x-llm-conversation-id" in answer.headers["access-control-expose-headers"].lower()
        other = http.post(
            "/v1/chat/completions", json=request, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 403


# ------------------------------------------------------------------ a provider's 429


class RateLimited(BaseHTTPRequestHandler):
    """An OpenAI-compatible upstream that is out of quota."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"error": {"message": "Slow down", "type": "requests", "code": "rate_limit_exceeded"}}
        ).encode()
        self.send_response(429)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "7")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def limited_upstream(user_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), RateLimited)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    (user_path / "extra-openai-models.yaml").write_text(
        "- model_id: limited\n"
        "  model_name: limited\n"
        f"  api_base: http://127.0.0.1:{upstream.server_port}/v1\n"
        "  api_key_name: limited\n"
    )
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    (user_path / "keys.json").write_text(json.dumps({"limited": "upstream-key"}))
    try:
        yield "limited"
    finally:
        upstream.shutdown()


@pytest.mark.parametrize("stream", [False, True])
def test_provider_429_passed_on_with_retry_after(
    serve: Any, limited_upstream: str, stream: bool
) -> None:
    with serve() as running, pytest.raises(openai.RateLimitError) as raised:
        running.client().chat.completions.create(
            model=limited_upstream,
            messages=[{"role": "user", "content": "x"}],
            stream=stream,
        )
    assert raised.value.response.headers["retry-after"] == "7"
    assert "Slow down" in raised.value.message


def test_missing_provider_key_is_a_server_error(serve: Any) -> None:
    with serve() as running, pytest.raises(openai.InternalServerError) as raised:
        running.client().chat.completions.create(
            model="echo-needs-key", messages=[{"role": "user", "content": "x"}]
        )
    assert raised.value.code == "missing_provider_key"

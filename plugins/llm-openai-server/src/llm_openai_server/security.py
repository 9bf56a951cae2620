"""The server's defaults against other programs on the machine and web pages in the browser:
a bearer token, a Host allow-list (DNS rebinding), and origins (cross-site requests).

Everything here is plain ASGI, no web framework: one check per request, before routing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import secrets
import stat
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any

import llm
from llm.config import write_atomic

TOKEN_FILE = "serve-token.txt"
#: Paths anyone may fetch: the page itself (it asks for the token) and the health check.
PUBLIC_PATHS = frozenset({"/", "/health", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def token_path() -> Path:
    return llm.user_dir() / TOKEN_FILE


def stored_token() -> str:
    """The token kept in the user directory (owner-only), made on first use."""
    path = token_path()
    if path.is_file():
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)  # someone loosened it: the token is a secret
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, token + "\n", private=True)
    return token


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    """The name in a Host header, without its port (IPv6 literals keep no brackets)."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str | None, allowed: Collection[str]) -> bool:
    """DNS rebinding gives an attacker's name this machine's address; the browser then sends
    that name as Host. An IP literal cannot be rebound, nor can ``localhost``; any other
    name must be one the operator allowed (``--allow-host``, or ``--host NAME``)."""
    if not header:
        return False
    name = _host_name(header.strip()).lower()
    if name == "localhost" or name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _error(status: int, message: str, code: str) -> tuple[int, bytes]:
    kind = "invalid_request_error" if status != 403 else "permission_error"
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return status, json.dumps(body).encode()


async def _reply(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Host, then origin, then token: the first that fails answers, in OpenAI's error JSON."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        allowed_hosts: Collection[str],
        allowed_origins: Collection[str],
    ) -> None:
        self.app = app
        self.token = token.encode() if token is not None else None
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}

    def _problem(self, scope: Scope) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host")
        if not host_allowed(host, self.allowed_hosts):
            return (*_error(400, f"Host {host!r} is not allowed", "host_not_allowed"), [])
        origin = headers.get("origin")
        # "null" is what sandboxed frames and file: pages send: refused unless allowed too.
        if origin and not self._origin_allowed(origin, host or ""):
            message = f"Origin {origin} is not allowed (start llm serve with --allow-origin)"
            return (*_error(403, message, "origin_not_allowed"), [])
        path = scope.get("path", "")
        if scope.get("method") == "OPTIONS" or self.token is None:
            return None
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        given = headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), self.token
        ):
            message = "Missing or invalid bearer token (shown by llm serve when it starts)"
            challenge = [(b"www-authenticate", b'Bearer realm="llm serve"')]
            return (*_error(401, message, "invalid_api_key"), challenge)
        return None

    def _origin_allowed(self, origin: str, host: str) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        # The page this server serves calls it from its own origin.
        return origin in (f"http://{host.lower()}", f"https://{host.lower()}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                await _reply(send, *problem)
                return
        await self.app(scope, receive, send)

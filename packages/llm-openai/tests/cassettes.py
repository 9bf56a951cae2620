"""Replaying vcrpy cassettes through ``httpx2.MockTransport``.

vcrpy patches ``httpx`` but not ``httpx2``, which the openai SDK now uses; the cassette
format is simple enough to replay directly: interactions are answered in order, and each
request is checked against the recorded method and URL and kept for the test to inspect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import yaml

# Two real exchanges with the OpenAI API, recorded by the original project (vcrpy format).
RECORDINGS = Path(__file__).resolve().parent / "recordings"

# Headers that describe the recorded transfer, not the body we hand back.
_DROP = {"content-length", "transfer-encoding", "connection", "set-cookie"}


class Cassette:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.interactions: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
        self.requests: list[httpx2.Request] = []

    @classmethod
    def named(cls, name: str) -> Cassette:
        return cls(RECORDINGS / f"{name}.yaml")

    def recorded_body(self, index: int) -> dict[str, Any]:
        return json.loads(self.interactions[index]["request"]["body"])

    def sent_body(self, index: int) -> dict[str, Any]:
        return json.loads(self.requests[index].content)

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self._handle)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        index = len(self.requests)
        if index >= len(self.interactions):
            raise AssertionError(f"unexpected request #{index + 1}: {request.url}")
        recorded = self.interactions[index]
        expected = recorded["request"]
        assert request.method == expected["method"]
        assert str(request.url) == expected["uri"], (str(request.url), expected["uri"])
        self.requests.append(request)
        answer = recorded["response"]
        body = answer["body"]["string"]
        headers = [
            (name, value)
            for name, values in answer["headers"].items()
            if name.lower() not in _DROP
            for value in values
        ]
        content = body if isinstance(body, bytes) else body.encode()
        return httpx2.Response(answer["status"]["code"], headers=headers, content=content)

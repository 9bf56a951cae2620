"""Fetching a fragment or template URL: text, HTTP errors and the size limit (loopback only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import click
import pytest

from llm_cli.fetch import fetch_text

PAGES = {"/ok": (200, "héllo".encode()), "/big": (200, b"x" * 5000), "/gone": (404, b"no")}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = PAGES.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_text_is_decoded(base_url: str) -> None:
    assert fetch_text(f"{base_url}/ok", "fragment") == "héllo"


def test_http_errors_name_what_was_loading(base_url: str) -> None:
    with pytest.raises(click.ClickException, match=r"^Could not load template .*/gone: .*404"):
        fetch_text(f"{base_url}/gone", "template")


def test_size_limit(base_url: str) -> None:
    assert len(fetch_text(f"{base_url}/big", "fragment", limit=5000)) == 5000
    with pytest.raises(click.ClickException, match="larger than 4999 bytes"):
        fetch_text(f"{base_url}/big", "fragment", limit=4999)


def test_unreachable_host_is_a_clear_error() -> None:
    with pytest.raises(
        click.ClickException, match=r"^Could not load fragment http://127\.0\.0\.1:9/"
    ):
        fetch_text("http://127.0.0.1:9/x", "fragment")

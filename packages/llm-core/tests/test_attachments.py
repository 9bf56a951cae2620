"""Attachments: IDs, content and type detection from real bytes (and a real local server)."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import llm


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def make_mp3(id3: bool = False) -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x00" if id3 else b""
    return tag + frame * 3


def make_wav() -> bytes:
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
    return b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", 0)


def make_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (make_png(), "image/png"),
        (make_jpeg(), "image/jpeg"),
        (make_mp3(), "audio/mpeg"),
        (make_mp3(id3=True), "audio/mpeg"),
        (make_wav(), "audio/wav"),
        (make_pdf(), "application/pdf"),
    ],
    ids=["png", "jpeg", "mp3", "mp3-id3", "wav", "pdf"],
)
def test_type_detection_from_content_and_path(
    content: bytes, expected: str, tmp_path: Path
) -> None:
    assert llm.Attachment(content=content).resolve_type() == expected
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    attachment = llm.Attachment(path=str(path))
    assert attachment.resolve_type() == expected
    assert attachment.type is None  # as given: the original leaves it so (echo shows it)
    assert attachment._resolved_type == expected  # remembered: a URL is asked once


def test_given_type_wins() -> None:
    assert llm.Attachment(type="image/webp", content=make_png()).resolve_type() == "image/webp"


def test_undetectable_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="Could not determine"):
        llm.Attachment(content=b"just some words").resolve_type()


def test_id_is_sha256_of_content(tmp_path: Path) -> None:
    content = make_png()
    expected = hashlib.sha256(content).hexdigest()
    assert llm.Attachment(content=content).id() == expected
    path = tmp_path / "image.png"
    path.write_bytes(content)
    assert llm.Attachment(path=str(path)).id() == expected


def test_id_of_url_is_sha256_of_url_json() -> None:
    url = "http://127.0.0.1:9/image.png"
    expected = hashlib.sha256(json.dumps({"url": url}).encode("utf-8")).hexdigest()
    assert llm.Attachment(url=url).id() == expected


def test_path_is_resolved_and_content_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pic.png").write_bytes(make_png())
    monkeypatch.chdir(tmp_path)
    attachment = llm.Attachment(path="pic.png")
    assert attachment.path == str(tmp_path / "pic.png")
    assert attachment.content_bytes() == make_png()
    assert attachment.base64_content() == base64.b64encode(make_png()).decode()


def test_empty_attachment_has_no_content() -> None:
    with pytest.raises(ValueError):
        llm.Attachment().content_bytes()


def test_prompt_with_attachment_validated_by_type() -> None:
    class Vision(llm.Model):
        model_id = "vision"
        attachment_types = {"image/png"}

        def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            yield ",".join(a.resolve_type() for a in prompt.attachments)

    assert Vision().prompt("x", attachments=[llm.Attachment(content=make_png())]).text() == (
        "image/png"
    )
    with pytest.raises(ValueError, match="application/pdf"):
        Vision().prompt("x", attachments=[llm.Attachment(content=make_pdf())])


# ------------------------------------------------------------------ URLs, on a local server


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {
        "/typed.png": ("image/png; charset=binary", make_png()),
        "/untyped": ("", make_jpeg()),
    }

    def _send(self, body: bool) -> None:
        if self.path.startswith("/hop-"):  # /hop-N redirects to /hop-N+1, forever
            self.send_response(301)
            self.send_header("Location", f"/hop-{int(self.path[5:]) + 1}")
            self.end_headers()
            return
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/typed.png")
            self.end_headers()
            return
        if self.path not in self.files:
            self.send_response(404)
            self.end_headers()
            return
        content_type, content = self.files[self.path]
        self.send_response(200)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_GET(self) -> None:
        self._send(body=True)

    def do_HEAD(self) -> None:
        self._send(body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    pytest.importorskip("httpx2", reason="URL attachments need httpx2 (see llm-core deps)")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_url_type_from_headers(server: str) -> None:
    attachment = llm.Attachment(url=f"{server}/typed.png")
    assert attachment.resolve_type() == "image/png"


def test_url_type_from_content_when_header_missing(server: str) -> None:
    assert llm.Attachment(url=f"{server}/untyped").resolve_type() == "image/jpeg"


def test_url_content_and_id(server: str) -> None:
    url = f"{server}/typed.png"
    attachment = llm.Attachment(url=url)
    assert attachment.content_bytes() == make_png()
    assert attachment.base64_content() == base64.b64encode(make_png()).decode()
    # Fetching the content does not change the ID: it stays the hash of the URL.
    assert attachment.id() == hashlib.sha256(json.dumps({"url": url}).encode()).hexdigest()


def test_url_missing_is_an_error(server: str) -> None:
    import httpx2

    with pytest.raises(httpx2.HTTPStatusError):
        llm.Attachment(url=f"{server}/missing").content_bytes()


def test_url_redirects_are_followed_three_times_at_most(server: str) -> None:
    import httpx2

    moved = llm.Attachment(url=f"{server}/moved")
    assert moved.resolve_type() == "image/png"
    assert moved.content_bytes() == make_png()
    with pytest.raises(httpx2.TooManyRedirects):
        llm.Attachment(url=f"{server}/hop-0").content_bytes()
    with pytest.raises(httpx2.TooManyRedirects):
        llm.Attachment(url=f"{server}/hop-0").resolve_type()

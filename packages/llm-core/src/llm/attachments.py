"""Attachments: images, audio, PDFs and other files sent along with a prompt."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .identity import attachment_id

#: Redirects followed when fetching a URL attachment (as 0.32+): a loop fails fast.
MAX_REDIRECTS = 3

# Names puremagic reports that differ from what model plugins check for.
_MIME_TYPE_FIXES = {"audio/mp3": "audio/mpeg", "audio/wave": "audio/wav"}


def detect_type(data: bytes, filename: str | None = None) -> str | None:
    """Guess a content type from the first bytes of a file; its ``filename``'s extension
    helps where the bytes alone do not tell (plain text), as the original's detection."""
    import puremagic  # imported here: only attachments need it

    head = data[:2048]
    try:
        mime = puremagic.from_string(head, mime=True, filename=filename)
        if not mime:
            # The best match can be a format with no registered type (an ID3-tagged MP3 first
            # matches an obscure ".koz" signature): take the best match that has one.
            mime = next((m.mime_type for m in puremagic.magic_string(head) if m.mime_type), "")
    except (puremagic.PureError, ValueError):
        return None
    return _MIME_TYPE_FIXES.get(mime, mime) or None


@dataclass
class Attachment:
    """A file given by path, by URL or as bytes; ``type`` is detected when not given."""

    type: str | None = None
    path: str | None = None
    url: str | None = None
    content: bytes | None = None
    _id: str | None = field(default=None, repr=False)
    _resolved_type: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path = str(Path(self.path).resolve())

    def id(self) -> str:
        """A stable ID: the SHA-256 of the content, or of ``{"url": url}`` for URLs."""
        if self._id is None:
            if self.content:
                data: bytes | None = self.content
            elif self.path:
                data = Path(self.path).read_bytes()
            else:
                data = None  # known by URL only: its ID never depends on fetching it
            self._id = attachment_id(data, self.url)
        return self._id

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Attachment:
        """An attachment as logged (a row of the ``attachments`` table): its recorded ID, and
        its path as recorded, not resolved again (the file may have moved since)."""
        attachment = cls(type=row.get("type"), url=row.get("url"), content=row.get("content"))
        attachment.path = row.get("path")
        attachment._id = row.get("id")
        return attachment

    def resolve_type(self) -> str:
        """The content type: as given, or detected from the content (or the URL's headers)."""
        if self.type:
            return self.type
        if self._resolved_type:
            return self._resolved_type
        if self.path:
            with open(self.path, "rb") as fp:
                detected = detect_type(fp.read(2048), filename=self.path)
        elif self.content is not None:
            detected = detect_type(self.content)
        elif self.url:
            detected = self._url_content_type() or detect_type(self.content_bytes())
        else:
            detected = None
        if not detected:
            raise ValueError(f"Could not determine the type of attachment {self.describe()}")
        # Remembered (a URL is asked once) but ``type`` stays as given, as the original's.
        self._resolved_type = detected
        return detected

    def content_bytes(self) -> bytes:
        """The binary content, read from the file or fetched from the URL if needed."""
        if self.content is not None:
            return self.content
        if self.path:
            return Path(self.path).read_bytes()
        if self.url:
            from . import limits

            # Within LLM_MAX_ATTACHMENT_BYTES and LLM_FETCH_TIMEOUT (``limits.LimitError``): a
            # server that trickles or never ends does not hold the prompt for ever.
            content, _ = limits.fetch(
                self.url,
                f"Could not fetch attachment {self.url}",
                limits.max_attachment_bytes(),
                limits.MAX_ATTACHMENT_BYTES_ENV,
                max_redirects=MAX_REDIRECTS,
            )
            # Not kept in ``self.content``: the ID of a URL attachment must stay the hash of
            # its URL, whether or not the content has been fetched.
            return content
        raise ValueError("Attachment has no path, url or content")

    def base64_content(self) -> str:
        return base64.b64encode(self.content_bytes()).decode("ascii")

    def describe(self) -> str:
        return self.path or self.url or f"<{len(self.content or b'')} bytes>"

    def _url_content_type(self) -> str | None:
        import httpx2

        assert self.url is not None
        with httpx2.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS) as client:
            response = client.head(self.url)
        content_type = response.headers.get("content-type", "")
        return content_type.split(";")[0].strip() or None

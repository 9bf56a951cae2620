"""Fragments: pieces of text (files, URLs, plugin output) assembled into a prompt."""

from __future__ import annotations

from .identity import fragment_hash


class Fragment(str):
    """A string that remembers where it came from (``source``: a path, URL or anything)."""

    source: str

    def __new__(cls, content: str, source: str = "") -> Fragment:
        fragment = super().__new__(cls, content)
        fragment.source = source
        return fragment

    def id(self) -> str:
        """The SHA-256 of the content: the key fragments are stored under."""
        return fragment_hash(str(self))

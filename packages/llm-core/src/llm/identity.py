"""The identities stored rows are keyed by: one function each, used by core, storage and CLI.

Each is computed exactly as the original tool computes it, so rows already recorded in an
existing log database are recognised (a fragment, schema, attachment or tool logged twice is
stored once).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fragment_hash(content: str) -> str:
    """The SHA-256 of a fragment's text (UTF-8): the ``fragments.hash`` it is stored under.

    Text, not file bytes: a file read as a fragment is decoded with universal newlines first,
    so a file with CRLF line endings hashes as its LF text does.
    """
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def schema_json(schema: dict[str, Any]) -> str:
    """A schema as the compact JSON text stored in ``schemas.content``."""
    return json.dumps(schema, separators=(",", ":"))


def schema_id(schema: dict[str, Any]) -> str:
    """The ``schemas.id`` of a JSON schema: a 16-byte BLAKE2b of its compact JSON."""
    return hashlib.blake2b(schema_json(schema).encode("utf-8"), digest_size=16).hexdigest()


def attachment_id(content: bytes | None = None, url: str | None = None) -> str:
    """The ``attachments.id``: the SHA-256 of the content (pass a file's bytes), or, for an
    attachment known only by URL, of ``{"url": url}``."""
    if content:
        return hashlib.sha256(content).hexdigest()
    return hashlib.sha256(json.dumps({"url": url}).encode("utf-8")).hexdigest()


def tool_hash(
    name: str,
    description: str | None,
    input_schema: dict[str, Any],
    plugin: str | None = None,
    *,
    server_side: bool = False,
) -> str:
    """The ``tools.hash`` of a tool definition: key order kept, ``plugin`` only when set;
    a server-side tool's definition also says ``"server_side": true`` (as 0.32+ hashes it)."""
    definition: dict[str, Any] = {
        "name": name,
        "description": description,
        "input_schema": input_schema,
    }
    if server_side:
        definition["server_side"] = True
    if plugin:
        definition["plugin"] = plugin
    return hashlib.sha256(json.dumps(definition).encode("utf-8")).hexdigest()

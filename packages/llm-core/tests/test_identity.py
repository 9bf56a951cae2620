"""The stored identities, each pinned to the value the original llm 0.26 computes, so rows
an existing database already holds are recognised. Each class method is the same function."""

from __future__ import annotations

from pathlib import Path

import llm
from llm import identity
from llm.utils import make_schema_id

# Computed with the original llm 0.26.
FRAGMENT = "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2"  # "a\nb\n"
SCHEMA = "ef1ffdd087a6c2b550b20db1cad43f4c"
HELLO = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"  # b"hello"
URL = "4509d135b8dccac5ed703ec3d14f36262fee03820b04a7864208e32be92ebbd4"
TOOL_WITH_PLUGIN = "1ab2c41d8765f582321e89db7bc1c03760378cb250fdcb99d5fb7a5a5aea70bd"
TOOL_WITHOUT_PLUGIN = "840b536420d6b2633fe612c6c449ca555e4952d97204e151e6d2bd265995e28e"

NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}
EMPTY_INPUT = {"type": "object", "properties": {}}


def test_fragment_hash() -> None:
    assert identity.fragment_hash("a\nb\n") == FRAGMENT
    assert llm.Fragment("a\nb\n", "notes.txt").id() == FRAGMENT


def test_schema_id_and_stored_json() -> None:
    assert identity.schema_id(NAME_SCHEMA) == SCHEMA
    assert (
        identity.schema_json(NAME_SCHEMA)
        == '{"type":"object","properties":{"name":{"type":"string"}}}'
    )
    assert make_schema_id(NAME_SCHEMA) == (SCHEMA, identity.schema_json(NAME_SCHEMA))


def test_attachment_id_by_content_path_and_url(tmp_path: Path) -> None:
    assert identity.attachment_id(b"hello") == HELLO
    assert identity.attachment_id(url="https://example.com/a.png") == URL
    assert llm.Attachment(content=b"hello").id() == HELLO
    image = tmp_path / "a.bin"
    image.write_bytes(b"hello")
    assert llm.Attachment(path=str(image)).id() == HELLO
    # A URL attachment's ID never depends on fetching it.
    assert llm.Attachment(url="https://example.com/a.png").id() == URL


def test_tool_hash() -> None:
    assert identity.tool_hash("t", "d", EMPTY_INPUT, "p") == TOOL_WITH_PLUGIN
    assert llm.Tool(name="t", description="d", input_schema=EMPTY_INPUT, plugin="p").hash() == (
        TOOL_WITH_PLUGIN
    )
    assert llm.Tool(name="t", input_schema=EMPTY_INPUT).hash() == TOOL_WITHOUT_PLUGIN


def test_attachment_from_row_keeps_what_was_logged() -> None:
    row = {"id": "abc", "type": "image/png", "path": "gone/a.png", "url": None, "content": None}
    attachment = llm.Attachment.from_row(row)
    assert attachment.id() == "abc"
    assert attachment.path == "gone/a.png"  # as recorded, not resolved again
    assert attachment.resolve_type() == "image/png"

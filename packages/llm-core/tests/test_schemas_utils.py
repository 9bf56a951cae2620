"""schema_dsl() and the helpers plugins import from llm.utils."""

from __future__ import annotations

import hashlib
import json

import pytest

import llm
from llm import utils


def test_schema_dsl_single_line() -> None:
    assert llm.schema_dsl("name, age int, height float, good bool, bio str") == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "height": {"type": "number"},
            "good": {"type": "boolean"},
            "bio": {"type": "string"},
        },
        "required": ["name", "age", "height", "good", "bio"],
    }


def test_schema_dsl_descriptions() -> None:
    assert llm.schema_dsl("name: the name, age int: years old") == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "the name"},
            "age": {"type": "integer", "description": "years old"},
        },
        "required": ["name", "age"],
    }


def test_schema_dsl_multi_line_allows_commas_in_descriptions() -> None:
    schema = llm.schema_dsl(
        """
        name: the dog's name, if known
        age int: age in years
        bio
        """
    )
    assert schema == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "the dog's name, if known"},
            "age": {"type": "integer", "description": "age in years"},
            "bio": {"type": "string"},
        },
        "required": ["name", "age", "bio"],
    }


def test_schema_dsl_multi() -> None:
    assert llm.schema_dsl("name, age int", multi=True) == {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["name", "age"],
                },
            }
        },
        "required": ["items"],
    }


def test_schema_dsl_unknown_type() -> None:
    with pytest.raises(ValueError, match="Unknown type 'integer'"):
        llm.schema_dsl("age integer")


def test_utils_schema_dsl_is_the_same_function() -> None:
    assert utils.schema_dsl is llm.schema_dsl


def test_make_schema_id() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    expected = hashlib.blake2b(
        json.dumps(schema, separators=(",", ":")).encode(), digest_size=16
    ).hexdigest()
    # As the original: the ID and the compact JSON stored with it.
    assert utils.make_schema_id(schema) == (expected, json.dumps(schema, separators=(",", ":")))
    assert len(expected) == 32


def test_extract_fenced_code_block() -> None:
    text = "intro\n```python\nprint(1)\n```\nmiddle\n````\nlast ``` block\n````\n"
    assert utils.extract_fenced_code_block(text) == "print(1)\n"
    assert utils.extract_fenced_code_block(text, last=True) == "last ``` block\n"
    assert utils.extract_fenced_code_block("no code here") is None


def test_remove_dict_none_values() -> None:
    assert utils.remove_dict_none_values(
        {"a": 1, "b": None, "c": {"d": None}, "e": [{"f": None, "g": 2}]}
    ) == {"a": 1, "e": [{"g": 2}]}


def test_simplify_usage_dict() -> None:
    details = {
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 5, "audio_tokens": 0},
        "service_tier": None,
    }
    assert utils.simplify_usage_dict(details) == {
        "completion_tokens_details": {"reasoning_tokens": 5}
    }


def test_truncate_string() -> None:
    assert utils.truncate_string("short") == "short"
    assert utils.truncate_string("a" * 200, max_length=10) == "aaaaaaa..."
    assert len(utils.truncate_string("a" * 200, max_length=10)) == 10
    assert utils.truncate_string("a  b\n c", normalize_whitespace=True) == "a b c"
    assert utils.truncate_string(" a  b ", normalize_whitespace=True) == " a b "  # not stripped
    assert utils.truncate_string("abcdefghijklmnopqrstuvwxyz", 12, keep_end=True) == "abc... xyz"
    # Too short to keep both ends: an ordinary cut.
    assert utils.truncate_string("abcdefghijklmnopqrstuvwxyz", 8, keep_end=True) == "abcde..."


def test_maybe_fenced_code() -> None:
    assert utils.maybe_fenced_code("<p>a paragraph</p>") == "<p>a paragraph</p>"
    assert utils.maybe_fenced_code("<a>" * 11) == "\n```\n" + "<a>" * 11 + "\n```"
    assert utils.maybe_fenced_code("1\n2\n3\n4\n") == "\n```\n1\n2\n3\n4\n```"
    # A fence longer than any backtick run inside.
    assert utils.maybe_fenced_code("```\nx\n```\n" + "<" * 11).startswith("\n````\n")


def test_find_unused_key() -> None:
    assert utils.find_unused_key({"id": 1}, "name") == "name"
    assert utils.find_unused_key({"id": 1, "id_": 2}, "id") == "id__"


def test_output_rows_as_json() -> None:
    rows = [{"a": 1}, {"b": "[2]"}]
    assert list(utils.output_rows_as_json(rows, nl=True)) == ['{"a": 1}', '{"b": "[2]"}']
    assert list(utils.output_rows_as_json(rows, compact=True)) == ['[{"a": 1},', ' {"b": "[2]"}]']
    pretty = "\n".join(utils.output_rows_as_json([{"b": "[2]"}], json_cols=["b"]))
    assert json.loads(pretty) == [{"b": [2]}] and pretty.startswith("[\n  {\n    ")
    assert list(utils.output_rows_as_json([])) == ["[]"]
    assert list(utils.output_rows_as_json([], nl=True)) == []


def test_monotonic_ulid() -> None:
    ids = [utils.monotonic_ulid() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 and i == i.lower() for i in ids)
    assert llm.ulid() > ids[-1]

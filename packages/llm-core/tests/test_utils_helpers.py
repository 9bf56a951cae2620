"""The helpers of ``llm.utils`` that plugins of the original import, and llm.encode/decode."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

import llm
from llm import utils


class Files:
    def __init__(self, dir: str = ".") -> None:
        self.dir = dir


class Flags:
    def __init__(self, value: Any = None, flag: bool = False) -> None:
        self.value = value
        self.flag = flag


CLASSES = {"Files": Files, "Flags": Flags}


@pytest.mark.parametrize(
    ("spec", "cls", "attributes"),
    [
        ("Files", Files, {"dir": "."}),
        ("  Files ( )  ", Files, {"dir": "."}),
        ('Files("tmp")', Files, {"dir": "tmp"}),
        ('Files({"dir": "/tmp"})', Files, {"dir": "/tmp"}),
        ('Files(dir="a, b)")', Files, {"dir": "a, b)"}),
        ('Flags(value=[1, {"x": "="}], flag=true)', Flags, {"value": [1, {"x": "="}]}),
        ("Flags(-1.5)", Flags, {"value": -1.5, "flag": False}),
        ("Flags(null)", Flags, {"value": None}),
    ],
)
def test_instantiate_from_spec(spec: str, cls: type, attributes: dict[str, Any]) -> None:
    obj = utils.instantiate_from_spec(CLASSES, spec)
    assert isinstance(obj, cls)
    for name, value in attributes.items():
        assert getattr(obj, name) == value


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("Nope()", "Unknown class 'Nope'"),
        ("Files(", "Invalid spec string"),
        ("1Files", "Invalid spec string"),
        ("Files(dir=)", "Value for 'dir' is not valid JSON"),
        ("Files(dir='x')", "Value for 'dir' is not valid JSON"),
        ("Flags(flag=trueish)", "Unexpected 'ish'"),
        ("Files([1, 2]", "Invalid spec string"),
        ('Files({"dir": 1} extra)', "Argument JSON object is not valid JSON"),
        ("Files([1, 2])", None),  # a valid positional value: allowed, Files stores it
        ("Files(other=1)", "Invalid arguments for Files"),
        ("Files(1, 2)", "Positional argument is not valid JSON"),
    ],
)
def test_instantiate_from_spec_errors(spec: str, message: str | None) -> None:
    if message is None:
        assert utils.instantiate_from_spec(CLASSES, spec).dir == [1, 2]
        return
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        utils.instantiate_from_spec(CLASSES, spec)


def test_instantiate_from_spec_does_not_hide_errors_inside_the_class() -> None:
    class Strict:
        def __init__(self, n: int) -> None:
            raise TypeError("n must be even")

    with pytest.raises(TypeError, match="n must be even"):
        utils.instantiate_from_spec({"Strict": Strict}, "Strict(3)")


@pytest.mark.parametrize(
    ("text", "max_length", "keep_end", "expected"),
    [
        ("abcdefghijklmnopqrstuvwxyz", 12, True, "abc... xyz"),
        ("abcdefghijklmnopqrstuvwxyz", 8, True, "abcde..."),  # too short to keep the end
        ("abcdefghijklmnopqrstuvwxyz", 12, False, "abcdefghi..."),
        ("", 3, True, ""),
    ],
)
def test_truncate_string_keep_end(
    text: str, max_length: int, keep_end: bool, expected: str
) -> None:
    result = utils.truncate_string(text, max_length=max_length, keep_end=keep_end)
    assert result == expected
    assert len(result) <= max_length


def test_truncate_string_passes_none_through() -> None:
    assert utils.truncate_string(None) is None  # type: ignore[arg-type]


def test_truncate_string_normalizes_whitespace_runs() -> None:
    assert utils.truncate_string(" a \n\t b ", normalize_whitespace=True) == " a b "


def test_maybe_fenced_code() -> None:
    assert utils.maybe_fenced_code("just a sentence") == "just a sentence"
    code = "def f():\n    ```\n    x = 1\n    return x\n"
    assert utils.maybe_fenced_code(code) == "\n````\n" + code.strip() + "\n````"
    html = "<b>" * 11
    assert utils.maybe_fenced_code(html) == "\n```\n" + html + "\n```"
    long_lines = "\n".join(["x" * 200] * 4)
    assert utils.maybe_fenced_code(long_lines) == long_lines


def test_extract_fenced_code_block_needs_a_word_as_language() -> None:
    assert utils.extract_fenced_code_block("```python\ncode\n```") == "code\n"
    assert utils.extract_fenced_code_block("```not a language\ncode\n```") is None
    assert utils.extract_fenced_code_block("```\nunclosed\n````") is None


def test_simplify_usage_dict_keeps_lists_and_drops_false_zeroes() -> None:
    assert utils.simplify_usage_dict(
        {"a": 0, "b": None, "c": [], "d": {"e": 0.0, "f": {}}, "g": 3, "h": "x"}
    ) == {"c": [], "g": 3, "h": "x"}
    assert utils.simplify_usage_dict({}) == {}


def test_remove_dict_none_values_leaves_non_dicts_alone() -> None:
    assert utils.remove_dict_none_values([None, {"a": None}]) == [None, {"a": None}]
    assert utils.remove_dict_none_values({"a": {}, "b": [{"c": None}], "d": 0}) == {
        "b": [{}],
        "d": 0,
    }


def test_token_usage_string() -> None:
    assert (
        utils.token_usage_string(1234, 56, {"cached": 2}) == '1,234 input, 56 output, {"cached": 2}'
    )
    assert utils.token_usage_string(None, 5, None) == "5 output"
    assert utils.token_usage_string(None, None, {}) == ""


def test_schema_helpers() -> None:
    schema = llm.schema_dsl("name, pets: a list")
    assert utils.multi_schema(schema) == llm.schema_dsl("name, pets: a list", multi=True)
    nested = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "pets": {"type": "array", "items": schema},
            "owner": {"type": "object", "properties": {"id": {"type": "integer"}}},
        },
    }
    assert utils.schema_summary(nested) == "{name, pets: [{name, pets}], owner: {id}}"
    assert utils.schema_summary({"type": "array", "items": schema}) == "{name, pets}"
    assert utils.schema_summary({}) == ""


def test_small_helpers() -> None:
    assert utils.find_unused_key({"id": 1, "id_": 2}, "id") == "id__"
    assert utils.find_unused_key({}, "id") == "id"
    assert utils.has_plugin_prefix("github:simonw/llm")
    assert not utils.has_plugin_prefix("/tmp/file.txt")
    assert not utils.has_plugin_prefix("no prefix: here")
    assert utils.Fragment is llm.Fragment


def test_dicts_to_table_string() -> None:
    rows = [{"name": "gpt-4o", "n": 1}, {"name": "o1"}]
    assert utils.dicts_to_table_string(["name", "n"], rows) == [
        "name      n",
        "gpt-4o    1",
        "o1         ",
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, '[\n  {\n    "id": 1,\n    "j": true\n  },\n  {\n    "id": 2,\n    "j": {}\n  }\n]'),
        ({"compact": True}, '[{"id": 1, "j": true},\n {"id": 2, "j": {}}]'),
        ({"nl": True}, '{"id": 1, "j": true}\n{"id": 2, "j": {}}'),
    ],
)
def test_output_rows_as_json(kwargs: dict[str, bool], expected: str) -> None:
    rows = [{"id": 1, "j": "true"}, {"id": 2, "j": "{}"}]
    assert "\n".join(utils.output_rows_as_json(rows, json_cols=["j"], **kwargs)) == expected


def test_output_rows_as_json_without_rows() -> None:
    assert list(utils.output_rows_as_json([])) == ["[]"]
    assert list(utils.output_rows_as_json([], compact=True)) == ["[]"]
    assert list(utils.output_rows_as_json([], nl=True)) == []


def test_mimetypes(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert utils.mimetype_from_string(png) == "image/png"
    path = tmp_path / "image"
    path.write_bytes(png)
    assert utils.mimetype_from_path(path) == "image/png"
    assert utils.mimetype_from_string(b"") is None


@pytest.mark.parametrize("values", [(), (0.0, 1.0, 1.5), (3423.0, 222.0, -1234.5)])
def test_encode_decode_roundtrip(values: tuple[float, ...]) -> None:
    encoded = llm.encode(values)
    assert encoded == struct.pack("<" + "f" * len(values), *values)  # the original's bytes
    assert llm.decode(encoded) == values


def test_cosine_similarity() -> None:
    assert llm.cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert llm.cosine_similarity([1, 0], [0, 2]) == pytest.approx(0.0)
    assert llm.cosine_similarity([1, 1], [-1, -1]) == pytest.approx(-1.0)
    assert llm.cosine_similarity([0, 0], [1, 1]) == 0.0


class _Configured(llm.Toolbox):
    def __init__(self, root: str, depth: int = 2, *extra: Any, **options: Any) -> None:
        self.root = root


class _Derived(_Configured):
    def __init__(self, name: str) -> None:
        super().__init__("/" + name, depth=5)


class _Inherits(_Derived):
    pass


def test_toolbox_records_named_init_arguments() -> None:
    assert _Configured("/tmp", 3, "x", verbose=True)._config == {"root": "/tmp", "depth": 3}
    assert _Configured(root="/a")._config == {"root": "/a", "depth": 2}


def test_toolbox_config_is_that_of_the_class_instantiated() -> None:
    # super().__init__ with other arguments does not overwrite what the user passed.
    assert _Derived("data")._config == {"name": "data"}
    assert _Inherits("x")._config == {"name": "x"}
    assert _Inherits("x").root == "/x"

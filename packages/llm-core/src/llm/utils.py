"""Small helpers that plugins of the original import from ``llm.utils``.

Everything here is cheap to import: helpers that need puremagic or an HTTP client import it
when called.
"""

from __future__ import annotations

import inspect
import json
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._compat import sibling
from ._ulid import ulid as monotonic_ulid
from .attachments import detect_type
from .fragments import Fragment
from .schemas import make_schema_id, multi_schema, schema_dsl, schema_summary

__all__ = [
    "Fragment",
    "dicts_to_table_string",
    "ensure_fragment",
    "ensure_tool",
    "extract_fenced_code_block",
    "find_unused_key",
    "has_plugin_prefix",
    "instantiate_from_spec",
    "logging_client",
    "make_schema_id",
    "maybe_fenced_code",
    "mimetype_from_path",
    "mimetype_from_string",
    "monotonic_ulid",
    "multi_schema",
    "output_rows_as_json",
    "remove_dict_none_values",
    "schema_dsl",
    "schema_summary",
    "simplify_usage_dict",
    "token_usage_string",
    "truncate_string",
]

# A fence of three or more backticks opening a line, an optional language word, the code, and
# the same fence closing a line (trailing spaces allowed).
_FENCE = re.compile(
    r"(?m)^(?P<fence>`{3,})(?P<lang>\w+)?\n(?P<code>.*?)^(?P=fence)[ ]*(?=\n|\Z)", re.DOTALL
)


def extract_fenced_code_block(text: str, last: bool = False) -> str | None:
    """The content of the first (or last) fenced code block in ``text``, if there is one."""
    matches = list(_FENCE.finditer(text))
    if not matches:
        return None
    return matches[-1 if last else 0].group("code")


def maybe_fenced_code(content: str) -> str:
    """``content`` in a fenced block when it looks like code or markup, else unchanged.

    It looks like code with more than ten ``<``, or with more than three lines of which over
    90% are shorter than 120 characters. The fence is longer than any backtick run inside.
    """
    lines = content.splitlines()
    looks_like_code = content.count("<") > 10 or (
        len(lines) > 3 and sum(len(line) < 120 for line in lines) > 0.9 * len(lines)
    )
    if not looks_like_code:
        return content
    fence = "```"
    while fence in content:
        fence += "`"
    return f"\n{fence}\n{content.strip()}\n{fence}"


def remove_dict_none_values(value: Any) -> Any:
    """A copy of a dict without ``None`` values, recursing into dicts (dropping those left
    empty) and into dicts inside lists. Anything but a dict is returned as it is."""
    if not isinstance(value, dict):
        return value
    result: dict[Any, Any] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, dict):
            item = remove_dict_none_values(item)
            if not item:
                continue
        elif isinstance(item, list):
            item = [remove_dict_none_values(element) for element in item]
        result[key] = item
    return result


def simplify_usage_dict(details: dict[str, Any]) -> dict[str, Any]:
    """Token details without zero, ``None`` and empty-dict values, at any depth."""

    def clean(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        result = {}
        for key, item in value.items():
            if item is None or item == 0 or item == {}:
                continue
            item = clean(item)
            if item != {}:
                result[key] = item
        return result

    return clean(details) or {}


def token_usage_string(
    input_tokens: int | None, output_tokens: int | None, token_details: Any
) -> str:
    """``"1,234 input, 56 output, {details as JSON}"``, leaving out what is unknown."""
    parts = []
    if input_tokens is not None:
        parts.append(f"{input_tokens:,} input")
    if output_tokens is not None:
        parts.append(f"{output_tokens:,} output")
    if token_details:
        parts.append(json.dumps(token_details))
    return ", ".join(parts)


def truncate_string(
    text: str,
    max_length: int = 100,
    normalize_whitespace: bool = False,
    keep_end: bool = False,
) -> str:
    """``text`` cut to ``max_length`` characters, ending in ``...``.

    ``normalize_whitespace`` turns each run of whitespace into one space first. ``keep_end``
    keeps the start and the end around ``"... "`` (only from ``max_length`` 9 on, below that
    there is too little room and the plain cut is used).
    """
    if not text:
        return text
    if normalize_whitespace:
        text = re.sub(r"\s+", " ", text)
    if len(text) <= max_length:
        return text
    if keep_end and max_length >= 9:
        keep = (max_length - 5) // 2
        return f"{text[:keep]}... {text[-keep:]}"
    return text[: max(max_length - 3, 0)] + "..."


def find_unused_key(item: Mapping[str, Any], key: str) -> str:
    """``key``, with underscores appended until it is not a key of ``item``."""
    while key in item:
        key += "_"
    return key


_PLUGIN_PREFIX = re.compile(r"[a-zA-Z0-9_-]+:")


def has_plugin_prefix(value: str) -> bool:
    """Whether ``value`` starts with a loader prefix such as ``github:``."""
    return _PLUGIN_PREFIX.match(value) is not None


def dicts_to_table_string(headings: list[str], dicts: list[dict[str, Any]]) -> list[str]:
    """Rows of a plain-text table (heading line first), columns padded and four spaces apart."""
    widths = [max([len(h)] + [len(str(d[h])) for d in dicts if h in d]) for h in headings]
    lines = ["    ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True))]
    for d in dicts:
        cells = (str(d.get(h, "")).ljust(w) for h, w in zip(headings, widths, strict=True))
        lines.append("    ".join(cells))
    return lines


def output_rows_as_json(
    rows: Iterable[dict[str, Any]],
    nl: bool = False,
    compact: bool = False,
    json_cols: Iterable[str] = (),
) -> Iterator[str]:
    """Serialise rows as chunks to print: a JSON array indented two spaces (the default),
    one object per line inside ``[ ]`` (``compact``), or newline-delimited JSON (``nl``).
    Columns named in ``json_cols`` hold JSON text and are embedded as values."""
    json_cols = tuple(json_cols)
    iterator = iter(rows)
    row = next(iterator, None)
    if row is None:
        if not nl:
            yield "[]"
        return
    first = True
    while row is not None:
        following = next(iterator, None)
        last = following is None
        for column in json_cols:
            row[column] = json.loads(row[column])
        if nl:
            yield json.dumps(row)
        elif compact:
            yield ("[" if first else " ") + json.dumps(row) + ("]" if last else ",")
        else:
            body = textwrap.indent(json.dumps(row, indent=2), "  ")
            yield ("[\n" if first else "") + body + ("\n]" if last else ",")
        first = False
        row = following


def mimetype_from_string(content: bytes) -> str | None:
    """The content type these bytes look like, or None."""
    return detect_type(content)


def mimetype_from_path(path: str | Path) -> str | None:
    """The content type the file at ``path`` looks like, or None."""
    with open(path, "rb") as file:
        return detect_type(file.read(2048), filename=str(path))


def logging_client() -> Any:
    """An HTTP client (httpx2) that prints each request and response to stderr, with the
    Authorization header hidden: what ``LLM_OPENAI_SHOW_RESPONSES`` shows. That printing
    transport belongs to llm-openai, so it is borrowed from there."""
    import httpx2

    debug = sibling("openai", "debug", feature="llm.utils.logging_client")
    return httpx2.Client(transport=debug.LoggingTransport(httpx2.HTTPTransport()))


def _row_writer() -> Any:
    return sibling("storage", "sqlite_writer", feature="Storing rows in logs.db")


def ensure_fragment(db: Any, content: str) -> int:
    """The id of ``content`` in the ``fragments`` table of a sqlite-utils ``db`` (or sqlite3
    connection), inserting it (with its source, for a Fragment) when it is new."""
    source = content.source if isinstance(content, Fragment) else None
    fragment_id: int = _row_writer().ensure_fragment(db, str(content), source)
    return fragment_id


def ensure_tool(db: Any, tool: Any) -> int:
    """The id of ``tool`` (an llm.Tool) in the ``tools`` table of a sqlite-utils ``db`` (or
    sqlite3 connection), inserting it when it is new."""
    tool_id: int = _row_writer().ensure_tool(db, tool)
    return tool_id


_SPEC = re.compile(r"\s*(?P<name>[A-Za-z_]\w*)\s*(?:\((?P<args>.*)\))?\s*", re.DOTALL)
_KEYWORD = re.compile(r"\s*(?P<key>[A-Za-z_]\w*)\s*=\s*")
_decoder = json.JSONDecoder()


def _json_value(text: str, position: int, what: str) -> tuple[Any, int]:
    """Decode one JSON value starting at ``position`` (after whitespace)."""
    while position < len(text) and text[position].isspace():
        position += 1
    try:
        return _decoder.raw_decode(text, position)
    except json.JSONDecodeError as ex:
        raise ValueError(f"{what} is not valid JSON: {text[position:]!r}") from ex


def _keyword_arguments(text: str) -> dict[str, Any]:
    """``key=<json>, key=<json>`` as a dict."""
    kwargs: dict[str, Any] = {}
    position = 0
    while True:
        match = _KEYWORD.match(text, position)
        if match is None:
            raise ValueError(f"Expected key=value at {text[position:]!r}")
        key = match.group("key")
        kwargs[key], position = _json_value(text, match.end(), f"Value for '{key}'")
        rest = text[position:].lstrip()
        if not rest:
            return kwargs
        if not rest.startswith(","):
            raise ValueError(f"Unexpected {rest!r} after the value for '{key}'")
        position = len(text) - len(rest) + 1


def _whole_json(text: str, what: str) -> Any:
    value, end = _json_value(text, 0, what)
    if text[end:].strip():
        raise ValueError(f"{what} is not valid JSON: {text!r}")
    return value


def instantiate_from_spec(class_map: Mapping[str, type], spec: str) -> Any:
    """An instance of a class in ``class_map`` built from a spec such as ``Files``,
    ``Files()``, ``Files("tmp")`` (one positional JSON value), ``Files({"dir": "tmp"})``
    (a JSON object as keyword arguments) or ``Files(dir="tmp", depth=2)`` (JSON values).

    Raises ValueError for a malformed spec, an unknown class or arguments the class does not
    accept.
    """
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise ValueError(f"Invalid spec string: '{spec}'")
    name, body = match.group("name"), (match.group("args") or "").strip()
    if name not in class_map:
        raise ValueError(f"Unknown class '{name}'")
    cls = class_map[name]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if body.startswith("{"):
        kwargs = _whole_json(body, "Argument JSON object")
        if not isinstance(kwargs, dict):
            raise ValueError("Top-level JSON must be an object when using {} form")
    elif _KEYWORD.match(body):
        kwargs = _keyword_arguments(body)
    elif body:
        args = (_whole_json(body, "Positional argument"),)
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as ex:
        raise ValueError(f"Invalid arguments for {name}: {ex}") from None
    except ValueError:
        pass  # no introspectable signature: let the call itself decide
    return cls(*args, **kwargs)

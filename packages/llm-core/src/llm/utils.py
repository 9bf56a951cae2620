"""Small helpers that plugins of the original import from ``llm.utils``."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

from ._ulid import ulid as monotonic_ulid
from .schemas import make_schema_id, schema_dsl

__all__ = [
    "extract_fenced_code_block",
    "find_unused_key",
    "make_schema_id",
    "maybe_fenced_code",
    "monotonic_ulid",
    "output_rows_as_json",
    "remove_dict_none_values",
    "schema_dsl",
    "simplify_usage_dict",
    "truncate_string",
]

_FENCE = re.compile(
    r"""(?m)^(?P<fence>`{3,})(?P<lang>[^\n`]*)\n(?P<code>.*?)^(?P=fence)[ \t]*$""", re.DOTALL
)


def extract_fenced_code_block(text: str, last: bool = False) -> str | None:
    """The content of the first (or last) fenced code block in ``text``, if there is one."""
    matches = list(_FENCE.finditer(text))
    if not matches:
        return None
    return matches[-1 if last else 0].group("code")


def remove_dict_none_values(value: Any) -> Any:
    """A copy of nested dicts/lists without ``None`` values (and without emptied dicts)."""
    if isinstance(value, dict):
        cleaned = {k: remove_dict_none_values(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in cleaned.items() if v != {}}
    if isinstance(value, list):
        return [remove_dict_none_values(v) for v in value]
    return value


def simplify_usage_dict(details: dict[str, Any]) -> dict[str, Any]:
    """Drop zero and empty values from token details before they are stored or shown."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: clean(v) for k, v in value.items()}
            return {k: v for k, v in kept.items() if v not in (0, None, {}, [])}
        return value

    return clean(remove_dict_none_values(details))


def truncate_string(
    text: str,
    max_length: int = 100,
    normalize_whitespace: bool = False,
    keep_end: bool = False,
) -> str:
    """``text`` cut to ``max_length`` characters with an ellipsis; ``keep_end`` keeps its
    beginning and its end around a ``"... "`` (when ``max_length`` leaves room for both)."""
    if not text:
        return text
    if normalize_whitespace:
        text = re.sub(r"\s+", " ", text)
    if len(text) <= max_length:
        return text
    if keep_end and max_length >= 9:
        keep = (max_length - 5) // 2
        return text[:keep] + "... " + text[-keep:]
    return text[: max(max_length - 3, 0)] + "..."


def maybe_fenced_code(content: str) -> str:
    """``content`` in a Markdown code fence if it looks like code (much markup, or mostly
    short lines); the fence is longer than any run of backticks inside it."""
    lines = content.splitlines()
    looks_like_code = content.count("<") > 10 or (
        len(lines) > 3 and sum(1 for line in lines if len(line) < 120) / len(lines) > 0.9
    )
    if not looks_like_code:
        return content
    fence = "```"
    while fence in content:
        fence += "`"
    return f"\n{fence}\n{content.strip()}\n{fence}"


def find_unused_key(item: dict[str, Any], key: str) -> str:
    """``key``, or ``key`` with as many ``_`` appended as it takes to be new to ``item``."""
    while key in item:
        key += "_"
    return key


def output_rows_as_json(
    rows: Iterable[dict[str, Any]],
    nl: bool = False,
    compact: bool = False,
    json_cols: Iterable[str] = (),
) -> Iterator[str]:
    """Lines of JSON for ``rows``: one object per line (``nl``), or an array with one object
    per line (``compact``) or indented; ``json_cols`` hold JSON text to embed decoded."""
    items = list(rows)
    columns = tuple(json_cols)
    for index, row in enumerate(items):
        for column in columns:
            row[column] = json.loads(row[column])
        first, last = index == 0, index == len(items) - 1
        comma = "" if last else ","
        if nl:
            yield json.dumps(row)
        elif compact:
            yield f"{'[' if first else ' '}{json.dumps(row)}{comma}{']' if last else ''}"
        else:
            body = textwrap.indent(json.dumps(row, indent=2), "  ")
            yield f"{'[' + chr(10) if first else ''}{body}{comma}{chr(10) + ']' if last else ''}"
    if not items and not nl:
        yield "[]"

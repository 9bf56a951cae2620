"""Condensed JSON: the stored ``prompt_json`` / ``response_json`` with repeated text replaced.

A model's request and response JSON repeat text the log already holds (fragments, earlier
responses, this response's own text). The original tool stores each string that contains such
text as references instead, and so do we, in the same format, so the rows read the same:

* a string that is exactly one known text becomes ``{"$": key}``;
* a string that contains known texts becomes ``{"$r": [piece, {"$": key}, piece, ...]}``.

Keys are ``r:<response id>`` for a response's text and ``f<id>`` / ``f:<id>`` for a fragment
(``fragments.id``), as the original writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def condense(value: Any, replacements: Mapping[str, str]) -> Any:
    """``value`` with every occurrence of a replacement text in its strings referenced by key.

    Where texts overlap, the one given first wins at each position; where two keys have the
    same text, the later key is used. The texts are looked for with ``str.find`` rather than
    compiled into one regular expression: a response's text can be megabytes long, and a
    pattern that size costs many times it in memory.
    """
    if value is None:
        return None
    texts = {key: text for key, text in replacements.items() if text}
    if not texts:
        return value
    key_for = {text: key for key, text in texts.items()}
    ordered = list(dict.fromkeys(texts.values()))  # first-given order, each text once

    def next_match(item: str, start: int, seen: dict[str, int]) -> tuple[int, str] | None:
        """The leftmost occurrence at or after ``start``; at one position, the first text.
        ``seen`` keeps each text's next occurrence (-1: none left), so each string is
        scanned about once per text."""
        best: tuple[int, str] | None = None
        for text in ordered:
            found = seen.get(text, start)
            if text not in seen or (found != -1 and found < start):
                found = seen[text] = item.find(text, start)
            if found != -1 and (best is None or found < best[0]):
                best = (found, text)
        return best

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {name: walk(child) for name, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if not isinstance(item, str):
            return item
        pieces: list[Any] = []
        position = 0
        seen: dict[str, int] = {}
        while (match := next_match(item, position, seen)) is not None:
            found, text = match
            if found > position:
                pieces.append(item[position:found])
            pieces.append({"$": key_for[text]})
            position = found + len(text)
        if not pieces:
            return item
        if position < len(item):
            pieces.append(item[position:])
        if len(pieces) == 1:
            return pieces[0]
        return {"$r": pieces}

    return walk(value)

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

import re
from collections.abc import Mapping
from typing import Any


def condense(value: Any, replacements: Mapping[str, str]) -> Any:
    """``value`` with every occurrence of a replacement text in its strings referenced by key.

    Where texts overlap, the one given first wins at each position; where two keys have the
    same text, the later key is used.
    """
    texts = {key: text for key, text in replacements.items() if text}
    if not texts:
        return value
    key_for = {text: key for key, text in texts.items()}
    pattern = re.compile("|".join(re.escape(text) for text in texts.values()))

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {name: walk(child) for name, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if not isinstance(item, str):
            return item
        pieces: list[Any] = []
        position = 0
        for match in pattern.finditer(item):
            if match.start() > position:
                pieces.append(item[position : match.start()])
            pieces.append({"$": key_for[match.group(0)]})
            position = match.end()
        if not pieces:
            return item
        if position < len(item):
            pieces.append(item[position:])
        if len(pieces) == 1:
            return pieces[0]
        return {"$r": pieces}

    return walk(value)

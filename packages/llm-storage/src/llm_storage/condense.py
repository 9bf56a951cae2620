"""Stored JSON without the text it repeats: the original's ``condense_json`` format.

A provider's ``response_json`` (and ``prompt_json``) usually repeats the response text and the
prompt's fragments word for word. The original stores each such occurrence as a reference —
``{"$": "r:<response id>"}`` for the response text, ``{"$": "f<fragment id>"}`` for a fragment —
and a string that only partly matches as ``{"$r": ["before ", {"$": id}, " after"]}``. We
write the same shape so existing databases, and tools that read them, see what they expect;
``expand`` turns it back into the original JSON.
"""

from __future__ import annotations

import re
from typing import Any


def condense(value: Any, replacements: dict[str, str]) -> Any:
    """``value`` with every occurrence of a replacement's text swapped for its reference.

    ``replacements`` maps reference ids to texts; earlier entries win where texts overlap at
    the same position (the regular expression tries them in order). Empty texts are ignored.
    """
    texts = {ref: text for ref, text in replacements.items() if text}
    if not texts:
        return value
    ref_for_text: dict[str, str] = {}
    for ref, text in texts.items():
        ref_for_text.setdefault(text, ref)
    pattern = re.compile("|".join(re.escape(text) for text in texts.values()))

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if not isinstance(item, str):
            return item
        segments: list[Any] = []
        position = 0
        for match in pattern.finditer(item):
            if match.start() > position:
                segments.append(item[position : match.start()])
            segments.append({"$": ref_for_text[match.group(0)]})
            position = match.end()
        if not segments:
            return item
        if position < len(item):
            segments.append(item[position:])
        if len(segments) == 1 and isinstance(segments[0], dict):
            return segments[0]
        return {"$r": segments}

    return walk(value)


def expand(value: Any, replacements: dict[str, str]) -> Any:
    """The JSON that ``condense`` was given: references replaced by their texts again."""
    if isinstance(value, list):
        return [expand(child, replacements) for child in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "$" in value and value["$"] in replacements:
        return replacements[value["$"]]
    if len(value) == 1 and isinstance(value.get("$r"), list):
        return "".join(
            replacements.get(part["$"], "")
            if isinstance(part, dict) and "$" in part
            else str(expand(part, replacements))
            for part in value["$r"]
        )
    return {key: expand(child, replacements) for key, child in value.items()}

"""A turn's provider payload (``turns.response_json``), condensed as llm 0.36 stores it.

The payload a provider returns repeats what the turn's own messages already hold (its text,
reasoning and their provider metadata, tool arguments), the descriptions of the tools it was
given, its JSON schema, and boilerplate a model class declares (``json_replacements``). The
turn stores it with those replaced by references, in condense-json's format (what 0.36
reads back): a string equal to a known string, or a subtree equal (key order aside) to a
known dict or list, becomes ``{"$": key}``; a string containing known strings becomes
``{"$r": [text, {"$": key}, ...]}``; a dict of the input that looks like a marker is
escaped as ``{"$raw": ...}``; a reference may also be a merge against a known dict,
``{"$": {"m": key, "u": {...}, "d": [...]}}`` (read, never written here).

The replacements are never stored: :func:`replacements` rebuilds them, on the way in and on
the way out, from the same rows (the turn's chain segment, its tools, schema and model).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Below this a reference costs about as much as the text it replaces.
MIN_LENGTH = 64
_MARKERS = ("$", "$r", "$raw")


def _error_base() -> type[ValueError]:
    """condense-json's own error where it is installed (code written for llm 0.36 catches
    that one), else ValueError, which it derives from."""
    try:
        from condense_json import UncondenseError as installed
    except ImportError:
        return ValueError
    return installed


class UncondenseError(_error_base()):  # type: ignore[misc]
    """A stored payload refers to something its turn no longer provides."""


def _compact(value: Any) -> str | None:
    try:
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def _canonical(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None


def replacements(
    messages: Sequence[Any],
    tools: Iterable[tuple[str | None, str | None]] = (),
    schema: Any = None,
    model_replacements: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a turn's payload may refer to, keyed by where it comes from: ``<message>.<part>``
    ``.text`` / ``.output`` / ``.args`` (compact JSON) / ``.args2`` (``json.dumps``) /
    ``.argsv`` (the object) / ``.pm...`` (provider metadata, containers and strings),
    ``<message>.pm...``, ``tool.<name>.description``, ``schema``, ``m.<key>`` (the model's)."""
    found: dict[str, Any] = {}

    def string(key: str, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_LENGTH:
            found[key] = value

    def container(key: str, value: Any) -> None:
        if isinstance(value, dict | list) and value:
            size = _compact(value)
            if size is not None and len(size) >= MIN_LENGTH:
                found[key] = value

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            container(prefix, value)
            for key, item in value.items():
                walk(f"{prefix}.{key}", item)
        elif isinstance(value, list):
            container(prefix, value)
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}", item)
        else:
            string(prefix, value)

    for m, message in enumerate(messages):
        as_dict = message.to_dict()
        for p, part in enumerate(as_dict.get("parts", [])):
            base = f"{m}.{p}"
            string(f"{base}.text", part.get("text"))
            string(f"{base}.output", part.get("output"))
            arguments = part.get("arguments")
            if arguments:
                compact = json.dumps(arguments, separators=(",", ":"))
                spaced = json.dumps(arguments)
                string(f"{base}.args", compact)
                if spaced != compact:
                    string(f"{base}.args2", spaced)
                container(f"{base}.argsv", arguments)
            walk(f"{base}.pm", part.get("provider_metadata") or {})
        walk(f"{m}.pm", as_dict.get("provider_metadata") or {})

    descriptions: dict[str, str] = {}
    conflicting: set[str] = set()
    for name, description in tools:
        if not name or not isinstance(description, str) or len(description) < MIN_LENGTH:
            continue
        if descriptions.setdefault(name, description) != description:
            conflicting.add(name)
    for name, description in descriptions.items():
        if name not in conflicting:
            found[f"tool.{name}.description"] = description
    container("schema", schema)
    for key, value in (model_replacements or {}).items():
        found[f"m.{key}"] = value
    return found


def condense(value: Any, known: Mapping[str, Any]) -> Any:
    """``value`` with what ``known`` holds replaced by references (outermost first)."""
    strings: dict[str, str] = {}
    for key, candidate in known.items():
        if isinstance(candidate, str) and candidate and candidate not in strings.values():
            strings[key] = candidate
    structural: dict[str, str] = {}
    for key, item in known.items():
        if isinstance(item, dict | list) and item:
            canonical = _canonical(item)
            if canonical is not None:
                structural.setdefault(canonical, key)

    def condensed_string(value: str) -> Any:
        pieces: list[Any] = []
        rest = value
        while rest:
            best: tuple[int, int, str] | None = None
            for key, candidate in strings.items():
                index = rest.find(candidate)
                if index != -1 and (best is None or (index, -len(candidate)) < best[:2]):
                    best = (index, -len(candidate), key)
            if best is None:
                pieces.append(rest)
                break
            index, negative_length, key = best
            if index:
                pieces.append(rest[:index])
            pieces.append({"$": key})
            rest = rest[index - negative_length :]
        if not any(isinstance(piece, dict) for piece in pieces):
            return value
        if len(pieces) == 1:
            return pieces[0]
        return {"$r": pieces}

    def walk(value: Any) -> Any:
        if structural and isinstance(value, dict | list) and value:
            canonical = _canonical(value)
            if canonical in structural:
                return {"$": structural[canonical]}
        if isinstance(value, dict):
            out = {key: walk(item) for key, item in value.items()}
            if len(value) == 1 and next(iter(value)) in _MARKERS:
                return {"$raw": out}
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and strings:
            return condensed_string(value)
        return value

    return walk(value)


def uncondense(value: Any, known: Mapping[str, Any]) -> Any:
    """The payload ``condense`` (or llm 0.36) stored, whole again."""
    strings = {k: v for k, v in known.items() if isinstance(v, str) and v}
    containers = {k: v for k, v in known.items() if isinstance(v, dict | list) and v}

    def lookup(key: Any) -> Any:
        if isinstance(key, str) and key in strings:
            return strings[key]
        if isinstance(key, str) and key in containers:
            return copy.deepcopy(containers[key])
        raise UncondenseError(f"unknown replacement {key!r}")

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and "$raw" in value:
                raw = value["$raw"]
                if isinstance(raw, dict):
                    return {key: walk(item) for key, item in raw.items()}
                return walk(raw)
            if len(value) == 1 and "$" in value:
                reference = value["$"]
                if isinstance(reference, dict):
                    base = lookup(reference.get("m"))
                    if not isinstance(base, dict):
                        raise UncondenseError(f"cannot merge into {reference.get('m')!r}")
                    for key in reference.get("d") or []:
                        base.pop(key, None)
                    for key, item in (reference.get("u") or {}).items():
                        base[key] = walk(item)
                    return base
                return lookup(reference)
            if len(value) == 1 and "$r" in value:
                pieces = value["$r"]
                if not isinstance(pieces, list):
                    raise UncondenseError("malformed $r")
                out = []
                for piece in pieces:
                    if isinstance(piece, str):
                        out.append(piece)
                    elif isinstance(piece, dict) and set(piece) == {"$"}:
                        found = lookup(piece["$"])
                        if not isinstance(found, str):
                            raise UncondenseError("a $r piece must be a string")
                        out.append(found)
                    else:
                        raise UncondenseError("malformed $r piece")
                return "".join(out)
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(value)


def model_replacements(model_id: str | None) -> Mapping[str, Any] | None:
    """A model's ``json_replacements``, looked up again (None when it is not installed)."""
    if not model_id:
        return None
    import llm

    try:
        model = llm.get_model(model_id)
    except llm.UnknownModelError:
        return None
    found: Mapping[str, Any] | None = getattr(model, "json_replacements", None)
    return found

"""Request parameters that chat and completion models build the same way."""

from __future__ import annotations

import re
from typing import Any

import llm

from ..catalog import ModelSpec


def option_kwargs(options: llm.Options, spec: ModelSpec) -> dict[str, Any]:
    """Request parameters for the options that were set (and the model's default
    ``max_tokens``)."""
    kwargs = {name: getattr(value, "value", value) for name, value in options.set_values().items()}
    # Options of the Responses API models that mean nothing to /chat/completions (the image
    # detail goes on each image instead).
    for name in ("json_object", "chat_completions", "reasoning_summary", "image_detail"):
        kwargs.pop(name, None)
    if spec.default_max_tokens is not None and "max_tokens" not in kwargs:
        kwargs["max_tokens"] = spec.default_max_tokens
    if spec.reasoning and "max_tokens" in kwargs:
        # Reasoning models count hidden reasoning tokens too and take a different name.
        kwargs["max_completion_tokens"] = kwargs.pop("max_tokens")
    if "logit_bias" in kwargs:
        kwargs["logit_bias"] = {str(k): v for k, v in kwargs["logit_bias"].items()}
    return kwargs


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def sendable(value: Any) -> Any:
    """``value`` (a request, or its logged form) with every lone surrogate in its text
    replaced by U+FFFD, the replacement character.

    A lone surrogate (``"\\ud800"``: what a Python tool may return, or what Python makes of
    bytes that were not UTF-8) has no UTF-8 form: sent as it is, the ``openai`` SDK fails to
    encode the whole request. Replacing it is what decoding with ``errors="replace"`` does;
    the rest of the text reaches the model unchanged. Containers are copied only when
    something in them changes."""
    if isinstance(value, str):
        if value.isascii() or _LONE_SURROGATE.search(value) is None:
            return value
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        pairs = [(sendable(key), sendable(item)) for key, item in value.items()]
        changed = any(
            new_key is not key or new is not item
            for (new_key, new), (key, item) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    if isinstance(value, list | tuple):
        items = [sendable(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return type(value)(items) if isinstance(value, list) else tuple(items)
        return value
    return value

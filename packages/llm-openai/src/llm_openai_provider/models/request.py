"""Request parameters that chat and completion models build the same way."""

from __future__ import annotations

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

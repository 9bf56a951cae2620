"""What chat and completion models have in common: options, usage and streamed state."""

from __future__ import annotations

import json
from typing import Any

import llm
from llm.utils import remove_dict_none_values, simplify_usage_dict

from ..catalog import ModelSpec
from ..client import where
from ..errors import StreamCutOff


def record_usage(response: Any, usage: dict[str, Any] | None) -> None:
    """``response.set_usage`` from an OpenAI ``usage`` object (as a dict)."""
    if not usage:
        return
    details = dict(usage)
    input_tokens = details.pop("prompt_tokens", None)
    output_tokens = details.pop("completion_tokens", None)
    details.pop("total_tokens", None)
    response.set_usage(
        input=input_tokens, output=output_tokens, details=simplify_usage_dict(details) or None
    )


def option_kwargs(options: llm.Options, spec: ModelSpec) -> dict[str, Any]:
    """Request parameters for the options that were set."""
    kwargs = dict(options.set_values())
    kwargs.pop("json_object", None)
    if spec.default_max_tokens is not None and "max_tokens" not in kwargs:
        kwargs["max_tokens"] = spec.default_max_tokens
    if spec.reasoning and "max_tokens" in kwargs:
        # Reasoning models count hidden reasoning tokens too and take a different name.
        kwargs["max_completion_tokens"] = kwargs.pop("max_tokens")
    if "logit_bias" in kwargs:
        kwargs["logit_bias"] = {str(k): v for k, v in kwargs["logit_bias"].items()}
    return kwargs


def parse_arguments(raw: str) -> dict[str, Any]:
    """Tool call arguments: JSON from the model, kept as text if it is not valid JSON."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"_raw_arguments": raw}
    return value if isinstance(value, dict) else {"value": value}


def cut_off_error(spec: ModelSpec) -> StreamCutOff:
    return StreamCutOff(
        f"The response from {where(spec.api_base)} was cut off before it finished;"
        " the partial response was kept"
    )


def clean(value: dict[str, Any]) -> dict[str, Any]:
    return remove_dict_none_values(value)

"""Options of OpenAI models, validated by pydantic before any request is made."""

from __future__ import annotations

import functools
import json
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

import llm

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


class ReasoningEffortEnum(StrEnum):
    """How hard a reasoning model thinks (the name plugins import from openai_models)."""

    none = "none"
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


class ReasoningSummaryEnum(StrEnum):
    auto = "auto"
    concise = "concise"
    detailed = "detailed"


class VerbosityEnum(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class ImageDetailEnum(StrEnum):
    low = "low"
    high = "high"
    auto = "auto"


class ImageDetailWithOriginalEnum(StrEnum):
    low = "low"
    high = "high"
    original = "original"
    auto = "auto"


_SERVICE_TIER = (
    "The processing tier to use for this request - for example 'fast' for Fast mode (faster "
    "responses at a higher price) or 'flex' for slower, cheaper processing on models that "
    "support those tiers."
)


class SharedOptions(llm.Options):
    temperature: float | None = Field(
        description=(
            "What sampling temperature to use, between 0 and 2. Higher values like 0.8 will "
            "make the output more random, while lower values like 0.2 will make it more "
            "focused and deterministic."
        ),
        ge=0,
        le=2,
        default=None,
    )
    max_tokens: int | None = Field(
        description="Maximum number of tokens to generate.", ge=1, default=None
    )
    top_p: float | None = Field(
        description=(
            "An alternative to sampling with temperature, called nucleus sampling, where the "
            "model considers the results of the tokens with top_p probability mass. So 0.1 "
            "means only the tokens comprising the top 10% probability mass are considered. "
            "Recommended to use top_p or temperature but not both."
        ),
        ge=0,
        le=1,
        default=None,
    )
    frequency_penalty: float | None = Field(
        description=(
            "Number between -2.0 and 2.0. Positive values penalize new tokens based on their "
            "existing frequency in the text so far, decreasing the model's likelihood to "
            "repeat the same line verbatim."
        ),
        ge=-2,
        le=2,
        default=None,
    )
    presence_penalty: float | None = Field(
        description=(
            "Number between -2.0 and 2.0. Positive values penalize new tokens based on "
            "whether they appear in the text so far, increasing the model's likelihood to "
            "talk about new topics."
        ),
        ge=-2,
        le=2,
        default=None,
    )
    stop: str | None = Field(
        description="A string where the API will stop generating further tokens.", default=None
    )
    logit_bias: dict | str | None = Field(
        description=(
            "Modify the likelihood of specified tokens appearing in the completion. "
            'Pass a JSON string like \'{"1712":-100, "892":-100, "1489":-100}\''
        ),
        default=None,
    )
    seed: int | None = Field(
        description="Integer seed to attempt to sample deterministically", default=None
    )

    @field_validator("logit_bias")
    @classmethod
    def _check_logit_bias(cls, value: Any) -> dict[int, int] | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("Invalid JSON in logit_bias string") from None
        if not isinstance(value, dict):
            raise ValueError("logit_bias must be a JSON object of token ID to bias")
        checked: dict[int, int] = {}
        for token, bias in value.items():
            try:
                token_id, bias_value = int(token), int(bias)
            except (TypeError, ValueError):
                raise ValueError("logit_bias keys and values must be integers") from None
            if not -100 <= bias_value <= 100:
                raise ValueError("logit_bias values must be between -100 and 100")
            checked[token_id] = bias_value
        return checked


class ChatOptions(SharedOptions):
    json_object: bool | None = Field(
        description="Output a valid JSON object {...}. Prompt must mention JSON.", default=None
    )


class ModernChatOptions(ChatOptions):
    """Chat Completions models of llm 0.36: image detail and the service tier."""

    image_detail: ImageDetailEnum | None = Field(
        description=(
            "Controls the detail level for image attachments. Supported values are low, "
            "high, and auto."
        ),
        default=None,
    )
    service_tier: str | None = Field(description=_SERVICE_TIER, default=None)


class ResponsesOptions(ChatOptions):
    """Models driven through ``/responses`` (``chat_completions`` falls back)."""

    chat_completions: bool | None = Field(
        description=(
            "Force the use of the older /v1/chat/completions endpoint instead of "
            "/v1/responses. Most callers should leave this off; set to true to fall back to "
            "the Chat Completions code path for compatibility."
        ),
        default=None,
    )
    image_detail: ImageDetailEnum | None = Field(
        description=(
            "Controls the detail level for image attachments. Supported values are low, "
            "high, and auto."
        ),
        default=None,
    )


class _ReasoningFields(ResponsesOptions):
    reasoning_effort: ReasoningEffortEnum | None = Field(
        description=(
            "Constraints effort on reasoning for reasoning models. Currently supported values "
            "are low, medium, and high. Reducing reasoning effort can result in faster "
            "responses and fewer tokens used on reasoning in a response."
        ),
        default=None,
    )
    reasoning_summary: ReasoningSummaryEnum | None = Field(
        description=(
            "Requests a summary of the model's reasoning. Supported values are auto, "
            "concise, and detailed."
        ),
        default=None,
    )


class ReasoningResponsesOptions(_ReasoningFields):
    service_tier: str | None = Field(description=_SERVICE_TIER, default=None)


class VerbosityResponsesOptions(_ReasoningFields):
    verbosity: VerbosityEnum | None = Field(
        description=(
            "Controls how verbose the model's response should be. Supported values are low, "
            "medium, and high."
        ),
        default=None,
    )
    service_tier: str | None = Field(description=_SERVICE_TIER, default=None)


class PlainResponsesOptions(ResponsesOptions):
    service_tier: str | None = Field(description=_SERVICE_TIER, default=None)


def options_for_spec(options: type[llm.Options], spec: Any) -> type[llm.Options]:
    """A model's options class, adapted to what its :class:`~.catalog.ModelSpec` says beyond
    its class: ``image_detail`` that takes ``original`` (GPT-5.4 and later, and the models of
    ``llm openai endpoint``, as in llm 0.36) and ``verbosity`` on a Chat Completions model
    (``llm openai endpoint`` without ``--responses``)."""
    fields = options.model_fields
    original = spec.image_detail_original and "image_detail" in fields
    verbosity = spec.verbosity and "verbosity" not in fields
    if not (original or verbosity):
        return options
    return _adapted_options(options, original, verbosity)


@functools.cache
def _adapted_options(
    options: type[llm.Options], original: bool, verbosity: bool
) -> type[llm.Options]:
    from pydantic import create_model

    fields: dict[str, Any] = {}
    if original:
        fields["image_detail"] = (
            ImageDetailWithOriginalEnum | None,
            Field(
                description=(
                    "Controls the detail level for image attachments. Supported values are "
                    "low, high, original, and auto."
                ),
                default=None,
            ),
        )
    if verbosity:
        fields["verbosity"] = (
            VerbosityEnum | None,
            Field(
                description=(
                    "Controls how verbose the model's response should be. Supported values "
                    "are low, medium, and high."
                ),
                default=None,
            ),
        )
    adapted: type[llm.Options] = create_model(
        options.__name__, __base__=options, __module__=options.__module__, **fields
    )
    return adapted


class ReasoningOptions(ModernChatOptions):
    reasoning_effort: str | None = Field(
        description=(
            "How hard a reasoning model should think before answering: "
            + ", ".join(REASONING_EFFORTS)
            + ". Lower is faster and uses fewer reasoning tokens."
        ),
        default=None,
    )

    @field_validator("reasoning_effort")
    @classmethod
    def _check_effort(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if value not in REASONING_EFFORTS:
            raise ValueError(f"must be one of {', '.join(REASONING_EFFORTS)}")
        return value


class CompletionOptions(SharedOptions):
    logprobs: int | None = Field(
        description="Include the log probabilities of most likely N per token",
        ge=0,
        le=5,
        default=None,
    )

"""The registered models match the reference: IDs, aliases, features, options."""

from __future__ import annotations

from pathlib import Path

import pytest

import llm
from llm_openai_provider.config import load_extra_models

#: ``llm models`` of llm 0.36, its OpenAI chat models in its order.
REFERENCE_LISTING = """\
OpenAI Chat: gpt-4o (aliases: 4o)
OpenAI Chat: gpt-4o-mini (aliases: 4o-mini)
OpenAI Chat: gpt-4.1 (aliases: 4.1)
OpenAI Chat: gpt-4.1-mini (aliases: 4.1-mini)
OpenAI Chat: gpt-4.1-nano (aliases: 4.1-nano)
OpenAI Chat: gpt-3.5-turbo (aliases: 3.5, chatgpt)
OpenAI Chat: gpt-3.5-turbo-16k (aliases: chatgpt-16k, 3.5-16k)
OpenAI Chat: gpt-4 (aliases: 4, gpt4)
OpenAI Chat: gpt-4-turbo-2024-04-09
OpenAI Chat: gpt-4-turbo (aliases: gpt-4-turbo-preview, 4-turbo, 4t)
OpenAI Responses: o1
OpenAI Responses: o1-2024-12-17
OpenAI Responses: o3-mini
OpenAI Responses: o3
OpenAI Responses: o4-mini
OpenAI Responses: gpt-5
OpenAI Responses: gpt-5-mini
OpenAI Responses: gpt-5-nano
OpenAI Responses: gpt-5-2025-08-07
OpenAI Responses: gpt-5-mini-2025-08-07
OpenAI Responses: gpt-5-nano-2025-08-07
OpenAI Responses: gpt-5.1
OpenAI Responses: gpt-5.2
OpenAI Responses: gpt-5.2-chat-latest
OpenAI Responses: gpt-5.4
OpenAI Responses: gpt-5.4-2026-03-05
OpenAI Responses: gpt-5.4-mini
OpenAI Responses: gpt-5.4-mini-2026-03-17
OpenAI Responses: gpt-5.4-nano
OpenAI Responses: gpt-5.4-nano-2026-03-17
OpenAI Responses: gpt-5.5
OpenAI Responses: gpt-5.5-2026-04-23
OpenAI Responses: gpt-5.6-sol
OpenAI Responses: gpt-5.6-terra
OpenAI Responses: gpt-5.6-luna
OpenAI Responses: gpt-6-astra
OpenAI Responses: gpt-6-sol
OpenAI Responses: gpt-6-luna
"""

#: Models llm 0.26 had and 0.36 dropped: still registered, after the others.
KEPT_FROM_026 = """\
OpenAI Chat: chatgpt-4o-latest (aliases: chatgpt-4o)
OpenAI Chat: gpt-4o-audio-preview
OpenAI Chat: gpt-4o-audio-preview-2024-12-17
OpenAI Chat: gpt-4o-audio-preview-2024-10-01
OpenAI Chat: gpt-4o-mini-audio-preview
OpenAI Chat: gpt-4o-mini-audio-preview-2024-12-17
OpenAI Chat: gpt-4-32k (aliases: 4-32k)
OpenAI Chat: gpt-4-1106-preview
OpenAI Chat: gpt-4-0125-preview
OpenAI Chat: gpt-4.5-preview-2025-02-27
OpenAI Chat: gpt-4.5-preview (aliases: gpt-4.5)
OpenAI Chat: o1-preview
OpenAI Chat: o1-mini
"""


def _listing() -> list[str]:
    lines = []
    for entry in llm.get_models_with_aliases():
        line = str(entry.model)
        if entry.aliases:
            line += f" (aliases: {', '.join(entry.aliases)})"
        lines.append(line)
    return lines


def test_reference_models_in_reference_order() -> None:
    listing = [line for line in _listing() if line.startswith("OpenAI ")]
    reference = REFERENCE_LISTING.splitlines() + KEPT_FROM_026.splitlines()
    assert listing[: len(reference)] == reference
    assert (
        "OpenAI Completion: gpt-3.5-turbo-instruct (aliases: 3.5-instruct, chatgpt-instruct)"
        in listing
    )


def test_default_model_is_that_of_0_36() -> None:
    model = llm.get_model()
    assert model.model_id == "gpt-5.6-luna"
    assert str(model) == "OpenAI Responses: gpt-5.6-luna"
    assert llm.get_async_model().model_id == "gpt-5.6-luna"
    assert (model.needs_key, model.key_env_var) == ("openai", "OPENAI_API_KEY")


@pytest.mark.parametrize(
    ("model_id", "stream", "schemas", "tools", "attachments", "reasoning"),
    [
        (
            "gpt-4o",
            True,
            True,
            True,
            "application/pdf, image/gif, image/jpeg, image/png, image/webp",
            False,
        ),
        (
            "chatgpt-4o-latest",
            True,
            False,
            False,
            "application/pdf, image/gif, image/jpeg, image/png, image/webp",
            False,
        ),
        ("gpt-4o-audio-preview", True, False, False, "audio/mpeg, audio/wav", False),
        ("gpt-3.5-turbo", True, False, False, "", False),
        (
            "o1",
            False,
            True,
            True,
            "application/pdf, image/gif, image/jpeg, image/png, image/webp",
            True,
        ),
        ("o1-mini", True, False, False, "", False),
        ("o3-mini", True, True, True, "", True),
        (
            "o4-mini",
            True,
            True,
            True,
            "application/pdf, image/gif, image/jpeg, image/png, image/webp",
            True,
        ),
    ],
)
def test_features_match_the_reference(
    model_id: str, stream: bool, schemas: bool, tools: bool, attachments: str, reasoning: bool
) -> None:
    model = llm.get_model(model_id)
    assert model.can_stream is stream
    assert model.supports_schema is schemas
    assert model.supports_tools is tools
    assert ", ".join(sorted(model.attachment_types)) == attachments
    assert ("reasoning_effort" in model.Options.model_fields) is reasoning
    assert list(model.Options.model_fields)[:9] == [
        "temperature",
        "max_tokens",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "stop",
        "logit_bias",
        "seed",
        "json_object",
    ]


def test_embedding_models_and_aliases() -> None:
    aliases = {e.model.model_id: e.aliases for e in llm.get_embedding_models_with_aliases()}
    assert aliases["text-embedding-ada-002"] == ["ada", "ada-002"]
    for size in ("3-small", "3-large", "3-small-512", "3-large-256", "3-large-1024"):
        assert aliases[f"text-embedding-{size}"] == [size]
    assert llm.get_embedding_model("3-large-256").dimensions == 256


def test_extra_models_yaml(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (environment / "extra-openai-models.yaml").write_text(
        """
- model_id: gpt-3.5-turbo-0613
  model_name: gpt-3.5-turbo-0613
  aliases: ["0613"]
- model_id: orca-openai-compat
  model_name: orca-mini-3b.ggmlv3
  api_base: "http://localhost:8080"
  vision: true
  audio: true
  reasoning: true
  supports_tools: true
  supports_schema: true
  can_stream: false
- model_id: claude
  model_name: anthropic/claude-2
  api_base: "https://openrouter.ai/api/v1"
  api_key_name: openrouter
  headers:
    HTTP-Referer: "https://llm.datasette.io/"
    X-Title: LLM
- model_id: instruct-local
  api_base: "http://localhost:8080"
  completion: true
- model_id: instruct-written-for-the-original
  api_base: "http://localhost:8080"
  completion: 1
  vision: "false"
- model_id: broken
  vision: "yes please"
- just a string
"""
    )
    official = llm.get_model("0613")
    assert (official.model_name, official.needs_key) == ("gpt-3.5-turbo-0613", "openai")
    orca = llm.get_model("orca-openai-compat")
    assert orca.needs_key is None  # the OpenAI key is not sent to other servers
    assert orca.can_stream is False
    assert orca.supports_tools and orca.supports_schema
    assert {"image/png", "audio/wav", "application/pdf"} <= set(orca.attachment_types)
    assert "reasoning_effort" in orca.Options.model_fields
    claude = llm.get_async_model("claude")
    assert (claude.needs_key, claude.key_env_var) == ("openrouter", None)
    assert claude.headers == {"HTTP-Referer": "https://llm.datasette.io/", "X-Title": "LLM"}
    assert str(llm.get_model("instruct-local")) == "OpenAI Completion: instruct-local"
    written_for_the_original = llm.get_model("instruct-written-for-the-original")
    assert str(written_for_the_original).startswith("OpenAI Completion:")
    err = capsys.readouterr().err
    assert "broken: 'vision' must be true or false" in err
    assert "each entry must be a mapping" in err
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("broken")


def test_unreadable_yaml_is_a_warning(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = environment / "extra-openai-models.yaml"
    path.write_text("- model_id: [unclosed\n")
    assert load_extra_models(path) == []
    assert "Warning: could not read" in capsys.readouterr().err
    assert llm.get_model("gpt-4o-mini")


def test_plugin_registered_through_entry_point() -> None:
    names = {p["name"] for p in llm.get_plugins(all=True)}
    assert "llm-openai" in names
    assert "llm-openai" not in {p["name"] for p in llm.get_plugins()}

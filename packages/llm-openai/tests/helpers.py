"""Shared test helpers: pointing models at the fake server through the YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FAKE_MODELS = (
    "fake-chat",
    "fake-tools",
    "fake-429-once",
    "fake-500",
    "fake-cutoff",
    "fake-slow",
    "fake-reset-once",
    "fake-503-twice",
    "fake-echo-request",
    "fake-thinker",
)


def write_extra_models(user_dir: Path, api_base: str, **overrides: Any) -> Path:
    """Every fake model, using the stored key ``fake``, plus a keyless one and a
    completion model; ``overrides`` are merged into every entry."""
    entries: list[dict[str, Any]] = [
        {
            "model_id": name,
            "api_base": api_base,
            "api_key_name": "fake",
            "vision": True,
            "audio": True,
            "supports_tools": True,
            "supports_schema": True,
            **overrides,
        }
        for name in FAKE_MODELS
    ]
    entries.append({"model_id": "fake-keyless", "api_base": api_base})
    entries.append(
        {
            "model_id": "fake-instruct",
            "model_name": "instruct-model",
            "api_base": api_base,
            "api_key_name": "fake",
            "completion": True,
        }
    )
    entries.append(
        {
            "model_id": "fake-reasoner",
            "model_name": "fake-echo-request",
            "api_base": api_base,
            "api_key_name": "fake",
            "reasoning": True,
            "headers": {"X-Title": "LLM tests"},
        }
    )
    path = user_dir / "extra-openai-models.yaml"
    path.write_text(yaml.safe_dump(entries))
    return path

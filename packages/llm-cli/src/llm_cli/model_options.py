"""Default options per model (``llm models options``), kept in model_options.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import llm
from llm import config


def path() -> Path:
    return llm.user_dir() / "model_options.json"


def load() -> dict[str, dict[str, Any]]:
    """Options by model ID; a file that cannot be parsed is a ``ConfigFileError``, so
    ``llm models options set`` never writes over it."""
    data = config.read_json_object(path())
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def save(options: dict[str, dict[str, Any]]) -> None:
    import json

    config.write_atomic(
        path(), json.dumps({k: v for k, v in options.items() if v}, indent=2) + "\n"
    )


def defaults_for(model_id: str) -> dict[str, Any]:
    return dict(load().get(model_id, {}))

"""Default options per model (``llm models options``), kept in model_options.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import llm
from llm import config


def path() -> Path:
    return llm.user_dir() / "model_options.json"


def load() -> dict[str, dict[str, Any]]:
    """Options by model ID; a file that cannot be parsed, or is not of that shape (an object
    of objects), is a ``ConfigFileError`` naming it, so ``llm models options set`` never
    writes over it."""
    where = path()
    data = config.read_json_object(where)
    for model_id, options in data.items():
        if not isinstance(options, dict):
            raise config.ConfigFileError(
                f"{where}: the options for {model_id!r} must be a JSON object of option"
                f" names and values, not {config.json_type_name(options)}"
            )
    return data


def save(options: dict[str, dict[str, Any]]) -> None:
    import json

    config.write_atomic(
        path(), json.dumps({k: v for k, v in options.items() if v}, indent=2) + "\n"
    )


def defaults_for(model_id: str) -> dict[str, Any]:
    return dict(load().get(model_id, {}))

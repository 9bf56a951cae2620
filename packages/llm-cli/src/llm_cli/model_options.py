"""Default options per model (``llm models options``), kept in model_options.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import llm


def path() -> Path:
    return llm.user_dir() / "model_options.json"


def load() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def save(options: dict[str, dict[str, Any]]) -> None:
    target = path()
    temp = target.with_name(target.name + ".tmp")
    temp.write_text(json.dumps({k: v for k, v in options.items() if v}, indent=2) + "\n")
    os.replace(temp, target)


def defaults_for(model_id: str) -> dict[str, Any]:
    return dict(load().get(model_id, {}))

"""``import llm`` must stay light: no storage, numerics, provider SDK, HTTP or CLI libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "alembic", "numpy", "openai", "httpx2", "httpx", "click", "puremagic")

SCRIPT = f"""
import json, sys
import llm
{{extra}}
heavy = {HEAVY!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def _imported(extra: str, user_path: Path) -> list[str]:
    env = dict(os.environ, LLM_USER_PATH=str(user_path))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(extra=extra)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_import_llm_is_light(user_path: Path) -> None:
    assert _imported("", user_path) == []


def test_looking_up_offline_models_is_light(user_path: Path) -> None:
    # Loading the plugins and running an offline model needs none of them either.
    extra = 'llm.get_model("echo").prompt("hi").text(); llm.get_embedding_models()'
    assert _imported(extra, user_path) == []


def test_import_llm_costs_no_pydantic_or_metadata_scan(user_path: Path) -> None:
    script = (
        "import json, sys, llm; print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] == 'pydantic' or m == 'importlib.metadata')))"
    )
    env = dict(os.environ, LLM_USER_PATH=str(user_path))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(result.stdout) == []


def test_public_names_resolve_lazily() -> None:
    import llm
    from llm import models

    assert llm.Model is models.Model
    assert llm.models is models  # submodules stay reachable as attributes
    assert "get_model" in dir(llm)
    for name in llm.__all__:
        assert getattr(llm, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        llm.no_such_name  # noqa: B018

"""The ``llm`` executable under test and the environment it runs in, for fixtures of any scope
(importable by name: conftest puts this directory on ``sys.path``; ``from conftest import``
would find whichever package's conftest was imported first)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

LLM = shutil.which("llm", path=str(Path(sys.executable).parent)) or shutil.which("llm")


def llm_env(user_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    # Let the child cache bytecode, or every run recompiles every import from source.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    full_env["LLM_USER_PATH"] = str(user_dir)
    full_env.update(env or {})
    return full_env

"""Listing models must not import the openai SDK (or httpx2): it costs most of a second."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
import llm
models = [str(m) for m in llm.get_models()]
embedding = [m.model_id for m in llm.get_embedding_models()]
from llm_cli.app import cli  # registers `llm openai` through register_commands
print(json.dumps({
    "models": models,
    "embedding": embedding,
    "commands": sorted(cli.commands),
    "heavy": sorted(m for m in ("openai", "httpx2", "yaml") if m in sys.modules),
}))
"""


def _probe(user_dir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(user_dir), "PATH": ""},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_listing_models_imports_no_sdk(tmp_path: Path) -> None:
    found = _probe(tmp_path)
    assert "OpenAI Chat: gpt-4o-mini" in found["models"]
    assert "OpenAI Completion: gpt-3.5-turbo-instruct" in found["models"]
    assert "text-embedding-3-small" in found["embedding"]
    assert "openai" in found["commands"]
    assert found["heavy"] == []


def test_extra_models_file_read_without_sdk(tmp_path: Path) -> None:
    (tmp_path / "extra-openai-models.yaml").write_text("- model_id: local\n  api_base: x\n")
    found = _probe(tmp_path)
    assert "OpenAI Chat: local" in found["models"]
    assert found["heavy"] == ["yaml"]  # yaml is cheap; the SDK stays unimported

"""The checked-in CLI reference must match what the code prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "cli-reference.md"


def test_cli_reference_is_current() -> None:
    env = {**os.environ, "LLM_LOAD_PLUGINS": ""}
    result = subprocess.run(
        [sys.executable, "-m", "llm_cli.help_reference"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout == REFERENCE.read_text(), (
        "docs/cli-reference.md is out of date: run "
        "LLM_LOAD_PLUGINS= uv run python -m llm_cli.help_reference > docs/cli-reference.md"
    )

"""Helpers for the tests: test servers' configuration, prompts for the echo model."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_SCRIPT = HERE / "mcp_test_server.py"
LLM = shutil.which("llm", path=str(Path(sys.executable).parent)) or shutil.which("llm")
TOKEN = "s3cret-token"


def stdio_entry(*flags: str, **extra: Any) -> dict[str, Any]:
    """An ``mcpServers`` entry that runs the test server over stdio."""
    return {"command": sys.executable, "args": [str(SERVER_SCRIPT), *flags], **extra}


def write_config(user_path: Path, servers: dict[str, Any]) -> None:
    user_path.mkdir(parents=True, exist_ok=True)
    (user_path / "mcp.json").write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")


def tool_calls(*calls: tuple[str, dict[str, Any]]) -> str:
    """A prompt that makes the echo model ask for these tool calls."""
    return json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in calls]})


def answers(stdout: str) -> list[dict[str, Any]]:
    """The echo model's JSON answers, one per response of the chain."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(stdout):
        if stdout[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(stdout, index)
        found.append(value)
    return found


_RESULT = re.compile(r'"name": ("(?:[^"\\]|\\.)*"),\n\s*"output": ("(?:[^"\\]|\\.)*")')


def chat_outputs(stdout: str) -> list[str]:
    """Every tool output the echo model was sent, in order, from a chat's transcript."""
    return [json.loads(match.group(2)) for match in _RESULT.finditer(stdout)]


def tool_outputs(stdout: str) -> dict[str, str]:
    """Tool name -> output the model was sent, across the chain."""
    return {
        result["name"]: result["output"]
        for answer in answers(stdout)
        for result in answer.get("tool_results", [])
    }

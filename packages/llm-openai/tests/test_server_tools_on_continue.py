"""``llm -c`` goes on with the server-side tools (``-T CodeInterpreter(...)``) the
conversation started with, configured as they were logged, as llm 0.36 does. Answers come
through the real ``openai`` SDK from an ``httpx2.MockTransport``; the logs are a real SQLite
file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx2
import pytest

from llm_cli.testing import invoke

CODE_CALL = {
    "type": "code_interpreter_call", "id": "ci_1", "status": "completed",
    "container_id": "cntr_1", "code": "print(6 * 7)",
    "outputs": [{"type": "logs", "logs": "42\n"}],
}  # fmt: skip
EXPECTED_TOOL = {"type": "code_interpreter", "container": {"type": "auto", "memory_limit": "4g"}}


def _message(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message", "id": item_id, "role": "assistant", "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }  # fmt: skip


def _answer(output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-5.6-luna",
        "status": "completed", "output": output,
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }  # fmt: skip


@pytest.fixture
def sent(transport: Any) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            output = [_message("m1", "Running Python"), CODE_CALL, _message("m2", "Calculated")]
        else:
            output = [_message("m3", "Continued")]
        return httpx2.Response(200, json=_answer(output))

    transport(httpx2.MockTransport(handle))
    return bodies


def _first(*args: str) -> None:
    result = invoke(
        "-m", "gpt-5.6-luna", *args, "--no-stream", "--key", "x", "Run this calculation"
    )
    assert result.returncode == 0, result.stderr


def test_code_interpreter_is_reenabled_with_its_configuration(
    sent: list[dict[str, Any]], environment: Path
) -> None:
    _first("-T", 'CodeInterpreter(memory_limit="4g")')
    second = invoke("Continue", "-c", "--no-stream", "--key", "x")
    assert (second.returncode, second.stdout) == (0, "Continued\n"), second.stderr
    assert sent[0]["tools"] == [EXPECTED_TOOL]
    assert sent[1]["tools"] == [EXPECTED_TOOL]
    assert sent[1]["input"] == [
        {"role": "user", "content": "Run this calculation"},
        {"role": "assistant", "content": "Running Python"},
        {"role": "assistant", "content": "Calculated"},
        {"role": "user", "content": "Continue"},
    ]
    db = sqlite3.connect(environment / "logs.db")
    ((instance_id, name, arguments),) = db.execute(
        "SELECT id, name, arguments FROM tool_instances"
    ).fetchall()
    assert (name, json.loads(arguments)["memory_limit"]) == ("CodeInterpreter", "4g")
    instance_ids = {row[0] for row in db.execute("SELECT instance_id FROM turn_tools")}
    assert instance_ids == {instance_id}
    # The plugin API names it as a -T spec with its configuration (loaded_tools, llm 0.32+).
    from llm.cli import load_conversation

    [spec] = load_conversation(None, database=str(environment / "logs.db")).loaded_tools
    assert spec.startswith("CodeInterpreter(") and json.loads(spec[16:-1])["memory_limit"] == "4g"


def test_unconfigured_server_side_tool_comes_back_too(sent: list[dict[str, Any]]) -> None:
    _first("-T", "CodeInterpreter")
    assert invoke("Continue", "-c", "--no-stream", "--key", "x").returncode == 0
    assert sent[1]["tools"] == sent[0]["tools"]
    assert sent[1]["tools"][0]["type"] == "code_interpreter"


def test_giving_tools_on_continue_replaces_them(sent: list[dict[str, Any]]) -> None:
    _first("-T", 'CodeInterpreter(memory_limit="4g")')
    result = invoke("Continue", "-c", "-T", "WebSearch", "--no-stream", "--key", "x")
    assert result.returncode == 0, result.stderr
    assert [tool["type"] for tool in sent[1]["tools"]] == ["web_search"]


def test_a_model_without_that_tool_is_a_clear_error(
    sent: list[dict[str, Any]], environment: Path
) -> None:
    # llm 0.36 refuses it too ("Tool(s) CodeInterpreter(...) not found"); -T chooses others.
    (environment / "extra-openai-models.yaml").write_text(
        "- model_id: local\n  model_name: local\n  api_base: http://127.0.0.1:9/v1\n", "utf-8"
    )
    _first("-T", 'CodeInterpreter(memory_limit="4g")')
    result = invoke("Continue", "-c", "-m", "local", "--no-stream")
    assert result.returncode == 1
    assert result.stderr == (
        "Error: Server-side tool(s) CodeInterpreter used in this conversation are not supported"
        " by this model: continue with one that supports them (llm tools list -m MODEL), or"
        " choose other tools (-T)\n"
    )
    assert len(sent) == 1
    other = invoke("Continue", "-c", "-m", "gpt-5.5", "--no-stream", "--key", "x")
    assert other.returncode == 0, other.stderr
    assert (sent[1]["model"], sent[1]["tools"]) == ("gpt-5.5", [EXPECTED_TOOL])


def test_a_bad_logged_configuration_is_a_clear_error(
    sent: list[dict[str, Any]], environment: Path
) -> None:
    _first("-T", 'CodeInterpreter(memory_limit="4g")')
    db = sqlite3.connect(environment / "logs.db")
    with db:
        db.execute("""UPDATE tool_instances SET arguments = '{"memory_limit": "9g"}'""")
    result = invoke("Continue", "-c", "--no-stream", "--key", "x")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Could not rebuild CodeInterpreter")
    assert "Traceback" not in result.stderr
    assert len(sent) == 1

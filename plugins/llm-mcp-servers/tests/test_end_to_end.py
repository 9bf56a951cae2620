"""MCP tools called by the echo model through the real ``llm`` executable: stdio and
Streamable HTTP servers written with the SDK, and every way a server can fail."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from mcp_fixtures import (
    LLM,
    TOKEN,
    answers,
    chat_outputs,
    stdio_entry,
    tool_calls,
    tool_outputs,
    write_config,
)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not running: it only waits for its parent (gone) to be reaped by init.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stdio_tools_results_errors_and_logs(run_llm, user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry(env={"GREETING": "${OUTER_GREETING}"})})
    prompt = tool_calls(
        ("demo__add", {"a": 2, "b": 40}),
        ("demo__fail", {"message": "the disk is full"}),
        ("demo__environment", {"name": "GREETING"}),
        ("demo__pid", {}),
        ("demo__pid", {}),
    )
    result = run_llm("-m", "echo", "-T", "mcp:demo", prompt, env={"OUTER_GREETING": "hello"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the server's stderr went to its log file
    results = [r for a in answers(result.stdout) for r in a.get("tool_results", [])]
    outputs = [r["output"] for r in results]
    assert outputs[0] == "42"
    assert outputs[1] == "Error: Error executing tool fail: the disk is full"
    assert outputs[2].startswith("hello in ")
    assert outputs[3] == outputs[4]  # one server for the whole command
    server_pid = int(outputs[3])
    assert not pid_alive(server_pid), "the server outlived llm"
    log = (user_path / "mcp-logs" / "demo.log").read_text()
    assert log.count("starting:") == 1 and "test server starting" in log
    # ${VAR} is expanded when used, never written back.
    assert "${OUTER_GREETING}" in (user_path / "mcp.json").read_text()

    logs = run_llm("logs", "-n", "1", "--json")
    logged = json.loads(logs.stdout)[0]
    names = [r["name"] for r in logged["tool_results"]]
    assert names == ["demo__add", "demo__fail", "demo__environment", "demo__pid", "demo__pid"]
    db = sqlite3.connect(user_path / "logs.db")
    instances = db.execute("select distinct name, plugin from tool_instances").fetchall()
    assert instances == [("mcp:demo", "mcp_servers")]


def test_one_tool_with_a_dot_and_the_others_hidden(run_llm, user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    prompt = tool_calls(("demo__add", {"a": 1, "b": 1}), ("demo__pid", {}))
    result = run_llm("-m", "echo", "-T", "mcp:demo.add", prompt)
    assert result.returncode == 0, result.stderr
    assert tool_outputs(result.stdout) == {
        "demo__add": "2",
        "demo__pid": 'Error: tool "demo__pid" does not exist',
    }
    missing = run_llm("-m", "echo", "-T", "mcp:demo.nope", "hi")
    assert missing.returncode == 1
    assert "Toolbox mcp:demo has no tool nope" in missing.stderr


def test_enabled_and_disabled_tools(run_llm, user_path: Path) -> None:
    write_config(
        user_path,
        {
            "demo": stdio_entry(enabled_tools=["add", "pid"], disabled_tools=["pid"]),
            "off": stdio_entry(enabled=False),
        },
    )
    result = run_llm("-m", "echo", "-T", "mcp:demo", tool_calls(("demo__pid", {})))
    assert tool_outputs(result.stdout)["demo__pid"] == 'Error: tool "demo__pid" does not exist'
    listed = run_llm("tools", "list", "--json")
    boxes = {box["name"]: box for box in json.loads(listed.stdout)["toolboxes"]}
    # listed by the names the model sees, as llm 0.32+ lists a toolbox's tools
    assert [tool["name"] for tool in boxes["mcp:demo"]["tools"]] == ["demo__add"]
    assert boxes["mcp:demo"]["dynamic"] is False
    assert "mcp:off" not in boxes


def test_tools_list_uses_the_cached_manifest_without_starting(run_llm, user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    # Never listed: llm tools list shows the toolbox with no tools, and starts nothing.
    first = run_llm("tools", "list")
    assert "mcp:demo:" in first.stdout
    assert not (user_path / "mcp-logs").exists()
    assert run_llm("mcp", "tools", "demo").returncode == 0
    starts = (user_path / "mcp-logs" / "demo.log").read_text().count("starting:")
    listed = run_llm("tools", "list")
    assert "  demo__add(a: int, b: int)\n\n    Add two numbers" in listed.stdout
    assert (user_path / "mcp-logs" / "demo.log").read_text().count("starting:") == starts


def test_images_and_audio_come_back_as_attachments(run_llm, user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    result = run_llm("-m", "echo", "-T", "mcp:demo", tool_calls(("demo__picture", {})), "--td")
    assert result.returncode == 0, result.stderr
    assert tool_outputs(result.stdout)["demo__picture"] == "a red dot"
    # The attachments are checked from Python (test_python.py); here: nothing broke.


def test_streamable_http_with_expanded_headers(run_llm, user_path: Path, http_server) -> None:
    write_config(
        user_path, {"remote": {"url": http_server, "headers": {"Authorization": "Bearer ${TOK}"}}}
    )
    prompt = tool_calls(("remote__add", {"a": 20, "b": 22}), ("remote__fail", {"message": "no"}))
    result = run_llm("-m", "echo", "-T", "mcp:remote", prompt, env={"TOK": TOKEN})
    assert result.returncode == 0, result.stderr
    assert tool_outputs(result.stdout) == {
        "remote__add": "42",
        "remote__fail": "Error: Error executing tool fail: no",
    }
    # A wrong token: the server refuses; one clear error, the chain goes on.
    denied = run_llm("-m", "echo", "-T", "mcp:remote", prompt, env={"TOK": "wrong"})
    assert denied.returncode == 0, denied.stderr
    output = tool_outputs(denied.stdout)["remote__add"]
    assert output.startswith("Error: MCP server remote could not start:")
    # The variable unset: the error names it.
    unset = run_llm("-m", "echo", "-T", "mcp:remote", prompt)
    assert "Environment variable TOK is not set" in tool_outputs(unset.stdout)["remote__add"]


def cache_tools(user_path: Path, servers: dict[str, dict], tools: list[dict]) -> None:
    """Write the tool manifest as a server that once started would have left it."""
    from llm_mcp_servers.config import parse_server

    entries = {
        name: {"fingerprint": parse_server(name, entry).fingerprint(), "tools": tools}
        for name, entry in servers.items()
    }
    (user_path / "mcp-tools.json").write_text(json.dumps(entries))


ADD = {
    "name": "add",
    "description": "Add two numbers",
    "inputSchema": {"type": "object", "properties": {"a": {"type": "integer"}}},
}


def test_a_server_that_cannot_start(run_llm, user_path: Path) -> None:
    servers = {
        "crash": stdio_entry("--crash"),
        "hang": stdio_entry("--hang", startup_timeout=1),
        "missing": {"command": str(user_path / "no-such-program")},
    }
    write_config(user_path, servers)
    cache_tools(user_path, {k: v for k, v in servers.items() if k != "missing"}, [ADD])
    prompt = tool_calls(("crash__add", {"a": 1}), ("hang__add", {"a": 1}), ("crash__add", {}))
    result = run_llm("-m", "echo", "-T", "mcp:crash", "-T", "mcp:hang", prompt)
    assert result.returncode == 0, result.stderr
    outputs = [r["output"] for a in answers(result.stdout) for r in a.get("tool_results", [])]
    assert outputs[0].startswith("Error: MCP server crash could not start:")
    assert outputs[1] == "Error: MCP server hang did not start within 1 s"
    assert outputs[2].startswith("Error: MCP server crash could not start:")
    assert "cannot start: no configuration" in (user_path / "mcp-logs/crash.log").read_text()
    # Never listed, so its tools must be learnt before the prompt: one error, exit 1.
    missing = run_llm("-m", "echo", "-T", "mcp:missing", "hi")
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: MCP server missing could not start:")
    assert "no-such-program" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_failures_during_calls_reach_the_model_and_the_chat_goes_on(
    run_llm, user_path: Path
) -> None:
    write_config(user_path, {"demo": stdio_entry(call_timeout=2)})
    assert run_llm("mcp", "tools", "demo").returncode == 0  # cache the tool list
    turns = [
        tool_calls(("demo__pid", {})),
        tool_calls(("demo__pid", {})),
        tool_calls(("demo__nap", {"seconds": 30})),
        tool_calls(("demo__die", {})),
        tool_calls(("demo__pid", {})),
        tool_calls(("demo__garbage", {})),
        tool_calls(("demo__add", {"a": 3, "b": 4})),
    ]
    result = run_llm("chat", "-m", "echo", "-T", "mcp:demo", input="\n".join([*turns, "quit"]))
    assert result.returncode == 0, result.stderr
    first, again, nap, die, restarted, garbage, add = chat_outputs(result.stdout)
    assert first == again  # one server for the whole chat
    assert nap == "Error: MCP server demo did not answer nap within 2 s"
    assert die.startswith("Error: MCP server demo failed during die:")
    assert restarted != first  # started again after it died
    assert garbage.startswith("Error: MCP server demo failed during garbage:")
    assert "not MCP" in garbage  # noticed at once, not at the call's timeout
    assert add == "7"
    assert "Traceback" not in result.stderr
    # The user is told too, one line each.
    assert "Warning: MCP server demo did not answer nap within 2 s\n" in result.stderr
    assert result.stderr.count("Warning: MCP server demo failed during") == 2
    for pid in (first, restarted):
        assert not pid_alive(int(pid))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stdio_servers_are_stopped_when_llm_is_interrupted(
    user_path: Path, tmp_path: Path, signum: int
) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    pidfile = tmp_path / "server.pid"
    prompt = tool_calls(("demo__nap", {"seconds": 600, "pidfile": str(pidfile)}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_path)
    assert LLM
    process = subprocess.Popen(
        [LLM, "-m", "echo", "-T", "mcp:demo", prompt],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The pid file says the call started (the server writes it, then sleeps).
        while not pidfile.exists() or not pidfile.read_text():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        server_pid = int(pidfile.read_text())
        assert pid_alive(server_pid)
        process.send_signal(signum)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert not pid_alive(server_pid), "the server outlived llm"
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")


def test_always_ask_servers_and_ta(run_llm, user_path: Path) -> None:
    write_config(user_path, {"careful": stdio_entry(always_ask=True), "quiet": stdio_entry()})
    assert run_llm("mcp", "tools", "careful").returncode == 0
    assert run_llm("mcp", "tools", "quiet").returncode == 0
    careful = tool_calls(("careful__add", {"a": 1, "b": 2}))
    quiet = tool_calls(("quiet__add", {"a": 2, "b": 2}))
    script = "\n".join([careful, "y", careful, "n", quiet, "quit"])
    result = run_llm("chat", "-m", "echo", "-T", "mcp:careful", "-T", "mcp:quiet", input=script)
    assert result.returncode == 0, result.stderr
    assert chat_outputs(result.stdout) == ["3", "Cancelled: User cancelled tool call", "4"]
    assert result.stderr.count("Tool call: careful__add(") == 2
    assert "quiet__add" not in result.stderr  # not asked for the quiet server
    # --ta asks for every tool, once each.
    ta = run_llm("chat", "-m", "echo", "-T", "mcp:careful", "-T", "mcp:quiet", "--ta",
                 input="\n".join([careful, "y", quiet, "y", "quit"]))  # fmt: skip
    assert chat_outputs(ta.stdout) == ["3", "4"]
    assert ta.stderr.count("Tool call: ") == 2


def test_continuing_a_conversation_brings_the_server_back(run_llm, user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    # The model called no tool: the toolbox is known from the tools offered, not the calls.
    assert run_llm("-m", "echo", "-T", "mcp:demo", "hello").returncode == 0
    again = run_llm("-c", tool_calls(("demo__add", {"a": 4, "b": 5})))
    assert again.returncode == 0, again.stderr
    assert tool_outputs(again.stdout) == {"demo__add": "9"}

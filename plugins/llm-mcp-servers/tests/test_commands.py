"""``llm mcp add/list/tools/remove/import`` and ``mcp.json`` itself."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from mcp_fixtures import SERVER_SCRIPT, stdio_entry, write_config

from llm_cli.testing import invoke


def config(user_path: Path) -> dict:
    return json.loads((user_path / "mcp.json").read_text())


def test_add_stdio_lists_its_tools_and_writes_the_mcpservers_format(
    user_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_TOKEN", "t")
    result = invoke(
        "mcp", "add", "demo", "-e", "TOKEN=${MY_TOKEN}", "--call-timeout", "5", "--",
        os.sys.executable, str(SERVER_SCRIPT),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Added MCP server demo (stdio)" in result.stderr
    assert "8 tools: add, fail, picture, environment, pid, nap, die, garbage" in result.stderr
    assert config(user_path) == {
        "mcpServers": {
            "demo": {
                "command": os.sys.executable,
                "args": [str(SERVER_SCRIPT)],
                "env": {"TOKEN": "${MY_TOKEN}"},
                "call_timeout": 5.0,
            }
        }
    }
    assert stat.S_IMODE((user_path / "mcp.json").stat().st_mode) == 0o600
    listed = invoke("mcp", "list")
    assert listed.stdout.startswith("demo: stdio, 8 tools\n")
    again = invoke("mcp", "add", "demo", "--url", "http://127.0.0.1:9/mcp", "--no-check")
    assert again.returncode == 1
    assert "exists already (--replace replaces it)" in again.stderr


def test_add_http_with_headers_and_no_check(user_path: Path) -> None:
    result = invoke(
        "mcp", "add", "docs", "--url", "http://127.0.0.1:9/mcp",
        "-H", "Authorization: Bearer ${DOCS_TOKEN}", "--always-ask", "--no-check",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert config(user_path)["mcpServers"]["docs"] == {
        "url": "http://127.0.0.1:9/mcp",
        "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"},
        "always_ask": True,
    }
    listed = json.loads(invoke("mcp", "list", "--json").stdout)
    assert listed == [
        {
            "name": "docs",
            "transport": "http",
            "target": "http://127.0.0.1:9/mcp",
            "enabled": True,
            "tools": None,
        }
    ]


def test_add_that_cannot_start_keeps_the_entry_and_warns(user_path: Path) -> None:
    result = invoke("mcp", "add", "broken", "--", os.sys.executable, str(SERVER_SCRIPT), "--crash")
    assert result.returncode == 0
    assert "Warning: MCP server broken could not start:" in result.stderr
    assert "broken" in config(user_path)["mcpServers"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad.name", "--", "x"], "Invalid MCP server name 'bad.name'"),
        (["x"], "Give either a command (after --) or --url"),
        (["x", "--url", "http://h", "--", "cmd"], "Give either a command"),
        (["x", "-H", "A: b", "--", "cmd"], "-H/--header is for --url servers"),
        (["x", "--url", "http://h", "-H", "nocolon"], "is not 'Name: value'"),
        (["x", "--url", "http://h", "--call-timeout", "0"], "must be a positive number"),
    ],
)
def test_add_refuses_bad_input(user_path: Path, args: list[str], message: str) -> None:
    result = invoke("mcp", "add", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (user_path / "mcp.json").exists()


def test_malformed_mcp_json_is_named_and_never_overwritten(user_path: Path) -> None:
    user_path.mkdir()
    path = user_path / "mcp.json"
    path.write_text('{"mcpServers": {"a": {"command": "x",}}}')
    before = path.read_bytes()
    for args in (
        ["mcp", "add", "b", "--url", "http://h", "--no-check"],
        ["mcp", "list"],
        ["mcp", "remove", "a"],
        ["mcp", "import"],
    ):
        result = invoke(*args)
        assert result.returncode == 1, args
        assert result.stderr.startswith(f"Error: {path} is not valid JSON:"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    # Other tools keep working; the MCP servers' absence is explained once.
    tools = invoke("tools", "list")
    assert tools.returncode == 0
    assert f"Warning: MCP servers not loaded: {path} is not valid JSON" in tools.stderr
    assert path.read_bytes() == before


def test_an_entry_that_is_not_a_server_is_named(user_path: Path) -> None:
    write_config(user_path, {"demo": {"args": ["x"]}})
    result = invoke("mcp", "list")
    assert result.returncode == 1
    assert 'server \'demo\' needs either "command" (stdio) or "url" (HTTP)' in result.stderr


def test_remove_keeps_other_keys(user_path: Path) -> None:
    user_path.mkdir()
    (user_path / "mcp.json").write_text(
        json.dumps({"mcpServers": {"a": stdio_entry(), "b": stdio_entry()}, "other": 1})
    )
    assert invoke("mcp", "remove", "a").returncode == 0
    assert config(user_path) == {"mcpServers": {"b": stdio_entry()}, "other": 1}
    missing = invoke("mcp", "remove", "a")
    assert missing.returncode == 1 and "No MCP server named a" in missing.stderr


def test_tools_json_starts_the_server(user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry(disabled_tools=["die"])})
    result = invoke("mcp", "tools", "demo", "--json")
    assert result.returncode == 0, result.stderr
    tools = json.loads(result.stdout)
    assert tools[0] == {
        "name": "add",
        "description": "Add two numbers",
        "inputSchema": tools[0]["inputSchema"],
    }
    assert tools[0]["inputSchema"]["required"] == ["a", "b"]
    text = invoke("mcp", "tools", "demo").stdout
    assert "add  (model sees: demo__add)\n  Add two numbers\n" in text
    assert "die (disabled in mcp.json)" in text
    unknown = invoke("mcp", "tools", "nope")
    assert unknown.returncode == 1 and "No MCP server named nope" in unknown.stderr


def test_import_from_the_other_applications(
    user_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    project = tmp_path / "project"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project.mkdir() or project)
    claude = home / ".config/Claude/claude_desktop_config.json"
    claude.parent.mkdir(parents=True)
    claude.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "files": {"command": "npx", "args": ["-y", "server-filesystem", "/tmp"]},
                    "old": {"type": "sse", "url": "http://h/sse"},
                }
            }
        )
    )
    cursor = home / ".cursor/mcp.json"
    cursor.parent.mkdir(parents=True)
    cursor.write_text(
        json.dumps({"mcpServers": {"docs": {"url": "http://h/mcp", "headers": {"A": "b"}}}})
    )
    vscode = project / ".vscode/mcp.json"
    vscode.parent.mkdir()
    vscode.write_text(json.dumps({"servers": {"git": {"type": "stdio", "command": "uvx"}}}))
    codex = home / ".codex/config.toml"
    codex.parent.mkdir()
    codex.write_text('[mcp_servers.fetch]\ncommand = "uvx"\nargs = ["mcp-server-fetch"]\n')
    write_config(user_path, {"files": stdio_entry()})

    result = invoke("mcp", "import")
    assert result.returncode == 0, result.stderr
    assert "Skipped files from" in result.stderr and "exists already" in result.stderr
    assert "Skipped old from" in result.stderr and "SSE servers are not supported" in result.stderr
    assert "3 servers imported" in result.stderr
    servers = config(user_path)["mcpServers"]
    assert servers["files"] == stdio_entry()
    assert servers["docs"] == {"url": "http://h/mcp", "headers": {"A": "b"}}
    assert servers["git"] == {"command": "uvx"}
    assert servers["fetch"] == {"command": "uvx", "args": ["mcp-server-fetch"]}

    only = invoke("mcp", "import", "--from", "claude", "--replace")
    assert "Imported files from" in only.stderr
    assert config(user_path)["mcpServers"]["files"]["command"] == "npx"

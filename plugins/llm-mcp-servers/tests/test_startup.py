"""The ``mcp`` SDK (and anyio, httpx2, starlette, uvicorn behind it) is imported only when a
server is started: not at start-up, not by ``llm tools list``, not by a prompt without MCP
tools, even with servers configured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mcp_fixtures import stdio_entry, write_config

SDK = ("mcp", "mcp_types", "anyio", "httpx2", "starlette", "uvicorn", "llm_mcp_servers.runtime")

PROBE = """
import json, sys
from llm_cli.app import cli
try:
    cli.main(ARGS, prog_name="llm", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(args: list[str], user_path: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.replace("ARGS", repr(args))],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(user_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["tools", "list"],
        ["-m", "echo", "hi", "-n"],
        ["-m", "echo", "hi", "-n", "-T", "mcp:s0", "-T", "mcp:s1.add"],
        ["mcp", "list"],
    ],
    ids=" ".join,
)
def test_the_sdk_is_not_imported_until_a_server_starts(user_path: Path, args: list[str]) -> None:
    write_config(user_path, {f"s{i}": stdio_entry() for i in range(5)})
    from llm_mcp_servers.config import load_servers

    fingerprint = load_servers(user_path / "mcp.json")["s0"].fingerprint()
    tool = {"name": "add", "description": "Add", "inputSchema": {"type": "object"}}
    manifest = {f"s{i}": {"fingerprint": fingerprint, "tools": [tool]} for i in range(5)}
    (user_path / "mcp-tools.json").write_text(json.dumps(manifest))
    imported_by(["--version"], user_path)  # builds the plugin cache
    imported = imported_by(args, user_path)
    heavy = {m for m in imported if any(m == n or m.startswith(n + ".") for n in SDK)}
    assert heavy == set()
    if args == ["tools", "list"]:
        assert "llm_mcp_servers" in imported  # the servers' toolboxes were listed
    assert not (user_path / "mcp-logs").exists()  # and no server was started

#!/usr/bin/env python3
"""What configured MCP servers cost: start-up with five servers vs none, and a repeat call.

    uv run python benchmarks/mcp_overhead.py [--runs 15] [--calls 30]

1. ``llm tools list`` and ``llm -m echo hi`` run by this environment's ``llm`` executable with
   two user directories: one with no ``mcp.json``, one with five stdio servers configured (their
   tool lists cached, as ``llm mcp add`` leaves them). The two take turns run by run, so the
   load of a shared machine falls on both alike; medians after two warm-up runs, and the ratio
   of the fastest runs (the least disturbed on a busy machine). Target: the
   five servers cost no more than 1.1x (no server is started, the SDK is not imported).
2. In one process, as in ``llm chat``: turns of the echo model that each call the ``add`` tool
   of one stdio server (the test server of ``plugins/llm-mcp-servers/tests``), against turns
   that call a Python function tool. The first MCP turn pays the server's start; the median
   difference of the others is what a repeat call adds. Target: under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "plugins/llm-mcp-servers/tests/mcp_test_server.py"
LLM = shutil.which("llm", path=str(Path(sys.executable).parent)) or "llm"


def configure(user_dir: Path, servers: int) -> None:
    user_dir.mkdir(parents=True, exist_ok=True)
    if not servers:
        return
    entry = {"command": sys.executable, "args": [str(SERVER)]}
    config = {"mcpServers": {f"server{i}": entry for i in range(servers)}}
    (user_dir / "mcp.json").write_text(json.dumps(config))
    # Cache the tool lists as `llm mcp add` would (one server started per name, then stopped).
    for i in range(servers):
        run([LLM, "mcp", "tools", f"server{i}"], user_dir)


def run(command: list[str], user_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_dir)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def startup(runs: int, workdir: Path) -> None:
    none, five = workdir / "none", workdir / "five"
    configure(none, 0)
    configure(five, 5)
    print("| command | no servers (ms) | 5 servers (ms) | ratio | fastest runs' ratio | target |")
    print("|---|---|---|---|---|---|")
    for args in (["tools", "list"], ["-m", "echo", "hi"]):
        times: dict[Path, list[float]] = {none: [], five: []}
        for index in range(runs + 2):
            order = (none, five) if index % 2 else (five, none)
            for user_dir in order:
                elapsed = run([LLM, *args], user_dir)
                if index >= 2:
                    times[user_dir].append(elapsed)
        base, with_servers = (statistics.median(times[d]) * 1000 for d in (none, five))
        # On a loaded machine the fastest run of each side is the least disturbed one.
        fastest = min(times[five]) / min(times[none])
        print(
            f"| `llm {' '.join(args)}` | {base:.0f} | {with_servers:.0f} |"
            f" {with_servers / base:.2f}x | {fastest:.2f}x | <= 1.1x |"
        )


def repeat_calls(calls: int, workdir: Path) -> None:
    user_dir = workdir / "calls"
    user_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LLM_USER_PATH"] = str(user_dir)
    (user_dir / "mcp.json").write_text(
        json.dumps({"mcpServers": {"demo": {"command": sys.executable, "args": [str(SERVER)]}}})
    )
    import llm
    import llm_mcp_servers

    def add_numbers(a: int, b: int) -> int:
        """Add two numbers (a Python tool: the baseline)"""
        return a + b

    model = llm.get_model("echo")
    conversation = model.conversation()
    box = llm_mcp_servers.toolbox("demo")  # lists the tools: starts the server once

    def turn(name: str) -> float:
        prompt = json.dumps({"tool_calls": [{"name": name, "arguments": {"a": 1, "b": 2}}]})
        started = time.perf_counter()
        chain = conversation.chain(prompt, tools=[box, add_numbers])
        chain.text()
        elapsed = time.perf_counter() - started
        results = chain.responses_made()[-1].prompt.tool_results
        assert results and results[0].output == "3", results
        return elapsed

    first = turn("demo__add")
    mcp_turns, python_turns = [], []
    for _ in range(calls):
        mcp_turns.append(turn("demo__add"))
        python_turns.append(turn("add_numbers"))
    mcp_ms = statistics.median(mcp_turns) * 1000
    python_ms = statistics.median(python_turns) * 1000
    print()
    print("| one chat turn calling | median (ms) |")
    print("|---|---|")
    print(f"| a Python function tool | {python_ms:.1f} |")
    print(f"| the stdio MCP server's `add`, first call (starts the server) | {first * 1000:.1f} |")
    print(f"| the stdio MCP server's `add`, repeat calls | {mcp_ms:.1f} |")
    print(f"| **what a repeat MCP call adds** (target < 50 ms) | **{mcp_ms - python_ms:.1f}** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--calls", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        startup(options.runs, Path(workdir))
        repeat_calls(options.calls, Path(workdir))


if __name__ == "__main__":
    main()

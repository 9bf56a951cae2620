"""Tools through the real ``llm`` executable: a plugin tool, ``--functions`` in a file, the
debug output on stderr, a bad spec, and a chat that runs a tool, all logged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

Run = Callable[..., CompletedProcess[str]]


def _calls(name: str, arguments: dict[str, object]) -> str:
    return json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})


def test_plugin_tool_with_debug_output(run_llm: Run, user_dir: Path) -> None:
    done = run_llm("-m", "echo", "-T", "llm_version", "--td", _calls("llm_version", {}))
    assert done.returncode == 0, done.stderr
    assert "Tool call: llm_version({})" in done.stderr
    from llm import __version__

    assert f'"output": "{__version__}"' in done.stdout
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select count(*) from responses").fetchone() == (2,)
        assert db.execute("select name, plugin from tools").fetchall() == [
            ("llm_version", "llm.default_plugins.default_tools")
        ]


def test_functions_file_in_a_chat(run_llm: Run, user_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text('def reverse(text: str) -> str:\n    "Reverse text"\n    return text[::-1]\n')
    done = run_llm(
        "chat",
        "-m",
        "echo",
        "--functions",
        str(path),
        input=f"!tools\n{_calls('reverse', {'text': 'abc'})}\nquit\n",
    )
    assert done.returncode == 0, done.stderr
    assert "reverse: Reverse text" in done.stdout
    assert '"output": "cba"' in done.stdout
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select name, output from tool_results").fetchall() == [
            ("reverse", "cba")
        ]


def test_bad_spec_is_one_line_and_nothing_runs(run_llm: Run, user_dir: Path) -> None:
    done = run_llm("-m", "echo", "-T", "missing_tool", "hi")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: Tool(s) missing_tool not found. Available tools: ")
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""

"""Tools from the command line: a plugin tool, ``--functions`` in a file, the debug output on
stderr, a bad spec, a chat that runs a tool, all logged (in process, through the console
script's entry point), and a plugin's toolbox rebuilt from the logs by ``-c`` in a new
process of the real executable (and refused once uninstalled)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

Run = Callable[..., CompletedProcess[str]]


def _calls(name: str, arguments: dict[str, object]) -> str:
    return json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})


def test_plugin_tool_with_debug_output(invoke_llm: Run, user_dir: Path) -> None:
    done = invoke_llm("-m", "echo", "-T", "llm_version", "--td", _calls("llm_version", {}))
    assert done.returncode == 0, done.stderr
    assert "Tool call: llm_version({})" in done.stderr
    from llm import __version__

    assert f'"output": "{__version__}"' in done.stdout
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select count(*) from responses").fetchone() == (2,)
        assert db.execute("select name, plugin from tools").fetchall() == [
            ("llm_version", "llm.default_plugins.default_tools")
        ]


def test_functions_file_in_a_chat(invoke_llm: Run, user_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text('def reverse(text: str) -> str:\n    "Reverse text"\n    return text[::-1]\n')
    done = invoke_llm(
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


def test_bad_spec_is_one_line_and_nothing_runs(invoke_llm: Run, user_dir: Path) -> None:
    done = invoke_llm("-m", "echo", "-T", "missing_tool", "hi")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: Tool(s) missing_tool not found. Available tools: ")
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""


BOX_PLUGIN = """
import llm


class Box(llm.Toolbox):
    "A configured toolbox"

    def __init__(self, x: int, note: str = ""):
        self.x = x
        self.note = note
        self.calls = 0

    def bump(self) -> str:
        "Count a call"
        self.calls += 1
        return f"x={self.x} note={self.note} calls={self.calls}"


@llm.hookimpl
def register_tools(register):
    register(Box)
"""


def _install_box_plugin(site: Path) -> None:
    """A real plugin distribution (a module and its ``.dist-info``) for a PYTHONPATH."""
    site.mkdir(exist_ok=True)
    (site / "llm_tools_box.py").write_text(BOX_PLUGIN)
    info = site / "llm_tools_box-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-tools-box\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\ntools_box = llm_tools_box\n")


def test_continue_rebuilds_a_plugin_toolbox_in_a_new_process(
    run_llm: Run, user_dir: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    _install_box_plugin(site)
    env = {"PYTHONPATH": str(site)}
    bump = _calls("Box_bump", {})
    first = run_llm("-m", "echo", "-T", 'Box({"x": 1, "note": "hi"})', bump, env=env)
    assert first.returncode == 0, first.stderr
    assert '"output": "x=1 note=hi calls=1"' in first.stdout
    # Each later command is a new process: the toolbox is rebuilt from the logs.
    again = run_llm("-c", "--td", bump, env=env)
    assert again.returncode == 0, again.stderr
    assert "Tool call: Box_bump({})\n  x=1 note=hi calls=1" in again.stderr
    chat = run_llm("chat", "-c", input=f"!tools\n{bump}\nquit\n", env=env)
    assert chat.returncode == 0, chat.stderr
    assert "Box_bump: Count a call" in chat.stdout
    assert '"output": "x=1 note=hi calls=1"' in chat.stdout
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select count(distinct conversation_id) from responses").fetchone() == (
            1,
        )
        assert (
            db.execute("select plugin, name, arguments from tool_instances").fetchall()
            == [("tools_box", "Box", '{"x": 1, "note": "hi"}')] * 3
        )
        count = db.execute("select count(*) from responses").fetchone()

    # The plugin uninstalled: one clear line, nothing sent or logged.
    shutil.rmtree(site / "llm_tools_box-0.1.dist-info")
    gone = run_llm("-c", bump, env=env)
    assert gone.returncode == 1
    assert gone.stderr == (
        "Error: Toolbox Box used in this conversation is not installed: install the plugin"
        " that provides it, or choose other tools (-T)\n"
    )
    assert gone.stdout == ""
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select count(*) from responses").fetchone() == count

"""``llm logs`` shows everything of an exchange the real llm 0.36 logged to its message
store: attachments, fragments, tools, tool calls and results (an exception a tool raised,
the calls and results of a provider's own tools), in Markdown as 0.36 lays it out and in
``--json``, and its filters select those turns. Our own exchanges (a ``responses`` row and a
turn of the same id) still show once.

Needs llm 0.36 with llm-echo 0.5 (see ``test_message_store``); without it the tests skip.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from originals import Run, run_036, venv_036
from originals import ok as _ok

__all__ = ["run_036", "venv_036"]  # fixtures, used by name

# A 1x1 PNG, an attachment type the echo model accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e5273ea60000000049454e44ae426082"
)

FUNCTIONS = """
def broken(why: str) -> str:
    raise ValueError(why)
"""

# A model whose provider runs a tool itself (a web search) while it answers, logged by
# 0.36's own ``log_to_db``.
SERVER_SIDE = """
import sys, sqlite_utils, llm
from llm.migrations import migrate
from llm.parts import StreamEvent

class Searching(llm.Model):
    model_id = "searching"
    def execute(self, prompt, stream, response, conversation):
        yield StreamEvent(type="tool_call_name", chunk="web_search", tool_call_id="ws_1",
                          server_executed=True)
        yield StreamEvent(type="tool_call_args", chunk='{"query": "pelicans"}',
                          tool_call_id="ws_1", server_executed=True)
        yield StreamEvent(type="tool_result", chunk="pelicans found", tool_call_id="ws_1",
                          server_executed=True, tool_name="web_search")
        yield "Pelicans are birds."

db = sqlite_utils.Database(sys.argv[1])
migrate(db)
response = Searching().prompt("find pelicans")
response.text()
response.log_to_db(db)
"""


VERSION_CALL = json.dumps({"prompt": "which version?", "tool_calls": [{"name": "llm_version"}]})


def _logs_json(run: Run, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(_ok(run("logs", "-n", "0", "--json", *args)))
    return found


def _by_prompt(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["prompt"]: row for row in rows}


def _log_with_036(run_036: Run, tmp_path: Path) -> Path:
    """What 0.36 logs: an attachment and fragments; a tool it calls and the result it is
    sent; a tool that raises."""
    image = tmp_path / "pixel.png"
    image.write_bytes(PNG)
    fragment = tmp_path / "notes.txt"
    fragment.write_text("notes from a fragment\n")
    _ok(run_036("-m", "echo", "look", "-a", str(image), "-f", str(fragment), "--sf", str(fragment)))
    _ok(run_036("-m", "echo", VERSION_CALL, "-T", "llm_version"))
    failing = {"tool_calls": [{"name": "broken", "arguments": {"why": "no `luck`"}}]}
    _ok(run_036("-m", "echo", "--functions", FUNCTIONS, json.dumps(failing)))
    return image


def test_we_show_what_llm_036_logged_with_a_turn(
    run_llm: Run, run_036: Run, tmp_path: Path
) -> None:
    image = _log_with_036(run_036, tmp_path)
    rows = _logs_json(run_llm)
    assert len(rows) == 5  # the two tool chains are two turns each
    looked = _by_prompt(rows)["notes from a fragment\n\nlook"]
    assert [(a["type"], a["path"]) for a in looked["attachments"]] == [("image/png", str(image))]
    [prompt_fragment] = looked["prompt_fragments"]
    assert prompt_fragment["content"] == "notes from a fragment\n"
    assert looked["system_fragments"] == [prompt_fragment]

    asked = _by_prompt(rows)[VERSION_CALL]
    [tool] = asked["tools"]
    assert (tool["name"], tool["instance"]) == ("llm_version", None)
    [call] = asked["tool_calls"]
    assert (call["name"], call["arguments"], call["tool_id"]) == ("llm_version", {}, tool["id"])
    [answered] = [
        r for r in rows if r["tool_results"] and r["tool_results"][0]["name"] == "llm_version"
    ]
    assert answered["tool_results"] == [
        {
            "id": answered["tool_results"][0]["id"],
            "tool_id": tool["id"],
            "name": "llm_version",
            "output": "0.36",
            "tool_call_id": call["tool_call_id"],
            "exception": None,
            "instance": None,
            "attachments": [],
        }
    ]
    [failed] = [r for r in rows if r["tool_results"] and r["tool_results"][0]["name"] == "broken"]
    assert failed["tool_results"][0]["exception"] == "ValueError: no `luck`"


def test_our_markdown_and_json_match_llm_036s_for_its_turns(
    run_llm: Run,
    run_036: Run,
    tmp_path: Path,
    venv_036: Path,
    user_dir: Path,
    llm_executable: str,
) -> None:
    _log_with_036(run_036, tmp_path)
    # The provider's own tool, logged by 0.36 (a turn) and by us (a responses row and a turn).
    for python in (venv_036 / "bin" / "python", Path(llm_executable).parent / "python"):
        done = subprocess.run(
            [str(python), "-c", SERVER_SIDE, str(user_dir / "logs.db")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
    # Markdown: the same text, line for line (-e: fragments in full; -u: usage).
    for args in ((), ("-u", "-e")):
        theirs = _ok(run_036("logs", "-n", "0", *args))
        assert _ok(run_llm("logs", "-n", "0", *args)) == theirs
    # JSON: the same children; 0.36 adds keys we write only when they say something.
    ours, theirs = _logs_json(run_llm), _logs_json(run_036)
    assert [row["id"] for row in ours] == [row["id"] for row in theirs]
    for mine, their in zip(ours, theirs, strict=True):
        for key in ("prompt_fragments", "system_fragments", "tools"):
            assert mine[key] == their[key]
        for key in ("attachments", "tool_calls", "tool_results"):
            assert len(mine[key]) == len(their[key])
            for item, expected in zip(mine[key], their[key], strict=True):
                assert {k: v for k, v in expected.items() if k in item} == item
                if expected.get("server_executed"):
                    assert item["server_executed"] is True
    searched = [row for row in ours if row["prompt"] == "find pelicans"]
    assert len(searched) == 2  # theirs and ours
    for row in searched:
        assert [(c["name"], c["arguments"]) for c in row["tool_calls"]] == [
            ("web_search", {"query": "pelicans"})
        ]
        assert [(r["output"], r["server_executed"]) for r in row["tool_results"]] == [
            ("pelicans found", True)
        ]


def test_filters_select_llm_036s_turns_by_what_they_carry(
    run_llm: Run, run_036: Run, tmp_path: Path
) -> None:
    _log_with_036(run_036, tmp_path)
    _ok(run_llm("-m", "echo", "ours, no tools"))
    # Ours is a responses row and a turn of the same id: listed once.
    prompts = [row["prompt"] for row in _logs_json(run_llm)]
    assert prompts.count("ours, no tools") == 1 and len(prompts) == 6
    with_results = _logs_json(run_llm, "--tools")
    assert sorted(r["tool_results"][0]["name"] for r in with_results) == ["broken", "llm_version"]
    [version] = _logs_json(run_llm, "-T", "llm_version")
    assert version["tool_results"][0]["output"] == "0.36"
    [fragmented] = _logs_json(run_llm, "-f", str(tmp_path / "notes.txt"))
    assert fragmented["attachments"][0]["type"] == "image/png"

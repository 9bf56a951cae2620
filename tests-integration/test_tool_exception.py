"""A tool that raises: its error is sent to the model as the result, and logged beside it
(``tool_results.exception``, as llm 0.36 logs it), shown by ``llm logs`` and ``--json``
(where every result carries ``exception``, null when none, as in 0.32+)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

FAILING_TOOL = "def boom(msg: str) -> str:\n    raise ValueError(msg)\n"
CALL = json.dumps({"tool_calls": [{"name": "boom", "arguments": {"msg": "bad input"}}]})


def test_a_tools_exception_is_logged_and_shown(run_llm, user_dir: Path) -> None:
    result = run_llm("-m", "echo", "--functions", FAILING_TOOL, CALL)
    assert result.returncode == 0, result.stderr
    assert '"output": "Error: bad input"' in result.stdout  # what the model was sent

    with sqlite3.connect(user_dir / "logs.db") as conn:
        stored = conn.execute("SELECT name, output, exception FROM tool_results").fetchall()
    assert stored == [("boom", "Error: bad input", "ValueError: bad input")]

    logged = json.loads(run_llm("logs", "--json", "-c").stdout)
    [result_json] = logged[1]["tool_results"]
    assert result_json["exception"] == "ValueError: bad input"
    assert logged[0]["tool_results"] == []  # none: not run in the first turn

    markdown = run_llm("logs", "-c").stdout
    assert "    Error: bad input\n    ```  \n    **Error**: ValueError: bad input\n\n" in markdown


def test_a_result_without_exception_reads_as_in_llm_032(run_llm) -> None:
    fine = "def shout(msg: str) -> str:\n    return msg.upper()\n"
    call = json.dumps({"tool_calls": [{"name": "shout", "arguments": {"msg": "hi"}}]})
    assert run_llm("-m", "echo", "--functions", fine, call).returncode == 0
    [_, second] = json.loads(run_llm("logs", "--json", "-c").stdout)
    [result] = second["tool_results"]
    assert list(result) == [
        "id",
        "tool_id",
        "name",
        "output",
        "tool_call_id",
        "exception",
        "instance",
        "attachments",
    ]
    assert (result["exception"], result["instance"], result["attachments"]) == (None, None, [])
    assert "**Error**" not in run_llm("logs", "-c").stdout

"""``llm logs`` shows a value the database held escaped (``llm_storage.storable``: a lone
surrogate; NUL where it cannot be stored) as it was before it was stored, not its escaped
form: in ``--json``, in Markdown (a byte that was not UTF-8 written as that byte, also where
standard output is strict) and in ``--data``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from llm_process import llm_env

from llm_storage.storable import MARK

# The answer: a byte that was not UTF-8 (a surrogate escape), NUL, a backslash, "\u0041".
RAW = "caf\udce9 \x00 back\\slash \\u0041"
TOOL = 'def f():\n    return "bytes \\udcff and \\x00"'


def _llm(llm: str, user_dir: Path, *args: str, **env: str) -> bytes:
    done = subprocess.run(
        [llm, *args],
        capture_output=True,
        input=b"",
        env=llm_env(user_dir, env),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    return done.stdout


def _logged(llm_executable: str, user_dir: Path) -> None:
    _llm(llm_executable, user_dir, "-m", "echo", json.dumps({"raw": RAW}))
    _llm(
        llm_executable,
        user_dir,
        "-m",
        "echo",
        "--functions",
        TOOL,
        '{"tool_calls": [{"name": "f"}]}',
    )
    # Stored escaped (the surrogate makes the whole value escaped, NUL and all).
    import sqlite3

    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        [(response,)] = conn.execute(
            "SELECT response FROM responses WHERE prompt = ?", [json.dumps({"raw": RAW})]
        ).fetchall()
        [(output,)] = conn.execute("SELECT output FROM tool_results").fetchall()
    finally:
        conn.close()
    assert response.startswith(MARK) and output.startswith(MARK)


def test_json_shows_the_restored_values(llm_executable: str, user_dir: Path) -> None:
    _logged(llm_executable, user_dir)
    shown = _llm(llm_executable, user_dir, "logs", "-n", "0", "--json")
    assert b"\\ufdd0" not in shown  # no value in its escaped form
    rows = json.loads(shown)
    assert rows[0]["response"] == RAW
    [result] = rows[-1]["tool_results"]
    assert result["output"] == "bytes \udcff and \x00"


def test_markdown_shows_the_restored_values(llm_executable: str, user_dir: Path) -> None:
    _logged(llm_executable, user_dir)
    expected = RAW.encode("utf-8", "surrogateescape")  # the byte 0xe9 itself
    for strictness in ("utf-8:surrogateescape", "utf-8:strict"):
        shown = _llm(llm_executable, user_dir, "logs", "-n", "0", PYTHONIOENCODING=strictness)
        assert expected in shown
        assert b"bytes \xff and \x00" in shown  # the tool result, in its code block
        assert MARK.encode() not in shown


def test_data_reads_a_restored_answer(llm_executable: str, user_dir: Path) -> None:
    answer = '{"a": "caf\udce9"}'  # JSON text holding the surrogate itself
    _llm(llm_executable, user_dir, "-m", "echo", json.dumps({"raw": answer}))
    data = _llm(llm_executable, user_dir, "logs", "--data")
    assert json.loads(data) == {"a": "caf\udce9"}

"""What a person at a terminal sees: rendered answers, Ctrl-D and Ctrl-C, notices after a
streamed answer, a closed pipe. Run on a pseudo-terminal, read through pyte."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from terminal import Terminal

MARKDOWN = "# Heading\n\nSome **bold** text.\n\n```python\nx = 1  # kept\n```\n\nThe end."


def _raw(text: str) -> str:
    return json.dumps({"raw": text})


def test_a_prompt_typed_at_the_terminal_ends_at_one_ctrl_d(llm_executable, user_dir) -> None:
    term = Terminal([llm_executable, "-m", "echo", "--no-render"], user_dir)
    term.send(b"hello\n")
    term.wait_for("hello")
    term.send(b"\x04")
    assert term.finish(timeout=60) == 0
    assert '"prompt": "hello\\n"' in term.text()


def test_answers_render_as_markdown_on_a_terminal(llm_executable, user_dir) -> None:
    term = Terminal([llm_executable, "-m", "echo", _raw(MARKDOWN)], user_dir)
    assert term.finish() == 0
    lines = term.lines()
    assert lines[0].strip() == "Heading"  # no "#"
    assert "Some bold text." in lines
    # the code block as it was written, to copy back
    assert lines[lines.index("```python") + 1] == "x = 1  # kept"
    assert "**" not in term.text()
    assert b"\x1b[" in term.raw


def test_no_render_flag_env_and_no_color_keep_raw_text(llm_executable, user_dir) -> None:
    for args, env in (
        (["--no-render"], {}),
        ([], {"LLM_RENDER": "0"}),
        ([], {"NO_COLOR": "1"}),
    ):
        term = Terminal([llm_executable, "-m", "echo", *args, _raw(MARKDOWN)], user_dir, env=env)
        assert term.finish() == 0
        assert term.lines()[0] == "# Heading", (args, env)
        assert "Some **bold** text." in term.lines()


def test_piped_output_is_the_raw_text(run_llm) -> None:
    result = run_llm("-m", "echo", _raw(MARKDOWN))
    assert result.stdout == MARKDOWN + "\n"
    # --render asks for it even into a pipe
    rendered = run_llm("-m", "echo", "--render", _raw(MARKDOWN))
    assert "**" not in rendered.stdout and "\x1b[" in rendered.stdout


def test_an_error_after_a_streamed_answer_starts_on_its_own_line(llm_executable, user_dir) -> None:
    prompt = json.dumps({"tool_calls": [{"name": "llm_time", "arguments": {}}], "raw": "hello"})
    term = Terminal(
        [llm_executable, "-m", "echo", "-T", "llm_time", "--cl", "1", "--no-render", prompt],
        user_dir,
    )
    assert term.finish() == 1
    lines = term.lines()
    assert "hello" in lines
    assert "Error: Chain limit of 1 exceeded." in lines


def test_usage_that_the_model_does_not_report_is_said(run_llm) -> None:
    result = run_llm("-m", "markov", "hello there", "-u", "-n")
    assert result.returncode == 0, result.stderr
    assert "Token usage: not reported by this model" in result.stderr


def test_a_pipe_closed_by_the_reader_ends_quietly(llm_executable, user_dir) -> None:
    for n in range(3):
        subprocess.run(
            [llm_executable, "-m", "echo", f"prompt {n}"],
            env={"LLM_USER_PATH": str(user_dir), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            check=True,
        )
    big = "x" * 300_000
    for command in (
        f"'{llm_executable}' logs -n 0 | head -1",
        f"'{llm_executable}' logs -n 0 --json | head -c 5",
        f"echo {big[:100]} | '{llm_executable}' -m echo -n \"$(printf '%.0sxxxx' $(seq 20000))\""
        " | head -c 5",
    ):
        result = subprocess.run(
            ["bash", "-c", command],
            env={"LLM_USER_PATH": str(user_dir), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert result.stderr == "", (command, result.stderr)
        assert result.stdout


def test_ctrl_c_at_the_chat_prompt_does_not_end_the_chat(llm_executable, user_dir) -> None:
    term = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir)
    term.wait_for_prompt()  # the line editor is reading keys, not just drawn
    term.send(b"half a line")
    term.send(b"\x03")
    term.wait_for("Cancelled")
    term.send(b"hello\r")
    term.wait_for('"prompt": "hello"')
    term.send(b"quit\r")
    assert term.finish() == 0
    conn = sqlite3.connect(Path(user_dir) / "logs.db")
    assert [r[0] for r in conn.execute("select prompt from responses")] == ["hello"]
    conn.close()


def test_a_bad_llm_render_value_is_one_clear_error(run_llm) -> None:
    result = run_llm("-m", "echo", "hi", env={"LLM_RENDER": "sometimes"})
    assert result.returncode == 1
    assert (
        result.stderr
        == "Error: LLM_RENDER must be 1 (always), 0 (never) or auto, not 'sometimes'\n"
    )

"""``llm logs`` at a terminal: the log (and ``-r``'s response) rendered as Markdown, as an
answer is; raw text with --no-render, LLM_RENDER=0 or NO_COLOR; piped output unchanged.
Run on a pseudo-terminal, read through pyte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from terminal import Terminal

ANSWER = "# Answer title\n\nSome **bold** text.\n\n- one\n- two\n\n```python\nx = 1  # kept\n```\n"


@pytest.fixture
def logged(run_llm) -> None:
    result = run_llm("-m", "echo", "--no-render", json.dumps({"raw": ANSWER}))
    assert result.returncode == 0, result.stderr


def _logs(llm_executable: str, user_dir: Path, *args: str, **env: str) -> Terminal:
    term = Terminal([llm_executable, "logs", *args], user_dir, env=env)
    assert term.finish() == 0, term.text()
    return term


def test_logs_render_as_markdown_on_a_terminal(llm_executable, user_dir, logged) -> None:
    term = _logs(llm_executable, user_dir, "-n", "1")
    lines = term.lines()
    assert "Prompt" in lines and "Response" in lines  # headings, without their "##"
    assert "## Prompt" not in lines and "**" not in term.text()
    assert "Model: echo" in lines
    assert "Answer title" in [line.strip() for line in lines]
    assert " • one" in lines and " • two" in lines
    # the code block as it was written, to copy back
    assert lines[lines.index("```python") + 1] == "x = 1  # kept"
    assert b"\x1b[" in term.raw


def test_response_only_renders_too(llm_executable, user_dir, logged) -> None:
    lines = _logs(llm_executable, user_dir, "-r").lines()
    assert lines[0].strip() == "Answer title"
    assert "Some bold text." in lines
    # -x extracts code: raw, whatever the terminal
    assert _logs(llm_executable, user_dir, "-x").lines() == ["x = 1  # kept"]


def test_no_render_flag_env_and_no_color_keep_raw_text(
    llm_executable, user_dir, run_llm, logged
) -> None:
    piped = run_llm("logs", "-n", "1").stdout
    assert "## Prompt" in piped and "**bold**" in piped
    for args, env in (
        (["--no-render"], {}),
        ([], {"LLM_RENDER": "0"}),
        ([], {"NO_COLOR": "1"}),
    ):
        term = _logs(llm_executable, user_dir, "-n", "1", *args, **env)
        assert "## Prompt" in term.lines(), (args, env)
        assert "Some **bold** text." in term.lines(), (args, env)
        assert b"\x1b[" not in term.raw


def test_piped_logs_are_unchanged(run_llm, logged) -> None:
    piped = run_llm("logs", "-n", "1")
    assert piped.returncode == 0
    assert run_llm("logs", "-n", "1", "--no-render").stdout == piped.stdout
    assert "\x1b[" not in piped.stdout and ANSWER.strip() in piped.stdout
    assert run_llm("logs", "-r").stdout == ANSWER + "\n"  # as click.echo writes it
    # --render asks for it even into a pipe
    rendered = run_llm("logs", "-n", "1", "--render").stdout
    assert "## Prompt" not in rendered and "\x1b[" in rendered


def test_a_bad_llm_render_value_is_one_clear_error(run_llm, logged) -> None:
    result = run_llm("logs", env={"LLM_RENDER": "sometimes"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: LLM_RENDER must be")
    assert "Traceback" not in result.stderr

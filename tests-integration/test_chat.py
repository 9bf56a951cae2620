"""``llm chat`` driven through its standard input, as a person at the keyboard would."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def _logged(user_dir: Path) -> list[tuple]:
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        return conn.execute(
            "select prompt, system, conversation_id, options_json from responses order by id"
        ).fetchall()
    finally:
        conn.close()


def _answers(stdout: str) -> list[dict]:
    """The echo model's JSON answers, in order, from a chat transcript."""
    decoder = json.JSONDecoder()
    answers, index = [], stdout.find("{")
    while index != -1:
        answer, end = decoder.raw_decode(stdout, index)
        answers.append(answer)
        index = stdout.find("{", end)
    return answers


def test_chat_turns_are_logged_in_one_conversation(invoke_llm, user_dir: Path) -> None:
    script = "hello\n!multi\nline one\nline two\n!end\n\nquit\n"
    result = invoke_llm(
        "chat", "-m", "echo", "-s", "Be kind", "-o", "example_bool", "1", input=script
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Chatting with echo\nType 'exit' or 'quit' to exit\n")
    first, second = _answers(result.stdout)
    assert first["prompt"] == "hello" and first["system"] == "Be kind"
    assert first["options"] == {"example_bool": True}
    assert second["prompt"] == "line one\nline two"
    assert [p["prompt"] for p in second["previous"]] == ["hello"]
    rows = _logged(user_dir)
    assert [r[0] for r in rows] == ["hello", "line one\nline two"]
    assert rows[0][1] == "Be kind" and rows[1][1] is None  # the system prompt opens the chat
    assert rows[0][2] == rows[1][2]
    assert json.loads(rows[1][3]) == {"example_bool": True}


def test_multi_with_custom_delimiter_and_exit(invoke_llm) -> None:
    script = "!multi abc\nfirst\n!end\nstill going\n!end abc\nexit\n"
    result = invoke_llm("chat", "-m", "echo", input=script)
    [answer] = _answers(result.stdout)
    assert answer["prompt"] == "first\n!end\nstill going"


def test_chat_continues_a_logged_conversation(invoke_llm, user_dir: Path) -> None:
    invoke_llm("-m", "echo", "from the prompt command")
    result = invoke_llm("chat", "-c", input="and from chat\nquit\n")
    assert result.stdout.startswith("Chatting with echo")
    [answer] = _answers(result.stdout)
    assert [p["prompt"] for p in answer["previous"]] == ["from the prompt command"]
    assert len({row[2] for row in _logged(user_dir)}) == 1


def test_chat_fragment_command(invoke_llm, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("fragment content")
    result = invoke_llm("chat", "-m", "echo", input=f"!fragment {notes}\n!fragment nope\nquit\n")
    [answer] = _answers(result.stdout)
    assert answer["prompt"] == "fragment content"
    assert "Fragment 'nope' not found" in result.stderr


def test_chat_edit_uses_the_editor(invoke_llm, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\necho "written in the editor" > "$1"\n')
    editor.chmod(0o755)
    result = invoke_llm("chat", "-m", "echo", input="!edit\nquit\n", env={"EDITOR": str(editor)})
    [answer] = _answers(result.stdout)
    assert answer["prompt"] == "written in the editor"


def test_chat_errors(invoke_llm) -> None:
    unknown = invoke_llm("chat", "-m", "nope", input="quit\n")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Error: Unknown model: nope"
    bad_option = invoke_llm("chat", "-m", "markov", "-o", "length", "0", input="quit\n")
    assert bad_option.returncode == 1 and "length must be >= 2" in bad_option.stderr


def test_a_failed_turn_does_not_end_the_chat(invoke_llm, user_dir: Path) -> None:
    result = invoke_llm("chat", "-m", "echo-needs-key", input="first\nsecond\nquit\n")
    assert result.returncode == 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 2 and "llm keys set echo-needs-key" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (user_dir / "logs.db").exists() or _logged(user_dir) == []


def test_line_editing_and_history_in_a_terminal(llm_executable: str, user_dir: Path) -> None:
    """At a real (pseudo) terminal, arrow keys edit the line and recall earlier lines."""
    from terminal import Terminal

    term = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir)
    try:
        term.wait_for_prompt()  # the line editor is reading keys, not just drawn
        term.send(b"hello wrld\x1b[D\x1b[D\x1b[Do\r")  # three lefts, insert "o"
        term.wait_for('"prompt": "hello world"')
        term.send(b"\x1b[A\r")  # up arrow: the previous line again
        term.wait_for('"previous"')
        term.send(b"quit\r")
        assert term.finish() == 0
    finally:
        term.close()
    assert [row[0] for row in _logged(user_dir)] == ["hello world", "hello world"]


def test_chat_options_cid_database_key_and_no_stream(
    invoke_llm, user_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    invoke_llm("-m", "echo", "older conversation", "-d", str(other))
    invoke_llm("-m", "echo", "newest conversation", "-d", str(other))
    [older] = [
        r
        for r in json.loads(invoke_llm("logs", "-d", str(other), "--json").stdout)
        if r["prompt"] == "older conversation"
    ]
    result = invoke_llm(
        "chat", "--cid", older["conversation_id"], "-d", str(other), "--no-stream",
        input="continue it\nquit\n",
    )  # fmt: skip
    [answer] = _answers(result.stdout)
    assert answer["stream"] is False
    assert [p["prompt"] for p in answer["previous"]] == ["older conversation"]
    turns = json.loads(
        invoke_llm("logs", "-d", str(other), "--cid", older["conversation_id"], "--json").stdout
    )
    assert [t["prompt"] for t in turns] == ["older conversation", "continue it"]
    keyed = invoke_llm("chat", "-m", "echo-needs-key", "--key", "sk-chat", input="hi\nquit\n")
    [with_key] = _answers(keyed.stdout)
    assert with_key["key"] == "sk-chat"

"""``llm chat`` at a terminal (prompt_toolkit): each command and key, driven through a
pseudo-terminal and read back from an emulated screen."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from terminal import Terminal


def _rows(user_dir: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(user_dir / "logs.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def chat(llm_executable: str, user_dir: Path) -> Iterator[Terminal]:
    term = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir)
    term.wait_for("tokens:")
    yield term
    term.close()


def _say(term: Terminal, line: str, until: str) -> None:
    term.wait_for_prompt()
    term.send(line.encode() + b"\r")
    term.wait_for(until)


def _quit(term: Terminal) -> None:
    term.wait_for_prompt()
    term.send(b"\x04")  # Ctrl-D on an empty line
    assert term.finish() == 0


def test_help_lists_the_commands(chat: Terminal) -> None:
    _say(chat, "!help", "end the chat")  # the list's last line: all of it is drawn
    for command in ("!model", "!system", "!retry", "!copy", "!save", "!tools", "!multi"):
        assert command in chat.text()
    _quit(chat)


def test_model_switches_mid_chat(chat: Terminal, user_dir: Path) -> None:
    _say(chat, "first", '"prompt": "first"')
    _say(chat, "!model no-such-model", "Error:")
    _say(chat, "!model markov", "Chatting with markov")
    chat.wait_for("markov | tokens")  # the bottom line follows
    _say(chat, "the cat sat on the mat", "> the cat sat")
    _quit(chat)
    assert _rows(user_dir, "select model from responses order by id") == [
        ("echo",),
        ("markov",),
    ]
    (conversations,) = _rows(user_dir, "select count(distinct conversation_id) from responses")
    assert conversations == (1,)


def test_system_goes_with_the_next_message(chat: Terminal, user_dir: Path) -> None:
    _say(chat, "!system be brief", "next message")
    _say(chat, "hello", '"system": "be brief"')
    _say(chat, "again", '"prompt": "again"')
    _quit(chat)
    assert _rows(user_dir, "select prompt, system from responses order by id") == [
        ("hello", "be brief"),
        ("again", None),
    ]


# The smallest PNG: a 1x1 image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_attach_adds_a_file_to_the_next_message(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "dot.png").write_bytes(PNG)
    chat = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir, cwd=tmp_path)
    try:
        _say(chat, "!attach missing.png", "Error:")
        _say(chat, "!attach dot.png", "Attached dot.png")
        _say(chat, "look", '"prompt": "look"')
        _say(chat, "again", '"prompt": "again"')
        _quit(chat)
    finally:
        chat.close()
    answers = chat.text().split('"prompt": ')
    # A long path wraps at the screen's edge: compare with the line breaks taken out.
    assert '"type": "image/png"' in answers[1] and 'dot.png"' in answers[1].replace("\n", "")
    assert '"attachments": []' in answers[2]  # for the next message only


def test_retry_asks_again_without_the_first_answer(chat: Terminal, user_dir: Path) -> None:
    _say(chat, "!retry", "Nothing to retry")
    _say(chat, "hello", '"prompt": "hello"')
    chat.send(b"!retry\r")
    chat.wait_for("tokens: 2 in")
    _quit(chat)
    rows = _rows(user_dir, "select prompt, response from responses order by id")
    assert [r[0] for r in rows] == ["hello", "hello"]
    assert json.loads(rows[1][1])["previous"] == []  # not a follow-up to the first


def test_copy_puts_the_answer_on_the_clipboard(chat: Terminal) -> None:
    _say(chat, "!copy", "No answer to copy")
    _say(chat, "hello", '"prompt": "hello"')
    _say(chat, "!copy", "Copied the last answer")
    start = chat.raw.index(b"\x1b]52;c;") + len(b"\x1b]52;c;")
    copied = base64.b64decode(chat.raw[start : chat.raw.index(b"\x07", start)]).decode()
    assert json.loads(copied)["prompt"] == "hello"
    _quit(chat)


def test_save_writes_a_template(chat: Terminal, user_dir: Path) -> None:
    _say(chat, "!system talk like a pirate", "next message")
    _say(chat, "!save pirate", "Saved template pirate")
    _quit(chat)
    saved = (user_dir / "templates" / "pirate.yaml").read_text()
    assert "model: echo" in saved and "talk like a pirate" in saved


def test_tab_completes_commands_models_templates_aliases_and_paths(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    (user_dir / "templates").mkdir()
    (user_dir / "templates" / "summarise.yaml").write_text("prompt: summarise $input\n")
    (tmp_path / "report-2024.txt").write_text("numbers\n")
    env = {"LLM_USER_PATH": str(user_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [llm_executable, "fragments", "set", "mynotes", "-"],
        input="notes",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    term = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir, cwd=tmp_path)
    try:
        term.wait_for_prompt()
        term.send(b"!mod\t")
        term.wait_for("> !model")
        term.send(b" mark\t")
        term.wait_for("> !model markov")
        term.send(b"\r")
        term.wait_for("Chatting with markov")
        term.wait_for_prompt()
        term.send(b"!save summ\t")
        term.wait_for("> !save summarise")
        term.send(b"\x03")  # Ctrl-C: the line is dropped
        term.wait_for("Cancelled")
        term.wait_for_prompt()
        term.send(b"!fragment myn\t")
        term.wait_for("> !fragment mynotes")
        term.send(b"\x03")
        term.wait_for_prompt()
        term.send(b"!attach rep\t")
        term.wait_for("> !attach report-2024.txt")
        term.send(b"\x03")
        term.wait_for_prompt()
        term.send(b"\x04")
        assert term.finish() == 0
    finally:
        term.close()


def test_alt_enter_and_paste_give_several_lines(chat: Terminal, user_dir: Path) -> None:
    _say(chat, "line one\x1b\rline two", '"prompt": "line one\\nline two"')
    _say(chat, "\x1b[200~pasted one\npasted two\x1b[201~", '"prompt": "pasted one\\npasted two"')
    _say(chat, "!multi", "> !multi")
    for line in ("a", "b", "!end"):
        chat.wait_for_prompt("")
        chat.send(line.encode() + b"\r")
    chat.wait_for('"prompt": "a\\nb"')
    _quit(chat)
    assert [r[0] for r in _rows(user_dir, "select prompt from responses order by id")] == [
        "line one\nline two",
        "pasted one\npasted two",
        "a\nb",
    ]


def test_history_is_kept_from_one_chat_to_the_next(llm_executable: str, user_dir: Path) -> None:
    first = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir)
    first.wait_for_prompt()
    _say(first, "remember this line", '"prompt": "remember this line"')
    _say(first, "something else", '"prompt": "something else"')
    _quit(first)
    assert (user_dir / "chat-history").stat().st_mode & 0o077 == 0
    second = Terminal([llm_executable, "chat", "-m", "echo", "--no-render"], user_dir)
    try:
        second.wait_for_prompt()
        second.send(b"\x12remem")  # Ctrl-R: search the history
        second.wait_for("remember this line")
        second.send(b"\r")  # ends the search with the line found
        second.wait_for_prompt("> remember this line")
        second.send(b"\r")
        second.wait_for('"prompt": "remember this line"')
        _quit(second)
    finally:
        second.close()


def test_ctrl_c_stops_the_answer_keeps_it_and_the_chat_goes_on(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    functions = tmp_path / "slow.py"
    functions.write_text(
        "def slow() -> str:\n    import time\n    time.sleep(60)\n    return 'x'\n"
    )
    term = Terminal(
        [llm_executable, "chat", "-m", "echo", "--no-render", "--functions", str(functions)],
        user_dir,
    )
    try:
        term.wait_for_prompt()
        prompt = json.dumps({"tool_calls": [{"name": "slow", "arguments": {}}], "raw": "partial"})
        term.send(prompt.encode() + b"\r")
        # The typed line holds "partial" too: wait for the answer's, streamed before the tool
        # call that never ends, so that the Ctrl-C stops an answer under way.
        term.wait_for("partial", times=2)
        term.wait_for_signals()
        term.send(b"\x03")
        term.wait_for("Interrupted")
        _say(term, "still here", '"prompt": "still here"')
        _quit(term)
    finally:
        term.close()
    prompts = [r[0] for r in _rows(user_dir, "select prompt from responses order by id")]
    assert prompts[0].startswith("{") and prompts[-1] == "still here"

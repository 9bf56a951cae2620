"""Tools on the command line: ``-T``, ``--functions``, ``--td``, ``--ta``, ``--cl``, the result
size limit, ``-c`` re-enabling a conversation's tools and ``!tools`` in a chat. The echo
model's ``{"tool_calls": [...]}`` prompts drive every chain."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import llm
from llm_cli.app import cli

UPPER = textwrap.dedent(
    """
    def upper(text: str) -> str:
        "Convert text to upper case"
        return text.upper()
    """
)


def calls(*items: tuple[str, dict[str, Any]]) -> str:
    return json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in items]})


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def db_rows(user_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(user_path / "logs.db") as db:
        return db.execute(sql).fetchall()


class Counter(llm.Toolbox):
    """A toolbox with configuration, to check instances are logged and rebuilt."""

    def __init__(self, start: int = 0, label: str = "n"):
        self.value = start
        self.label = label

    def add(self, amount: int) -> str:
        "Add to the counter"
        self.value += amount
        return f"{self.label}={self.value}"


def shout(text: str) -> str:
    "Shout the text"
    return text.upper() + "!"


class ToolsPlugin:
    __name__ = "ToolsPlugin"

    @llm.hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(shout)
        register(Counter)


@pytest.fixture
def plugin_tools(register_plugin: Callable[[Any, str], Any]) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")


def test_chain_limit_default_matches_core() -> None:
    from llm.chain import DEFAULT_CHAIN_LIMIT
    from llm_cli.commands.prompt import prompt

    option = next(p for p in prompt.params if p.name == "chain_limit")
    assert option.default == DEFAULT_CHAIN_LIMIT


def test_functions_runs_and_logs_every_step(user_path: Path) -> None:
    result = run("-m", "echo", "--functions", UPPER, calls(("upper", {"text": "hi"})))
    assert result.exit_code == 0, result.output
    assert '"output": "HI"' in result.output
    # Both responses of the chain are logged, with the call and the result.
    assert len(db_rows(user_path, "select id from responses")) == 2
    assert db_rows(user_path, "select name, arguments from tool_calls") == [
        ("upper", '{"text": "hi"}')
    ]
    assert db_rows(user_path, "select name, output from tool_results") == [("upper", "HI")]
    assert db_rows(user_path, "select name, plugin from tools") == [("upper", None)]


def test_functions_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tools.py"
    path.write_text(UPPER)
    result = run("-m", "echo", "--functions", str(path), calls(("upper", {"text": "x"})))
    assert result.exit_code == 0
    assert '"output": "X"' in result.output


def test_functions_help_says_code_runs_locally() -> None:
    result = run("prompt", "--help")
    assert "runs locally" in " ".join(result.output.split())


@pytest.mark.usefixtures("plugin_tools")
def test_plugin_tool_and_toolbox_spec(user_path: Path) -> None:
    result = run(
        "-m",
        "echo",
        "-T",
        "shout",
        "-T",
        'Counter(start=10, label="c")',
        calls(("shout", {"text": "a"}), ("Counter_add", {"amount": 5})),
    )
    assert result.exit_code == 0, result.output
    assert '"output": "A!"' in result.output
    assert '"output": "c=15"' in result.output
    assert db_rows(user_path, "select plugin, name, arguments from tool_instances") == [
        ("ToolsPlugin", "Counter", '{"start": 10, "label": "c"}')
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "Error: Tool(s) nope not found. Available tools: llm_version, llm_time"),
        ("Counter(", "Error: Invalid tool spec 'Counter(': "),
        ("Counter(start=)", "Error: Invalid tool spec 'Counter(start=)': "),
        ("Counter(nope=1)", "Error: Invalid tool spec 'Counter(nope=1)': Invalid arguments"),
        ("shout(1)", "Error: shout is a tool, not a toolbox: it takes no arguments"),
    ],
)
@pytest.mark.usefixtures("plugin_tools")
def test_bad_tool_specs_are_one_line_errors(user_path: Path, spec: str, message: str) -> None:
    result = run("-m", "echo", "-T", spec, "hi")
    assert result.exit_code == 1
    assert result.output.startswith(message.split(": llm_version")[0])
    assert "Traceback" not in result.output
    assert not (user_path / "logs.db").exists() or not db_rows(
        user_path, "select id from responses"
    )


def test_unknown_tools_are_all_named() -> None:
    result = run("-m", "echo", "-T", "one", "-T", "Two", "hi")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Tool(s) one, Two not found. Available tools: llm_version, llm_time\n"
    )


def test_tools_debug_option_and_env_var() -> None:
    prompt = calls(("upper", {"text": "hi"}))
    for extra, env in ((["--td"], None), ([], {"LLM_TOOLS_DEBUG": "1"})):
        result = CliRunner().invoke(
            cli, ["-m", "echo", "--functions", UPPER, prompt, *extra], env=env
        )
        assert result.exit_code == 0
        assert "Tool call: upper({'text': 'hi'})\n  HI\n" in result.output
    quiet = run("-m", "echo", "--functions", UPPER, prompt)
    assert "Tool call:" not in quiet.output


def test_tools_approve_yes_and_no() -> None:
    # In a chat: piped into ``llm prompt``, standard input would be read as the prompt.
    prompt = calls(("upper", {"text": "hi"}))
    approved = run("chat", "-m", "echo", "--functions", UPPER, "--ta", input=f"{prompt}\ny\nquit\n")
    assert approved.exit_code == 0
    assert "Tool call: upper({'text': 'hi'})\nApprove tool call? [y/N]: y\n" in approved.output
    assert '"output": "HI"' in approved.output
    refused = run("chat", "-m", "echo", "--functions", UPPER, "--ta", input=f"{prompt}\nn\nquit\n")
    assert refused.exit_code == 0
    assert '"output": "Cancelled: User cancelled tool call"' in refused.output


def test_tools_approve_without_an_answer_aborts(user_path: Path) -> None:
    result = run("-m", "echo", "--functions", UPPER, "--ta", calls(("upper", {"text": "x"})))
    assert result.exit_code == 1
    # One clear line (the answer before the question is logged: test_paid_is_logged.py).
    assert "Error: No answer to the tool approval prompt (end of input)" in result.output


def test_chain_limit(user_path: Path) -> None:
    prompt = calls(("upper", {"text": "x"}))
    limited = run("-m", "echo", "--functions", UPPER, "--cl", "1", prompt)
    assert limited.exit_code == 1
    assert "Error: Chain limit of 1 exceeded." in limited.output
    # 0 means no limit; the default (5) lets this two-step chain through.
    for extra in (["--cl", "0"], []):
        assert run("-m", "echo", "--functions", UPPER, *extra, prompt).exit_code == 0


def test_tool_result_size_limit() -> None:
    code = "def big() -> str:\n    return 'x' * 50\n"
    prompt = calls(("big", {}))
    result = CliRunner().invoke(
        cli, ["-m", "echo", "--functions", code, prompt], env={"LLM_TOOL_RESULT_LIMIT": "10"}
    )
    assert result.exit_code == 0
    assert "Tool result from big truncated from 50 to 10 characters" in result.output
    assert '"output": "xxxxxxxxxx\\n[... truncated: 50 characters, limit 10]"' in result.output
    unlimited = CliRunner().invoke(
        cli, ["-m", "echo", "--functions", code, prompt], env={"LLM_TOOL_RESULT_LIMIT": "0"}
    )
    assert "x" * 50 in unlimited.output
    assert "truncated" not in unlimited.output
    bad = CliRunner().invoke(
        cli, ["-m", "echo", "--functions", code, prompt], env={"LLM_TOOL_RESULT_LIMIT": "lots"}
    )
    assert bad.exit_code == 1
    assert "LLM_TOOL_RESULT_LIMIT must be a whole number" in bad.output


@pytest.mark.usefixtures("plugin_tools")
def test_continue_re_enables_plugin_tools(user_path: Path) -> None:
    first = run("-m", "echo", "-T", "shout", calls(("shout", {"text": "a"})))
    assert '"output": "A!"' in first.output
    again = run("-c", calls(("shout", {"text": "b"})))
    assert again.exit_code == 0, again.output
    assert '"output": "B!"' in again.output
    # -T given with -c replaces the conversation's tools.
    other = run("-c", "-T", "llm_version", calls(("shout", {"text": "c"})))
    assert 'Error: tool \\"shout\\" does not exist' in other.output


class Box(llm.Toolbox):
    """A stateful, configured toolbox: -c must rebuild it, as a new instance, from the logs."""

    created: list[Box] = []

    def __init__(self, x: int, note: str = ""):
        self.x = x
        self.note = note
        self.calls = 0
        Box.created.append(self)

    def bump(self) -> str:
        "Count a call"
        self.calls += 1
        return f"x={self.x} note={self.note} calls={self.calls}"


class Notes(llm.Toolbox):
    """A toolbox that takes no configuration."""

    def read(self) -> str:
        "Read the notes"
        return "no notes"


class BoxPlugin:
    __name__ = "BoxPlugin"

    @llm.hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(Box)
        register(Notes)
        register(shout)


@pytest.fixture
def box_plugin(register_plugin: Callable[[Any, str], Any]) -> None:
    Box.created.clear()
    register_plugin(BoxPlugin(), "BoxPlugin")


BUMP = calls(("Box_bump", {}))
INSTANCES_SQL = "select plugin, name, arguments from tool_instances order by id"


def _result_instances(user_path: Path) -> list[tuple[Any, ...]]:
    return db_rows(
        user_path,
        "select r.id, tr.name, tr.output, ti.name, ti.arguments from tool_results tr"
        " join responses r on r.id = tr.response_id"
        " left join tool_instances ti on ti.id = tr.instance_id order by tr.id",
    )


@pytest.mark.usefixtures("box_plugin")
@pytest.mark.parametrize("extra", [[], ["--async"]])
def test_continue_rebuilds_a_toolbox_from_the_logs(user_path: Path, extra: list[str]) -> None:
    first = run("-m", "echo", *extra, "-T", 'Box({"x": 1, "note": "a"})', "-T", "shout", BUMP)
    assert first.exit_code == 0, first.output
    assert '"output": "x=1 note=a calls=1"' in first.output
    [original] = Box.created

    again = run("-c", *extra, calls(("Box_bump", {}), ("shout", {"text": "hi"})))
    assert again.exit_code == 0, again.output
    # The logged configuration, on a NEW instance: the first one's state does not come back.
    assert '"output": "x=1 note=a calls=1"' in again.output
    assert '"output": "HI!"' in again.output
    assert len(Box.created) == 2 and Box.created[1] is not original
    assert (Box.created[1].x, Box.created[1].note, Box.created[1].calls) == (1, "a", 1)

    # Logged like any toolbox use: one instance row per result, with the same configuration.
    assert db_rows(user_path, INSTANCES_SQL) == [
        ("BoxPlugin", "Box", '{"x": 1, "note": "a"}'),
        ("BoxPlugin", "Box", '{"x": 1, "note": "a"}'),
    ]
    results = _result_instances(user_path)
    assert [row[1:] for row in results] == [
        ("Box_bump", "x=1 note=a calls=1", "Box", '{"x": 1, "note": "a"}'),
        ("Box_bump", "x=1 note=a calls=1", "Box", '{"x": 1, "note": "a"}'),
        ("shout", "HI!", None, None),
    ]
    conversations = db_rows(user_path, "select distinct conversation_id from responses")
    assert len(conversations) == 1
    # The continued responses offered the model the same tools as the first.
    offered = db_rows(
        user_path,
        "select r.id, group_concat(t.name) from responses r join tool_responses tr"
        " on tr.response_id = r.id join tools t on t.id = tr.tool_id group by r.id order by r.id",
    )
    assert [names for _, names in offered] == ["Box_bump,shout"] * 4


@pytest.mark.usefixtures("box_plugin")
def test_chat_continue_rebuilds_a_toolbox(user_path: Path) -> None:
    run("-m", "echo", "-T", 'Box({"x": 7})', BUMP)
    chat = run("chat", "-c", input=f"!tools\n{BUMP}\nquit\n")
    assert chat.exit_code == 0, chat.output
    assert "> !tools\nBox_bump: Count a call\n" in chat.output
    assert '"output": "x=7 note= calls=1"' in chat.output
    assert len(Box.created) == 2
    assert db_rows(user_path, INSTANCES_SQL)[-1] == ("BoxPlugin", "Box", '{"x": 7, "note": ""}')


@pytest.mark.usefixtures("box_plugin")
def test_cid_picks_the_conversation_and_its_latest_configuration(user_path: Path) -> None:
    run("-m", "echo", "-T", 'Box({"x": 1})', BUMP)
    [(cid,)] = db_rows(user_path, "select distinct conversation_id from responses")
    # The same conversation continued with another configuration, then a new conversation.
    run("-c", "-T", 'Box({"x": 2})', BUMP)
    run("-m", "echo", "-T", 'Box({"x": 3})', BUMP)
    again = run("--cid", cid, BUMP)
    assert again.exit_code == 0, again.output
    assert '"output": "x=2 note= calls=1"' in again.output
    latest = db_rows(
        user_path,
        "select r.conversation_id, ti.arguments from tool_results tr join responses r"
        " on r.id = tr.response_id join tool_instances ti on ti.id = tr.instance_id"
        " order by tr.id desc limit 1",
    )
    assert latest == [(cid, '{"x": 2, "note": ""}')]


@pytest.mark.usefixtures("box_plugin")
def test_continue_with_a_toolbox_that_was_never_called(user_path: Path) -> None:
    # Its configuration was never logged: refused, naming the fix; nothing runs or is logged.
    run("-m", "echo", "-T", 'Box({"x": 1})', "hello")
    before = db_rows(user_path, "select count(*) from responses")
    refused = run("-c", BUMP)
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: Toolbox Box was not called in this conversation, so the configuration it was"
        " given is not in the logs: give it again (-T 'Box(...)')\n"
    )
    assert db_rows(user_path, "select count(*) from responses") == before
    named = run("-c", "-T", 'Box({"x": 4})', BUMP)
    assert '"output": "x=4 note= calls=1"' in named.output
    # A toolbox that takes no configuration needs none logged.
    run("-m", "echo", "-T", "Notes", "hello")
    notes = run("-c", calls(("Notes_read", {})))
    assert notes.exit_code == 0, notes.output
    assert '"output": "no notes"' in notes.output


def test_continue_with_a_toolbox_that_is_gone(user_path: Path, register_plugin: Any) -> None:
    register_plugin(BoxPlugin(), "BoxPlugin")
    run("-m", "echo", "-T", 'Box({"x": 1})', BUMP)
    before = db_rows(user_path, "select count(*) from responses")
    from llm.plugins import pm

    pm.unregister(name="BoxPlugin")
    register_plugin(object(), "BoxPlugin")  # so the fixture's clean-up still has one
    gone = run("-c", BUMP)
    assert gone.exit_code == 1
    assert gone.output == (
        "Error: Toolbox Box used in this conversation is not installed: install the plugin"
        " that provides it, or choose other tools (-T)\n"
    )
    assert db_rows(user_path, "select count(*) from responses") == before
    # -T still continues it, with other tools.
    other = run("-c", "-T", "llm_version", calls(("llm_version", {})))
    assert other.exit_code == 0, other.output


def test_continue_with_a_toolbox_that_changed(user_path: Path, register_plugin: Any) -> None:
    register_plugin(BoxPlugin(), "BoxPlugin")
    run("-m", "echo", "-T", 'Box({"x": 1, "note": "n"})', BUMP)
    original_init = Box.__init__

    def narrower(self: Box, x: int) -> None:  # a new version of the plugin dropped "note"
        original_init(self, x)

    Box.__init__ = narrower  # type: ignore[method-assign]
    try:
        changed = run("-c", BUMP)
    finally:
        Box.__init__ = original_init  # type: ignore[method-assign]
    assert changed.exit_code == 1
    assert changed.output.startswith(
        'Error: Toolbox Box no longer accepts its logged configuration {"x": 1, "note": "n"}: '
    )
    assert len(changed.output.splitlines()) == 1


def test_continue_with_a_plugin_that_is_gone(user_path: Path, register_plugin: Any) -> None:
    register_plugin(ToolsPlugin(), "ToolsPlugin")
    run("-m", "echo", "-T", "shout", calls(("shout", {"text": "a"})))
    from llm.plugins import pm

    pm.unregister(name="ToolsPlugin")
    register_plugin(object(), "ToolsPlugin")  # so the fixture's clean-up still has one
    again = run("-c", "hi")
    assert again.exit_code == 1
    assert again.output.startswith("Error: Tool(s) shout not found. Available tools: ")


def test_continue_does_not_bring_back_functions(user_path: Path) -> None:
    run("-m", "echo", "--functions", UPPER, calls(("upper", {"text": "x"})))
    again = run("-c", calls(("upper", {"text": "y"})))
    assert again.exit_code == 0
    assert 'Error: tool \\"upper\\" does not exist' not in again.output  # no chain at all
    assert '"tool_results"' not in again.output


def test_usage_shows_each_response_of_the_chain() -> None:
    result = run("-m", "echo", "--functions", UPPER, "-u", calls(("upper", {"text": "x"})))
    assert result.exit_code == 0
    assert result.output.count("Token usage:") == 2


def test_async_chain(user_path: Path) -> None:
    result = run("-m", "echo", "--async", "--functions", UPPER, calls(("upper", {"text": "q"})))
    assert result.exit_code == 0, result.output
    assert '"output": "Q"' in result.output
    assert len(db_rows(user_path, "select id from responses")) == 2
    cut = CliRunner().invoke(
        cli,
        ["-m", "echo", "--async", "--functions", UPPER, calls(("upper", {"text": "abcdef"}))],
        env={"LLM_TOOL_RESULT_LIMIT": "2"},
    )
    assert '"output": "AB\\n[... truncated: 6 characters, limit 2]"' in cut.output


def test_chat_with_tools_and_bang_tools(user_path: Path) -> None:
    result = run(
        "chat",
        "-m",
        "echo",
        "--functions",
        UPPER,
        "-T",
        "llm_version",
        input="\n".join(["!tools", calls(("upper", {"text": "hello"})), "quit"]),
    )
    assert result.exit_code == 0
    assert "> !tools\nupper: Convert text to upper case\nllm_version: Return the installed" in (
        result.output
    )
    assert '"output": "HELLO"' in result.output
    assert len(db_rows(user_path, "select id from responses")) == 2


def test_chat_bang_tools_without_tools() -> None:
    result = run("chat", "-m", "echo", input="!tools\nquit\n")
    assert "> !tools\nNo tools are enabled\n" in result.output

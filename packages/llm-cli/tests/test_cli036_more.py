"""What llm 0.36 users rely on (issue 26): ``llm tools`` lists toolboxes as 0.32-0.36 do, and
``llm logs status`` counts as 0.36 prints them."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

import llm


class Memory(llm.Toolbox):
    """Remember things"""

    def get(self, key: str) -> str:
        "Get a key"
        return key

    def set(self, key: str, value: str) -> None:
        "Set a key"


class Discovery(llm.Toolbox):
    """Tools found at run time."""

    def __init__(self, source: str) -> None:
        self.source = source

    def tools(self) -> list[llm.Tool]:
        def greet(name: str) -> str:
            "Greet someone"
            return f"hi {name} from {self.source}"

        return [llm.Tool.function(greet)]


class ToolboxesPlugin:
    __name__ = "ToolboxesPlugin"

    @llm.hookimpl
    def register_tools(self, register: Callable[..., None]) -> None:
        register(Memory)
        register(Discovery)


Invoke = Callable[..., Result]


def _toolboxes(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    boxes: list[dict[str, Any]] = json.loads(result.stdout)["toolboxes"]
    return boxes


def test_tools_json_says_whether_each_toolbox_is_dynamic(
    invoke: Invoke, register_plugin: Any
) -> None:
    register_plugin(ToolboxesPlugin(), "ToolboxesPlugin")
    boxes = _toolboxes(invoke("tools", "--json"))
    assert [(box["name"], box["dynamic"]) for box in boxes] == [
        ("Discovery", True),
        ("Memory", False),
    ]
    # a toolbox's tools by the names the model sees (0.32+), a dynamic one has none yet
    assert [tool["name"] for tool in boxes[1]["tools"]] == ["Memory_get", "Memory_set"]
    assert boxes[0]["tools"] == []


def test_tools_text_lists_toolboxes_in_name_order(invoke: Invoke, register_plugin: Any) -> None:
    register_plugin(ToolboxesPlugin(), "ToolboxesPlugin")
    result = invoke("tools")
    assert result.exit_code == 0
    text = result.stdout
    assert text.index("Discovery(source: str) (plugin: ToolboxesPlugin)") < text.index("Memory:")
    assert text.endswith(
        "Memory:\n\n  Memory_get(key: str) -> str\n\n    Get a key\n\n"
        "  Memory_set(key: str, value: str) -> None\n\n    Set a key\n\n"
    )


def test_a_toolbox_named_by_a_spec_is_headed_by_it(invoke: Invoke, register_plugin: Any) -> None:
    register_plugin(ToolboxesPlugin(), "ToolboxesPlugin")
    result = invoke("tools", "Memory()", 'Discovery("docs")')
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        'Discovery("docs"):\n\n  greet(name: str) -> str\n\n    Greet someone\n\n'
        "Memory():\n\n  Memory_get(key: str) -> str\n\n    Get a key\n\n"
        "  Memory_set(key: str, value: str) -> None\n\n    Set a key\n\n"
    )
    boxes = _toolboxes(invoke("tools", "Memory()", 'Discovery("docs")', "--json"))
    assert [(b["name"], b["dynamic"], [t["name"] for t in b["tools"]]) for b in boxes] == [
        ("Discovery", True, ["greet"]),
        ("Memory", False, ["Memory_get", "Memory_set"]),
    ]


def test_a_bad_toolbox_spec_is_one_error_line(invoke: Invoke, register_plugin: Any) -> None:
    register_plugin(ToolboxesPlugin(), "ToolboxesPlugin")
    result = invoke("tools", "Discovery")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Invalid tool spec 'Discovery': Invalid arguments for Discovery:"
        " missing a required argument: 'source'\n"
    )


def _status(invoke: Invoke) -> list[str]:
    result = invoke("logs", "status")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_logs_status_counts_as_0_36(invoke: Invoke, user_path: Path) -> None:
    assert invoke("-m", "echo", "one").exit_code == 0
    assert invoke("-m", "echo", "two", "-c").exit_code == 0
    lines = _status(invoke)
    # each exchange is written twice: a turn of 0.32+'s message store and its 0.26 row
    assert lines[2:6] == [
        "Number of threads logged:\t1",
        "Number of turns logged:\t\t2",
        "Number of legacy conversations:\t1",
        "Number of legacy responses:\t2",
    ]
    assert lines[6].startswith("Database file size: \t\t")


def test_logs_status_counts_threads_and_turns_0_36_wrote(invoke: Invoke, user_path: Path) -> None:
    assert invoke("-m", "echo", "one").exit_code == 0
    assert invoke("-m", "echo", "two").exit_code == 0
    assert invoke("-m", "echo", "three", "-c").exit_code == 0
    with sqlite3.connect(user_path / "logs.db") as conn:  # as llm 0.36 leaves it: turns only
        conn.execute("DELETE FROM responses")
        conn.execute("DELETE FROM conversations")
    lines = _status(invoke)
    assert lines[2:4] == ["Number of threads logged:\t2", "Number of turns logged:\t\t3"]
    assert not any("legacy" in line for line in lines)  # hidden when those tables are empty


def test_logs_status_without_a_database(invoke: Invoke, user_path: Path) -> None:
    result = invoke("logs", "status")
    assert result.exit_code == 0
    assert result.stdout == f"No log database found at {user_path / 'logs.db'}\n"
    assert not (user_path / "logs.db").exists()


TEMPLATE_WITH_FUNCTIONS = """\
tools:
- llm_version
functions: |
  def demo():
      return "Demo"
"""
CALL_DEMO = json.dumps({"tool_calls": [{"name": "demo"}]})


def test_a_stored_or_file_template_runs_its_functions(
    invoke: Invoke, user_path: Path, tmp_path: Path
) -> None:
    (user_path / "templates").mkdir(parents=True)
    (user_path / "templates" / "fn.yaml").write_text(TEMPLATE_WITH_FUNCTIONS, "utf-8")
    (tmp_path / "fn.yaml").write_text(TEMPLATE_WITH_FUNCTIONS, "utf-8")
    for name in ("fn", str(tmp_path / "fn.yaml")):
        result = invoke("-t", name, "-m", "echo", "--no-stream", "-n", CALL_DEMO)
        assert result.exit_code == 0, result.output
        assert '"output": "Demo"' in result.stdout


def test_a_template_from_a_plugin_keeps_its_tools_but_not_its_code(
    invoke: Invoke, register_plugin: Any
) -> None:
    class Loader:
        __name__ = "Loader"

        @llm.hookimpl
        def register_template_loaders(self, register: Callable[..., None]) -> None:
            register(
                "remote",
                lambda _: llm.Template(
                    name="remote", tools=["llm_version"], functions='def demo():\n    return "Demo"'
                ),
            )

    register_plugin(Loader(), "Loader")
    result = invoke("-t", "remote:x", "-m", "echo", "--no-stream", "-n", CALL_DEMO)
    assert result.exit_code == 0, result.output
    assert '"output": "Demo"' not in result.stdout
    assert 'Error: tool \\"demo\\" does not exist' in result.stdout
    version = invoke(
        "-t", "remote:x", "-m", "echo", "--no-stream", "-n",
        json.dumps({"tool_calls": [{"name": "llm_version"}]}),
    )  # fmt: skip
    assert '"name": "llm_version"' in version.stdout and "does not exist" not in version.stdout


def test_a_fragment_url_is_fetched_with_llms_user_agent(invoke: Invoke, user_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("User-Agent"))
            body = b"Hello from URL"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/fragment.txt"
        result = invoke("-m", "echo", "-f", url, "-n", "say it")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert "Hello from URL" in result.stdout
    assert seen == [f"llm/{llm.__version__} (https://llm.datasette.io/)"]


def test_logs_markdown_shows_the_options_as_0_36(invoke: Invoke, user_path: Path) -> None:
    assert invoke("-m", "echo", "-o", "example_bool", "1", "-s", "sys", "hi").exit_code == 0
    assert invoke("-m", "echo", "plain").exit_code == 0
    output = invoke("logs", "-n", "0").stdout
    # after the prompt (and its fragments), before the system prompt
    assert "## Prompt\n\nhi\n\n## Options\n\n- example_bool: True\n\n## System\n\nsys\n" in output
    assert output.count("## Options") == 1  # a response without options has none
    assert "## Options" not in invoke("logs", "-n", "0", "-r").stdout


def test_logs_token_details_are_markdown_code(invoke: Invoke, user_path: Path) -> None:
    assert invoke("-m", "echo", "hi").exit_code == 0
    with sqlite3.connect(user_path / "logs.db") as conn:
        conn.execute(
            "UPDATE responses SET input_tokens = 2, output_tokens = 5, token_details = ?",
            [json.dumps({"label": "`reasoning`", "n": 1})],
        )
    output = invoke("logs", "-u").stdout
    # fenced by one backtick more than the longest run inside, as 0.32+ writes it
    assert '\n2 input, 5 output, ``{"label": "`reasoning`", "n": 1}``\n' in output


FUNCTIONS = """
def demo(timeout: int = 1, options: list = None) -> str:
    "Demo tool"
    return "one\\ntwo"
"""
CALL = json.dumps(
    {"tool_calls": [{"name": "demo", "arguments": {"timeout": 120, "options": ["`tick`"]}}]}
)


def test_logs_markdown_lays_out_tools_as_0_36(invoke: Invoke, user_path: Path) -> None:
    assert invoke("-m", "echo", "--functions", FUNCTIONS, CALL).exit_code == 0
    assert invoke("-m", "echo", "--functions", FUNCTIONS, CALL, "-c").exit_code == 0
    output = invoke("logs", "-n", "0").stdout
    hashes = re.findall(r"- \*\*demo\*\*: `([0-9a-f]{7,64})`", output)
    # described once, then by its short hash alone
    assert len(hashes[0]) == 64 and set(hashes[1:]) == {hashes[0][:7]}
    br = "  \n"  # a Markdown line break
    assert f"`{hashes[0]}`{br}    Demo tool{br}    Arguments: `{{" in output
    call_ids = re.findall(r"`(tc_[0-9a-z]+)`", output)
    assert f"- **demo**: `{call_ids[0]}`{br}    timeout: `120`\n" in output
    assert '    options: ``["`tick`"]``\n' in output
    assert f"- **demo**: `{call_ids[0]}`{br}    ```\n    one\n    two\n    ```\n" in output

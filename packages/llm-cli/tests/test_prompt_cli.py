"""``llm prompt`` and ``llm chat`` in-process: fragment loaders, URL attachments, option errors
and the outputs the original prints."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import llm


class FragmentLoaders:
    __name__ = "FragmentLoaders"

    @llm.hookimpl
    def register_fragment_loaders(self, register):  # type: ignore[no-untyped-def]
        register("single", lambda arg: llm.Fragment(f"single:{arg}", "single-source"))
        register(
            "three",
            lambda arg: [llm.Fragment(f"{n}:{arg}", n) for n in ("one", "two", "three")],
        )
        register(
            "mixed",
            lambda arg: [
                llm.Fragment(f"text:{arg}", "mixed"),
                llm.Attachment(type="image/png", content=b"not really a png"),
            ],
        )
        register("broken", _broken)


def _broken(argument: str) -> llm.Fragment:
    raise ValueError(f"nothing called {argument}")


@pytest.fixture
def loaders(register_plugin) -> None:  # type: ignore[no-untyped-def]
    register_plugin(FragmentLoaders(), "test-fragment-loaders")


def test_fragment_loader_fragments_go_into_the_prompt(loaders, invoke) -> None:
    result = invoke("-m", "echo", "-f", "three:x", "-f", "single:y", "-n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompt"] == "one:x\ntwo:x\nthree:x\nsingle:y"


def test_fragment_loader_attachments_are_sent(loaders, invoke) -> None:
    result = invoke("-m", "echo", "-f", "mixed:z", "-n")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    assert sent["prompt"] == "text:z"
    assert [a["type"] for a in sent["attachments"]] == ["image/png"]


def test_system_fragment_loader(loaders, invoke) -> None:
    result = invoke("-m", "echo", "--sf", "single:s", "hi", "-n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["system"] == "single:s"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sf", "mixed:z"],
            "Error: Could not load fragment mixed:z: "
            "Fragment loader mixed returned a disallowed attachment",
        ),
        (
            ["-f", "broken:thing"],
            "Error: Could not load fragment broken:thing: nothing called thing",
        ),
        (["-f", "nosuch:thing"], "Error: Unknown fragment prefix: nosuch"),
        (["-f", "no-such-file.txt"], "Error: Fragment 'no-such-file.txt' not found"),
    ],
)
def test_fragment_errors(loaders, invoke, user_path: Path, args, message) -> None:
    result = invoke("-m", "echo", "hi", *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert result.stdout == ""  # the model was not called


def test_a_file_with_a_colon_in_its_name_is_still_a_fragment(
    loaders, invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes:v2.txt").write_text("from the file")
    result = invoke("-m", "echo", "-f", "notes:v2.txt", "-n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompt"] == "from the file"


def test_chat_fragment_command_uses_loaders(loaders, invoke) -> None:
    result = invoke("chat", "-m", "echo", input="!fragment single:c\nquit\n")
    assert result.exit_code == 0, result.output
    assert '"prompt": "single:c"' in result.stdout


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/image.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
        else:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_url_attachment_that_is_missing_reports_the_http_failure(invoke, server: str) -> None:
    result = invoke("-m", "echo", "hi", "-a", f"{server}/missing.png")
    assert result.exit_code == 2
    assert "404 Not Found" in result.stderr
    assert "text/html" not in result.stderr
    assert result.stdout == ""


def test_url_attachment_type_comes_from_the_server(invoke, server: str) -> None:
    result = invoke("-m", "echo", "hi", "-a", f"{server}/image.png", "-n")
    assert result.exit_code == 0, result.output
    attachment = json.loads(result.stdout)["attachments"][0]
    assert attachment["type"] == "image/png"
    assert attachment["url"] == f"{server}/image.png"


def test_no_prompt_and_empty_stdin_is_sent_as_the_original_sends_it(invoke) -> None:
    result = invoke("-m", "echo", "-n", input="")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompt"] == ""


def test_option_errors_name_the_option_then_the_problem(invoke) -> None:
    bad_value = invoke("-m", "echo", "hi", "-o", "example_bool", "maybe")
    assert bad_value.exit_code == 1
    assert bad_value.stderr.startswith("Error: example_bool\n  Input should be a valid boolean")
    unknown = invoke("-m", "echo", "hi", "-o", "colour", "red")
    assert unknown.stderr == "Error: colour\n  Extra inputs are not permitted\n"


def test_query_picks_the_shortest_matching_model_id(invoke) -> None:
    # "echo" and "echo-needs-key" both match: the original takes the shortest ID.
    result = invoke("-q", "echo", "hi", "-n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompt"] == "hi"
    missing = invoke("-q", "zzz", "-q", "yyy", "hi")
    assert missing.stderr == "Error: No model found matching queries zzz, yyy\n"


def test_usage_counts_have_thousands_separators(invoke) -> None:
    result = invoke("-m", "echo", " ".join(["word"] * 1200), "-u", "-n")
    assert result.exit_code == 0
    assert "Token usage: 1,200 input, " in result.stderr


def test_chat_transcript(invoke) -> None:
    result = invoke("chat", "-m", "echo", input="Hi\n\nquit\n")
    assert result.exit_code == 0, result.output
    # click.prompt as the original: a blank line asks again; the runner echoes the input
    assert result.stdout.startswith("Chatting with echo\nType 'exit' or 'quit' to exit\n")
    assert result.stdout.count('"prompt": "Hi"') == 1
    assert result.stdout.endswith("> quit\n")


def test_chat_ends_at_end_of_input(invoke) -> None:
    result = invoke("chat", "-m", "echo", input="Hi\n")
    assert result.exit_code == 0
    assert '"prompt": "Hi"' in result.stdout


def test_version_takes_the_name_it_was_invoked_as(invoke) -> None:
    # Under CliRunner the group is "cli"; the console script passes prog_name="llm".
    assert invoke("--version").stdout == f"cli, version {llm.__version__}\n"


def test_version_names_each_invocation_as_it_was_invoked() -> None:
    # click's version_option remembered the first name for the life of the process.
    from click.testing import CliRunner

    from llm_cli.app import cli

    runner = CliRunner()
    for name in ("cli", "llm", "python -m llm"):
        result = runner.invoke(cli, ["--version"], prog_name=name)
        assert result.output == f"{name}, version {llm.__version__}\n"


def test_help_examples_use_models_pip_install_llm_provides(invoke) -> None:
    for args in (["--help"], ["prompt", "--help"]):
        text = invoke(*args).stdout
        assert "-m echo" not in text
    assert "llm -m gpt-4o" in invoke("--help").stdout


def test_chat_edit_closed_without_saving(invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    monkeypatch.setattr(click, "edit", lambda *args, **kwargs: None)
    result = invoke("chat", "-m", "echo", input="!edit\nquit\n")
    assert result.exit_code == 0
    assert result.stderr == "Editor closed without saving.\n"
    assert '"prompt"' not in result.stdout


def test_log_and_no_log_together(invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "hi", "--log", "--no-log")
    assert result.exit_code == 1
    assert result.stderr == "Error: --log and --no-log are mutually exclusive\n"
    assert not (user_path / "logs.db").exists()


def test_chat_fragment_lines_inside_a_multi_line_message(
    invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("the notes")
    result = invoke(
        "chat", "-m", "echo", input="!multi\nRead this\n!fragment notes.txt\n!end\nquit\n"
    )
    assert result.exit_code == 0, result.output
    assert '"prompt": "the notes\\nRead this"' in result.stdout


def test_chat_bad_fragment_is_reported_and_the_chat_goes_on(invoke) -> None:
    result = invoke("chat", "-m", "echo", input="!fragment nope.txt\nHi\nquit\n")
    assert result.exit_code == 0
    assert result.stderr == "Error: Fragment 'nope.txt' not found\n"
    assert '"prompt": "Hi"' in result.stdout


@pytest.mark.parametrize("continuing", [False, True])
def test_a_prompt_closes_the_stores_it_opened(invoke, user_path: Path, continuing) -> None:
    """Run in a process that goes on (a test, a notebook), a prompt leaves no connection to
    logs.db open: the last one to close folds the write-ahead log back into the file."""
    assert invoke("-m", "echo", "first").exit_code == 0
    assert not (user_path / "logs.db-wal").exists()
    result = invoke("-m", "echo", "again", *(["-c"] if continuing else []))
    assert result.exit_code == 0, result.output
    assert not (user_path / "logs.db-wal").exists()
    logged = json.loads(invoke("logs", "--json", "-n", "0").output)
    assert [row["prompt"] for row in logged] == ["first", "again"]

"""Configuration files and inputs as users (and their editors) really leave them, through
the real ``llm`` executable.

* Files in the user directory saved with a UTF-8 byte order mark (Notepad, PowerShell's
  ``Out-File``) are read as if it were not there.
* ``model_options.json`` of the wrong shape, an oversized ``default_model.txt``, a template
  name that cannot be typed back, a backup into a missing directory: one ``Error:`` line
  that names the file (never repeating a huge content), a non-zero exit, no traceback, and
  every file in the user directory as it was - nothing overwritten, nothing half-created.
* ``-f /dev/stdin`` reads standard input, as ``-f -`` does.
* Every listing command ends quietly, with status 0, when the reader of its output goes
  away (``llm logs | head -1``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
Setup = Callable[[Path], None]

BOM = b"\xef\xbb\xbf"


def files(**contents: bytes | str) -> Setup:
    """Write files into the user directory."""

    def setup(user_dir: Path) -> None:
        for name, content in contents.items():
            path = user_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode()
            path.write_bytes(content)

    return setup


def with_bom(text: str) -> bytes:
    return BOM + text.encode()


def big_default_model(user_dir: Path) -> None:
    """A 50 MB default_model.txt (a file copied there by mistake), on one line."""
    with (user_dir / "default_model.txt").open("wb") as file:
        file.write(b"x" * (50 * 1024 * 1024))


def big_default_embedding_model(user_dir: Path) -> None:
    (user_dir / "default_embedding_model.txt").write_bytes(b"y" * 2_000_000)


def nothing(user_dir: Path) -> None:
    pass


def _digest(user_dir: Path) -> dict[str, str]:
    """Every file in the user directory, by name, with a hash of its content. The log
    database is left out: a refused command does not write it, as test_bad_input checks."""
    return {
        str(path.relative_to(user_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(user_dir.rglob("*"))
        if path.is_file() and not path.name.startswith(("logs.db", "plugin-cache-"))
    }


def _echoed(stdout: str) -> dict[str, object]:
    """What the echo model was sent: its answer is the request as JSON."""
    start = stdout.index("{")
    parsed: dict[str, object] = json.loads(stdout[start:])
    return parsed


# -- files with a byte order mark ------------------------------------------------------------


@dataclass
class Read:
    """A command that must succeed and print ``expect`` (each text, on stdout)."""

    args: tuple[str, ...]
    expect: tuple[str, ...]
    setup: Setup = nothing
    input: str = ""


READ_CASES: dict[str, Read] = {
    "keys.json with a BOM: keys get": Read(
        ("keys", "get", "mine"),
        ("sk-from-a-bom-file",),
        files(**{"keys.json": with_bom('{"mine": "sk-from-a-bom-file"}')}),
    ),
    "keys.json with a BOM: keys list": Read(
        ("keys", "list"), ("mine",), files(**{"keys.json": with_bom('{"mine": "sk-1"}')})
    ),
    "aliases.json with a BOM: aliases list": Read(
        ("aliases", "list"),
        ("bom-alias", "echo"),
        files(**{"aliases.json": with_bom('{"bom-alias": "echo"}')}),
    ),
    "aliases.json with a BOM: prompt through the alias": Read(
        ("-m", "bom-alias", "hello"),
        ('"prompt": "hello"',),
        files(**{"aliases.json": with_bom('{"bom-alias": "echo"}')}),
    ),
    "default_model.txt with a BOM and CRLF: models default": Read(
        ("models", "default"), ("echo",), files(**{"default_model.txt": with_bom("echo\r\n")})
    ),
    "default_model.txt with a BOM: prompt": Read(
        ("hello",), ('"prompt": "hello"',), files(**{"default_model.txt": with_bom("echo")})
    ),
    "model_options.json with a BOM: options list": Read(
        ("models", "options", "list"),
        ("markov:", "length: 7"),
        files(**{"model_options.json": with_bom('{"markov": {"length": 7}}')}),
    ),
    "model_options.json with a BOM: prompt": Read(
        ("-m", "markov", "a b c d e f g h"),
        (),
        files(**{"model_options.json": with_bom('{"markov": {"length": 7}}')}),
    ),
    "extra-openai-models.yaml with a BOM": Read(
        ("models", "list"),
        ("bom-model",),
        files(**{"extra-openai-models.yaml": with_bom("- model_id: bom-model\n")}),
    ),
    "template with a BOM: -t": Read(
        ("-m", "echo", "-t", "bomt", "world"),
        ('"prompt": "hello world"',),
        files(**{"templates/bomt.yaml": with_bom("prompt: hello $input\n")}),
    ),
    "template with a BOM: templates list": Read(
        ("templates", "list"),
        ("bomt : hello $input",),
        files(**{"templates/bomt.yaml": with_bom("prompt: hello $input\n")}),
    ),
    "template file with a BOM: -t path": Read(
        ("-m", "echo", "-t", "{user}/elsewhere.yaml", "world"),
        ('"system": "be brief"',),
        files(**{"elsewhere.yaml": with_bom("system: be brief\n")}),
    ),
    "database-url.txt with a BOM": Read(
        ("logs", "path"),
        ("{user}/other.db",),
        lambda user_dir: (user_dir / "database-url.txt").write_bytes(
            with_bom(f"{user_dir}/other.db\n")
        ),
    ),
    "fallbacks.json with a BOM": Read(
        ("aliases", "list"),
        ("bom-alias",),
        files(
            **{
                "aliases.json": with_bom('{"bom-alias": "echo"}'),
                "fallbacks.json": with_bom("{}"),
            }
        ),
    ),
    # -f /dev/stdin is standard input, as -f - is (not "not found": it is not a file).
    "-f /dev/stdin": Read(
        ("-m", "echo", "-f", "/dev/stdin", "and the prompt"),
        ("text from stdin",),
        input="text from stdin\n",
    ),
    "ledger.json with a BOM": Read(
        ("logs", "retention"), ("30d",), files(**{"ledger.json": with_bom('{"retention": "30d"}')})
    ),
    "-a /dev/stdin": Read(
        ("-m", "echo", "-a", "/dev/stdin", "the prompt"),
        ('"type": "image/gif"', '"prompt": "the prompt"'),
        input="GIF89a",
    ),
    "--at /dev/stdin": Read(
        ("-m", "echo", "--at", "/dev/stdin", "image/gif", "the prompt"),
        ('"type": "image/gif"', '"prompt": "the prompt"'),
        input="GIF89a",
    ),
}


def _user(text: str, user_dir: Path) -> str:
    return text.replace("{user}", str(user_dir))


@pytest.mark.parametrize("case", list(READ_CASES.values()), ids=list(READ_CASES))
def test_input_is_read(case: Read, run_llm: Run, user_dir: Path) -> None:
    case.setup(user_dir)
    before = _digest(user_dir)
    result = run_llm(*(_user(arg, user_dir) for arg in case.args), input=case.input)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    for text in case.expect:
        assert _user(text, user_dir) in result.stdout, result.stdout
    assert _digest(user_dir) == before  # reading changed nothing


def test_a_file_with_a_bom_is_updated_keeping_its_entries(run_llm: Run, user_dir: Path) -> None:
    """A key set beside the keys of a file saved with a BOM: both are there afterwards."""
    (user_dir / "keys.json").write_bytes(with_bom('{"old": "sk-old"}'))
    result = run_llm("keys", "set", "new", "--value", "sk-new")
    assert result.returncode == 0, result.stderr
    assert json.loads((user_dir / "keys.json").read_text("utf-8")) == {
        "old": "sk-old",
        "new": "sk-new",
    }
    (user_dir / "model_options.json").write_bytes(with_bom('{"markov": {"length": 7}}'))
    assert run_llm("models", "options", "set", "markov", "delay", "0").returncode == 0
    stored = json.loads((user_dir / "model_options.json").read_text("utf-8"))
    assert stored == {"markov": {"length": 7, "delay": "0"}}


def test_prices_file_with_a_bom_prices_responses(run_llm: Run, user_dir: Path) -> None:
    (user_dir / "prices.json").write_bytes(with_bom('{"echo": {"input": 1.0, "output": 2.0}}'))
    assert run_llm("-m", "echo", "hi").returncode == 0
    result = run_llm("costs")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert "$0.0000" in result.stdout


@pytest.mark.parametrize("option", ["-f", "--sf"])
def test_dev_stdin_is_read_as_dash_is(option: str, run_llm: Run) -> None:
    """``-f /dev/stdin`` (``--sf``) sends exactly what ``-f -`` sends."""
    by_dash = run_llm("-m", "echo", option, "-", "prompt", input="piped\n")
    by_name = run_llm("-m", "echo", option, "/dev/stdin", "prompt", input="piped\n")
    assert by_dash.returncode == by_name.returncode == 0, (by_dash.stderr, by_name.stderr)
    assert _echoed(by_name.stdout) == _echoed(by_dash.stdout)
    assert "piped" in json.dumps(_echoed(by_name.stdout))


# -- refused inputs ----------------------------------------------------------------------------


@dataclass
class Refused:
    """A command that must fail with one ``Error:`` line holding every text of ``expect``."""

    args: tuple[str, ...]
    expect: tuple[str, ...]
    setup: Setup = nothing
    input: str = ""
    env: dict[str, str] = field(default_factory=dict)
    #: The error output must stay shorter than this (a huge file is not echoed back).
    at_most: int = 2000


WRONG_OPTIONS = {
    "a list": "[]",
    "a string": '"temperature"',
    "a number": "3",
    "null": "null",
    "a model's options as a string": '{"markov": "length=5"}',
    "a model's options as a list": '{"markov": [["length", 5]]}',
    "a model's options as null": '{"markov": null}',
}

REFUSED: dict[str, Refused] = {}
for shape, content in WRONG_OPTIONS.items():
    setup = files(**{"model_options.json": content})
    REFUSED[f"model_options.json is {shape}: options set"] = Refused(
        ("models", "options", "set", "markov", "length", "5"), ("model_options.json",), setup
    )
    REFUSED[f"model_options.json is {shape}: options list"] = Refused(
        ("models", "options", "list"), ("model_options.json",), setup
    )
    REFUSED[f"model_options.json is {shape}: prompt"] = Refused(
        ("-m", "markov", "a b c"), ("model_options.json",), setup
    )
REFUSED.update(
    {
        "model_options.json holds an option of the wrong type": Refused(
            ("-m", "markov", "a b c"),
            ("model_options.json", "models options clear markov", "length"),
            files(**{"model_options.json": '{"markov": {"length": {"nested": 1}}}'}),
        ),
        "model_options.json holds an option the model does not have": Refused(
            ("-m", "echo", "hi"),
            ("model_options.json", "temperature"),
            files(**{"model_options.json": '{"echo": {"temperature": 0.5}}'}),
        ),
        "model_options.json is a list: options clear": Refused(
            ("models", "options", "clear", "markov"),
            ("model_options.json", "not a list"),
            files(**{"model_options.json": '[{"markov": {}}]'}),
        ),
        # default_model.txt: a 50 MB file is described, not printed.
        "default_model.txt of 50 MB: prompt": Refused(
            ("hello",), ("default_model.txt", "too large", "52,428,800 bytes"), big_default_model
        ),
        "default_model.txt of 50 MB: models default": Refused(
            ("models", "default"), ("default_model.txt", "too large"), big_default_model
        ),
        "default_model.txt of 50 MB: not replaced by models default": Refused(
            ("models", "default", "echo"), ("default_model.txt", "too large"), big_default_model
        ),
        "default_model.txt of several lines": Refused(
            ("hello",),
            ("default_model.txt", "single line"),
            files(**{"default_model.txt": "echo\nmarkov\n"}),
        ),
        "default_embedding_model.txt of 2 MB": Refused(
            ("embed-models", "default"),
            ("default_embedding_model.txt", "too large"),
            big_default_embedding_model,
        ),
        # --save: a template name must be one that can be typed back and stays inside the
        # templates directory.
        "--save with a newline": Refused(
            ("-m", "echo", "--save", "two\nlines", "hi"), ("Invalid template name", "newline")
        ),
        "--save with a tab": Refused(
            ("-m", "echo", "--save", "a\tb", "hi"), ("Invalid template name", "control")
        ),
        "--save with a line separator": Refused(
            ("-m", "echo", "--save", "a\u2028b", "hi"), ("Invalid template name", "newline")
        ),
        "--save with a slash": Refused(
            ("-m", "echo", "--save", "sub/name", "hi"), ("Invalid template name", "/")
        ),
        "--save ..": Refused(("-m", "echo", "--save", "..", "hi"), ("Invalid template name",)),
        "--save ../escape": Refused(
            ("-m", "echo", "--save", "../escape", "hi"), ("Invalid template name",)
        ),
        "--save empty": Refused(("-m", "echo", "--save", "", "hi"), ("cannot be empty",)),
        "--save blank": Refused(("-m", "echo", "--save", "   ", "hi"), ("cannot be empty",)),
        "--save with a leading space": Refused(
            ("-m", "echo", "--save", " name", "hi"), ("Invalid template name", "space")
        ),
        "templates edit a new name with a newline": Refused(
            ("templates", "edit", "new\nname"),
            ("Invalid template name", "newline"),
            env={"EDITOR": "true", "VISUAL": "true"},
        ),
        # logs backup into a directory that is not there names the path.
        "logs backup into a missing directory": Refused(
            ("logs", "backup", "/missing/x.db"), ("/missing/x.db", "/missing", "does not exist")
        ),
        "logs backup into a missing relative directory": Refused(
            ("logs", "backup", "{user}/no/such/dir/x.db"), ("{user}/no/such/dir", "does not exist")
        ),
    }
)


@pytest.mark.parametrize("case", list(REFUSED.values()), ids=list(REFUSED))
def test_input_is_refused_and_nothing_changes(case: Refused, run_llm: Run, user_dir: Path) -> None:
    # A real logs.db (logs backup needs one), then the case's files.
    assert run_llm("-m", "echo", "seed").returncode == 0
    case.setup(user_dir)
    before = _digest(user_dir)
    result = run_llm(*(_user(arg, user_dir) for arg in case.args), input=case.input, env=case.env)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for text in case.expect:
        assert _user(text, user_dir) in result.stderr, result.stderr
    assert len(result.stderr) < case.at_most, result.stderr[:300]
    assert _digest(user_dir) == before  # nothing overwritten, nothing created


def test_save_in_chat_refuses_a_nul(run_llm: Run, user_dir: Path) -> None:
    """``!save`` in a chat: a name with NUL (only typed input can hold one) saves nothing."""
    result = run_llm("chat", "-m", "echo", input="!save bad\x00name\nquit\n")
    assert "Traceback" not in result.stderr
    assert "Invalid template name" in result.stderr
    assert list(user_dir.glob("templates/*")) == []


def test_a_valid_save_still_saves(run_llm: Run, user_dir: Path) -> None:
    result = run_llm("-m", "echo", "--save", "café notes", "hello")
    assert result.returncode == 0, result.stderr
    assert (user_dir / "templates" / "café notes.yaml").read_text("utf-8") == (
        "model: echo\nprompt: hello\n"
    )


# -- a closed pipe -----------------------------------------------------------------------------

LISTINGS = [
    ("logs",),
    ("logs", "-n", "0"),
    ("logs", "--json", "-n", "0"),
    ("logs", "-s", "-n", "0"),
    ("models",),
    ("models", "--options"),
    ("templates",),
    ("fragments",),
    ("aliases",),
    ("schemas",),
    ("collections",),
    ("tools",),
    ("plugins",),
    ("keys",),
    ("embed-models",),
    ("conversations", "list"),
    ("--help",),
    ("--version",),
]


@pytest.fixture(scope="module")
def full_user_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Something to list in every listing: many responses, templates, aliases, a fragment,
    a schema, a collection and keys (made once: the listings only read it)."""
    from llm_process import LLM
    from llm_process import llm_env as _llm_env

    assert LLM
    user_dir = tmp_path_factory.mktemp("full") / "user"
    user_dir.mkdir()

    def run_llm(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [LLM, *args], input=input, capture_output=True, text=True, env=_llm_env(user_dir, None)
        )

    long_prompt = "\n".join(f"line {n} of a long prompt" for n in range(3000))
    for n in range(3):
        assert run_llm("-m", "echo", f"prompt {n}", input=long_prompt).returncode == 0
    assert run_llm("-m", "echo", "--schema", "name, age int", "{}").returncode in (0, 1)
    (user_dir / "fragment.txt").write_text("fragment text\n" * 5000)
    assert run_llm("fragments", "set", "notes", str(user_dir / "fragment.txt")).returncode == 0
    templates = user_dir / "templates"
    templates.mkdir(exist_ok=True)
    for n in range(1500):
        (templates / f"template-{n:04}.yaml").write_text(f"prompt: template number {n}\n")
    aliases = {f"alias-{n:04}": "echo" for n in range(3000)}
    (user_dir / "aliases.json").write_text(json.dumps(aliases))
    (user_dir / "keys.json").write_text(json.dumps({f"key-{n:04}": "sk" for n in range(3000)}))
    stored = run_llm("embed", "things", "one", "-m", "hash", "-c", "hello", "--store")
    assert stored.returncode == 0, stored.stderr
    return user_dir


def _closed_pipe_run(args: tuple[str, ...], user_dir: Path) -> subprocess.CompletedProcess[str]:
    """``llm ARGS`` writing to a pipe nobody reads any more: its first write fails."""
    from llm_process import LLM
    from llm_process import llm_env as _llm_env

    assert LLM
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [LLM, *args],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=_llm_env(user_dir, None),
            timeout=600,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_listing_into_a_closed_pipe_ends_quietly(
    args: tuple[str, ...], full_user_dir: Path
) -> None:
    result = _closed_pipe_run(args, full_user_dir)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    "command", ["logs -n 0", "logs -n 0 --json", "templates", "aliases", "keys", "fragments"]
)
def test_listing_into_head_ends_quietly(command: str, full_user_dir: Path) -> None:
    """The case as users meet it: ``llm logs | head -1`` (and the other big listings)."""
    from llm_process import LLM
    from llm_process import llm_env as _llm_env

    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"'{LLM}' {command} | head -1"],
        capture_output=True,
        text=True,
        env=_llm_env(full_user_dir, None),
        timeout=600,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.count("\n") == 1

"""The bad-input table: every input a user (or an adversary) can get wrong is answered with
a clear error, and costs nothing.

Each case asserts:

* a non-zero exit and no traceback;
* exactly one ``Error:`` line on stderr, and the text that names the problem in it (click's
  usage errors put a "Usage: ..." hint above it, and option validation lists the failing
  option below it, as the original does - but there is one error, said once);
* nothing was sent to a model (every case that could prompt uses the recording model);
* the user directory - keys, aliases, logs.db, templates - is byte-identical afterwards.

Cases run in process through ``invoke_llm``; none of them needs a subprocess.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

import llm
from llm.plugins import pm

CALLS: list[str] = []


class Recorder(llm.Model):
    """Records every prompt it is asked to run: a case passes only if this stays empty."""

    model_id = "recorder"
    can_stream = True

    class Options(llm.Options):
        temperature: float | None = Field(default=None, ge=0, le=2)
        length: int | None = Field(default=None, ge=1)

    def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
        CALLS.append(prompt.prompt or "")
        yield "ok"


class RecorderPlugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(Recorder(), aliases=("rec",))


Setup = Callable[[Path], None]


def write(name: str, content: bytes | str) -> Setup:
    def setup(user_dir: Path) -> None:
        path = user_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)

    return setup


def make_dir(name: str) -> Setup:
    return lambda user_dir: (user_dir / name).mkdir(parents=True, exist_ok=True)


def nothing(user_dir: Path) -> None:
    pass


def _set_read_only(path: Path, read_only: bool) -> None:
    """Make ``path`` unwritable, or writable again. Root ignores permission bits, so as root
    the file or directory is made immutable instead (``chattr +i``)."""
    if os.geteuid() == 0:
        flag = "+i" if read_only else "-i"
        subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)
    else:
        mode = path.stat().st_mode
        write_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode & ~write_bits if read_only else mode | stat.S_IWUSR)


def read_only(name: str, *, remove: tuple[str, ...] = ()) -> tuple[Setup, Setup]:
    """A setup making ``name`` (in the user directory; "" for the directory itself)
    read-only, after removing ``remove``, and the teardown that undoes it."""

    def setup(user_dir: Path) -> None:
        for other in remove:
            (user_dir / other).unlink(missing_ok=True)
        _set_read_only(user_dir / name, True)

    return setup, lambda user_dir: _set_read_only(user_dir / name, False)


_HOLDERS: list[sqlite3.Connection] = []


def _lock_logs_db(user_dir: Path) -> None:
    """Another process writing: the write lock of logs.db held until the teardown."""
    holder = sqlite3.connect(user_dir / "logs.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    _HOLDERS.append(holder)


def _release_lock(user_dir: Path) -> None:
    while _HOLDERS:
        holder = _HOLDERS.pop()
        holder.execute("ROLLBACK")
        holder.close()


_READ_ONLY_DB = read_only("logs.db")
# The write-ahead log's files, absent while no process has the database open, are what a
# read-only directory stops SQLite from creating.
_READ_ONLY_DIR = read_only("", remove=("logs.db-wal", "logs.db-shm"))


@dataclass
class Case:
    args: tuple[str, ...]
    expect: str | tuple[str, ...]
    setup: Setup = nothing
    input: bytes | str = ""
    env: dict[str, str] = field(default_factory=dict)
    xfail: str | None = None
    #: Undoes what ``setup`` did that the test directory's clean-up could not (run always).
    teardown: Setup = nothing
    #: Log a response first, so "nothing was written" is checked against real data. Cases
    #: that replace logs.db skip it: this process would still hold the seeded database open.
    seed: bool = True


TRAILING_COMMA = '{"openai": "sk-old",}'
BINARY = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"

CASES: dict[str, Case] = {
    # --- models and options ---------------------------------------------------------------
    "unknown model": Case(("-m", "no-such-model", "hi"), "Unknown model: no-such-model"),
    "unknown model in chat": Case(("chat", "-m", "no-such-model"), "no-such-model"),
    "unknown option": Case(("-m", "recorder", "-o", "nosuch", "1", "hi"), "nosuch"),
    "option not a number": Case(
        ("-m", "recorder", "-o", "temperature", "warm", "hi"), "temperature"
    ),
    "option out of range": Case(("-m", "recorder", "-o", "temperature", "9", "hi"), "temperature"),
    "option missing its value": Case(("-m", "recorder", "-o", "temperature"), "requires 2"),
    "unknown flag": Case(("-m", "recorder", "--no-such-flag", "hi"), "No such option"),
    "markov length too large": Case(
        ("-m", "markov", "-o", "length", "10000000000", "hi"), "length"
    ),
    "markov length too small": Case(("-m", "markov", "-o", "length", "1", "hi"), "length"),
    "markov delay too long": Case(("-m", "markov", "-o", "delay", "3600", "hi"), "delay"),
    "models default unknown": Case(("models", "default", "no-such-model"), "no-such-model"),
    "models options set unknown option": Case(
        ("models", "options", "set", "recorder", "nosuch", "1"), "nosuch"
    ),
    "models options set invalid value": Case(
        ("models", "options", "set", "recorder", "temperature", "warm"), "temperature"
    ),
    "embed unknown model": Case(("embed", "-m", "no-such-model", "-c", "hi"), "no-such-model"),
    "embed-models default unknown": Case(
        ("embed-models", "default", "no-such-model"), "no-such-model"
    ),
    # --- conversations, templates, fragments, schemas, tools, collections ------------------
    "unknown conversation": Case(("-m", "recorder", "--cid", "no-such-id", "hi"), "no-such-id"),
    "SQL-looking conversation id": Case(
        ("-m", "recorder", "--cid", "x' OR '1'='1", "hi"), "x' OR '1'='1"
    ),
    "SQL-looking conversation id in chat": Case(
        ("chat", "-m", "recorder", "--cid", "1; DROP TABLE responses"), "DROP TABLE"
    ),
    "unknown template": Case(
        ("-m", "recorder", "-t", "no-such-template", "hi"), "no-such-template"
    ),
    "template path traversal": Case(("-m", "recorder", "-t", "../keys", "hi"), "../keys"),
    "template path traversal absolute": Case(("templates", "show", "../../etc/passwd"), "passwd"),
    "templates show unknown": Case(("templates", "show", "no-such-template"), "no-such-template"),
    "template that is not YAML": Case(
        ("-m", "recorder", "-t", "broken", "hi"),
        "broken",
        setup=write("templates/broken.yaml", "prompt: [unclosed\n"),
    ),
    "template that is binary": Case(
        ("-m", "recorder", "-t", "binary", "hi"),
        "binary",
        setup=write("templates/binary.yaml", BINARY),
    ),
    "template that is a list": Case(
        ("-m", "recorder", "-t", "alist", "hi"),
        "alist",
        setup=write("templates/alist.yaml", "- a\n- b\n"),
    ),
    "unknown fragment": Case(
        ("-m", "recorder", "-f", "no-such-fragment", "hi"), "no-such-fragment"
    ),
    "fragment file missing": Case(
        ("-m", "recorder", "-f", "/no/such/file.txt", "hi"), "/no/such/file.txt"
    ),
    "fragment path traversal": Case(
        ("-m", "recorder", "-f", "../../no/such/file", "hi"), "../../no/such/file"
    ),
    "system fragment missing": Case(
        ("-m", "recorder", "--sf", "no-such-fragment", "hi"), "no-such-fragment"
    ),
    "fragments show unknown": Case(("fragments", "show", "no-such-fragment"), "no-such-fragment"),
    "fragments show SQL-looking": Case(("fragments", "show", "' OR 1=1 --"), "OR 1=1"),
    "unknown fragment loader": Case(
        ("-m", "recorder", "-f", "nosuchloader:thing", "hi"), "nosuchloader"
    ),
    "invalid schema": Case(("-m", "recorder", "--schema", "{not json", "hi"), "schema"),
    "unknown schema id": Case(
        ("-m", "recorder", "--schema", "0123456789abcdef0123456789abcdef", "hi"), "schema"
    ),
    "schemas show unknown": Case(("schemas", "show", "no-such-schema"), "Invalid schema ID"),
    "unknown tool": Case(
        ("-m", "recorder", "-T", "no_such_tool", "hi"),
        "no_such_tool",
    ),
    # The original's texts, which do not name the collection.
    "unknown collection": Case(
        ("similar", "no-such-collection", "-c", "hi"), "No embeddings table found in database"
    ),
    "collections delete unknown": Case(
        ("collections", "delete", "no-such-collection"), "Collection does not exist"
    ),
    "embed-multi missing file": Case(
        ("embed-multi", "things", "/no/such/file.csv", "-m", "no-such-model"), "/no/such/file.csv"
    ),
    # --- attachments and files -------------------------------------------------------------
    "attachment missing": Case(
        ("-m", "recorder", "-a", "/no/such/image.png", "hi"), "does not exist"
    ),
    "attachment is a directory": Case(("-m", "recorder", "-a", "/tmp", "hi"), "is not a file"),
    "attachment is a device": Case(("-m", "recorder", "-a", "/dev/zero", "hi"), "is not a file"),
    "attachment with type is a device": Case(
        ("-m", "recorder", "--at", "/dev/zero", "image/png", "hi"), "/dev/zero is not a file"
    ),
    "attachment with type missing": Case(
        ("-m", "recorder", "--at", "/no/such.png", "image/png", "hi"), "does not exist"
    ),
    "attachment ftp URL": Case(
        ("-m", "recorder", "-a", "ftp://example.com/cat.png", "hi"), "Unsupported URL scheme 'ftp'"
    ),
    "attachment file URL": Case(
        ("-m", "recorder", "-a", "file:///etc/passwd", "hi"), "Unsupported URL scheme 'file'"
    ),
    "attachment of unknown type": Case(
        ("-m", "recorder", "-a", "{user}/blob.bin", "hi"),
        "Could not determine the type",
        setup=write("blob.bin", b"\x00\x01\x02\x03 not a known format"),
    ),
    "attachment stdin of unknown type": Case(
        ("-m", "recorder", "-a", "-", "hi"), "type", input=b"\x00\x01\x02 nothing known"
    ),
    "embed-multi binary csv": Case(
        ("embed-multi", "things", "{user}/data.csv", "-m", "no-such-model"),
        "no-such-model",
        setup=write("data.csv", BINARY),
    ),
    # --- stdin -----------------------------------------------------------------------------
    "keys set with empty stdin": Case(("keys", "set", "openai"), "empty", input=""),
    "stdin above LLM_MAX_STDIN_BYTES": Case(
        ("-m", "recorder"),
        ("larger than the limit of 1 KB", "LLM_MAX_STDIN_BYTES"),
        input=b"word " * 1000,
        env={"LLM_MAX_STDIN_BYTES": "1K"},
    ),
    "LLM_MAX_STDIN_BYTES not a number": Case(
        ("-m", "recorder"),
        "LLM_MAX_STDIN_BYTES must be a size",
        input="hi",
        env={"LLM_MAX_STDIN_BYTES": "lots"},
    ),
    "stdin not UTF-8": Case(
        ("-m", "recorder"),
        "UTF-8",
        input=b"caf\xe9\n",
    ),
    # --- keys.json -------------------------------------------------------------------------
    "keys set over trailing comma": Case(
        ("keys", "set", "other", "--value", "sk-new"),
        ("keys.json", "not valid JSON"),
        setup=write("keys.json", TRAILING_COMMA),
    ),
    "keys list with trailing comma": Case(
        ("keys", "list"), ("keys.json", "not valid JSON"), setup=write("keys.json", TRAILING_COMMA)
    ),
    "keys get with trailing comma": Case(
        ("keys", "get", "openai"),
        ("keys.json", "not valid JSON"),
        setup=write("keys.json", TRAILING_COMMA),
    ),
    "keys list binary": Case(
        ("keys", "list"), ("keys.json", "not UTF-8"), setup=write("keys.json", BINARY)
    ),
    "keys set over a list": Case(
        ("keys", "set", "x", "--value", "y"),
        ("keys.json", "not a list"),
        setup=write("keys.json", '["sk-1"]'),
    ),
    "keys.json is a directory": Case(
        ("keys", "set", "x", "--value", "y"),
        "keys.json is a directory",
        setup=make_dir("keys.json"),
    ),
    "key name empty": Case(("keys", "set", "", "--value", "sk-1"), "key name cannot be empty"),
    "key name blank": Case(("keys", "set", "  ", "--value", "sk-1"), "key name cannot be empty"),
    "keys get unknown": Case(
        ("keys", "get", "no-such-key"), "No key found with name 'no-such-key'"
    ),
    "prompt with broken keys.json": Case(
        ("-m", "gpt-4o-mini", "hi"),
        ("keys.json", "not valid JSON"),
        setup=write("keys.json", TRAILING_COMMA),
    ),
    # --- aliases.json ----------------------------------------------------------------------
    "aliases set over trailing comma": Case(
        ("aliases", "set", "r", "recorder"),
        ("aliases.json", "not valid JSON"),
        setup=write("aliases.json", '{"a": "recorder",}'),
    ),
    "aliases remove with trailing comma": Case(
        ("aliases", "remove", "a"),
        ("aliases.json", "not valid JSON"),
        setup=write("aliases.json", '{"a": "recorder",}'),
    ),
    "aliases list binary": Case(
        ("aliases", "list"), ("aliases.json", "not UTF-8"), setup=write("aliases.json", BINARY)
    ),
    "aliases set over a string": Case(
        ("aliases", "set", "r", "recorder"),
        ("aliases.json", "not a string"),
        setup=write("aliases.json", '"recorder"'),
    ),
    "prompt with broken aliases.json": Case(
        ("-m", "recorder", "hi"),
        ("aliases.json", "not valid JSON"),
        setup=write("aliases.json", "{"),
    ),
    "alias name empty": Case(("aliases", "set", "", "recorder"), "alias name cannot be empty"),
    "aliases remove unknown": Case(("aliases", "remove", "no-such-alias"), "No such alias"),
    "aliases set without a model": Case(("aliases", "set", "r"), "model_id or at least one -q"),
    "aliases set query matches nothing": Case(
        ("aliases", "set", "r", "-q", "zzz-no-match"), "No model found matching query"
    ),
    # --- model_options.json ----------------------------------------------------------------
    "models options set over trailing comma": Case(
        ("models", "options", "set", "recorder", "temperature", "0.5"),
        ("model_options.json", "not valid JSON"),
        setup=write("model_options.json", '{"recorder": {"length": 3},}'),
    ),
    "models options clear with binary file": Case(
        ("models", "options", "clear", "recorder"),
        ("model_options.json", "not UTF-8"),
        setup=write("model_options.json", BINARY),
    ),
    "models options list with a list": Case(
        ("models", "options", "list"),
        ("model_options.json", "not a list"),
        setup=write("model_options.json", "[]"),
    ),
    "prompt with broken model_options.json": Case(
        ("-m", "recorder", "hi"),
        ("model_options.json", "not valid JSON"),
        setup=write("model_options.json", "{,}"),
    ),
    # --- default_model.txt and extra-openai-models.yaml ------------------------------------
    "default_model.txt binary": Case(
        ("hi",), ("default_model.txt", "not UTF-8"), setup=write("default_model.txt", BINARY)
    ),
    "models default with binary default_model.txt": Case(
        ("models", "default"),
        ("default_model.txt", "not UTF-8"),
        setup=write("default_model.txt", BINARY),
    ),
    "default model unknown": Case(
        ("hi",), "no-such-default", setup=write("default_model.txt", "no-such-default\n")
    ),
    "extra-openai-models.yaml binary": Case(
        ("-m", "no-such-model", "hi"),
        ("extra-openai-models.yaml", "not UTF-8", "no-such-model"),
        setup=write("extra-openai-models.yaml", BINARY),
    ),
    "extra-openai-models.yaml not YAML": Case(
        ("-m", "no-such-model", "hi"),
        ("extra-openai-models.yaml", "no-such-model"),
        setup=write("extra-openai-models.yaml", "- model_id: [unclosed\n"),
    ),
    # --- databases and URLs ----------------------------------------------------------------
    "corrupt logs.db": Case(
        ("-m", "recorder", "hi"),
        "logs.db",
        setup=write("logs.db", b"this is not a database" * 100),
        seed=False,
    ),
    "corrupt logs.db read by logs": Case(
        ("logs", "list"),
        "logs.db",
        setup=write("logs.db", b"this is not a database" * 100),
        seed=False,
    ),
    "logs -d is a directory": Case(
        ("logs", "list", "-d", "{user}"),
        "is a directory",
    ),
    "logs database missing": Case(("logs", "list", "-d", "/no/such/dir/logs.db"), "/no/such/dir"),
    "database-url.txt not a URL": Case(
        ("-m", "recorder", "hi"),
        "database-url.txt",
        setup=write("database-url.txt", "not a url at all\n"),
    ),
    "database-url.txt binary": Case(
        ("logs", "list"),
        "database-url.txt",
        setup=write("database-url.txt", BINARY),
    ),
    "LLM_DATABASE_URL unknown scheme": Case(
        ("-m", "recorder", "hi"), "nosuchdb", env={"LLM_DATABASE_URL": "nosuchdb://x/y"}
    ),
    # Check before you pay: an answer that could not be logged is not asked for.
    "logs.db read-only": Case(
        ("-m", "recorder", "hi"),
        ("logs.db", "read-only"),
        setup=_READ_ONLY_DB[0],
        teardown=_READ_ONLY_DB[1],
    ),
    "logs.db read-only in chat": Case(
        ("chat", "-m", "recorder"),
        ("logs.db", "read-only"),
        setup=_READ_ONLY_DB[0],
        teardown=_READ_ONLY_DB[1],
        input="hi\n",
    ),
    "user directory read-only": Case(
        ("-m", "recorder", "hi"),
        ("logs.db", "for writing"),
        setup=_READ_ONLY_DIR[0],
        teardown=_READ_ONLY_DIR[1],
    ),
    "logs.db locked by another process": Case(
        ("-m", "recorder", "hi"),
        ("logs.db", "locked by another process"),
        setup=_lock_logs_db,
        teardown=_release_lock,
    ),
    "logs -n not a number": Case(("logs", "list", "-n", "many"), "many"),
    "fetch attachment invalid URL": Case(("-m", "recorder", "-a", "http://", "hi"), "http://"),
    "template URL invalid": Case(("-m", "recorder", "-t", "https://", "hi"), "https://"),
}


@pytest.fixture
def recorder() -> Iterator[list[str]]:
    pm.register(RecorderPlugin(), name="test-bad-input-recorder")
    CALLS.clear()
    try:
        yield CALLS
    finally:
        pm.unregister(name="test-bad-input-recorder")
        CALLS.clear()


def _content(path: Path) -> bytes:
    """A file's bytes; for a SQLite database, its full SQL dump (schema and every row), read
    together with its write-ahead log - a checkpoint moves pages between the two files
    without changing any data."""
    raw = path.read_bytes()
    if not raw.startswith(b"SQLite format 3\x00"):
        return raw
    # In a directory that cannot be written, SQLite cannot make the shared-memory file a
    # WAL database is read with: there, with no log to read beside it, read the file alone.
    options = ["mode=ro"] + (["immutable=1"] if not Path(f"{path}-wal").exists() else [])
    for option in options:
        db = sqlite3.connect(f"file:{path}?{option}", uri=True)
        try:
            return "\n".join(db.iterdump()).encode()
        except sqlite3.DatabaseError:
            continue
        finally:
            db.close()
    return raw


def digest(user_dir: Path) -> dict[str, str]:
    """Every stored file by name, with a hash of its content."""
    return {
        str(path.relative_to(user_dir)): hashlib.sha256(_content(path)).hexdigest()
        for path in sorted(user_dir.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


def _fill(value: str, user_dir: Path) -> str:
    return value.replace("{user}", str(user_dir))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for name, case in CASES.items()
    ],
)
def test_bad_input(
    case: Case,
    invoke_llm: Callable[..., subprocess.CompletedProcess[str]],
    user_dir: Path,
    recorder: list[str],
) -> None:
    # A real logs.db with one response in it, so "nothing was written" means something.
    if case.seed:
        seeded = invoke_llm("-m", "recorder", "seed prompt")
        assert seeded.returncode == 0, seeded.stderr
    recorder.clear()
    try:
        case.setup(user_dir)
        before = digest(user_dir)
        result = invoke_llm(
            *(_fill(arg, user_dir) for arg in case.args), input=case.input, env=case.env
        )
    finally:
        case.teardown(user_dir)

    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    error = result.stderr[result.stderr.index("Error:") :]
    expected = (case.expect,) if isinstance(case.expect, str) else case.expect
    for text in expected:
        assert _fill(text, user_dir) in result.stderr, result.stderr
    assert expected[-1] in error or len(expected) > 1, result.stderr
    assert recorder == [], "the model was called"
    assert digest(user_dir) == before


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


def test_seeded_database_is_intact_after_a_bad_input(
    invoke_llm: Callable[..., subprocess.CompletedProcess[str]],
    user_dir: Path,
    recorder: list[str],
) -> None:
    """The hash comparison above could pass on an empty database; this one cannot."""
    assert invoke_llm("-m", "recorder", "seed prompt").returncode == 0
    assert invoke_llm("-m", "recorder", "-o", "temperature", "9", "hi").returncode != 0
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select prompt from responses").fetchall() == [("seed prompt",)]
    assert recorder == ["seed prompt"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        " ",
        "a AND",
        "NEAR(",
        "*",
        "hi OR",
        "'; DROP TABLE responses; --",
    ],
)
def test_search_syntax_is_text_not_an_error(
    query: str,
    invoke_llm: Callable[..., subprocess.CompletedProcess[str]],
    user_dir: Path,
    recorder: list[str],
) -> None:
    """``llm logs -q`` takes words to look for: full-text-search syntax in them is not an
    error (PostgreSQL has none), and certainly not a change to the database."""
    assert invoke_llm("-m", "recorder", "seed prompt").returncode == 0
    before = digest(user_dir)
    result = invoke_llm("logs", "list", "-q", query, "--json")
    assert (result.returncode, result.stderr) == (0, "")
    assert "Traceback" not in result.stdout
    assert digest(user_dir) == before

"""Check before paying; nothing paid for is lost (issue 33, item 1).

Through the real ``llm`` executable, with the offline echo model (which answers with an
account of what it was sent, or with the ``raw`` text a JSON prompt asks for):

* input that is not text (bytes that were not UTF-8: a prompt, a system prompt, a chat
  line) is refused before the model is called: one ``Error:`` line, nothing answered,
  nothing logged;
* a database that could not take the answer (a table dropped, a trigger's table dropped, a
  full disk) is refused before the model is called, on SQLite and PostgreSQL;
* what a database cannot hold as it is (a lone surrogate in an answer or a tool result;
  NUL on PostgreSQL in a prompt, a fragment or an answer) is logged escaped, reversibly
  (``llm_storage.storable``), and the row reads back as the original;
* a tool that calls ``sys.exit``, the end of input or SIGTERM at the ``--ta`` approval
  prompt, and a reader of standard output that went away each leave what the model
  answered in the log, with a clear exit status and at most one line on stderr.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_storage import open_store
from llm_storage.storable import MARK, restore, storable

TOOL_CALL = '{"tool_calls": [{"name": "f"}]}'
# What the echo model answers to TOOL_CALL, then to the tool's result.
FIRST_ANSWER_START = '{\n  "prompt": "",'


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "logs.db")
    return str(request.getfixturevalue("pg_url"))


def _env(user_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LLM_USER_PATH"] = str(user_dir)
    return env


def _run(
    llm: str, user_dir: Path, *args: str, input: bytes = b"", **popen: Any
) -> subprocess.CompletedProcess[bytes]:
    """``llm`` with bytes in and out (arguments holding surrogates become the raw bytes)."""
    if "stdin" not in popen:
        popen["input"] = input
    return subprocess.run(
        [llm, *args],
        capture_output="stdout" not in popen,
        env=_env(user_dir),
        timeout=600,
        **popen,
    )


def _rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    with open_store(database) as store, store.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql)]


def _responses(database: str) -> list[tuple[str, str]]:
    return [
        (prompt, response)
        for prompt, response in _rows(
            database, "SELECT prompt, response FROM responses ORDER BY id"
        )
    ]


def _stored(database: str, original: str) -> str:
    """How ``original`` is stored in ``database``: NUL is kept by SQLite only."""
    return storable(original, keeps_nul=not database.startswith("postgresql"))


def _one_error_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    return lines[0]


def _seeded(llm: str, user_dir: Path, database: str) -> None:
    """A database with one response in it (and so its tables), through ``llm`` itself."""
    done = _run(llm, user_dir, "-m", "echo", "-d", database, "seed")
    assert done.returncode == 0, done.stderr


# -- input that is not text: refused before the model is called -------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("\udcff",), id="prompt"),
        pytest.param(("-s", "be \udcff", "hi"), id="system prompt"),
    ],
)
def test_input_that_is_not_text_is_refused_before_the_call(
    llm_executable: str, user_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    database = str(tmp_path / "logs.db")
    _seeded(llm_executable, user_dir, database)
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", database, *args)
    assert done.returncode == 1
    line = _one_error_line(done.stderr)
    assert "not UTF-8 text (byte 0xff" in line and "nothing was sent" in line
    assert done.stdout == b""  # the echo model would have answered
    assert [p for p, _ in _responses(database)] == ["seed"]


def test_a_chat_line_that_is_not_text_is_refused_and_the_chat_goes_on(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    database = str(tmp_path / "logs.db")
    done = _run(
        llm_executable,
        user_dir,
        "chat",
        "-m",
        "echo",
        "-d",
        database,
        input=b"bad \xff line\ngood line\n",
    )
    assert done.returncode == 0, done.stderr
    assert "not UTF-8 text (byte 0xff" in _one_error_line(done.stderr)
    assert [p for p, _ in _responses(database)] == ["good line"]


# -- a database that could not take the answer: refused before the call -----------------


@pytest.mark.parametrize("table", ["responses", "responses_fts", "tool_results"])
def test_sqlite_table_dropped_is_found_before_the_call(
    llm_executable: str, user_dir: Path, tmp_path: Path, table: str
) -> None:
    import sqlite3

    database = str(tmp_path / "logs.db")
    _seeded(llm_executable, user_dir, database)
    with sqlite3.connect(database) as conn:
        conn.execute(f"DROP TABLE {table}")
    conn.close()
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", database, "hi")
    assert done.returncode == 1
    assert table in _one_error_line(done.stderr)
    assert done.stdout == b""


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["responses", "tool_results"])
def test_postgres_table_dropped_is_found_before_the_call(
    llm_executable: str, user_dir: Path, pg_url: str, table: str
) -> None:
    _seeded(llm_executable, user_dir, pg_url)
    with open_store(pg_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table} CASCADE")
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", pg_url, "hi")
    assert done.returncode == 1
    line = _one_error_line(done.stderr)
    assert table in line and "missing" in line and "***" not in line.split("missing")[1]
    assert done.stdout == b""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, where this process may mount one (root in a container, CI)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def test_full_disk_is_found_before_the_call(
    llm_executable: str, user_dir: Path, small_disk: Path
) -> None:
    database = str(small_disk / "logs.db")
    _seeded(llm_executable, user_dir, database)
    filler = open(small_disk / "filler", "wb")  # noqa: SIM115  (closing it fails too)
    try:
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
    except OSError:
        pass
    try:
        filler.close()
    except OSError:
        pass
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", database, "hi")
    assert done.returncode == 1
    assert "the disk is full" in _one_error_line(done.stderr)
    assert done.stdout == b""
    (small_disk / "filler").unlink()
    assert [p for p, _ in _responses(database)] == ["seed"]


# -- what a database cannot hold as it is: logged escaped, reversibly ---------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a\udcffb", id="lone surrogate"),
        pytest.param("a\x00b", id="NUL"),
        pytest.param("\ufdd0 starts with the mark \\u0000", id="mark"),
    ],
)
def test_an_answer_that_cannot_be_stored_as_is_is_logged_faithfully(
    llm_executable: str, user_dir: Path, database: str, raw: str
) -> None:
    import json

    prompt = json.dumps({"raw": raw})
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", database, prompt)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    [(logged_prompt, response)] = _responses(database)
    assert logged_prompt == prompt
    assert response == _stored(database, raw)
    assert restore(response) == raw


def test_nul_in_a_prompt_and_a_fragment_is_logged_on_every_backend(
    llm_executable: str, user_dir: Path, database: str, tmp_path: Path
) -> None:
    from llm.identity import fragment_hash

    fragment = tmp_path / "nul.txt"
    fragment.write_bytes(b"frag\x00ment")
    done = _run(
        llm_executable,
        user_dir,
        "-m",
        "echo",
        "-d",
        database,
        "-f",
        str(fragment),
        input=b"pro\x00mpt",
    )
    assert done.returncode == 0, done.stderr
    assert b'"prompt": "frag\\u0000ment\\npro\\u0000mpt"' in done.stdout  # all was sent
    [(prompt, _)] = _responses(database)
    assert prompt == _stored(database, "pro\x00mpt")
    assert restore(prompt) == "pro\x00mpt"
    [(digest, content)] = _rows(database, "SELECT hash, content FROM fragments")
    assert restore(content) == "frag\x00ment"
    assert digest == fragment_hash("frag\x00ment")  # the original's identity, not the escape
    if database.startswith("postgresql"):
        assert content.startswith(MARK)


# A 1x1 PNG, an attachment type the echo model accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e5273ea60000000049454e44ae426082"
)


def test_an_attachment_named_with_bytes_that_are_not_utf8_is_logged(
    llm_executable: str, user_dir: Path, database: str, tmp_path: Path
) -> None:
    """A file name is bytes on Linux: its path is logged escaped and restores exactly."""
    path = tmp_path / "caf\udce9.png"  # b"caf\xe9.png": Latin-1, not UTF-8
    path.write_bytes(PNG)
    done = _run(llm_executable, user_dir, "-m", "echo", "-d", database, "-a", str(path), "hi")
    assert done.returncode == 0, done.stderr
    [(stored,)] = _rows(database, "SELECT path FROM attachments")
    assert stored.startswith(MARK)
    assert restore(stored) == str(path)


def test_a_tool_result_that_is_not_text_is_logged_with_both_turns(
    llm_executable: str, user_dir: Path, database: str
) -> None:
    done = _run(
        llm_executable,
        user_dir,
        "-m",
        "echo",
        "-d",
        database,
        "--functions",
        'def f():\n    return "bytes \\udcff and \\x00"',
        TOOL_CALL,
    )
    assert done.returncode == 0, done.stderr
    assert len(_responses(database)) == 2
    [(output,)] = _rows(database, "SELECT output FROM tool_results")
    assert output.startswith(MARK)
    assert restore(output) == "bytes \udcff and \x00"


# -- a run stopped part-way: what was answered is logged ----------------------------------


def test_a_tool_that_exits_leaves_the_paid_turn_logged(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    database = str(tmp_path / "logs.db")
    tool = "import sys\ndef f():\n    sys.exit(3)"
    done = _run(
        llm_executable, user_dir, "-m", "echo", "-d", database, "--functions", tool, TOOL_CALL
    )
    assert done.returncode == 1
    line = _one_error_line(done.stderr)
    assert "sys.exit(3)" in line and "logged" in line
    [(prompt, response)] = _responses(database)
    assert prompt == TOOL_CALL
    assert response.startswith(FIRST_ANSWER_START)
    [(name,)] = _rows(database, "SELECT name FROM tool_calls")
    assert name == "f"


def test_a_chain_stopped_by_its_limit_leaves_the_paid_turn_logged(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    """The chain stops before its second step (``--cl 1``): the first was answered."""
    database = str(tmp_path / "logs.db")
    tool = "def f():\n    return 'never run'"
    done = _run(
        llm_executable,
        user_dir,
        "-m",
        "echo",
        "-d",
        database,
        "--cl",
        "1",
        "--functions",
        tool,
        TOOL_CALL,
    )
    assert done.returncode == 1
    assert _one_error_line(done.stderr) == "Error: Chain limit of 1 exceeded."
    assert [p for p, _ in _responses(database)] == [TOOL_CALL]


def test_a_tool_that_exits_in_a_chat_leaves_the_turn_logged(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    database = str(tmp_path / "logs.db")
    tool = "import sys\ndef f():\n    sys.exit(3)"
    done = _run(
        llm_executable,
        user_dir,
        "chat",
        "-m",
        "echo",
        "-d",
        database,
        "--functions",
        tool,
        input=TOOL_CALL.encode() + b"\n",
    )
    assert done.returncode == 1
    assert "sys.exit(3)" in _one_error_line(done.stderr)
    assert [p for p, _ in _responses(database)] == [TOOL_CALL]


def test_end_of_input_at_the_approval_prompt_leaves_the_paid_turn_logged(
    llm_executable: str, user_dir: Path, tmp_path: Path
) -> None:
    database = str(tmp_path / "logs.db")
    done = _run(
        llm_executable,
        user_dir,
        "-m",
        "echo",
        "-d",
        database,
        "--functions",
        "def f():\n    return 'never run'",
        "--ta",
        TOOL_CALL,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    text = done.stderr.decode()
    assert "Traceback" not in text and "Aborted" not in text
    errors = [line for line in text.splitlines() if line.startswith("Error")]
    assert errors == [
        "Error: No answer to the tool approval prompt (end of input): the tool was not run"
    ]
    [(prompt, response)] = _responses(database)
    assert prompt == TOOL_CALL and response.startswith(FIRST_ANSWER_START)
    assert _rows(database, "SELECT count(*) FROM tool_results") == [(0,)]


def _reading_standard_input(pid: int) -> bool:
    """Whether the process is blocked in read() on descriptor 0 (x86-64 or arm64): a
    signal sent now interrupts the read, rather than landing just before it."""
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] in ("0", "63") and fields[1] == "0x0"


def _sigterm_at_approval(
    llm: str, user_dir: Path, args: list[str], typed: bytes = b""
) -> tuple[int, bytes]:
    """Run ``llm`` with a terminal for standard input (so a prompt is not read from it),
    type ``typed``, wait for the approval question and for ``llm`` to be reading the
    answer, send SIGTERM; the exit status and stderr."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [llm, *args],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(user_dir),
    )
    os.close(terminal)
    assert process.stdout is not None
    try:
        if typed:
            os.write(controller, typed)
        shown = b""
        while b"Approve tool call?" not in shown:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, "llm exited before asking"
            shown += chunk
        while not _reading_standard_input(process.pid):
            assert process.poll() is None
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stderr


@pytest.mark.parametrize("command", [(), ("chat",)], ids=["prompt", "chat"])
def test_sigterm_at_the_approval_prompt_leaves_the_paid_turn_logged(
    llm_executable: str, user_dir: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = str(tmp_path / "logs.db")
    tool = ["--functions", "def f():\n    return 'never run'", "--ta"]
    args = [*command, "-m", "echo", "-d", database, *tool]
    typed = b""
    if command:
        typed = TOOL_CALL.encode() + b"\n"  # the chat's first line
    else:
        args.append(TOOL_CALL)
    code, stderr = _sigterm_at_approval(llm_executable, user_dir, args, typed)
    assert code == 143, stderr
    assert b"Traceback" not in stderr
    assert b"Interrupted (SIGTERM)" in stderr
    [(prompt, response)] = _responses(database)
    assert prompt == TOOL_CALL and response.startswith(FIRST_ANSWER_START)


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "--no-stream"])
def test_a_closed_standard_output_still_logs_the_whole_answer(
    llm_executable: str, user_dir: Path, tmp_path: Path, stream: bool
) -> None:
    """``llm ... | head -c 10`` where head has already gone: the answer is read to its
    end and logged; the exit is quiet, with SIGPIPE's conventional status."""
    import json

    database = str(tmp_path / "logs.db")
    answer = "".join(f"line {n}\n" for n in range(5000))
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before the first word
    try:
        done = _run(
            llm_executable,
            user_dir,
            "-m",
            "echo",
            "-d",
            database,
            *(() if stream else ("--no-stream",)),
            json.dumps({"raw": answer}),
            stdout=writer,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(writer)
    assert done.returncode == 0  # a reader that went away is not an error
    assert done.stderr == b""
    [(_, response)] = _responses(database)
    assert response == answer


def test_storable_round_trips_whatever_python_text_holds() -> None:
    """The encoding itself: any text comes back from its stored form; ordinary text is
    stored unchanged; the stored form is valid UTF-8 without NUL where NUL is not kept."""
    samples = [
        "",
        "plain",
        "naïve café",
        "\\u0000 written out",
        "\\",
        "a\x00b",
        "\udcff",
        "\ud83d\ude00 a surrogate pair as two code points",
        "\U0001f600 emoji",
        MARK,
        MARK + "x",
        "x" + MARK,
        "\\udcff" + "\udcff" + "\\\\",
    ]
    for value in samples:
        for keeps_nul in (True, False):
            stored = storable(value, keeps_nul=keeps_nul)
            assert restore(stored) == value
            stored.encode("utf-8")
            if not keeps_nul:
                assert "\x00" not in stored
    assert storable("naïve café") == "naïve café"
    assert storable("a\x00b") == "a\x00b"  # SQLite keeps NUL


if sys.platform != "linux":  # /proc and pty as used here
    pytestmark = pytest.mark.skip(reason="Linux only")

"""``llm logs -f FILE`` finds the prompts that used FILE as a fragment, whatever its line
endings: the CLI and the store both key a file fragment by the hash of its decoded text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import llm
from llm_cli.app import cli


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "user"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-echo")
    return path


@pytest.mark.parametrize("ending", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_logs_filtered_by_fragment_file(tmp_path: Path, ending: bytes) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(ending.join([b"line one", b"line two", b""]))
    runner = CliRunner()
    prompted = runner.invoke(cli, ["-m", "echo", "-f", str(notes), "hello"])
    assert prompted.exit_code == 0, prompted.output
    runner.invoke(cli, ["-m", "echo", "unrelated"])

    listed = runner.invoke(cli, ["logs", "-f", str(notes), "--json"])
    assert listed.exit_code == 0, listed.output
    [found] = json.loads(listed.output)
    assert found["prompt"] == "hello"
    # Keyed by the text as read (universal newlines), as the original hashes it.
    expected = llm.Fragment("line one\nline two\n").id()
    assert [fragment["hash"] for fragment in found["prompt_fragments"]] == [expected]

"""``llm prompt --save NAME`` writes a template instead of running the prompt."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

Invoke = Callable[..., Result]


def _saved(user_path: Path, name: str = "saved") -> dict[str, object]:
    data = yaml.safe_load((user_path / "templates" / f"{name}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_everything_given_is_saved_and_nothing_runs(
    invoke: Invoke, user_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("attachment")
    (tmp_path / "b.bin").write_bytes(b"\x00\x01")
    result = invoke(
        "Say hi to $name",
        "-m",
        "echo",
        "-s",
        "be brief",
        "-p",
        "name",
        "Cleo",
        "-o",
        "example_bool",
        "1",
        "--schema",
        "b, a int",
        "-f",
        "notes.txt",
        "--sf",
        "https://example.com/s.txt",
        "-a",
        str(tmp_path / "a.txt"),
        "--at",
        str(tmp_path / "b.bin"),
        "application/octet-stream",
        "-x",
        "--xl",
        "--save",
        "saved",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert _saved(user_path) == {
        "model": "echo",
        "prompt": "Say hi to $name",
        "system": "be brief",
        "defaults": {"name": "Cleo"},
        "extract": True,
        "extract_last": True,
        "schema_object": {
            "type": "object",
            "properties": {"b": {"type": "string"}, "a": {"type": "integer"}},
            "required": ["b", "a"],
        },
        "fragments": ["notes.txt"],
        "system_fragments": ["https://example.com/s.txt"],
        "attachments": [str(tmp_path / "a.txt")],
        "attachment_types": [
            {"type": "application/octet-stream", "value": str(tmp_path / "b.bin")}
        ],
        "options": {"example_bool": True},
    }
    assert not (user_path / "logs.db").exists()
    # ... and the saved template runs.
    ran = invoke("-t", "saved", "--schema-retries", "0", "--no-log")
    assert ran.exit_code == 1  # the fragment file does not exist: it was saved as given
    assert "notes.txt" in ran.stderr


def test_saved_template_runs_with_its_model_and_defaults(invoke: Invoke, user_path: Path) -> None:
    assert (
        invoke("Say hi to $name", "-m", "echo", "-p", "name", "Cleo", "--save", "hi").exit_code == 0
    )
    result = invoke("-t", "hi", "--no-log")
    assert json.loads(result.stdout)["prompt"] == "Say hi to Cleo"


def test_model_alias_is_saved_as_the_model_id(invoke: Invoke, user_path: Path) -> None:
    assert invoke("aliases", "set", "e", "echo").exit_code == 0
    assert invoke("hello", "-m", "e", "--save", "saved").exit_code == 0
    assert _saved(user_path) == {"model": "echo", "prompt": "hello"}


@pytest.mark.parametrize(
    "args,error",
    [
        (["-t", "x"], "Error: --save cannot be used with --template\n"),
        (["-c"], "Error: --save cannot be used with --continue\n"),
        (["--cid", "1"], "Error: --save cannot be used with --cid\n"),
        (["-c", "--cid", "1"], "Error: --save cannot be used with --continue, --cid\n"),
        (["-m", "nope"], "Error: 'nope' is not a known model\n"),
        (["-m", "markov", "-o", "length", "x"], "Error: length\n  Input should be a valid integer"),
        (
            ["--save", "../up"],
            "Error: Invalid template name '../up': a name cannot contain / or \\\n",
        ),
    ],
)
def test_what_cannot_be_saved_is_refused(
    invoke: Invoke, user_path: Path, args: list[str], error: str
) -> None:
    result = invoke("hi", "--save", "saved", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(error)
    assert not (user_path / "templates" / "saved.yaml").exists()

"""What a fragment reference resolves to: stdin, a plugin loader, a stored key or a file."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import llm
from llm.plugins import pm
from llm_cli.app import cli
from llm_cli.fragments import resolve_fragment, resolve_fragments


def single(argument: str) -> llm.Fragment:
    return llm.Fragment(f"single:{argument}", "single-source")


def three(argument: str) -> list[llm.Fragment]:
    return [llm.Fragment(f"{n}:{argument}", n) for n in ("one", "two", "three")]


def mixed(argument: str) -> list[object]:
    return [llm.Fragment("text", "t"), llm.Attachment(content=b"x", type="image/png")]


def broken(argument: str) -> llm.Fragment:
    raise RuntimeError("service down")


class Loaders:
    @llm.hookimpl
    def register_fragment_loaders(self, register):  # type: ignore[no-untyped-def]
        register("single", single)
        register("three", three)
        register("mixed", mixed)
        register("broken", broken)


@pytest.fixture(autouse=True)
def loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "user"))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-echo")
    monkeypatch.chdir(tmp_path)
    pm.register(Loaders(), name="test-fragment-references")
    yield
    pm.unregister(name="test-fragment-references")


def test_loaders_give_fragments_in_order() -> None:
    found = resolve_fragments(None, ["single:a", "three:b"])
    assert found == ["single:a", "one:b", "two:b", "three:b"]
    assert [f.source for f in found] == ["single-source", "one", "two", "three"]


def test_attachments_from_loaders_only_when_allowed() -> None:
    with pytest.raises(click.ClickException, match="returned a disallowed attachment"):
        resolve_fragments(None, ["mixed:x"])
    fragment, attachment = resolve_fragments(None, ["mixed:x"], allow_attachments=True)
    assert fragment == "text" and isinstance(attachment, llm.Attachment)


def test_loader_failures_and_unknown_prefixes() -> None:
    with pytest.raises(click.ClickException, match="Could not load fragment broken:x: service"):
        resolve_fragment(None, "broken:x")
    with pytest.raises(click.ClickException, match=r"^Unknown fragment prefix: nope$"):
        resolve_fragment(None, "nope:x")
    with pytest.raises(click.ClickException, match="three:x gives 3 fragments"):
        resolve_fragment(None, "three:x")


def test_a_file_whose_name_has_a_colon_still_loads(tmp_path: Path) -> None:
    (tmp_path / "notes:v2.txt").write_text("version two")
    assert resolve_fragment(None, "notes:v2.txt") == "version two"


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin"))
    [fragment] = resolve_fragments(None, ["-"])
    assert (fragment, fragment.source) == ("from stdin", "-")


def test_a_single_fragment_loader_works_with_dash_f() -> None:
    result = CliRunner().invoke(cli, ["-m", "echo", "question", "-f", "single:z"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["prompt"] == "single:z\nquestion"

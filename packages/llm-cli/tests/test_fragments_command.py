"""``llm fragments list / set / show / remove / loaders``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import llm
import llm_storage
from llm.plugins import pm
from llm_cli.app import cli


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "user"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    monkeypatch.delenv("LLM_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return path


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


def test_set_show_list_remove(user: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("line one\nline two\n")
    assert run("fragments", "list").output == ""
    assert run("fragments", "set", "notes", "notes.txt").exit_code == 0
    assert run("fragments", "show", "notes").output == "line one\nline two\n\n"

    listed = run("fragments", "list")
    assert listed.exit_code == 0
    [item] = yaml.safe_load(listed.output)
    assert list(item) == ["hash", "aliases", "datetime_utc", "source", "content"]
    assert item["aliases"] == ["notes"]
    assert item["source"] == str(tmp_path / "notes.txt")
    assert item["content"] == "line one\nline two\n"
    assert "  content: |\n    line one\n    line two" in listed.output
    assert run("fragments", "show", item["hash"]).output == "line one\nline two\n\n"

    # A second alias for the same content does not store it twice.
    assert run("fragments", "set", "again", item["hash"]).exit_code == 0
    [item] = json.loads(run("fragments", "list", "--json").output)
    assert item["aliases"] == ["again", "notes"]

    assert run("fragments", "remove", "notes").exit_code == 0
    assert run("fragments", "remove", "notes").exit_code == 0  # gone already: still fine
    [item] = json.loads(run("fragments", "list", "--aliases", "--json").output)
    assert item["aliases"] == ["again"]
    assert run("fragments", "remove", "again").exit_code == 0
    assert run("fragments", "list", "--aliases").output == ""
    assert len(json.loads(run("fragments", "list", "--json").output)) == 1  # content kept


def test_set_reads_stdin_and_moves_an_alias(user: Path) -> None:
    assert run("fragments", "set", "x", "-", input="first").exit_code == 0
    assert run("fragments", "set", "x", "-", input="second").exit_code == 0
    assert run("fragments", "show", "x").output == "second\n"
    [first, second] = json.loads(run("fragments", "list", "--json").output)
    assert (first["aliases"], first["source"]) == ([], "-")
    assert second["aliases"] == ["x"]


def test_queries_match_hash_alias_source_or_content_and_all_must_match(user: Path) -> None:
    user.mkdir()
    store = llm_storage.open_store(user / "logs.db")
    apple = store.store_fragment("an apple pie", "fruit.txt")
    store.store_fragment("a pear tart", "fruit.txt")
    store.store_fragment("100% cocoa", "https://example.com/choc")
    store.set_fragment_alias("pie", apple)
    store.close()

    def contents(*queries: str) -> list[str]:
        args = [a for q in queries for a in ("-q", q)]
        return [r["content"] for r in json.loads(run("fragments", "list", "--json", *args).output)]

    assert contents("fruit") == ["an apple pie", "a pear tart"]
    assert contents("fruit", "pear") == ["a pear tart"]
    assert contents("pie") == ["an apple pie"]
    assert contents(apple) == ["an apple pie"]
    assert contents("example.com") == ["100% cocoa"]
    assert contents("%") == ["100% cocoa"]  # LIKE wildcards are taken literally
    assert contents("nothing like this") == []


def test_long_content_is_truncated_in_the_yaml_list_only(user: Path) -> None:
    assert run("fragments", "set", "long", "-", input="x" * 300).exit_code == 0
    [item] = yaml.safe_load(run("fragments", "list").output)
    assert item["content"] == "x" * 97 + "..."
    [item] = json.loads(run("fragments", "list", "--json").output)
    assert item["content"] == "x" * 300


@pytest.mark.parametrize(
    "args,message",
    [
        (["show", "nope"], "Error: Fragment 'nope' not found"),
        (["set", "ok", "missing.txt"], "Error: Fragment 'missing.txt' not found"),
        (["set", "bad alias", "-"], "Fragment alias must be alphanumeric"),
        (["remove", "bad/alias"], "Fragment alias must be alphanumeric"),
    ],
)
def test_errors(user: Path, args: list[str], message: str) -> None:
    result = run("fragments", *args, input="content")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_loaders_listed_and_usable_for_set(user: Path) -> None:
    assert run("fragments", "loaders").output == "No fragment loaders found\n"

    def one(argument: str) -> llm.Fragment:
        "One fragment from an argument"
        return llm.Fragment(f"loaded {argument}", f"one:{argument}")

    def several(argument: str) -> list[llm.Fragment]:
        return [llm.Fragment("a", "a"), llm.Fragment("b", "b")]

    class Plugin:
        @llm.hookimpl
        def register_fragment_loaders(self, register):  # type: ignore[no-untyped-def]
            register("one", one)
            register("several", several)

    pm.register(Plugin(), name="test-fragment-loaders")
    try:
        assert run("fragments", "loaders").output == (
            "one:\n  One fragment from an argument\n\nseveral:\n  Undocumented\n"
        )
        assert run("fragments", "set", "l", "one:thing").exit_code == 0
        assert run("fragments", "show", "l").output == "loaded thing\n"
        refused = run("fragments", "set", "m", "several:x")
        assert refused.exit_code == 1
        assert refused.output == "Error: several:x gives 2 fragments where one is needed\n"
    finally:
        pm.unregister(name="test-fragment-loaders")

"""``llm templates list / show / edit / path / loaders`` and how ``-t`` names resolve."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

import llm
from llm.plugins import pm
from llm_cli.app import cli
from llm_cli.templates import apply_template, load_template


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "user"))
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "user" / "templates"
    path.mkdir(parents=True)
    return path


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


def test_list_is_empty_without_templates(templates: Path) -> None:
    for args in (["templates"], ["templates", "list"]):
        result = run(*args)
        assert (result.exit_code, result.output) == (0, "")


def test_list_aligns_names_summarises_and_skips_invalid(templates: Path) -> None:
    (templates / "one.yaml").write_text("template one")
    (templates / "both.yaml").write_text("system: be brief\nprompt: 'Say: $input'")
    (templates / "sys.yaml").write_text("system: |\n  two\n  lines")
    (templates / "long.yaml").write_text("word " * 30)
    (templates / "bad.yaml").write_text("promt: typo")
    (templates / "broken.yaml").write_text("prompt: [unclosed")
    result = run("templates", "list")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "both : system: be brief prompt: Say: $input",
        "long : " + ("word " * 15)[:-1][: 80 - 7 - 3] + "...",
        "one  : template one",
        "sys  : system: two lines",
    ]
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_show_dumps_the_set_keys_as_yaml(templates: Path) -> None:
    (templates / "t.yaml").write_text(
        "prompt: 'Hi $input'\nmodel: echo\ndefaults:\n  voice: calm\n"
        "attachment_types:\n- type: text/plain\n  value: a.txt\n"
    )
    result = run("templates", "show", "t")
    assert result.exit_code == 0
    assert yaml.safe_load(result.output) == {
        "name": "t",
        "prompt": "Hi $input",
        "model": "echo",
        "defaults": {"voice": "calm"},
        "attachment_types": [{"type": "text/plain", "value": "a.txt"}],
    }
    assert result.output.startswith("attachment_types:\n")  # keys sorted, like the original


@pytest.mark.parametrize(
    "name,error",
    [
        ("missing", "Error: Invalid template: missing"),
        ("../../etc/passwd", "Error: Invalid template: ../../etc/passwd"),
        ("/etc/passwd", "Error: Invalid template: /etc/passwd"),
        ("..", "Error: Invalid template: .."),
        ("nope:thing", "Error: Unknown template prefix: nope"),
    ],
)
def test_show_errors_are_one_line(templates: Path, name: str, error: str) -> None:
    result = run("templates", "show", name)
    assert result.exit_code == 1
    assert result.output == error + "\n"


def test_names_cannot_escape_the_templates_directory(templates: Path) -> None:
    outside = templates.parent / "secret.yaml"
    outside.write_text("prompt: secret")
    with pytest.raises(click.ClickException, match="Invalid template"):
        load_template("../secret")
    result = run("-m", "echo", "-t", "../secret", "hi")
    assert result.exit_code == 1 and "Invalid template: ../secret" in result.output


def test_a_yaml_path_loads_a_file(templates: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("system: from a file")
    assert load_template(str(path)).system == "from a file"
    with pytest.raises(click.ClickException, match="does not exist"):
        load_template(str(tmp_path / "gone.yaml"))


def test_invalid_yaml_keys_give_one_line_errors(templates: Path) -> None:
    (templates / "typed.yaml").write_text("prompt: hi\noptions: [1, 2]\n")
    (templates / "list.yaml").write_text("- a\n- b\n")
    typed = run("templates", "show", "typed")
    assert typed.exit_code == 1
    assert typed.output.startswith("Error: Template 'typed' is invalid: options:")
    assert len(typed.output.splitlines()) == 1
    listed = run("templates", "show", "list")
    assert listed.output == "Error: Template 'list' must be a YAML mapping\n"


def test_apply_template_appends_typed_input_when_prompt_has_no_input() -> None:
    plain = llm.Template(name="t", prompt="Say $thing")
    assert apply_template(plain, "more", {"thing": "hi"}) == ("Say hi\nmore", None)
    assert apply_template(plain, None, {"thing": "hi"}) == ("Say hi", None)
    uses_input = llm.Template(name="t", prompt="About: $input")
    assert apply_template(uses_input, "cake", {}) == ("About: cake", None)
    system_only = llm.Template(name="t", system="Be brief")
    assert apply_template(system_only, "cake", {}) == ("cake", "Be brief")
    with pytest.raises(click.ClickException, match="Missing variables: thing"):
        apply_template(plain, "x", {})


def test_path_prints_and_creates_the_directory(templates: Path) -> None:
    templates.rmdir()
    result = run("templates", "path")
    assert result.output.strip() == str(templates)
    assert templates.is_dir()


def test_edit_creates_then_validates(templates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edits: list[str] = []

    def fake_edit(filename: str) -> None:
        edits.append(Path(filename).read_text())
        Path(filename).write_text("prompt: edited $input")

    monkeypatch.setattr(click, "edit", fake_edit)
    result = run("templates", "edit", "fresh")
    assert result.exit_code == 0, result.output
    assert edits == ["prompt: "]
    assert load_template("fresh").prompt == "edited $input"

    monkeypatch.setattr(click, "edit", lambda filename: Path(filename).write_text("promt: x"))
    broken = run("templates", "edit", "fresh")
    assert broken.exit_code == 1 and "Template 'fresh' is invalid" in broken.output
    escaping = run("templates", "edit", "../outside")
    assert escaping.exit_code == 1 and "Invalid template name" in escaping.output
    assert not (templates.parent / "outside.yaml").exists()


def test_loaders_are_listed_and_used(templates: Path) -> None:
    assert run("templates", "loaders").output == "No template loaders found\n"

    def documented(name: str) -> llm.Template:
        """Load from somewhere

        Format: name"""
        return llm.Template(name=name, prompt=f"from loader: {name}")

    def failing(name: str) -> llm.Template:
        raise ValueError("no such thing")

    class Plugin:
        @llm.hookimpl
        def register_template_loaders(self, register):  # type: ignore[no-untyped-def]
            register("doc", documented)
            register("bad", failing)
            register("doc", failing)

    pm.register(Plugin(), name="test-template-loaders")
    try:
        assert run("templates", "loaders").output == (
            "doc:\n  Load from somewhere\n\n  Format: name\nbad:\n  Undocumented\n"
            "doc_1:\n  Undocumented\n"
        )
        assert load_template("doc:x").prompt == "from loader: x"
        failed = run("templates", "show", "bad:x")
        assert failed.output == "Error: Could not load template bad:x: no such thing\n"
    finally:
        pm.unregister(name="test-template-loaders")

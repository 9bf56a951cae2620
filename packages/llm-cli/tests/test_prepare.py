"""The one "prepare the prompt" step behind ``llm prompt`` and ``llm chat``."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

import llm
from llm_cli import model_options
from llm_cli.prepare import PromptRequest, prepare


def _template(user_path: Path, name: str, text: str) -> None:
    (user_path / "templates").mkdir(parents=True, exist_ok=True)
    (user_path / "templates" / f"{name}.yaml").write_text(text)


def test_options_defaults_then_template_then_command_line(user_path: Path) -> None:
    model_options.save({"markov": {"length": "5", "delay": "0.5"}})
    _template(user_path, "t", "model: markov\nprompt: 'Say $input'\noptions:\n  length: 7\n")
    prepared = prepare(
        PromptRequest(
            template="t",
            options=(
                (
                    "delay",
                    "0",
                ),
            ),
            log=False,
        ),
        read_input=lambda: "hi",
    )
    assert prepared.model.model_id == "markov"
    assert prepared.options == {"length": 7, "delay": 0.0}
    assert prepared.prompt == "Say hi"
    assert prepared.log_store is None


def test_system_on_the_command_line_wins_over_the_template(user_path: Path) -> None:
    _template(user_path, "t", "prompt: 'Say $input'\nsystem: be brief\n")
    request = PromptRequest(model_id="echo", template="t", system="be long", log=False)
    prepared = prepare(request, read_input=lambda: "hi")
    assert (prepared.prompt, prepared.system) == ("Say hi", "be long")


def test_without_read_input_the_template_applies_per_message(user_path: Path) -> None:
    _template(user_path, "t", "prompt: 'Say $input'\nsystem: be brief\n")
    prepared = prepare(PromptRequest(model_id="echo", template="t", log=False))
    assert prepared.prompt is None
    assert prepared.render("one") == ("Say one", "be brief")


def test_bad_input_is_refused_before_the_log_store_is_opened(user_path: Path) -> None:
    with pytest.raises(click.ClickException, match="Unknown model: nope"):
        prepare(PromptRequest(model_id="nope"))
    with pytest.raises(click.ClickException, match="length\n  Input should be"):
        prepare(PromptRequest(model_id="markov", options=(("length", "x"),)))
    _template(user_path, "t", "prompt: hi\n")
    assert not (user_path / "logs.db").exists()


def test_fragments_and_attachments_resolved(user_path: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("some notes")
    attachment = llm.Attachment(type="image/png", content=b"png")
    prepared = prepare(
        PromptRequest(
            model_id="echo",
            fragments=(str(notes),),
            system_fragments=(str(notes),),
            attachments=[attachment],
            log=False,
        ),
        read_input=lambda: None,
    )
    assert prepared.fragments == ["some notes"]
    assert prepared.fragments[0].source == str(notes.resolve())
    assert prepared.system_fragments == ["some notes"]
    assert prepared.attachments == [attachment]


def test_repeated_templates_compose_left_to_right(user_path: Path, tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("one")
    (tmp_path / "two.txt").write_text("two")
    _template(
        user_path,
        "first",
        "model: markov\nprompt: 'Summarise: $input'\nsystem: first system\n"
        f"fragments: ['{tmp_path / 'one.txt'}']\n",
    )
    _template(
        user_path,
        "second",
        "model: echo\nprompt: 'In French: $input'\nsystem: second system\n"
        f"fragments: ['{tmp_path / 'two.txt'}']\noptions:\n  example_bool: true\n"
        "schema_object:\n  type: object\n",
    )
    _template(user_path, "third", "options:\n  example_bool: false\n")
    prepared = prepare(
        PromptRequest(
            templates=("first", "second", "third"), fragments=(str(tmp_path / "one.txt"),)
        ),
        read_input=lambda: "text",
    )
    assert prepared.model.model_id == "echo"  # the later template's model wins
    assert prepared.options == {"example_bool": False}  # and so do its options
    assert prepared.prompt == "In French: Summarise: text"
    assert prepared.system == "second system"
    assert [str(f) for f in prepared.fragments] == ["one", "two", "one"]
    assert prepared.schema == {"type": "object"}
    assert prepared.render("again") == ("In French: Summarise: again", "second system")


def test_schema_on_the_command_line_wins_over_the_template(user_path: Path) -> None:
    _template(user_path, "t", "schema_object:\n  type: object\n")
    prepared = prepare(
        PromptRequest(model_id="echo", template="t", schema="name, age int", log=False),
        read_input=lambda: "hi",
    )
    assert prepared.schema["required"] == ["name", "age"]
    assert prepare(PromptRequest(model_id="echo", template="t", log=False)).schema == {
        "type": "object"
    }

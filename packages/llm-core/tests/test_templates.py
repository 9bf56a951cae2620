"""llm.Template: variables, defaults, and how input meets the template."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import llm


def test_prompt_with_input_and_params() -> None:
    template = llm.Template(name="t", prompt="Summarise $input in the voice of $voice")
    assert template.evaluate("this", {"voice": "a pirate"}) == (
        "Summarise this in the voice of a pirate",
        None,
    )


def test_defaults_fill_missing_params_and_params_win() -> None:
    template = llm.Template(name="t", system="Speak as $voice", defaults={"voice": "GlaDOS"})
    assert template.evaluate("hi") == ("hi", "Speak as GlaDOS")
    assert template.evaluate("hi", {"voice": "Yoda"}) == ("hi", "Speak as Yoda")


def test_system_only_template_uses_input_as_prompt() -> None:
    assert llm.Template(name="t", system="Be terse").evaluate("question") == (
        "question",
        "Be terse",
    )


def test_input_is_appended_when_the_prompt_does_not_mention_it() -> None:
    template = llm.Template(name="t", prompt="Summarise the following:")
    assert template.evaluate("the text")[0] == "Summarise the following:\nthe text"
    assert template.evaluate(None)[0] == "Summarise the following:"


def test_missing_variables_are_named() -> None:
    template = llm.Template(name="t", prompt="$a and ${b} cost $$5")
    with pytest.raises(llm.Template.MissingVariables, match="Missing variables: a, b"):
        template.evaluate("x")
    assert template.evaluate("x", {"a": 1, "b": 2})[0] == "1 and 2 cost $5\nx"
    assert template.vars() == {"a", "b"}


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        llm.Template(name="t", promt="typo")  # type: ignore[call-arg]

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


def test_a_prompt_without_input_is_left_as_it_is() -> None:
    # Like the original's Template.evaluate: the CLI, not the template, adds typed input.
    template = llm.Template(name="t", prompt="Summarise the following:")
    assert template.evaluate("the text") == ("Summarise the following:", None)
    assert template.evaluate(None) == ("Summarise the following:", None)


def test_missing_variables_are_named() -> None:
    template = llm.Template(name="t", prompt="$a and ${b} cost $$5")
    with pytest.raises(llm.Template.MissingVariables, match="Missing variables: a, b"):
        template.evaluate("x")
    assert template.evaluate("x", {"a": 1, "b": 2})[0] == "1 and 2 cost $5"
    assert template.vars() == {"a", "b"}


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        llm.Template(name="t", promt="typo")  # type: ignore[call-arg]


def test_missing_variables_are_listed_in_order_of_use() -> None:
    template = llm.Template(name="t", prompt="$zeta then $alpha then $zeta", system="$mid")
    with pytest.raises(llm.Template.MissingVariables, match=r"^Missing variables: zeta, alpha$"):
        template.evaluate("x")


def test_attachment_types_need_type_and_value() -> None:
    template = llm.Template(name="t", attachment_types=[{"type": "text/plain", "value": "a.txt"}])
    assert template.model_dump()["attachment_types"] == [{"type": "text/plain", "value": "a.txt"}]
    with pytest.raises(ValidationError):
        llm.Template(name="t", attachment_types=[{"value": "a.txt"}])


def test_wrong_types_for_documented_keys_are_rejected() -> None:
    for bad in (
        {"prompt": ["a list"]},
        {"defaults": "not a mapping"},
        {"options": ["x"]},
        {"extract": "maybe"},
        {"fragments": "one.txt"},
        {"schema_object": "name, age int"},
    ):
        with pytest.raises(ValidationError):
            llm.Template(name="t", **bad)


def test_loaders_from_plugins_and_duplicate_prefixes() -> None:
    from llm.plugins import pm

    def first(argument: str) -> llm.Template:
        """First docs"""
        return llm.Template(name=argument, prompt=argument)

    def second(argument: str) -> llm.Template:
        return llm.Template(name=argument, prompt=argument.upper())

    def fragment(argument: str) -> llm.Fragment:
        return llm.Fragment(argument, "plugin")

    class Plugin:
        @llm.hookimpl
        def register_template_loaders(self, register):  # type: ignore[no-untyped-def]
            register("t", first)
            register("t", second)

        @llm.hookimpl
        def register_fragment_loaders(self, register):  # type: ignore[no-untyped-def]
            register("f", fragment)

    pm.register(Plugin(), name="test-loaders")
    try:
        assert llm.get_template_loaders() == {"t": first, "t_1": second}
        assert llm.get_fragment_loaders() == {"f": fragment}
    finally:
        pm.unregister(name="test-loaders")
    assert "t" not in llm.get_template_loaders()

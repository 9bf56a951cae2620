"""``conversation_name`` looks at no more of a prompt than the name needs, and names every
prompt as collapsing all of it would."""

from __future__ import annotations

import random
import re

import pytest

from llm_storage.write import CONVERSATION_NAME_LENGTH, conversation_name


def _whole(prompt: str) -> str:
    """The definition: collapse every whitespace run, strip, cut to 31 characters + "…"."""
    collapsed = re.sub(r"\s+", " ", prompt).strip()
    if len(collapsed) <= CONVERSATION_NAME_LENGTH:
        return collapsed
    return collapsed[: CONVERSATION_NAME_LENGTH - 1] + "…"


@pytest.mark.parametrize(
    "prompt",
    [
        "",
        "   ",
        "short",
        "x" * 32,
        "x" * 33,
        " " * 10_000 + "late start " * 5,
        "a" + " " * 100_000 + "b",
        "a " * 20,
        "word\n\t" * 1000,
        "é" * 40,
    ],
)
def test_same_name_as_collapsing_the_whole_prompt(prompt: str) -> None:
    assert conversation_name(prompt) == _whole(prompt)


def test_random_prompts_named_as_the_definition_says() -> None:
    rng = random.Random(14)
    for _ in range(500):
        pieces = [
            rng.choice(["a", "bc", " ", "  \n", "\t", "word"]) for _ in range(rng.randint(0, 80))
        ]
        prompt = "".join(pieces)
        assert conversation_name(prompt) == _whole(prompt)


def test_none_is_an_empty_name() -> None:
    assert conversation_name(None) == ""

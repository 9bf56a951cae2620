"""The markov model: options, output length, words from the prompt, streaming."""

from __future__ import annotations

import itertools
import random
import time

import pytest
from pydantic import ValidationError

import llm
from llm_markov import build_transitions, generate

TEXT = "the cat sat on the mat and the dog sat on the log"


def test_registered() -> None:
    model = llm.get_model("markov")
    assert model.model_id == "markov"
    assert model.can_stream
    with pytest.raises(llm.UnknownModelError):
        llm.get_async_model("markov")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"length": 1}, "length must be >= 2"),
        ({"length": "lots"}, "length"),
        ({"delay": -1}, "delay must be between 0 and 10"),
        ({"delay": 11}, "delay must be between 0 and 10"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_option_validation(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        llm.get_model("markov").prompt(TEXT, **options)


@pytest.mark.parametrize("length", [2, 5, 37])
def test_output_word_count_equals_length(length: int) -> None:
    text = llm.get_model("markov").prompt(TEXT, length=length).text()
    assert len(text.split()) == length


def test_default_length_is_20() -> None:
    assert len(llm.get_model("markov").prompt(TEXT).text().split()) == 20


def test_words_come_from_the_prompt() -> None:
    words = set(TEXT.split())
    for _ in range(5):
        output = llm.get_model("markov").prompt(TEXT, length=50).text().split()
        assert set(output) <= words


def test_transitions_follow_the_prompt() -> None:
    # In a chain with one successor per word, output must follow the text.
    output = llm.get_model("markov").prompt("a b c d e", length=4).text().split()
    order = ["a", "b", "c", "d", "e"]
    for word, following in itertools.pairwise(output):
        index = order.index(word)
        if index < len(order) - 1:
            assert following == order[index + 1]


def test_streams_one_word_per_chunk() -> None:
    chunks = list(llm.get_model("markov").prompt(TEXT, length=6))
    assert len(chunks) == 6
    assert all(chunk.endswith(" ") and len(chunk.split()) == 1 for chunk in chunks)


def test_delay_slows_the_stream() -> None:
    start = time.monotonic()
    llm.get_model("markov").prompt(TEXT, length=3, delay=0.05).text()
    assert time.monotonic() - start >= 0.09


def test_empty_prompt_gives_no_output() -> None:
    assert llm.get_model("markov").prompt("").text() == ""


def test_build_transitions() -> None:
    assert build_transitions("a b a c") == {"a": ["b", "c"], "b": ["a"], "c": []}
    assert build_transitions("") == {}


def test_generate_is_reproducible_with_a_seeded_rng() -> None:
    transitions = build_transitions(TEXT)
    first = list(generate(transitions, 10, random.Random(42)))
    assert first == list(generate(transitions, 10, random.Random(42)))
    assert len(first) == 10


def test_length_is_bounded() -> None:
    from llm_markov import MAX_LENGTH, Markov

    assert Markov.Options(length=MAX_LENGTH).length == MAX_LENGTH
    with pytest.raises(ValidationError, match=f"length must be <= {MAX_LENGTH}"):
        Markov.Options(length=MAX_LENGTH + 1)

"""llm-markov: an offline model that generates text from a Markov chain over the prompt.

Each word of the prompt maps to the words that followed it; generation starts from a random
word and walks those transitions. ``length`` sets how many words, ``delay`` pauses between
them (useful to watch streaming).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from typing import Any

from pydantic import Field, field_validator

import llm


@llm.hookimpl
def register_models(register: Any) -> None:
    register(Markov())


def build_transitions(text: str) -> dict[str, list[str]]:
    """Each word mapped to the list of words that follow it in ``text`` (with repeats)."""
    words = text.split()
    transitions: dict[str, list[str]] = {}
    for word, following in itertools.pairwise(words):
        transitions.setdefault(word, []).append(following)
    for word in words[-1:]:
        transitions.setdefault(word, [])
    return transitions


def generate(
    transitions: dict[str, list[str]], length: int, rng: random.Random | None = None
) -> Iterator[str]:
    """``length`` words; a word with no known successor jumps to a random word."""
    if not transitions:
        return
    rng = rng or random.Random()
    words = list(transitions)
    word = rng.choice(words)
    for _ in range(length):
        yield word
        word = rng.choice(transitions[word] or words)


#: Upper bound for ``length``: enough for any demo, small enough that a typo (an extra few
#: zeros) cannot keep a process generating for hours.
MAX_LENGTH = 100_000


class Markov(llm.Model):
    model_id = "markov"
    can_stream = True

    class Options(llm.Options):
        length: int | None = Field(description="Number of words to generate", default=None)
        delay: float | None = Field(description="Seconds to delay between each token", default=None)

        @field_validator("length")
        @classmethod
        def validate_length(cls, length: int | None) -> int | None:
            if length is not None and length < 2:
                raise ValueError("length must be >= 2")
            if length is not None and length > MAX_LENGTH:
                raise ValueError(f"length must be <= {MAX_LENGTH}")
            return length

        @field_validator("delay")
        @classmethod
        def validate_delay(cls, delay: float | None) -> float | None:
            if delay is not None and not 0 <= delay <= 10:
                raise ValueError("delay must be between 0 and 10")
            return delay

    def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any = None
    ) -> Iterator[str]:
        transitions = build_transitions(prompt.prompt or "")
        options: Any = prompt.options  # this model's Options (length, delay)
        length = options.length or 20
        for index, word in enumerate(generate(transitions, length)):
            if index and options.delay:
                time.sleep(options.delay)
            yield word + " "

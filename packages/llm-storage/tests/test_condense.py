"""The JSON columns store repeated text as references, exactly as the original tool does.
Expected values below were produced by llm 0.26 (and its condense-json 0.1.3)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

import llm
from llm_storage.condense import condense


@pytest.mark.parametrize(
    ("value", "replacements", "expected"),
    [
        (
            {
                "a": "This is a string with foxes in it",
                "b": ["Here", "another with foxes in it too"],
                "n": 3,
            },
            {"1": "with foxes in it"},
            {
                "a": {"$r": ["This is a string ", {"$": "1"}]},
                "b": ["Here", {"$r": ["another ", {"$": "1"}, " too"]}],
                "n": 3,
            },
        ),
        ({"x": "abcabc"}, {"k1": "abc", "k2": ""}, {"x": {"$r": [{"$": "k1"}, {"$": "k1"}]}}),
        (
            {"x": "hello world", "y": "world"},
            {"f1": "hello", "r:2": "world", "r:3": "hello world"},
            {"x": {"$r": [{"$": "f1"}, " ", {"$": "r:2"}]}, "y": {"$": "r:2"}},
        ),
        ({"x": "same"}, {"a": "same", "b": "same"}, {"x": {"$": "b"}}),
        (None, {"a": "b"}, None),
        (["ab", {"k": "b"}], {}, ["ab", {"k": "b"}]),
    ],
)
def test_condense_as_the_original(value: Any, replacements: dict[str, str], expected: Any) -> None:
    assert condense(value, replacements) == expected


class Parrot(llm.Model):
    """Puts the prompt and its own answer into its request and response JSON."""

    model_id = "parrot"

    def execute(self, prompt, stream, response, conversation=None) -> Iterator[str]:  # type: ignore[no-untyped-def]
        text = f"said {prompt.prompt}"
        response.prompt_json = {"messages": [{"content": prompt.prompt}], "system": prompt.system}
        response.response_json = {"content": text, "echo": prompt.prompt}
        yield text


def test_logged_json_references_fragments_and_the_response_text() -> None:
    conversation = Parrot().conversation()
    first = conversation.prompt(
        "question one", fragments=["FRAG ALPHA"], system_fragments=["SYS BETA"]
    )
    first.text()
    second = conversation.prompt("question two", fragments=["FRAG GAMMA"])
    second.text()
    conn = sqlite3.connect(":memory:")
    first.log_to_db(conn)
    second.log_to_db(conn)
    rows = conn.execute("select id, prompt_json, response_json from responses order by id")
    stored = [(rid, json.loads(p), json.loads(r)) for rid, p, r in rows]
    assert stored == [
        (
            first.id,
            {
                "messages": [{"content": {"$r": [{"$": "f1"}, "\nquestion one"]}}],
                "system": {"$": "f2"},
            },
            {"content": {"$": f"r:{first.id}"}, "echo": {"$r": [{"$": "f1"}, "\nquestion one"]}},
        ),
        (
            second.id,
            {"messages": [{"content": {"$r": [{"$": "f3"}, "\nquestion two"]}}], "system": ""},
            {"content": {"$": f"r:{second.id}"}, "echo": {"$r": [{"$": "f3"}, "\nquestion two"]}},
        ),
    ]
    assert conn.execute("select id, content from fragments order by id").fetchall() == [
        (1, "FRAG ALPHA"),
        (2, "SYS BETA"),
        (3, "FRAG GAMMA"),
    ]


class History(llm.Model):
    """Sends the whole conversation so far in its request JSON, as chat APIs do."""

    model_id = "history"

    def execute(self, prompt, stream, response, conversation=None) -> Iterator[str]:  # type: ignore[no-untyped-def]
        messages = []
        for previous in conversation.responses if conversation else []:
            messages += [previous.prompt.prompt, previous.text_or_raise()]
        response.prompt_json = {"messages": [*messages, prompt.prompt]}
        yield f"answer to {prompt.prompt}"


def test_earlier_turns_are_referenced_as_the_original_references_them() -> None:
    conversation = History().conversation()
    turns = []
    for text, fragments in [("one", ["FRAG A"]), ("two", []), ("three", [])]:
        response = conversation.prompt(text, fragments=fragments)
        response.text()
        turns.append(response)
    conn = sqlite3.connect(":memory:")
    for response in turns:
        response.log_to_db(conn)
    stored = [
        json.loads(p) for (p,) in conn.execute("select prompt_json from responses order by id")
    ]
    first = turns[0].id
    # An earlier turn's text is referenced only if that turn had fragments (the original's rule).
    assert stored == [
        {"messages": [{"$r": [{"$": "f1"}, "\none"]}]},
        {"messages": [{"$r": [{"$": "f:1"}, "\none"]}, {"$": f"r:{first}"}, "two"]},
        {
            "messages": [
                {"$r": [{"$": "f:1"}, "\none"]},
                {"$": f"r:{first}"},
                "two",
                "answer to two",
                "three",
            ]
        },
    ]


def test_a_text_of_megabytes_is_referenced_without_a_regex_of_that_size() -> None:
    import tracemalloc

    text = "word " * 1_000_000  # 5 MB
    tracemalloc.start()
    try:
        condensed = condense({"echo": f"[{text}]"}, {"r:1": text})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert condensed == {"echo": {"$r": ["[", {"$": "r:1"}, "]"]}}
    assert peak < 3 * len(text)

"""The condensed JSON format: the shapes the original writes, and the round trip back."""

from __future__ import annotations

from llm_storage.condense import condense, expand

RESPONSE = {
    "choices": [{"message": {"content": "Bob, Alice, Eve"}}],
    "note": "the answer was: Bob, Alice, Eve.",
    "count": 3,
    "empty": "",
}


def test_whole_strings_become_references_and_partial_ones_segments() -> None:
    condensed = condense(RESPONSE, {"r:abc": "Bob, Alice, Eve"})
    assert condensed == {
        "choices": [{"message": {"content": {"$": "r:abc"}}}],
        "note": {"$r": ["the answer was: ", {"$": "r:abc"}, "."]},
        "count": 3,
        "empty": "",
    }
    assert expand(condensed, {"r:abc": "Bob, Alice, Eve"}) == RESPONSE


def test_several_texts_and_repeats() -> None:
    replacements = {"f1": "fragment one", "r:x": "reply"}
    value = ["fragment one then reply, reply", None, {"k": "nothing here"}]
    condensed = condense(value, replacements)
    assert condensed == [
        {"$r": [{"$": "f1"}, " then ", {"$": "r:x"}, ", ", {"$": "r:x"}]},
        None,
        {"k": "nothing here"},
    ]
    assert expand(condensed, replacements) == value


def test_empty_replacements_leave_the_value_alone() -> None:
    assert condense(RESPONSE, {"r:abc": ""}) is RESPONSE
    assert condense(None, {"r:abc": "x"}) is None
    assert condense("just x", {"r:abc": "x"}) == {"$r": ["just ", {"$": "r:abc"}]}

"""The contract with llm-core, exercised with real ``llm`` objects (the echo plugin model)."""

from __future__ import annotations

import pytest

import llm
from llm_storage import open_store


@pytest.fixture
def echo():
    return llm.get_model("echo")


def test_schema_row_is_keyed_as_llm_core_computes(tmp_path, echo):
    import llm.utils

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    response = echo.prompt('{"a": 1}', schema=schema)
    response.text()
    store = open_store(tmp_path / "logs.db")
    store.log_response(response)
    [record] = store.list_responses()
    schema_id, content = llm.utils.make_schema_id(schema)
    assert record["schema_id"] == schema_id
    assert store.get_schema(schema_id) == content
    store.close()


def test_log_real_conversation(tmp_path, echo):
    store = open_store(tmp_path / "logs.db")
    conversation = echo.conversation()
    first = conversation.prompt("hello   world", system="be terse", fragments=["frag x"])
    first.text()
    second = conversation.prompt("again")
    second.text()
    store.log_response(first)
    store.log_response(second)
    records = store.conversation_responses(conversation.id)
    assert [r["id"] for r in records] == [first.id, second.id]
    assert records[0]["prompt"] == "hello   world"
    assert records[0]["system"] == "be terse"
    assert records[0]["conversation_name"] == "hello world"
    assert records[0]["conversation_model"] == "echo"
    assert [f["content"] for f in records[0]["prompt_fragments"]] == ["frag x"]
    assert records[1]["response"] == second.text()
    standalone = echo.prompt("on its own")
    standalone.text()
    standalone.log_to_db(store)
    assert store.get_response(standalone.id)["conversation_id"] == (
        standalone.conversation_id_for_log()
    )
    store.close()

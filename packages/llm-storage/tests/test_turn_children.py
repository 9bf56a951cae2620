"""A turn logged alone (as llm 0.36 logs it) shows the attachments, fragments, tools, tool
calls and results its ``responses`` row would show (``llm_storage.turn_children``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

import llm
from llm_storage import message_log

# A 1x1 PNG, an attachment type the echo model accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e5273ea60000000049454e44ae426082"
)
CHILDREN = ("attachments", "prompt_fragments", "system_fragments", "tools", "tool_calls")


def upper(text: str) -> str:
    """Upper case."""
    return text.upper()


def _exchanges(tmp_path: Path) -> list[Any]:
    echo = llm.get_model("echo")
    image = tmp_path / "pixel.png"
    image.write_bytes(PNG)
    looked = echo.prompt(
        "look",
        attachments=[llm.Attachment(path=str(image))],
        fragments=["a fragment"],
        system_fragments=["a system fragment"],
    )
    looked.text()
    call = {"tool_calls": [{"name": "upper", "arguments": {"text": "hi"}}]}
    chain = echo.chain(json.dumps(call), tools=[upper])
    chain.text()
    return [looked, *chain._responses]


def _listed(path: Path, exchanges: list[Any], turn_only: bool) -> list[dict[str, Any]]:
    store = message_log.LogStore(sqlite_utils.Database(path))
    for response in exchanges:
        if turn_only:
            store.log(response)  # the turn alone, as llm 0.36 logs it
        else:
            response.log_to_db(store.db)  # a responses row and its turn
    return list(store.iter_responses(None))


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    found = {key: record[key] for key in CHILDREN}
    for key in ("prompt_fragments", "system_fragments"):
        found[key] = [(f["hash"], f["content"], f["aliases"]) for f in found[key]]
    found["attachments"] = [
        (a["type"], a["path"], a["content_length"]) for a in found["attachments"]
    ]
    found["tools"] = [(t["name"], t["hash"], t["instance"]) for t in found["tools"]]
    found["tool_calls"] = [
        (c["name"], json.loads(c["arguments"]), c["tool_call_id"]) for c in found["tool_calls"]
    ]
    found["tool_results"] = [
        (r["name"], r["output"], r["tool_call_id"], r.get("exception"))
        for r in record["tool_results"]
    ]
    return found


def test_a_turn_shows_what_its_responses_row_shows(tmp_path: Path) -> None:
    exchanges = _exchanges(tmp_path)
    from_turns = _listed(tmp_path / "turns.db", exchanges, turn_only=True)
    from_rows = _listed(tmp_path / "rows.db", exchanges, turn_only=False)
    assert [_comparable(r) for r in from_turns] == [_comparable(r) for r in from_rows]
    looked, asked, answered = from_turns
    assert [a["type"] for a in looked["attachments"]] == ["image/png"]
    assert [f["content"] for f in looked["system_fragments"]] == ["a system fragment"]
    assert [(c["name"], c["server_executed"]) for c in asked["tool_calls"]] == [("upper", False)]
    [result] = answered["tool_results"]
    assert (result["output"], result["tool_id"]) == ("HI", answered["tools"][0]["id"])
    assert result["tool_call_id"] == asked["tool_calls"][0]["tool_call_id"]


class Searching(llm.Model):
    """A model whose provider runs a tool (a web search) while it answers."""

    model_id = "searching"

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        from llm.parts import StreamEvent

        found = {"tool_call_id": "ws_1", "server_executed": True}
        yield StreamEvent(type="tool_call_name", chunk="web_search", **found)
        yield StreamEvent(type="tool_call_args", chunk='{"query": "pelicans"}', **found)
        yield StreamEvent(type="tool_result", chunk="found", tool_name="web_search", **found)
        yield "Pelicans are birds."


def test_what_a_providers_own_tools_did_shows_for_a_turn_and_for_our_row(tmp_path: Path) -> None:
    response = Searching().prompt("find pelicans")
    response.text()
    for turn_only in (True, False):
        [record] = _listed(tmp_path / f"{turn_only}.db", [response], turn_only)
        assert [
            (c["name"], json.loads(c["arguments"]), c["server_executed"])
            for c in record["tool_calls"]
        ] == [("web_search", {"query": "pelicans"}, True)]
        assert [(r["output"], r["server_executed"]) for r in record["tool_results"]] == [
            ("found", True)
        ]


class Relaying(llm.Model):
    """Calls ``upper`` again while it is sent the result of the last call: an answer with a
    tool call of ours, in a turn that sent a tool result of ours."""

    model_id = "relaying"
    supports_tools = True

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        if len(prompt.tool_results) < 1 or conversation is None or len(conversation.responses) < 2:
            response.add_tool_call(llm.ToolCall(name="upper", arguments={"text": "again"}))
        yield "calling"


def test_our_own_tool_results_are_not_taken_for_the_providers(tmp_path: Path) -> None:
    conversation = Relaying().conversation(tools=[upper])
    chain = conversation.chain("go", chain_limit=3)
    chain.text()
    records = _listed(tmp_path / "ours.db", list(chain._responses), False)
    assert any(r["tool_results"] and r["tool_calls"] for r in records)  # the case in point
    for record in records:
        assert not any(c.get("server_executed") for c in record["tool_calls"])
        assert not any(r.get("server_executed") for r in record["tool_results"])

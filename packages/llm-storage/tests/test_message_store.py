"""The message store (llm 0.32+'s messages, parts, threads, turns), written beside the
``responses`` rows by every writer, and its 0.32 API (``llm.logs.LogStore``)."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlite_utils
from sqlalchemy import text

import llm
from llm.parts import Message, ReasoningPart, TextPart, ToolCallPart
from llm_storage import message_log, read
from llm_storage.message_store import canonical_json, message_hash

# What llm 0.36 stored for its first message of `llm -m echo "Hi there"` (its logs.db, seen).
HASH_036_HI_THERE = "b2:3b28fd1b584f0f0a266497ec60083bfa"
HASH_036_ECHO_ANSWER = "b2:360e09118e79cf6f6204679c7fc47fb5"
ECHO_ANSWER = (
    '{\n  "prompt": "Hi there",\n  "system": "",\n  "attachments": [],\n'
    '  "stream": true,\n  "previous": []\n}'
)


def rows(store, sql: str, **params):
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


@pytest.fixture
def echo():
    return llm.get_model("echo")


def test_hashes_are_those_llm_036_writes():
    first = message_hash(llm.user("Hi there"), None)
    assert first == HASH_036_HI_THERE
    assert message_hash(llm.assistant(ECHO_ANSWER), first) == HASH_036_ECHO_ANSWER
    assert canonical_json({"b": "é", "a": [1, {"d": 2, "c": 3}]}) == (
        '{"a":[1,{"c":3,"d":2}],"b":"é"}'
    )


def test_every_writer_logs_the_turn_beside_the_response(store, echo):
    conversation = echo.conversation()
    first = conversation.prompt("Hi there")
    first.text()
    second = conversation.prompt("Again")
    second.text()
    store.log_response(first)
    store.log_response(second)
    # One turn per response, of the same id, in the conversation's thread.
    turns = rows(store, "SELECT id, thread_id, parent_message_hash, tip_message_hash FROM turns")
    assert [(t[0], t[1]) for t in turns] == [
        (first.id, conversation.id),
        (second.id, conversation.id),
    ]
    # The first turn is the chain llm 0.36 would have stored; the second continues it.
    assert turns[0][2] == HASH_036_HI_THERE
    assert rows(store, "SELECT count(*) FROM messages") == [(4,)]
    assert rows(store, "SELECT tip_message_hash FROM threads") == [(turns[1][3],)]
    parent = rows(store, "SELECT parent_hash FROM messages WHERE hash = :h", h=turns[1][2])
    assert parent == [(turns[0][3],)]
    # The legacy rows are still written, and each exchange is listed once.
    assert rows(store, "SELECT id FROM responses ORDER BY id") == [(first.id,), (second.id,)]
    assert [r["id"] for r in store.conversation_responses(conversation.id)] == [
        first.id,
        second.id,
    ]


def test_a_turn_without_its_response_row_is_read_from_the_chain(tmp_path, echo):
    """What llm 0.36 logs (a turn alone) is listed; ours (a turn and a row) only once."""
    path = tmp_path / "logs.db"
    store = message_log.LogStore(sqlite_utils.Database(path))
    ours = echo.prompt("logged by us")
    ours.text()
    ours.log_to_db(store.db)
    theirs = echo.prompt("logged as 0.36 does")
    theirs.text()
    store.log(theirs)  # the 0.32 API writes the turn only
    listed = list(store.iter_responses(None))
    assert [(r["id"], r["prompt"]) for r in listed] == [
        (ours.id, "logged by us"),
        (theirs.id, "logged as 0.36 does"),
    ]
    assert listed[1]["response"] == theirs.text()


def test_log_store_round_trips_every_part_and_verifies(tmp_path):
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    messages = [
        llm.system("be brief"),
        llm.user("Hi"),
        Message(
            role="assistant",
            parts=[
                ReasoningPart(text="hmm", redacted=True),
                ToolCallPart(name="t", arguments={"z": 1, "a": 2}, tool_call_id="c1"),
                TextPart(text="done", provider_metadata={"x": {"y": 1}}),
            ],
        ),
    ]
    tip = store.ensure_chain(messages)
    assert store.load_chain(tip) == messages
    assert list(store.load_chain(tip)[2].parts[1].arguments) == ["z", "a"]
    assert [c.tool_call_id for c in store.pending_tool_calls(tip)] == ["c1"]
    assert store.verify() == []
    store.db.execute("UPDATE parts SET text = 'tampered' WHERE text = 'done'")
    assert store.verify() == [tip]


def test_a_failed_message_write_leaves_nothing(tmp_path, monkeypatch):
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    original = message_log.LogStore._write_part

    def failing(self, hash_, position, part, fragment_map):
        if position == 1:
            raise RuntimeError("disk full")
        return original(self, hash_, position, part, fragment_map)

    monkeypatch.setattr(message_log.LogStore, "_write_part", failing)
    with pytest.raises(RuntimeError):
        store.ensure_chain([llm.user("a"), Message(role="user", parts=[TextPart(text="b")] * 2)])
    assert store.db["messages"].count == 0
    assert store.db["parts"].count == 0


def test_message_store_tables_of_unknown_origin_fail_loudly(tmp_path):
    from llm.migrations import migrate

    db = sqlite_utils.Database(tmp_path / "branch.db")
    db["messages"].create({"hash": str}, pk="hash")
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(db)


def test_the_message_tree_view_indents_a_fork(tmp_path):
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    thread = store.create_thread()
    fork_point = store.append(thread, [llm.user("Question"), llm.assistant("Answer")])
    store.append(thread, [llm.user("A")])
    store.append(store.fork(fork_point), [llm.user("B")])
    tree = [r["message"] for r in store.db.query("SELECT * FROM message_tree ORDER BY path")]
    assert tree == ["Question", "    Answer", "        A", "        B"]


def test_turns_are_read_once_through_the_read_queries(tmp_path, echo):
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    response = echo.prompt("once")
    response.text()
    response.log_to_db(store.db)
    source = read.SqliteRows(store.conn)
    assert [r["id"] for r in read.iter_responses(source, limit=0)] == [response.id]


def test_deleting_responses_deletes_their_turns_and_unreached_messages(tmp_path, echo):
    from llm_storage import deletion, ledger_db

    path = tmp_path / "logs.db"
    conversation = echo.conversation()
    first = conversation.prompt("secret one")
    first.text()
    second = conversation.prompt("secret two")
    second.text()
    other = echo.prompt("kept apart")
    other.text()
    for response in (first, second, other):
        response.log_to_db(path)
    store = message_log.LogStore(sqlite_utils.Database(path))
    assert store.db["messages"].count == 6

    def delete(*ids: str) -> None:
        ledger = ledger_db.open_ledger(path)
        try:
            with ledger.transaction(write=True) as tx:
                deletion.delete(tx, list(ids))
        finally:
            ledger.close()

    # The first turn's messages are the second's history: they stay, the thread too.
    delete(first.id)
    assert [t["id"] for t in store.db["turns"].rows] == [second.id, other.id]
    assert store.db["messages"].count == 6
    assert [m.parts[0].text for m in store.thread_messages(conversation.id)][:3] == [
        "secret one",
        first.text(),
        "secret two",
    ]
    # Deleting the rest of the conversation takes its messages, parts and thread.
    delete(second.id)
    assert [t["id"] for t in store.db["turns"].rows] == [other.id]
    assert store.db["messages"].count == 2
    assert store.db["parts"].count == 2
    assert [t["id"] for t in store.db["threads"].rows] == [other.conversation_id_for_log()]
    assert not list(store.db.query("SELECT 1 FROM parts WHERE text LIKE '%secret%'"))
    assert store.verify() == []


def test_llm_logs_skips_the_turns_only_while_every_turn_has_its_row(tmp_path, echo, monkeypatch):
    """Proving that no turn lacks its ``responses`` row means a scan of every turn; the
    last turn we logged recorded that none did, until something else adds a turn."""
    from llm_storage import sqlite_reader, turns

    path = tmp_path / "logs.db"
    for text_ in ("one", "two"):
        response = echo.prompt(text_)
        response.text()
        response.log_to_db(path)
    read_turns = []
    original = turns.turn_records
    monkeypatch.setattr(
        turns, "turn_records", lambda *a, **k: read_turns.append(1) or original(*a, **k)
    )

    def listed() -> list[str]:
        reader = sqlite_reader.open_current(path)
        assert reader is not None
        try:
            return [r["prompt"] for r in reader.iter_responses(0)]
        finally:
            reader.close()

    assert listed() == ["one", "two"]
    assert read_turns == []  # every turn has its row: not read
    # A turn logged the way llm 0.36 logs (no responses row) is found and listed ...
    store = message_log.LogStore(sqlite_utils.Database(path))
    theirs = echo.prompt("theirs")
    theirs.text()
    store.log(theirs)
    assert listed() == ["one", "two", "theirs"]
    # ... and still is after our next turn, which counts it.
    ours = echo.prompt("three")
    ours.text()
    ours.log_to_db(path)
    assert listed() == ["one", "two", "theirs", "three"]
    assert rows_of(path, "SELECT unlisted FROM message_store_coverage") == [(1,)]
    # A responses row deleted by other means: its turn is listed in its place.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM responses WHERE prompt = 'one'")
    conn.close()
    assert listed() == ["one", "two", "theirs", "three"]


def rows_of(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_turns_payload_is_stored_condensed_and_read_back_whole(tmp_path, echo):
    from llm_storage import payloads

    long = "SQLite stores the whole database in a single file on disk. " * 3
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    response = echo.prompt("Tell me")
    response.text()
    answer = response.text()
    payload = {"content": answer, "id": "x", "tricky": {"$": "not a marker"}, "more": long}
    response.response_json = payload
    turn_id = store.log(response)
    stored = json.loads(store.db["turns"].get(turn_id)["response_json"])
    assert stored["content"] == {"$": "0.0.text"}  # the answer, by reference
    assert stored["tricky"] == {"$raw": {"$": "not a marker"}}
    assert store.turn_response_json(turn_id) == payload
    assert json.loads(message_log.merged_log_rows(store)[0]["response_json"]) == payload
    # A reference its turn no longer provides is an error, not a guess.
    with pytest.raises(payloads.UncondenseError):
        payloads.uncondense({"$": "9.9.text"}, {})


def test_a_failed_turn_write_leaves_nothing_of_the_turn(tmp_path, echo, monkeypatch):
    store = message_log.LogStore(sqlite_utils.Database(tmp_path / "logs.db"))
    response = echo.prompt("Hi")
    response.text()
    # Code written for llm 0.32+ finds the search row's SQL at llm.logs, as there.
    monkeypatch.setattr("llm.logs.TURN_SEARCH_INSERT_SQL", "this is not sql")
    with pytest.raises(sqlite3.OperationalError):
        store.log(response)
    monkeypatch.undo()
    assert [store.db[t].count for t in ("turns", "messages", "threads")] == [0, 0, 0]
    store.log(response)
    assert [store.db[t].count for t in ("turns", "messages", "turn_search")] == [1, 2, 1]


def test_a_turn_that_cannot_be_stored_leaves_the_response_logged(store, echo):
    response = echo.prompt("odd metadata")
    response.text()
    [message] = response._messages_now()
    message.provider_metadata = {"not json": object()}
    response._loaded_messages = [message]
    with pytest.warns(UserWarning, match="without its llm 0.32\\+ turn"):
        store.log_response(response)
    assert rows(store, "SELECT id FROM responses") == [(response.id,)]
    assert rows(store, "SELECT count(*) FROM turns") == [(0,)]
    assert rows(store, "SELECT count(*) FROM messages") == [(0,)]

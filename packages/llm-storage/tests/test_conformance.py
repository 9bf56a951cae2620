"""Backend conformance suite: every test runs against every backend in conftest.BACKENDS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import inspect, text
from storage_fakes import (
    FakeAttachment,
    FakeConversation,
    FakeFragment,
    FakeModel,
    FakeTool,
    FakeToolbox,
    FakeToolCall,
    FakeToolResult,
    make_response,
)

import llm_storage
from llm_storage import StoreError, migrate, open_store, schema

EXPECTED_TABLES = {
    "conversations",
    "schemas",
    "responses",
    "attachments",
    "prompt_attachments",
    "fragments",
    "fragment_aliases",
    "prompt_fragments",
    "system_fragments",
    "tools",
    "tool_responses",
    "tool_calls",
    "tool_results",
    "tool_instances",
}


def rows(store, sql: str, **params):
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_schema_created(store):
    inspector = inspect(store.engine)
    names = set(inspector.get_table_names())
    assert names >= EXPECTED_TABLES
    for table in schema.metadata.sorted_tables:
        columns = [c["name"] for c in inspector.get_columns(table.name)]
        assert columns == [c.name for c in table.columns]
    assert migrate.current_revision(store.engine) == llm_storage.HEAD_REVISION
    if store.backend == "sqlite":
        assert "responses_fts" in names
        sql = "select name from sqlite_master where type='trigger'"
        triggers = {r[0] for r in rows(store, sql)}
        assert triggers == {
            "responses_ai",
            "responses_ad",
            "responses_au",
            "turn_search_ai",
            "turn_search_ad",
            "turn_search_au",
        }


def test_migrate_twice_is_noop(store, store_target):
    before = rows(store, "select version_num from alembic_version")
    assert store.migrate() is None
    report = migrate.upgrade(store.engine)
    assert report.from_revision == report.to_revision == llm_storage.HEAD_REVISION
    again = open_store(store_target)
    again.close()
    assert rows(store, "select version_num from alembic_version") == before


def test_migrations_match_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name in schema.metadata.tables
        return name != "responses_fts_gin"  # the PostgreSQL full-text index, not a model

    def expected_difference(diff: Any) -> bool:
        # PostgreSQL makes every primary-key column NOT NULL, including the fragment links'
        # (left nullable in the model, as in llm 0.26's SQLite schema).
        if not isinstance(diff, list) or conn.dialect.name != "postgresql":
            return False
        kind, _, table_name, column_name, *_ = diff[0]
        model_table = schema.metadata.tables[table_name]
        return kind == "modify_nullable" and column_name in model_table.primary_key.columns

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include})
        differences = compare_metadata(context, schema.metadata)
        assert [d for d in differences if not expected_difference(d)] == []


def full_response():
    tool = FakeTool("add", "Add two numbers", {"type": "object"}, plugin="llm-maths")
    other = FakeTool("sub", None, {}, plugin=None)
    return make_response(
        "  a long prompt that\n  has more than thirty-two characters in it",
        "the answer",
        system_text="be nice",
        fragments=[FakeFragment("frag one", "one.txt"), "frag two", FakeFragment("frag one")],
        system_fragments=["sys frag"],
        options={"temperature": 0.5},
        schema={"type": "object", "properties": {"name": {"type": "string"}}},
        attachments=[
            FakeAttachment(type="image/png", content=b"\x89PNG\x00binary"),
            FakeAttachment(type="image/jpeg", url="https://example.com/cat.jpg"),
            FakeAttachment(type="text/plain", path="/tmp/notes.txt"),
        ],
        tools=[tool, other],
        tool_results=[
            FakeToolResult("add", "5", "call-0", instance=FakeToolbox(base=10)),
            FakeToolResult("missing", "?", "call-x"),
        ],
        tool_calls=[FakeToolCall("add", {"a": 2, "b": 3}, "call-1"), FakeToolCall("nope", {})],
        prompt_json={"messages": [1]},
        response_json={"raw": True},
        input_tokens=10,
        output_tokens=20,
        token_details={"cached": 3},
    )


def test_log_every_kind_of_row(store):
    response = full_response()
    store.log_response(response)
    record = store.get_response(response.id)
    assert record is not None
    assert record["prompt"].startswith("  a long prompt")
    assert record["system"] == "be nice"
    assert record["response"] == "the answer"
    assert record["model"] == "fake-model"
    assert json.loads(record["options_json"]) == {"temperature": 0.5}
    assert json.loads(record["prompt_json"]) == {"messages": [1]}
    assert json.loads(record["response_json"]) == {"raw": True}
    assert json.loads(record["token_details"]) == {"cached": 3}
    assert (record["input_tokens"], record["output_tokens"], record["duration_ms"]) == (10, 20, 123)
    assert record["datetime_utc"] == "2025-01-02T03:04:05.000006+00:00"
    assert record["conversation_id"] == response.conversation_id_for_log()
    assert record["conversation_name"] == "a long prompt that has more tha…"
    assert len(record["conversation_name"]) == 32
    assert record["conversation_model"] == "fake-model"
    schema_json = '{"type":"object","properties":{"name":{"type":"string"}}}'
    assert store.get_schema(record["schema_id"]) == schema_json
    assert len(record["schema_id"]) == 32
    contents = [f["content"] for f in record["prompt_fragments"]]
    assert contents == ["frag one", "frag two", "frag one"]
    assert record["prompt_fragments"][0]["source"] == "one.txt"
    assert record["prompt_fragments"][1]["source"] == ""
    assert [f["content"] for f in record["system_fragments"]] == ["sys frag"]
    assert [a["type"] for a in record["attachments"]] == ["image/png", "image/jpeg", "text/plain"]
    assert record["attachments"][0]["content"] == b"\x89PNG\x00binary"
    assert record["attachments"][1]["url"] == "https://example.com/cat.jpg"
    assert record["attachments"][1]["content"] is None
    assert record["attachments"][2]["path"] == "/tmp/notes.txt"
    assert [t["name"] for t in record["tools"]] == ["add", "sub"]
    assert json.loads(record["tools"][0]["input_schema"]) == {"type": "object"}
    assert record["tools"][0]["plugin"] == "llm-maths"
    add_id = record["tools"][0]["id"]
    calls = record["tool_calls"]
    assert [(c["name"], c["tool_id"], c["tool_call_id"]) for c in calls] == [
        ("add", add_id, "call-1"),
        ("nope", None, None),
    ]
    assert json.loads(calls[0]["arguments"]) == {"a": 2, "b": 3}
    results = record["tool_results"]
    assert [(r["name"], r["output"], r["tool_id"]) for r in results] == [
        ("add", "5", add_id),
        ("missing", "?", None),
    ]
    assert results[0]["instance_name"] == "FakeToolbox"
    assert results[0]["instance_plugin"] == "llm-fake-tools"
    assert json.loads(results[0]["instance_arguments"]) == {"base": 10}
    assert results[1]["instance_id"] is None
    # Deduplicated fragments: "frag one" once, with the first source seen.
    assert rows(store, "select count(*) from fragments") == [(3,)]
    orders = rows(store, 'select "order" from prompt_fragments order by "order"')
    assert orders == [(0,), (1,), (2,)]


def test_dedup_across_responses_and_conversations(store):
    conversation = FakeConversation("conv-1", FakeModel("conv-model"), name="My chat")
    first = full_response()
    first.conversation = conversation
    second = full_response()
    second.conversation = conversation
    store.log_response(first)
    store.log_response(second)
    assert rows(store, "select count(*) from fragments") == [(3,)]
    assert rows(store, "select count(*) from tools") == [(2,)]
    assert rows(store, "select count(*) from attachments") == [(3,)]
    assert rows(store, "select count(*) from schemas") == [(1,)]
    assert rows(store, "select count(*) from tool_responses") == [(4,)]
    assert rows(store, "select count(*) from tool_instances") == [(2,)]
    assert rows(store, "select id, name, model from conversations") == [
        ("conv-1", "My chat", "conv-model")
    ]
    assert store.count_conversations() == 1
    assert store.count_responses() == 2
    assert store.latest_conversation_id() == "conv-1"
    assert [r["id"] for r in store.conversation_responses("conv-1")] == [first.id, second.id]
    assert store.get_conversation("conv-1") == {
        "id": "conv-1",
        "name": "My chat",
        "model": "conv-model",
    }


def test_log_is_one_transaction(store):
    response = full_response()

    def explode():
        raise RuntimeError("boom")

    response.tool_calls_or_raise = explode  # fails after the responses row is inserted
    with pytest.raises(RuntimeError):
        store.log_response(response)
    assert store.count_responses() == 0
    assert store.count_conversations() == 0
    assert rows(store, "select count(*) from fragments") == [(0,)]


def test_duplicate_response_id_is_store_error(store):
    response = make_response()
    store.log_response(response)
    with pytest.raises(StoreError) as info:
        store.log_response(response)
    assert "\n" not in str(info.value)
    assert store.count_responses() == 1


def test_full_text_search_ranked_and_in_sync(store):
    weak = make_response("tell me about cats", "dogs are fine")
    strong = make_response("cats cats cats", "cats are the best cats")
    other = make_response("weather", "sunny")
    for response in (weak, strong, other):
        store.log_response(response)
    found = store.list_responses(10, query="cats")
    assert [r["id"] for r in found] == [strong.id, weak.id]  # best match first, as 0.32+
    assert [r["id"] for r in store.list_responses(1, query="cats")] == [strong.id]
    assert [r["id"] for r in store.list_responses(10, query="cats", latest=True)] == [
        strong.id,  # logged after weak: the newest first
        weak.id,
    ]
    assert store.list_responses(10, query='"unbalanced') == []
    with store.engine.begin() as conn:
        conn.execute(
            text("update responses set response = 'giraffes' where id = :id"), {"id": other.id}
        )
        conn.execute(text("delete from responses where id = :id"), {"id": strong.id})
    assert [r["id"] for r in store.list_responses(10, query="giraffes")] == [other.id]
    assert [r["id"] for r in store.list_responses(10, query="cats")] == [weak.id]
    assert store.list_responses(10, query="sunny") == []


def test_filters(store):
    tool = FakeTool("t1")
    a = make_response("one", model="m1", fragments=[FakeFragment("shared", "s")])
    b = make_response("two", model="m2", schema={"type": "object"}, tools=[tool])
    c = make_response(
        "three", model="m1", system_fragments=["shared"], tool_calls=[FakeToolCall("t1", {})]
    )
    for response in (a, b, c):
        store.log_response(response)
    ids = lambda records: [r["id"] for r in records]  # noqa: E731
    assert ids(store.list_responses()) == [a.id, b.id, c.id]
    assert ids(store.list_responses(2)) == [b.id, c.id]
    assert ids(store.list_responses(0)) == [a.id, b.id, c.id]
    assert ids(store.list_responses(None, model="m1")) == [a.id, c.id]
    assert ids(store.list_responses(None, conversation_id=b.conversation_id_for_log())) == [b.id]
    assert ids(store.list_responses(None, schema_id=store.get_response(b.id)["schema_id"])) == [
        b.id
    ]
    assert ids(store.list_responses(None, id_gt=a.id)) == [b.id, c.id]
    assert ids(store.list_responses(None, id_gte=b.id)) == [b.id, c.id]
    # Tools: as the original, the responses that carry tool results (not just tool offers).
    assert ids(store.list_responses(None, has_tools=True)) == []
    d = make_response("four", tool_results=[FakeToolResult("t1", "done")])
    store.log_response(d)
    assert ids(store.list_responses(None, has_tools=True)) == [d.id]
    shared_hash = store.get_response(a.id)["prompt_fragments"][0]["hash"]
    assert ids(store.list_responses(None, fragments=[shared_hash])) == [a.id, c.id]
    store.set_fragment_alias("sh", shared_hash)
    assert ids(store.list_responses(None, fragments=["sh"])) == [a.id, c.id]
    assert ids(store.list_responses(None, fragments=["sh", "nope"])) == []
    assert store.get_response("missing") is None


def test_fragments_and_aliases(store):
    digest = store.store_fragment("some content", "file.txt")
    assert digest == store.store_fragment("some content", "elsewhere")  # deduplicated
    fragment = store.get_fragment(digest)
    assert fragment["content"] == "some content"
    assert fragment["source"] == "file.txt"
    assert fragment["aliases"] == []
    store.set_fragment_alias("notes", digest)
    store.set_fragment_alias("notes2", "notes")
    assert store.get_fragment("notes")["hash"] == digest
    assert store.get_fragment("notes")["aliases"] == ["notes", "notes2"]
    other = store.store_fragment("other stuff", "")
    store.set_fragment_alias("notes", other)  # re-pointing replaces
    assert store.get_fragment("notes")["hash"] == other
    assert [f["hash"] for f in store.list_fragments(aliases_only=True)] == [digest, other]
    assert [f["hash"] for f in store.list_fragments("stuff")] == [other]
    assert [f["hash"] for f in store.list_fragments("file.txt")] == [digest]
    assert len(store.list_fragments()) == 2
    assert store.remove_fragment_alias("notes") is True
    assert store.remove_fragment_alias("notes") is False
    assert store.get_fragment("notes") is None
    assert store.get_fragment(other) is not None
    with pytest.raises(StoreError, match="no fragment"):
        store.set_fragment_alias("x", "0" * 64)


def test_schemas_usage(store):
    s1 = {"type": "object"}
    s2 = {"type": "array"}
    store.log_response(make_response(schema=s1))
    store.log_response(make_response(schema=s1))
    store.log_response(make_response(schema=s2))
    usage = {u["content"]: u["times_used"] for u in store.schemas_in_use()}
    assert usage == {'{"type":"object"}': 2, '{"type":"array"}': 1}
    assert [u["content"] for u in store.schemas_in_use("array")] == ['{"type":"array"}']
    assert store.get_schema("nope") is None


def test_fragments_oldest_first_with_sorted_aliases(store):
    first = store.store_fragment("first body", "one.txt")
    second = store.store_fragment("second body", "two.txt")
    store.set_fragment_alias("zed", first)
    store.set_fragment_alias("alpha", first)
    rows = store.list_fragments()
    assert [(r["hash"], r["aliases"]) for r in rows] == [(first, ["alpha", "zed"]), (second, [])]
    assert [r["hash"] for r in store.list_fragments(aliases_only=True)] == [first]
    assert [r["hash"] for r in store.list_fragments(["zed"])] == [first]
    assert [r["hash"] for r in store.list_fragments([second])] == [second]
    assert [r["hash"] for r in store.list_fragments(["body", "two"])] == [second]
    assert store.list_fragments(["_"]) == []  # a literal underscore, not a wildcard
    assert store.list_fragments(["%"]) == []


def test_schemas_in_use_counts_and_orders(store):
    store.log_response(make_response(schema={"name": "b"}, logged_at="2024-01-01T00:00:00"))
    store.log_response(make_response(schema={"name": "b"}, logged_at="2024-01-03T00:00:00"))
    store.log_response(make_response(schema={"name": "a"}, logged_at="2024-01-03T00:00:00"))
    store.log_response(make_response(logged_at="2024-01-02T00:00:00"))
    store.log_response(make_response(schema={"name": "c"}, logged_at="2024-01-02T00:00:00"))
    rows = store.schemas_in_use()
    # Least recently used first; tied on most recent use, the id decides on every backend.
    tied = sorted(r["id"] for r in rows[1:])
    assert [(r["content"], r["times_used"], r["recently_used"]) for r in rows[:1]] == [
        ('{"name":"c"}', 1, "2024-01-02T00:00:00")
    ]
    assert [r["id"] for r in rows[1:]] == tied
    assert {r["content"]: r["times_used"] for r in rows[1:]} == {
        '{"name":"a"}': 1,
        '{"name":"b"}': 2,
    }
    assert [r["content"] for r in store.schemas_in_use(['"a"'])] == ['{"name":"a"}']


def test_status(store):
    store.log_response(make_response())
    info = store.status()
    assert info["backend"] == store.backend
    assert info["responses"] == 1
    assert info["conversations"] == 1
    assert info["schema_revision"] == llm_storage.HEAD_REVISION
    if store.backend == "sqlite":
        assert info["size_bytes"] > 0


def test_backup(store, tmp_path):
    store.log_response(make_response("backed up"))
    destination = tmp_path / "backup.db"
    if store.backend != "sqlite":
        with pytest.raises(StoreError, match="pg_dump"):
            store.backup(destination)
        return
    store.backup(destination)
    copy = open_store(destination)
    assert [r["prompt"] for r in copy.list_responses()] == ["backed up"]
    copy.close()
    with pytest.raises(StoreError, match="already exists"):
        store.backup(destination)


def test_failed_migration_changes_nothing(store_target, monkeypatch):
    from llm_storage import fts

    def broken(conn):
        raise RuntimeError("simulated failure halfway through the migration")

    monkeypatch.setattr(fts, "ensure_fts", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        open_store(store_target)
    monkeypatch.undo()
    from sqlalchemy import make_url

    from llm_storage.backends import make_engine

    url = make_url(store_target) if "://" in store_target else make_url(f"sqlite:///{store_target}")
    engine = make_engine(url, 5)
    assert [t for t in inspect(engine).get_table_names() if not t.startswith("sqlite_")] == []
    engine.dispose()
    working = open_store(store_target)  # and it still migrates fine afterwards
    assert working.count_responses() == 0
    working.close()


def _log_from_child(target: str, number: int, barrier, errors) -> None:
    try:
        store = open_store(target)  # a fresh engine in this process
        response = make_response(f"process {number}", "ok")
        barrier.wait(timeout=30)  # all twenty write at the same moment
        store.log_response(response)
        store.close()
    except BaseException as exc:
        errors.put(f"{number}: {type(exc).__name__}: {exc}")
        raise


def test_twenty_processes_log_at_once(store, store_target):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(20)
    errors = context.Queue()
    store.engine.dispose()  # no inherited connections in the children
    procs = [
        context.Process(target=_log_from_child, args=(store_target, i, barrier, errors))
        for i in range(20)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    assert [proc.exitcode for proc in procs] == [0] * 20
    prompts = {r["prompt"] for r in store.list_responses(0)}
    assert prompts == {f"process {i}" for i in range(20)}
    assert store.count_responses() == 20


def test_one_tool_instances_row_per_toolbox_instance(store):
    """As the original: an instance is logged once, however many of its results are logged
    (in one response or several); another instance, even with the same configuration, is a
    row of its own."""
    box, other = FakeToolbox(path="a.db"), FakeToolbox(path="a.db")
    first = make_response(
        tool_results=[
            FakeToolResult("Box_one", "1", "c1", instance=box),
            FakeToolResult("Box_two", "2", "c2", instance=box),
        ]
    )
    second = make_response(
        tool_results=[
            FakeToolResult("Box_one", "3", "c3", instance=box),
            FakeToolResult("Box_one", "4", "c4", instance=other),
        ]
    )
    store.log_response(first)
    store.log_response(second)
    instances = rows(store, "select id, name, plugin, arguments from tool_instances order by id")
    assert [row[1:] for row in instances] == [
        ("FakeToolbox", "llm-fake-tools", '{"path": "a.db"}'),
        ("FakeToolbox", "llm-fake-tools", '{"path": "a.db"}'),
    ]
    first_id, other_id = instances[0][0], instances[1][0]
    used = rows(store, "select output, instance_id from tool_results order by id")
    assert used == [("1", first_id), ("2", first_id), ("3", first_id), ("4", other_id)]

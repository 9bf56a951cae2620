"""Conversations by name, deleting (rm, retention, prune) and costs, end to end through the
CLI, on a real SQLite file and on the real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_cli.ledger_access import stored_time


@pytest.fixture
def db(database: str) -> Iterator[str]:
    yield database


def _rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the database (no llm code in between)."""
    from sqlalchemy import text

    import llm_storage

    store = llm_storage.open_store(database)
    try:
        with store.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        store.close()


def _execute(database: str, sql: str) -> None:
    from sqlalchemy import text

    import llm_storage

    store = llm_storage.open_store(database)
    try:
        with store.engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        store.close()


ORPHAN_CHECKS = {
    "tool_calls": "SELECT COUNT(*) FROM tool_calls t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "tool_results": "SELECT COUNT(*) FROM tool_results t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "tool_responses": "SELECT COUNT(*) FROM tool_responses t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "prompt_attachments": "SELECT COUNT(*) FROM prompt_attachments t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "prompt_fragments": "SELECT COUNT(*) FROM prompt_fragments t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "system_fragments": "SELECT COUNT(*) FROM system_fragments t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "response_costs": "SELECT COUNT(*) FROM response_costs t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "response_extras": "SELECT COUNT(*) FROM response_extras t WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.id = t.response_id)",
    "attachments": "SELECT COUNT(*) FROM attachments a WHERE NOT EXISTS"
    " (SELECT 1 FROM prompt_attachments p WHERE p.attachment_id = a.id)",
    "fragments": "SELECT COUNT(*) FROM fragments f WHERE NOT EXISTS"
    " (SELECT 1 FROM prompt_fragments p WHERE p.fragment_id = f.id) AND NOT EXISTS"
    " (SELECT 1 FROM system_fragments s WHERE s.fragment_id = f.id) AND NOT EXISTS"
    " (SELECT 1 FROM fragment_aliases a WHERE a.fragment_id = f.id)",
    "conversations": "SELECT COUNT(*) FROM conversations c WHERE NOT EXISTS"
    " (SELECT 1 FROM responses r WHERE r.conversation_id = c.id)",
    "conversation_names": "SELECT COUNT(*) FROM conversation_names n WHERE NOT EXISTS"
    " (SELECT 1 FROM conversations c WHERE c.id = n.conversation_id)",
    "tool_instances": "SELECT COUNT(*) FROM tool_instances i WHERE NOT EXISTS"
    " (SELECT 1 FROM tool_results r WHERE r.instance_id = i.id)",
}


def _orphans(database: str) -> dict[str, int]:
    found = {name: _rows(database, sql)[0][0] for name, sql in ORPHAN_CHECKS.items()}
    return {name: count for name, count in found.items() if count}


def _ok(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return result


# -- conversations ----------------------------------------------------------------------------


def test_name_continue_list_and_rename_conversations(invoke_llm, db: str) -> None:
    _ok(invoke_llm("-m", "echo", "pelican facts", "--name", "birds", "-d", db))
    _ok(invoke_llm("-m", "echo", "walrus facts", "-d", db))
    _ok(invoke_llm("--cid", "birds", "more about pelicans", "-d", db))
    listed = json.loads(_ok(invoke_llm("conversations", "list", "--json", "-d", db)).stdout)
    assert [(c["name"], c["name_chosen"], c["turns"]) for c in listed] == [
        ("birds", True, 2),
        ("walrus facts", False, 1),
    ]
    assert listed[0]["model"] == "echo" and listed[0]["cost_usd"] is None
    assert listed[0]["unpriced_responses"] == 2  # echo has no price: unpriced, not $0
    # A name in use is refused before anything is sent or logged.
    taken = invoke_llm("-m", "echo", "again", "--name", "birds", "-d", db)
    assert taken.returncode == 1
    assert taken.stderr.strip().splitlines() == [
        f"Error: The name 'birds' is already used by conversation {listed[0]['id']}"
    ]
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 3
    # Rename by the current name; the old name is free afterwards.
    _ok(invoke_llm("conversations", "rename", "birds", "seabirds", "-d", db))
    _ok(invoke_llm("conversations", "rename", listed[1]["id"], "birds", "-d", db))
    listed = json.loads(_ok(invoke_llm("conversations", "list", "--json", "-d", db)).stdout)
    assert {c["name"] for c in listed} == {"seabirds", "birds"}
    # The original's own column shows the chosen name too (what llm 0.36 displays).
    assert sorted(r[0] for r in _rows(db, "SELECT name FROM conversations")) == [
        "birds",
        "seabirds",
    ]
    found = json.loads(
        _ok(invoke_llm("conversations", "list", "-q", "walrus", "--json", "-d", db)).stdout
    )
    assert [c["name"] for c in found] == ["birds"]
    table = _ok(invoke_llm("conversations", "list", "-m", "echo", "-d", db)).stdout
    assert table.splitlines()[0].split() == [
        "ID", "NAME", "MODEL", "TURNS", "TOKENS", "COST", "LAST", "USED"
    ]  # fmt: skip
    assert "seabirds *" in table and "unpriced" in table
    unlogged = invoke_llm("-m", "echo", "hi", "--name", "new", "-n", "-d", db)
    assert unlogged.returncode == 1 and "--name needs" in unlogged.stderr
    continuing = invoke_llm("-c", "hi", "--name", "new", "-d", db)
    assert continuing.returncode == 1 and "conversations rename" in continuing.stderr
    missing = invoke_llm("conversations", "rename", "nonesuch", "x", "-d", db)
    assert missing.returncode == 1 and "No conversation found" in missing.stderr
    unknown = invoke_llm("--cid", "nonesuch", "hi", "-d", db)
    assert unknown.returncode == 1 and "No conversation found" in unknown.stderr


def test_reading_commands_never_create_a_database(invoke_llm, tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    listed = _ok(invoke_llm("conversations", "list", "-d", str(db)))
    assert listed.stderr == "No conversations found\n"
    assert _ok(invoke_llm("costs", "-d", str(db))).stdout == "No responses logged\n"
    gone = _ok(invoke_llm("logs", "rm", "--all", "--yes", "-d", str(db)))
    assert "no log database yet" in gone.stderr
    assert not db.exists()


# -- deleting ---------------------------------------------------------------------------------


def _populate(invoke_llm: Any, db: str, tmp_path: Path) -> dict[str, str]:
    shared = tmp_path / "shared.txt"
    shared.write_text("shared-fragment-text kept by another response")
    unique = tmp_path / "unique.txt"
    unique.write_text("unique-fragment-qqzzx only the secret used")
    image = tmp_path / "secret.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"ATTACHMENTSECRETBYTES" * 20)
    secret_prompt = json.dumps(
        {"tool_calls": [{"name": "llm_version"}], "prompt": "secret-alpha-wyvern"}
    )
    _ok(
        invoke_llm(
            "-m", "echo", secret_prompt, "-T", "llm_version", "--sf", str(shared),
            "--sf", str(unique), "-a", str(image), "--name", "secret-chat", "-d", db,
        )
    )  # fmt: skip
    _ok(invoke_llm("-m", "echo", "keep-me-please", "-f", str(shared), "-d", db))
    kept = _rows(db, "SELECT id FROM responses WHERE prompt = 'keep-me-please'")[0][0]
    return {"kept": kept}


def test_rm_a_conversation_by_name_leaves_no_orphans_and_no_trace(
    invoke_llm, db: str, tmp_path: Path
) -> None:
    ids = _populate(invoke_llm, db, tmp_path)
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 3  # the chain made two
    assert _rows(db, "SELECT COUNT(*) FROM tool_calls")[0][0] == 1
    assert _rows(db, "SELECT COUNT(*) FROM tool_results")[0][0] == 1
    # Not at a terminal, it refuses without --yes and deletes nothing.
    refused = invoke_llm("logs", "rm", "secret-chat", "-d", db)
    assert refused.returncode == 1
    assert "2 responses will be deleted" in refused.stderr
    assert refused.stderr.strip().splitlines()[-1].startswith("Error: Not deleting without --yes")
    dry = _ok(invoke_llm("logs", "rm", "secret-chat", "--dry-run", "-d", db))
    assert "2 responses would be deleted" in dry.stderr
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 3
    _ok(invoke_llm("logs", "rm", "secret-chat", "--yes", "--vacuum", "-d", db))
    assert [r[0] for r in _rows(db, "SELECT id FROM responses")] == [ids["kept"]]
    assert _orphans(db) == {}
    for table in ("tool_calls", "tool_results", "attachments", "prompt_attachments"):
        assert _rows(db, f"SELECT COUNT(*) FROM {table}")[0][0] == 0, table
    assert [r[0] for r in _rows(db, "SELECT content FROM fragments")] == [
        "shared-fragment-text kept by another response"
    ]
    assert _rows(db, "SELECT COUNT(*) FROM conversation_names")[0][0] == 0
    # The kept response still reads back whole, and its search still works.
    logged = json.loads(_ok(invoke_llm("logs", "--json", "-n", "0", "-d", db)).stdout)
    assert [r["prompt"] for r in logged] == ["keep-me-please"]
    assert [f["content"] for f in logged[0]["prompt_fragments"]] == [
        "shared-fragment-text kept by another response"
    ]
    assert json.loads(_ok(invoke_llm("logs", "-q", "secret", "--json", "-d", db)).stdout) == []
    if "://" not in db:  # SQLite: not one byte of the deleted text is left in the files
        data = b"".join(
            p.read_bytes() for p in Path(db).parent.iterdir() if p.name.startswith("shared.db")
        )
        for secret in (b"secret-alpha-wyvern", b"unique-fragment-qqzzx", b"ATTACHMENTSECRET"):
            assert secret not in data, secret
        assert b"keep-me-please" in data


def test_rm_filters_and_unknown_keys(invoke_llm, db: str) -> None:
    for text in ("alpha one", "beta two", "alpha three"):
        _ok(invoke_llm("-m", "echo", text, "-d", db))
    _ok(invoke_llm("-m", "echo-needs-key", "alpha four", "--key", "x", "-d", db))
    unknown = invoke_llm("logs", "rm", "nonesuch", "--yes", "-d", db)
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines()[-1] == (
        "Error: No response or conversation found with ID or name 'nonesuch'; nothing was deleted"
    )
    nothing = invoke_llm("logs", "rm", "--yes", "-d", db)
    assert nothing.returncode == 2 and "Say what to delete" in nothing.stderr
    _ok(invoke_llm("logs", "rm", "-q", "alpha", "-m", "echo", "--yes", "-d", db))
    assert sorted(r[0] for r in _rows(db, "SELECT prompt FROM responses")) == [
        "alpha four",
        "beta two",
    ]
    # --older-than: nothing is older than a day; everything is older than a second from now.
    _ok(invoke_llm("logs", "rm", "--older-than", "1d", "--yes", "-d", db))
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 2
    later = stored_time(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    env = {"LLM_LEDGER_NOW": later}
    _ok(invoke_llm("logs", "rm", "--older-than", "30m", "--yes", "-d", db, env=env))
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 0
    assert _orphans(db) == {}
    bad = invoke_llm("logs", "rm", "--older-than", "soon", "--yes", "-d", db)
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_retention_applied_once_a_day_by_logging_commands(invoke_llm, db: str) -> None:
    for text in ("old one", "old two", "recent"):
        _ok(invoke_llm("-m", "echo", text, "-d", db))
    _execute(db, "UPDATE responses SET datetime_utc = '2026-01-01T00:00:00+00:00'"
             " WHERE prompt LIKE 'old%'")  # fmt: skip
    assert _ok(invoke_llm("logs", "retention")).stdout == "off\n"
    # Off by default: logging deletes nothing.
    _ok(invoke_llm("-m", "echo", "logged while off", "-d", db))
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 4
    _ok(invoke_llm("logs", "retention", "90d"))
    assert _ok(invoke_llm("logs", "retention")).stdout == "90d\n"
    _ok(invoke_llm("-m", "echo", "first after setting", "-d", db))
    prompts = sorted(r[0] for r in _rows(db, "SELECT prompt FROM responses"))
    assert prompts == ["first after setting", "logged while off", "recent"]
    # Within the day, another old response survives the next logging command...
    _execute(db, "UPDATE responses SET datetime_utc = '2026-01-01T00:00:00+00:00'"
             " WHERE prompt = 'recent'")  # fmt: skip
    _ok(invoke_llm("-m", "echo", "same day", "-d", db))
    assert _rows(db, "SELECT COUNT(*) FROM responses WHERE prompt = 'recent'")[0][0] == 1
    # ... and goes with the first logging command a day later (the clock moved 25 hours).
    tomorrow = stored_time(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))
    _ok(invoke_llm("-m", "echo", "next day", "-d", db, env={"LLM_LEDGER_NOW": tomorrow}))
    assert _rows(db, "SELECT COUNT(*) FROM responses WHERE prompt = 'recent'")[0][0] == 0
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 4
    # prune applies it at once, whenever asked; 200 days on, everything is past 90 days.
    later = stored_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=200))
    dry = _ok(invoke_llm("logs", "prune", "--dry-run", "-d", db, env={"LLM_LEDGER_NOW": later}))
    assert "4 responses would be deleted" in dry.stderr
    _ok(invoke_llm("logs", "prune", "-d", db, env={"LLM_LEDGER_NOW": later}))
    assert _rows(db, "SELECT COUNT(*) FROM responses")[0][0] == 0
    assert _orphans(db) == {}
    _ok(invoke_llm("logs", "retention", "off"))
    off = invoke_llm("logs", "prune", "-d", db)
    assert off.returncode == 1 and "No retention is set" in off.stderr
    bad = invoke_llm("logs", "retention", "forever")
    assert bad.returncode == 2 and "not a duration" in bad.stderr


# -- costs ------------------------------------------------------------------------------------


def test_costs_priced_at_each_response_date_user_prices_win(
    invoke_llm, db: str, user_dir: Path
) -> None:
    """Prices change on a date: each response is priced at its own date."""
    for text in ("in december", "in january"):
        _ok(invoke_llm("-m", "echo", text, "-d", db))
    _ok(invoke_llm("-m", "echo-needs-key", "no price", "--key", "x", "-d", db))
    _execute(db, "UPDATE responses SET datetime_utc = '2025-12-15T10:00:00+00:00'"
             " WHERE prompt = 'in december'")  # fmt: skip
    _execute(db, "UPDATE responses SET datetime_utc = '2026-01-15T10:00:00+00:00'"
             " WHERE prompt = 'in january'")  # fmt: skip
    found = _rows(db, "SELECT prompt, input_tokens, output_tokens FROM responses")
    tokens = {r[0]: (r[1], r[2]) for r in found}
    # Before there is any price for echo: unpriced (stored so), never $0.
    before = json.loads(_ok(invoke_llm("costs", "--json", "-d", db)).stdout)
    assert (before[0]["cost_usd"], before[0]["unpriced_responses"]) == (None, 3)
    assert _rows(db, "SELECT COUNT(*) FROM response_costs WHERE cost_usd IS NULL")[0][0] == 3
    # A prices file written afterwards prices them: stored costs follow changed prices.
    (user_dir / "prices.json").write_text(
        json.dumps(
            {
                "echo": [
                    {"from": "2025-01-01", "input": 1_000_000, "output": 2_000_000},
                    {"from": "2026-01-01", "input": 3_000_000, "output": 4_000_000},
                ]
            }
        )
    )
    by_model = json.loads(_ok(invoke_llm("costs", "--by", "model", "--json", "-d", db)).stdout)
    dec_in, dec_out = tokens["in december"]
    jan_in, jan_out = tokens["in january"]
    expected = dec_in * 1 + dec_out * 2 + jan_in * 3 + jan_out * 4
    assert {row["model"]: (row["cost_usd"], row["unpriced_responses"]) for row in by_model} == {
        "echo": (pytest.approx(expected), 0),
        "echo-needs-key": (None, 1),
    }
    by_day = json.loads(_ok(invoke_llm("costs", "--by", "day", "--json", "-d", db)).stdout)
    assert [row["day"] for row in by_day][-2:] == ["2026-01-15", "2025-12-15"]
    assert by_day[-1]["cost_usd"] == pytest.approx(dec_in + 2 * dec_out)
    # Stored beside the responses: the same figures in llm logs --json and the table.
    total = _ok(invoke_llm("costs", "-d", db)).stdout
    assert f"${expected:,.2f} (+1 unpriced)" in total
    recent = json.loads(_ok(invoke_llm("costs", "--since", "7d", "--json", "-d", db)).stdout)
    assert recent[0]["responses"] == 1 and recent[0]["cost_usd"] is None
    rows = _rows(db, "SELECT source, COUNT(*) FROM response_costs GROUP BY source")
    assert dict(rows) == {"user prices": 2, "unpriced": 1}
    # llm logs --cost shows each response's cost (Markdown and JSON); unpriced stays so.
    shown = json.loads(_ok(invoke_llm("logs", "--cost", "--json", "-n", "0", "-d", db)).stdout)
    assert {r["prompt"]: r["cost_usd"] for r in shown} == {
        "in december": pytest.approx(dec_in + 2 * dec_out),
        "in january": pytest.approx(jan_in * 3 + jan_out * 4),
        "no price": None,
    }
    markdown = _ok(invoke_llm("logs", "--cost", "-n", "0", "-d", db)).stdout
    assert f"## Cost\n\n${jan_in * 3 + jan_out * 4:,.2f}\n" in markdown
    assert "## Cost\n\nunpriced\n" in markdown
    plain = json.loads(_ok(invoke_llm("logs", "--json", "-n", "1", "-d", db)).stdout)
    assert "cost_usd" not in plain[0]  # without --cost, the original's keys only
    short = _ok(invoke_llm("logs", "--cost", "-s", "-n", "1", "-d", db)).stdout
    assert "cost_usd: null" in short


def test_price_table_plugin_entry_and_provider_cost() -> None:
    """The genai-prices table at a response's date, a model's ``price_entry``, and a cost
    the provider reported, which wins over the table."""
    from genai_prices import Usage, calc_price

    from llm_cli.pricing import cost_of

    row = {
        "id": "r1",
        "model": "my-plugin-model",
        "input_tokens": 1000,
        "output_tokens": 500,
        "token_details": None,
        "response_json": None,
        "datetime_utc": "2025-06-01T12:00:00+00:00",
    }
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    expected = calc_price(
        Usage(input_tokens=1000, output_tokens=500),
        "gpt-4o-mini",
        provider_id="openai",
        genai_request_timestamp=when,
    ).total_price
    unknown = cost_of(row, {})
    assert (unknown.usd, unknown.source) == (None, "unpriced")
    priced = cost_of(row, {"my-plugin-model": "openai:gpt-4o-mini"})
    assert (priced.usd, priced.source, priced.price_entry) == (
        pytest.approx(float(expected)),
        "price table",
        "openai:gpt-4o-mini",
    )
    assert priced.usd > 0
    reported = cost_of({**row, "token_details": json.dumps({"cost": 0.25})}, {})
    assert (reported.usd, reported.source) == (0.25, "provider")
    in_body = cost_of({**row, "response_json": {"usage": {"cost": 0.5}}}, {})
    assert in_body.usd == 0.5
    no_usage = cost_of({**row, "input_tokens": None, "output_tokens": None}, {"x": "y"})
    assert no_usage.usd is None


def test_a_plugin_model_names_its_price_entry(invoke_llm, monkeypatch, db: str) -> None:
    import llm

    model_class = type(llm.get_model("echo"))
    monkeypatch.setattr(model_class, "price_entry", "openai:gpt-4o-mini", raising=False)
    shown = _ok(invoke_llm("-m", "echo", "hi", "-u", "--cost", "-d", db))
    assert "Cost: $0.0000" in shown.stderr  # a few tokens at gpt-4o-mini's price
    assert "(price table: openai:gpt-4o-mini)" in shown.stderr
    stored = _rows(db, "SELECT cost_usd, source, price_entry FROM response_costs")
    assert len(stored) == 1 and stored[0][0] > 0
    assert stored[0][1:] == ("price table", "openai:gpt-4o-mini")

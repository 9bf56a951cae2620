"""The main job end to end: a prompt through the plugin system, streamed, logged to SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def _rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_prompt_is_answered_and_logged(invoke_llm, user_dir: Path) -> None:
    result = invoke_llm("Hello there", "-m", "echo", "-s", "Be brief")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["prompt"] == "Hello there"
    assert answer["system"] == "Be brief"
    assert answer["stream"] is True

    db = user_dir / "logs.db"
    rows = _rows(db, "select * from responses")
    assert len(rows) == 1
    row = rows[0]
    assert row["model"] == "echo"
    assert row["prompt"] == "Hello there"
    assert row["system"] == "Be brief"
    assert json.loads(row["response"]) == answer
    assert row["input_tokens"] == 2
    assert row["datetime_utc"]
    conversations = _rows(db, "select * from conversations")
    assert [(c["id"], c["model"]) for c in conversations] == [(row["conversation_id"], "echo")]

    logged = invoke_llm("logs", "-n", "1", "--json")
    assert logged.returncode == 0, logged.stderr
    [entry] = json.loads(logged.stdout)
    assert entry["id"] == row["id"]
    assert entry["prompt"] == "Hello there"

    markdown = invoke_llm("logs")
    assert "## Prompt\n\nHello there" in markdown.stdout
    assert "Model: **echo**" in markdown.stdout


def test_stdin_is_joined_with_the_argument(invoke_llm) -> None:
    result = invoke_llm("-m", "echo", "summarise", input="some text")
    assert json.loads(result.stdout)["prompt"] == "some text summarise"
    only_stdin = invoke_llm("-m", "echo", input="just stdin")
    assert json.loads(only_stdin.stdout)["prompt"] == "just stdin"


def test_options_and_no_stream(invoke_llm) -> None:
    result = invoke_llm("-m", "echo", "hi", "-o", "example_bool", "true", "--no-stream")
    answer = json.loads(result.stdout)
    assert answer["options"] == {"example_bool": True}
    assert answer["stream"] is False


def test_markov_model_streams_the_requested_length(invoke_llm) -> None:
    text = "the cat sat on the mat and the dog sat on the log"
    result = invoke_llm("-m", "markov", text, "-o", "length", "7")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert len(words) == 7
    assert set(words) <= set(text.split())


def test_no_log_and_logs_off(invoke_llm, user_dir: Path) -> None:
    assert invoke_llm("-m", "echo", "first", "-n").returncode == 0
    assert not (user_dir / "logs.db").exists()
    assert invoke_llm("logs", "off").returncode == 0
    assert invoke_llm("-m", "echo", "second").returncode == 0
    assert not (user_dir / "logs.db").exists()
    assert invoke_llm("-m", "echo", "third", "--log").returncode == 0
    prompts = [r["prompt"] for r in _rows(user_dir / "logs.db", "select prompt from responses")]
    assert prompts == ["third"]
    assert invoke_llm("logs", "on").returncode == 0
    assert invoke_llm("-m", "echo", "fourth").returncode == 0
    assert len(_rows(user_dir / "logs.db", "select id from responses")) == 2


def test_custom_database_path(invoke_llm, tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    assert invoke_llm("-m", "echo", "hi", "-d", str(db)).returncode == 0
    assert len(_rows(db, "select id from responses")) == 1
    listed = invoke_llm("logs", "-d", str(db), "--json")
    assert json.loads(listed.stdout)[0]["prompt"] == "hi"


def test_key_option_and_stored_keys(invoke_llm, user_dir: Path) -> None:
    missing = invoke_llm("-m", "echo-needs-key", "hi")
    assert missing.returncode != 0
    assert "llm keys set echo-needs-key" in missing.stderr
    assert "Traceback" not in missing.stderr
    given = invoke_llm("-m", "echo-needs-key", "hi", "--key", "sk-123")
    assert json.loads(given.stdout)["key"] == "sk-123"
    (user_dir / "keys.json").write_text(json.dumps({"mine": "stored-value"}))
    by_name = invoke_llm("-m", "echo-needs-key", "hi", "--key", "mine")
    assert json.loads(by_name.stdout)["key"] == "stored-value"
    from_env = invoke_llm("-m", "echo-needs-key", "hi", env={"LLM_ECHO_NEEDS_KEY_KEY": "env-key"})
    assert json.loads(from_env.stdout)["key"] == "env-key"


def test_query_selects_a_model_and_llm_model_env(invoke_llm) -> None:
    result = invoke_llm("-q", "mark", "a b c d", "-o", "length", "3", "-n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 3
    from_env = invoke_llm("hi", "-n", env={"LLM_MODEL": "echo"})
    assert json.loads(from_env.stdout)["prompt"] == "hi"


def test_async_prompt(invoke_llm, user_dir: Path) -> None:
    result = invoke_llm("-m", "echo", "async hi", "--async")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prompt"] == "async hi"
    assert _rows(user_dir / "logs.db", "select prompt from responses")[0]["prompt"] == "async hi"


def test_usage_and_extract(invoke_llm) -> None:
    result = invoke_llm("-m", "echo", '{"raw": "text\\n```py\\nprint(1)\\n```\\n"}', "-x", "-u")
    assert result.stdout == "print(1)\n\n"
    assert "Token usage:" in result.stderr
    two_blocks = '{"raw": "```\\nfirst\\n```\\n```\\nsecond\\n```"}'
    assert invoke_llm("-m", "echo", two_blocks, "--xl").stdout == "second\n\n"
    assert invoke_llm("-m", "echo", two_blocks, "--extract-last").stdout == "second\n\n"
    no_block = invoke_llm("-m", "echo", '{"raw": "no code here"}', "-x")
    assert no_block.stdout == "no code here\n"


def test_extract_asks_the_model_not_to_stream(invoke_llm) -> None:
    """Only the extracted block is shown, so -x/--xl prompt without streaming, as the original."""
    for flag in ("-x", "--xl"):
        assert json.loads(invoke_llm("-m", "echo", "hi", flag).stdout)["stream"] is False
    assert json.loads(invoke_llm("-m", "echo", "hi").stdout)["stream"] is True

"""``llm logs``: every filter and output mode, end to end (in process: see invoke_llm)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llm


@pytest.fixture
def logged(invoke_llm, user_dir: Path) -> list[dict]:
    """Five logged exchanges across two conversations and two models."""
    invoke_llm("-m", "echo", "pelicans are large birds", "-s", "be brief")
    invoke_llm("-c", "tell me more about pelicans")
    invoke_llm("-m", "markov", "walruses walruses walruses swim", "-o", "length", "3")
    invoke_llm("-m", "echo", '{"raw": "code:\\n```python\\nfirst()\\n```\\n```sh\\nlast\\n```"}')
    invoke_llm("-m", "echo", "the walrus said hello", "-o", "example_bool", "1")
    return json.loads(invoke_llm("logs", "-n", "0", "--json").stdout)


def test_default_shows_the_latest_three_as_markdown(invoke_llm, logged: list[dict]) -> None:
    output = invoke_llm("logs").stdout
    assert output.count("## Prompt") == 3
    assert "the walrus said hello" in output
    assert "pelicans are large birds" not in output
    assert len(logged) == 5
    assert [r["id"] for r in logged] == sorted(r["id"] for r in logged)


def test_count_zero_is_everything(invoke_llm, logged: list[dict]) -> None:
    assert invoke_llm("logs", "-n", "0").stdout.count("## Prompt") == 5
    assert len(json.loads(invoke_llm("logs", "-n", "2", "--json").stdout)) == 2


def test_model_filter_accepts_aliases(invoke_llm, logged: list[dict]) -> None:
    invoke_llm("aliases", "set", "mk", "markov")
    [only] = json.loads(invoke_llm("logs", "-m", "mk", "--json").stdout)
    assert only["model"] == "markov"


def test_full_text_search_is_ranked(invoke_llm, logged: list[dict]) -> None:
    found = json.loads(invoke_llm("logs", "-q", "walrus", "--json").stdout)
    assert [r["prompt"] for r in found] == ["the walrus said hello"]
    pelicans = json.loads(invoke_llm("logs", "-q", "pelicans", "--json").stdout)
    assert {r["prompt"] for r in pelicans} == {
        "pelicans are large birds",
        "tell me more about pelicans",
    }


def test_latest_orders_search_results_by_time(invoke_llm, logged: list[dict]) -> None:
    invoke_llm("-m", "echo", "one pelican")
    invoke_llm("-m", "echo", "pelican pelican pelican pelican")
    invoke_llm("-m", "echo", "the last pelican")
    best = json.loads(invoke_llm("logs", "-q", "pelican", "-n", "1", "--json").stdout)
    assert [r["prompt"] for r in best] == ["pelican pelican pelican pelican"]
    newest = json.loads(invoke_llm("logs", "-q", "pelican", "-n", "1", "-l", "--json").stdout)
    assert [r["prompt"] for r in newest] == ["the last pelican"]


def test_conversation_filters(invoke_llm, logged: list[dict]) -> None:
    first_conversation = logged[0]["conversation_id"]
    by_id = json.loads(invoke_llm("logs", "--cid", first_conversation, "--json").stdout)
    assert [r["prompt"] for r in by_id] == [
        "pelicans are large birds",
        "tell me more about pelicans",
    ]
    current = json.loads(invoke_llm("logs", "-c", "--json").stdout)
    assert [r["prompt"] for r in current] == ["the walrus said hello"]


def test_id_filters(invoke_llm, logged: list[dict]) -> None:
    middle = logged[2]["id"]
    after = json.loads(invoke_llm("logs", "-n", "0", "--id-gt", middle, "--json").stdout)
    assert [r["id"] for r in after] == [r["id"] for r in logged[3:]]
    from_middle = json.loads(invoke_llm("logs", "-n", "0", "--id-gte", middle, "--json").stdout)
    assert [r["id"] for r in from_middle] == [r["id"] for r in logged[2:]]


def test_response_and_extract(invoke_llm, logged: list[dict]) -> None:
    assert invoke_llm("logs", "-r").stdout == logged[-1]["response"] + "\n"
    code = invoke_llm("logs", "-x", "-m", "echo", "-q", "python")
    assert code.stdout == "first()\n\n"
    last = invoke_llm("logs", "--xl", "-m", "echo", "-q", "python")
    assert last.stdout == "last\n\n"


def test_truncate_short_and_usage(invoke_llm, logged: list[dict]) -> None:
    truncated = json.loads(invoke_llm("logs", "-n", "1", "-t", "--json").stdout)[0]
    assert len(truncated["response"]) <= 100 and truncated["response"].endswith("...")
    short = invoke_llm("logs", "-s", "-u", "-n", "1").stdout
    assert short.startswith("- model: echo\n")
    assert "  prompt: the walrus said hello\n" in short
    assert "  usage:\n    input: 4\n" in short
    usage = invoke_llm("logs", "-u", "-n", "1").stdout
    assert "## Token usage\n\n4 input," in usage


def test_json_fields(invoke_llm, logged: list[dict]) -> None:
    latest = logged[-1]
    assert latest["options_json"] == {"example_bool": True}
    assert latest["conversation_model"] == "echo"
    assert latest["prompt_fragments"] == [] and latest["attachments"] == []
    assert latest["datetime_utc"].endswith("+00:00")


def test_fragments_filter_and_expand(invoke_llm, user_dir: Path, tmp_path: Path) -> None:
    model = llm.get_model("echo")
    response = model.prompt("with fragments", fragments=[llm.Fragment("shared text", "notes.txt")])
    response.text()
    response.log_to_db(user_dir / "logs.db")
    invoke_llm("-m", "echo", "no fragments here")
    fragment_hash = llm.Fragment("shared text").id()
    [hit] = json.loads(invoke_llm("logs", "-f", fragment_hash, "--json").stdout)
    assert hit["prompt"] == "with fragments"
    assert [f["hash"] for f in hit["prompt_fragments"]] == [fragment_hash]
    expanded = json.loads(invoke_llm("logs", "-f", fragment_hash, "-e", "--json").stdout)[0]
    assert [f["content"] for f in expanded["prompt_fragments"]] == ["shared text"]
    notes = tmp_path / "notes.txt"
    notes.write_text("shared text")
    assert len(json.loads(invoke_llm("logs", "-f", str(notes), "--json").stdout)) == 1
    markdown = invoke_llm("logs", "-f", fragment_hash, "-e").stdout
    assert "### Prompt fragments" in markdown and "shared text" in markdown


def test_other_database(invoke_llm, logged: list[dict], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    invoke_llm("-m", "echo", "somewhere else", "-d", str(other))
    [only] = json.loads(invoke_llm("logs", "-d", str(other), "--json").stdout)
    assert only["prompt"] == "somewhere else"
    missing = invoke_llm("logs", "-d", str(tmp_path / "nope" / "x.db"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert not (tmp_path / "nope").exists()


def test_status_backup_on_off(invoke_llm, logged: list[dict], tmp_path: Path) -> None:
    status = invoke_llm("logs", "status").stdout
    assert "Logging is ON for all prompts" in status
    assert "Number of legacy responses:\t5" in status
    assert "Number of legacy conversations:\t4" in status
    backup = tmp_path / "backup.db"
    assert invoke_llm("logs", "backup", str(backup)).returncode == 0
    assert len(json.loads(invoke_llm("logs", "-d", str(backup), "-n", "0", "--json").stdout)) == 5
    again = invoke_llm("logs", "backup", str(backup))
    assert again.returncode == 1 and "already exists" in again.stderr
    invoke_llm("logs", "off")
    assert "Logging is OFF" in invoke_llm("logs", "status").stdout

"""``llm logs``: the original's Markdown, JSON and YAML layouts, its filters and its errors,
read from a log database written row by row (as plugins and old databases have them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import llm_storage
from llm_cli.app import cli
from llm_storage.schema import tables

START = "2025-01-02T03:04:0{}.123456+00:00"

RESPONSES: list[dict[str, Any]] = [
    dict(
        id="r01",
        system="sys A",
        prompt="hello " * 30,
        response="resp one " * 20,
        model="davinci",
        conversation_id="c1",
        input_tokens=1200,
        output_tokens=5,
        token_details='{"cached": 3}',
        prompt_json='{"a": 1}',
        options_json='{"temperature": 0.5}',
        duration_ms=12,
    ),
    dict(
        id="r02",
        system="sys A",
        prompt="second\nline  two",
        response='{"name": "x"}',
        model="davinci",
        conversation_id="c1",
        schema_id="s1",
    ),
    dict(id="r03", system=None, prompt=None, response="", model="curie", conversation_id=None),
    dict(id="r04", system="sys B", prompt="with attach", response="ok", model="curie"),
    dict(id="r05", system="sys B", prompt="tools", response="done", model="curie"),
]
for _number, _row in enumerate(RESPONSES):
    _row["datetime_utc"] = START.format(5 + _number)
    _row.setdefault("conversation_id", "c2")


def _fill(store: Any) -> None:
    """The rows through the tables, without the writer: as code written for the original
    inserts them (link rows without an ``order`` included)."""
    with store.engine.begin() as conn:

        def insert(name: str, *rows: dict[str, Any]) -> None:
            for row in rows:  # one by one: the rows do not all name the same columns
                conn.execute(tables[name].insert(), row)

        insert("schemas", {"id": "s1", "content": '{"type": "object", "properties": {}}'})
        insert("conversations", {"id": "c1", "name": "first conv", "model": "davinci"})
        insert("conversations", {"id": "c2", "name": None, "model": None})
        insert("responses", *RESPONSES)
        insert(
            "attachments",
            {"id": "a1", "type": "image/png", "path": "/tmp/x.png", "url": None, "content": None},
            {"id": "a2", "type": "image/jpeg", "path": None, "url": "https://e.com/y.jpg"},
            {"id": "a3", "type": "audio/wav", "path": None, "url": None, "content": b"x" * 2000},
        )
        insert(
            "prompt_attachments",
            *({"response_id": "r04", "attachment_id": f"a{n}", "order": n} for n in (1, 2, 3)),
        )
        insert(
            "fragments",
            {"id": 1, "hash": "h1", "content": "frag one", "source": "s"},
            {"id": 2, "hash": "h2", "content": "<a>" * 12, "source": "s"},
        )
        insert("fragment_aliases", {"alias": "zz", "fragment_id": 1})
        insert("prompt_fragments", {"response_id": "r01", "fragment_id": 1, "order": 0})
        insert("system_fragments", {"response_id": "r01", "fragment_id": 2, "order": 0})
        schema = {"type": "object", "properties": {"x": {"type": "string"}}}
        insert(
            "tools",
            {
                "id": 1,
                "hash": "th",
                "name": "demo",
                "description": "A demo",
                "input_schema": json.dumps(schema),
                "plugin": "p",
            },
        )
        insert("tool_responses", {"tool_id": 1, "response_id": "r05"})
        call = {"response_id": "r05", "tool_id": 1, "name": "demo", "tool_call_id": "call1"}
        insert("tool_calls", {"id": 1, "arguments": '{"x": "1"}', **call})
        insert("tool_results", {"id": 1, "output": "line1\nline2", **call})


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    monkeypatch.delenv("LLM_DATABASE_URL", raising=False)
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "")
    return tmp_path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, user_dir: Path) -> Iterator[str]:
    """A filled log database: the default SQLite file, or a PostgreSQL schema's URL."""
    if request.param == "sqlite":
        target = str(user_dir / "logs.db")
        store = llm_storage.open_store(target)
        _fill(store)
        store.close()
        yield target
        return
    from llm_storage.testing import schema_or_skip

    with schema_or_skip() as url:
        store = llm_storage.open_store(url)
        _fill(store)
        store.close()
        yield url


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def logs(database: str, *args: str) -> Any:
    result = run("logs", *args, "-d", database)
    assert result.exit_code == 0, result.output
    return result


MARKDOWN = """\
# 2025-01-02T03:04:05    conversation: c1 id: r01

Model: **davinci**

## Prompt

{hello}

### Prompt fragments

- h1

## Options

- temperature: 0.5

## System

sys A

### System fragments

- h2

## Response

{resp}

## Token usage

1,200 input, 5 output, `{{"cached": 3}}`

Duration: 12ms (0s)

# 2025-01-02T03:04:06    conversation: c1 id: r02

Model: **davinci**

## Prompt

second
line  two

## Schema

```json
{{
  "type": "object",
  "properties": {{}}
}}
```

## Response

```json
{{
  "name": "x"
}}
```

# 2025-01-02T03:04:07    conversation: None id: r03

Model: **curie**

## Prompt

-- none --

## Response

# 2025-01-02T03:04:08    conversation: c2 id: r04

Model: **curie**

## Prompt

with attach

## System

sys B

### Attachments

1. **image/png**: `/tmp/x.png`
2. **image/jpeg**: https://e.com/y.jpg
3. **audio/wav**: `<2,000 bytes>`

## Response

ok

# 2025-01-02T03:04:09    conversation: c2 id: r05

Model: **curie**

## Prompt

tools

### Tools

- **demo**: `th`{br}
    A demo{br}
    Arguments: `{{"x": {{"type": "string"}}}}`

### Tool results

- **demo**: `call1`{br}
    ```
    line1
    line2
    ```

## Response

### Tool calls

- **demo**: `call1`{br}
    x:
    ```
    1
    ```

done

"""


def test_markdown_layout(database: str) -> None:
    """Sections as the original lays them out; a repeated system prompt is not repeated."""
    output = logs(database, "-n", "0", "-u").output
    # {br}: a Markdown line break, two spaces at the end of a line
    assert output == MARKDOWN.format(hello="hello " * 30, resp="resp one " * 20, br="  ")


def test_one_conversation_shows_its_heading_once(database: str) -> None:
    output = logs(database, "--cid", "c1").output
    assert output.startswith("# 2025-01-02T03:04:05    conversation: c1 id: r01\n\n")
    assert "\n# 2025-01-02T03:04:06\n\n## Prompt\n\nsecond\n" in output
    assert output.count("Model: **davinci**") == 1


def test_json_keys_and_values(database: str) -> None:
    first, second, *_, with_attachments, with_tools = json.loads(
        logs(database, "-n", "0", "--json").output
    )
    assert list(first) == [  # llm 0.36's keys, in its order
        "id",
        "model",
        "resolved_model",
        "options_json",
        "conversation_id",
        "duration_ms",
        "datetime_utc",
        "input_tokens",
        "output_tokens",
        "token_details",
        "conversation_name",
        "conversation_model",
        "schema_json",
        "prompt",
        "system",
        "response",
        "reasoning",
        "prompt_json",
        "response_json",
        "prompt_fragments",
        "system_fragments",
        "tools",
        "tool_calls",
        "tool_results",
        "attachments",
    ]
    assert (first["resolved_model"], first["reasoning"]) == (None, None)
    assert first["prompt_json"] == {"a": 1} and first["options_json"] == {"temperature": 0.5}
    assert first["token_details"] == '{"cached": 3}'  # not a *_json column: left as stored
    assert (first["conversation_name"], first["conversation_model"]) == ("first conv", "davinci")
    assert first["prompt_fragments"] == [{"hash": "h1", "content": "frag one", "aliases": ["zz"]}]
    assert second["schema_json"] == {"type": "object", "properties": {}}
    assert [a["content_length"] for a in with_attachments["attachments"]] == [None, None, 2000]
    assert list(with_attachments["attachments"][0]) == [
        "id",
        "type",
        "path",
        "url",
        "content_length",
    ]
    assert with_tools["tools"][0]["input_schema"]["properties"] == {"x": {"type": "string"}}
    assert with_tools["tool_calls"] == [
        {"id": 1, "tool_id": 1, "name": "demo", "arguments": {"x": "1"}, "tool_call_id": "call1"}
    ]
    # As 0.32+: the exception, the instance that ran it and its attachments, each always.
    assert list(with_tools["tool_results"][0]) == [
        "id",
        "tool_id",
        "name",
        "output",
        "tool_call_id",
        "exception",
        "instance",
        "attachments",
    ]


def test_truncate_drops_set_json_columns(database: str) -> None:
    first = json.loads(logs(database, "-n", "0", "-t", "--json").output)[0]
    assert first["prompt"].endswith("...") and len(first["prompt"]) == 100
    assert "prompt_json" not in first and "options_json" not in first
    assert first["response_json"] is None
    markdown = logs(database, "-n", "0", "-t").output  # no schema section, no crash
    assert "## Schema" not in markdown and "hello h...\n" in markdown


def test_short_yaml(database: str) -> None:
    output = logs(database, "-n", "0", "-s", "-u").output
    items = yaml.safe_load(output)
    assert items[0]["prompt"] == truncate_middle(("hello " * 30).strip() + " ")
    assert items[0]["usage"] == {"input": 1200, "output": 5, "details": {"cached": 3}}
    # The duration follows the time, where one was logged (llm 0.36).
    assert list(items[0])[:4] == ["model", "datetime", "duration_ms", "conversation"]
    assert items[0]["duration_ms"] == 12
    assert items[1]["prompt"] == "second line two"
    assert items[2] == {
        "model": "curie",
        "datetime": "2025-01-02T03:04:07",
        "conversation": None,
        "prompt_fragments": [],
        "system_fragments": [],
    }
    assert items[3]["attachments"] == [
        {"type": "image/png", "path": "/tmp/x.png"},
        {"type": "image/jpeg", "url": "https://e.com/y.jpg"},
        {"type": "audio/wav"},
    ]
    assert items[4]["tool_calls"] == ['demo({"x": "1"})']
    assert items[4]["tool_results"] == ["demo: line1\nline2"]
    assert list(items[4])[:5] == ["model", "datetime", "conversation", "tool_calls", "tool_results"]


def truncate_middle(text: str) -> str:
    return text[:57] + "... " + text[-57:]


def test_expand_fragments(database: str) -> None:
    output = logs(database, "-n", "0", "-e").output
    assert (
        "### Prompt fragments\n\n<details><summary>h1</summary>\nfrag one\n</details>\n" in output
    )
    # Markup-heavy content is fenced.
    assert "<details><summary>h2</summary>\n\n```\n" + "<a>" * 12 + "\n```\n</details>" in output


def test_response_extract_and_current(database: str) -> None:
    assert logs(database, "-r").output == "done\n"
    # -c: the latest response's conversation, all of it.
    assert [r["id"] for r in json.loads(logs(database, "-c", "--json").output)] == ["r04", "r05"]
    # No code block anywhere: the Markdown log instead.
    assert logs(database, "-x").output.startswith("# 2025-01-02T03:04:07")


def test_filters(database: str) -> None:
    def ids(*args: str) -> list[str]:
        return [r["id"] for r in json.loads(logs(database, "--json", *args).output)]

    assert ids("-n", "0", "-m", "curie") == ["r03", "r04", "r05"]
    assert ids("--tools") == ["r05"]
    assert ids("-n", "0", "--id-gt", "r03") == ["r04", "r05"]
    assert ids("-q", "attach") == ["r04"]
    assert ids("-n", "2") == ["r04", "r05"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-s", "--json"], "Error: Cannot use --short and --json together"),
        (["-s", "-r"], "Error: Cannot use --short and --response together"),
        (["-s", "-r", "--json"], "Error: Cannot use --short and --json or --response together"),
        (["-f", "nope"], "Error: Fragment 'nope' not found"),
    ],
)
def test_bad_combinations(database: str, args: list[str], message: str) -> None:
    result = run("logs", *args, "-d", database)
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_reading_never_creates_a_database(user_dir: Path) -> None:
    path = user_dir / "logs.db"
    for args in (["logs"], ["logs", "list", "-r"], ["logs", "-c"]):
        result = run(*args)
        assert result.exit_code == 1
        assert result.output == f"Error: No log database found at {path}\n"
    status = run("logs", "status")
    assert (status.exit_code, status.output) == (0, f"No log database found at {path}\n")
    missing = run("logs", "-d", str(user_dir / "other.db"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert not path.exists() and not (user_dir / "other.db").exists()


def test_empty_database(user_dir: Path) -> None:
    llm_storage.open_store(user_dir / "logs.db").close()
    result = run("logs", "-c")
    assert (result.exit_code, result.output) == (1, "Error: No conversations found\n")
    assert run("logs").output == ""


def test_hidden_path_option(user_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    store = llm_storage.open_store(other)
    _fill(store)
    store.close()
    result = run("logs", "-p", str(other), "-n", "1", "--json")
    assert [r["id"] for r in json.loads(result.output)] == ["r05"]
    assert "--path" not in run("logs", "list", "--help").output


def test_status_and_backup(user_dir: Path, tmp_path: Path) -> None:
    store = llm_storage.open_store(user_dir / "logs.db")
    _fill(store)
    store.close()
    lines = run("logs", "status").output.splitlines()
    # As llm 0.36 prints it: its threads and turns (none here), then the 0.26 tables
    assert lines[:6] == [
        "Logging is ON for all prompts",
        f"Found log database at {user_dir / 'logs.db'}",
        "Number of threads logged:\t0",
        "Number of turns logged:\t\t0",
        "Number of legacy conversations:\t2",
        "Number of legacy responses:\t5",
    ]
    assert lines[6].startswith("Database file size: \t\t") and lines[6].endswith("KB")
    run("logs", "off")
    assert run("logs", "status").output.startswith("Logging is OFF\n")
    backup = run("logs", "backup", str(tmp_path / "copy.db"))
    assert backup.exit_code == 0
    assert backup.output.startswith("Backed up ") and backup.output.endswith(
        f"KB to {tmp_path / 'copy.db'}\n"
    )


def test_data_output(user_dir: Path) -> None:
    store = llm_storage.open_store(user_dir / "logs.db")
    with store.engine.begin() as conn:
        for number, text in enumerate(
            ['{"name": "a"}', '{"items": [{"name": "b"}, {"name": "c"}]}', "not JSON"]
        ):
            row = {"id": f"r{number}", "response": text, "conversation_id": None}
            conn.execute(tables["responses"].insert(), row)
    store.close()
    # --data: one object per line, the newest first; responses that are not JSON skipped.
    assert run("logs", "--data").output == (
        '{"items": [{"name": "b"}, {"name": "c"}]}\n{"name": "a"}\n'
    )
    assert run("logs", "--data-key", "items", "--data-array").output == (
        '[{"name": "a"},\n {"name": "b"},\n {"name": "c"}]\n'
    )
    with_ids = run("logs", "--data-ids", "--data-key", "items").output.splitlines()
    assert [json.loads(line) for line in with_ids][1] == {
        "name": "b",
        "response_id": "r1",
        "conversation_id": None,
    }
    assert run("logs", "--data-array", "-m", "nothing").output == "[]\n"


READINGS = [
    [],
    ["-n", "0"],
    ["-n", "0", "--json"],
    ["-n", "0", "--json", "-t"],
    ["-n", "0", "-e", "-u"],
    ["-n", "0", "-s", "-u"],
    ["-r"],
    ["-x"],
    ["-c"],
    ["--cid", "c1"],
    ["-q", "hello", "--json"],
    ["-q", "resp", "-n", "1"],
    ["-f", "zz", "--json", "-e"],
    ["--tools", "-n", "0"],
    ["--data", "-n", "0"],
    ["--id-gte", "r02", "-n", "2", "--json"],
]


@pytest.mark.parametrize("args", READINGS, ids=" ".join)
def test_the_sqlite3_reader_prints_what_the_sqlalchemy_path_prints(
    user_dir: Path, args: list[str]
) -> None:
    """``-d FILE`` on an up-to-date SQLite file reads with the standard library's sqlite3;
    ``-d sqlite:///FILE`` reads the same file through SQLAlchemy. Same bytes out."""
    path = user_dir / "logs.db"
    store = llm_storage.open_store(path)
    _fill(store)
    store.close()
    through_sqlite3 = run("logs", *args, "-d", str(path))
    through_sqlalchemy = run("logs", *args, "-d", f"sqlite:///{path}")
    assert through_sqlite3.exit_code == through_sqlalchemy.exit_code == 0
    assert through_sqlite3.output == through_sqlalchemy.output
    assert through_sqlite3.output


def _many(target: str | Path, number: int) -> None:
    store = llm_storage.open_store(target)
    with store.engine.begin() as conn:
        conn.execute(tables["conversations"].insert(), {"id": "conv", "name": "n", "model": "m"})
        conn.execute(
            tables["responses"].insert(),
            [
                {
                    "id": f"r{n:04}",
                    "model": "m",
                    "prompt": f"prompt {n}",
                    "response": f"response {n}",
                    "conversation_id": "conv",
                    "datetime_utc": f"2025-01-02T03:04:05.{n:06}+00:00",
                }
                for n in range(number)
            ],
        )
        conn.execute(tables["fragments"].insert(), {"id": 1, "hash": "h", "content": "f" * 500})
        conn.execute(
            tables["prompt_fragments"].insert(),
            [{"response_id": f"r{n:04}", "fragment_id": 1, "order": 0} for n in range(number)],
        )
    store.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_output_streams_in_batches_in_order(user_dir: Path, backend: str) -> None:
    """More responses than one batch: all of them, oldest first, each with its children;
    JSON is one array, Markdown one heading per response."""
    from llm_storage import read

    number = read.BATCH * 2 + 37
    if backend == "sqlite":
        target = str(user_dir / "logs.db")
        _many(target, number)
        rows = json.loads(logs(target, "-n", "0", "--json").output)
        markdown = logs(target, "-n", "0").output
        newest = json.loads(logs(target, "-n", str(read.BATCH + 1), "--json").output)
    else:
        from llm_storage.testing import schema_or_skip

        with schema_or_skip() as target:
            _many(target, number)
            rows = json.loads(logs(target, "-n", "0", "--json").output)
            markdown = logs(target, "-n", "0").output
            newest = json.loads(logs(target, "-n", str(read.BATCH + 1), "--json").output)
    assert [r["id"] for r in rows] == [f"r{n:04}" for n in range(number)]
    assert all(r["prompt_fragments"][0]["content"] == "f" * 97 + "..." for r in rows)
    assert [r["id"] for r in newest] == [f"r{n:04}" for n in range(number - read.BATCH - 1, number)]
    assert markdown.count("\n## Prompt\n") == number
    assert markdown.index("prompt 0\n") < markdown.index(f"prompt {number - 1}\n")


@pytest.mark.parametrize(
    "rows",
    [[], [{}], [{"a": [1, {"b": "x\ny"}], "c": [], "d": {}}, {"e": None, "f": "\u00e9"}]],
)
def test_json_in_pieces_is_json_dumps(rows: list[dict[str, Any]]) -> None:
    from llm_cli.logs_format import gathered, json_pieces

    assert "".join(json_pieces(rows)) == json.dumps(rows, indent=2)
    assert "".join(gathered(json_pieces(rows))) == json.dumps(rows, indent=2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short one",
        " lead\t\tand  trail \n",
        "word " * 5000,
        "\n\n" + "a\t" * 3000 + "   ",
        " " * 3000 + "x" + " " * 3000,  # mostly whitespace
        "x" * 3000 + " " * 3000 + "y",
    ],
)
@pytest.mark.parametrize("keep_end", [False, True])
def test_short_truncation_reads_only_the_ends(text: str, keep_end: bool) -> None:
    from llm.utils import truncate_string
    from llm_cli.logs_format import _short_text

    expected = truncate_string(text, 120, normalize_whitespace=True, keep_end=keep_end)
    assert _short_text(text, keep_end=keep_end) == expected


def test_huge_pieces_stay_whole() -> None:
    from llm_cli.logs_format import BIG, gathered

    huge = "h" * BIG
    assert list(gathered(["a", "b", huge, "c"])) == ["ab", huge, "c"]


def test_a_file_damaged_past_its_schema_is_a_clear_error(user_dir: Path) -> None:
    """The sqlite3 reader opens it (its schema reads fine); the damage shows while the
    responses are read: one error line, no traceback."""
    import sqlite3

    path = user_dir / "logs.db"
    _many(path, 300)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    [page_size] = conn.execute("PRAGMA page_size").fetchone()
    [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'responses'").fetchone()
    conn.close()
    with path.open("r+b") as f:  # the responses table's root page: garbage
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    result = run("logs", "-n", "0")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {path} is not a valid SQLite database (the file is corrupt or not a database)"
    )
    assert "Traceback" not in result.output


def test_json_rows_have_every_column_in_llm_036_order() -> None:
    """``--json`` shows each stored column (the schema's by its JSON), in 0.36's order."""
    from llm_cli.logs_format import RESPONSE_KEYS
    from llm_storage.read import RESPONSE_COLUMNS

    assert set(RESPONSE_COLUMNS) - {"schema_id"} <= set(RESPONSE_KEYS)
    assert RESPONSE_KEYS.index("resolved_model") == RESPONSE_KEYS.index("model") + 1
    assert RESPONSE_KEYS.index("reasoning") == RESPONSE_KEYS.index("response") + 1

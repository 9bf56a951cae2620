"""``--schema`` / ``--schema-multi`` on ``llm prompt``, and answers repaired against the schema."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from llm.schemas import make_schema_id
from llm_cli.repair import repair_prompt, validation_errors

Invoke = Callable[..., Result]
DOG = {"name": "Cleo", "age": 10}
DOG_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def _raw(payload: object) -> str:
    """An echo prompt asking for ``payload`` back, as text."""
    return json.dumps({"raw": payload if isinstance(payload, str) else json.dumps(payload)})


def _rows(user_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(user_path / "logs.db") as db:
        return db.execute(sql).fetchall()


def test_dsl_schema_is_sent_and_stored_once(invoke: Invoke, user_path: Path) -> None:
    for _ in range(2):
        result = invoke("-m", "echo", "--schema", "name, age int", _raw(DOG))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == DOG
    schema_id, _ = make_schema_id(DOG_SCHEMA)
    assert _rows(user_path, "select id, content from schemas") == [
        (schema_id, json.dumps(DOG_SCHEMA, separators=(",", ":")))
    ]
    assert _rows(user_path, "select schema_id from responses") == [(schema_id,), (schema_id,)]


def test_schema_from_json_file_then_by_stored_id(
    invoke: Invoke, user_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "dog.json"
    path.write_text(json.dumps(DOG_SCHEMA))
    assert invoke("-m", "echo", "--schema", str(path), _raw(DOG)).exit_code == 0
    result = invoke("-m", "echo", "--schema", make_schema_id(DOG_SCHEMA)[0], _raw(DOG))
    assert result.exit_code == 0, result.output
    assert len(_rows(user_path, "select id from schemas")) == 1


def test_schema_multi_wraps_the_schema_in_items(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "--schema-multi", "name, age int", _raw({"items": [DOG]}))
    assert result.exit_code == 0, result.output
    (content,) = _rows(user_path, "select content from schemas")[0]
    assert json.loads(str(content))["properties"]["items"]["items"] == DOG_SCHEMA


def test_bad_schemas_are_clear_errors_and_nothing_runs(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "--schema", "no-such-id", "hi")
    assert result.exit_code == 2
    assert "Invalid value: Invalid schema" in result.stderr
    result = invoke("-m", "echo", "--schema", "name, age integer", "hi")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Unknown type 'integer'")
    result = invoke("-m", "echo", "--schema", "t:nope", "hi")
    assert result.stderr == "Error: Invalid template: nope\n"
    # Looking up the ID read the log without creating it; nothing ran, so nothing was logged.
    assert not (user_path / "logs.db").exists()


def test_a_model_without_schema_support_is_an_error(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "markov", "--schema", "name, age int", "hi")
    assert result.exit_code == 1
    assert result.stderr == "Error: Markov: markov does not support schemas\n"
    assert not (user_path / "logs.db").exists()


def test_template_schema_via_t_prefix(invoke: Invoke, user_path: Path) -> None:
    (user_path / "templates").mkdir(parents=True)
    (user_path / "templates" / "dog.yaml").write_text(
        "schema_object:\n" + "\n".join(f"  {line}" for line in json.dumps(DOG_SCHEMA).split("\n"))
    )
    (user_path / "templates" / "plain.yaml").write_text("prompt: hi\n")
    assert invoke("-m", "echo", "--schema", "t:dog", _raw(DOG)).exit_code == 0
    result = invoke("-m", "echo", "--schema", "t:plain", "hi")
    assert result.stderr == "Error: Template 'plain' has no schema\n"


def test_invalid_answer_is_repaired_and_every_attempt_logged(
    invoke: Invoke, user_path: Path
) -> None:
    # echo answers the first prompt with broken JSON; the repair prompt is plain text, so it
    # answers that with its JSON account, which has the "prompt" the schema asks for.
    result = invoke("-m", "echo", "--schema", "prompt str", _raw("not json"))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert "the answer is not valid JSON" in answer["prompt"]
    assert answer["previous"] == [{"prompt": _raw("not json")}]
    assert "asking the model to fix it" in result.stderr
    rows = _rows(user_path, "select conversation_id, response, schema_id from responses")
    assert len(rows) == 2
    assert rows[0][1] == "not json"
    assert rows[0][0] == rows[1][0]  # one conversation
    assert rows[0][2] == rows[1][2] is not None


def test_last_attempt_still_invalid_exits_non_zero(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "--schema", "prompt str, age int", _raw("not json"))
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: The answer does not match the schema: (root): 'age' is a required property\n"
    )
    assert json.loads(result.stdout)["previous"]  # the last answer is still shown
    assert len(_rows(user_path, "select id from responses")) == 2


def test_retries_zero_turns_checking_off(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "--schema", "age int", "--schema-retries", "0", _raw("x"))
    assert result.exit_code == 0
    assert result.stdout == "x\n"
    assert len(_rows(user_path, "select id from responses")) == 1


def test_more_retries_keep_asking(invoke: Invoke, user_path: Path) -> None:
    result = invoke("-m", "echo", "--schema", "age int", "--schema-retries", "3", _raw("x"))
    assert result.exit_code == 1
    assert len(_rows(user_path, "select id from responses")) == 4


def test_async_prompt_is_repaired_too(invoke: Invoke) -> None:
    result = invoke("--async", "-m", "echo", "--schema", "prompt str", _raw("[1]"))
    assert result.exit_code == 0, result.output
    assert "[1] is not of type 'object'" in json.loads(result.stdout)["prompt"]


def test_validation_errors_name_where_the_problem_is() -> None:
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": DOG_SCHEMA}},
    }
    assert validation_errors(json.dumps({"items": [DOG]}), schema) == []
    assert validation_errors('{"items": [{"name": "x", "age": "old"}]}', schema) == [
        "items[0].age: 'old' is not of type 'integer'"
    ]
    assert validation_errors("{", schema)[0].startswith("the answer is not valid JSON")
    assert validation_errors("{}", {"type": "nonsense"}) == []  # cannot check a bad schema
    assert "- a: wrong" in repair_prompt(["a: wrong"])

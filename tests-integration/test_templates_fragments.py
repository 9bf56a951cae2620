"""-t/-p templates and -f/--sf fragments on prompt and chat."""

from __future__ import annotations

import json
from pathlib import Path


def _template(user_dir: Path, name: str, text: str) -> None:
    directory = user_dir / "templates"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(text)


def test_template_by_name_with_params_defaults_model_and_options(
    invoke_llm, user_dir: Path
) -> None:
    _template(
        user_dir,
        "voice",
        "model: echo\nsystem: Speak as $voice\nprompt: 'Tell me about $input'\n"
        "defaults:\n  voice: GlaDOS\noptions:\n  example_bool: true\n",
    )
    answer = json.loads(invoke_llm("-t", "voice", "cake").stdout)
    assert answer["prompt"] == "Tell me about cake"
    assert answer["system"] == "Speak as GlaDOS"
    assert answer["options"] == {"example_bool": True}
    overridden = json.loads(
        invoke_llm("-t", "voice", "cake", "-p", "voice", "Yoda", "-o", "example_bool", "0").stdout
    )
    assert overridden["system"] == "Speak as Yoda"
    assert overridden["options"] == {"example_bool": False}
    piped = json.loads(invoke_llm("-t", "voice", input="piped text").stdout)
    assert piped["prompt"] == "Tell me about piped text"


def test_template_from_a_yaml_path_and_plain_string(invoke_llm, tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("'Translate: $input'\n")
    answer = json.loads(invoke_llm("-m", "echo", "-t", str(path), "bonjour").stdout)
    assert answer["prompt"] == "Translate: bonjour"


def test_template_extract_setting(invoke_llm, user_dir: Path) -> None:
    _template(user_dir, "code", "model: echo\nextract: true\n")
    result = invoke_llm("-t", "code", '{"raw": "```\\nx = 1\\n```"}')
    assert result.stdout == "x = 1\n\n"


def test_template_errors(invoke_llm, user_dir: Path, tmp_path: Path) -> None:
    unknown = invoke_llm("-m", "echo", "-t", "nope", "x")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Error: Invalid template: nope"
    _template(user_dir, "broken", "prompt: [unclosed\n")
    broken = invoke_llm("-m", "echo", "-t", "broken", "x")
    assert broken.returncode == 1
    assert broken.stderr.startswith("Error: Template 'broken' is not valid YAML")
    assert len(broken.stderr.strip().splitlines()) == 1
    _template(user_dir, "typo", "promt: hello\n")
    typo = invoke_llm("-m", "echo", "-t", "typo", "x")
    assert typo.returncode == 1 and "Template 'typo' is invalid: promt" in typo.stderr
    _template(user_dir, "needs", "prompt: $thing and $input\n")
    missing = invoke_llm("-m", "echo", "-t", "needs", "x")
    assert missing.returncode == 1 and missing.stderr.strip() == "Error: Missing variables: thing"
    assert not (user_dir / "logs.db").exists()


def test_fragments_from_files_and_stored_hashes(invoke_llm, user_dir: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the notes")
    rules = tmp_path / "rules.txt"
    rules.write_text("the rules")
    answer = json.loads(
        invoke_llm("-m", "echo", "question", "-f", str(notes), "--sf", str(rules)).stdout
    )
    assert answer["prompt"] == "the notes\nquestion"
    assert answer["system"] == "the rules"
    [logged] = json.loads(invoke_llm("logs", "--json").stdout)
    assert logged["prompt"] == "question"  # the typed prompt; fragments are stored apart
    [fragment_hash] = [fragment["hash"] for fragment in logged["prompt_fragments"]]
    notes.unlink()
    again = json.loads(invoke_llm("-m", "echo", "again", "-f", fragment_hash).stdout)
    assert again["prompt"] == "the notes\nagain"
    missing = invoke_llm("-m", "echo", "x", "-f", "no-such-fragment")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: Fragment 'no-such-fragment' not found"


def test_chat_with_template_and_fragments(invoke_llm, user_dir: Path, tmp_path: Path) -> None:
    _template(user_dir, "friendly", "model: echo\nsystem: Be $mood\nprompt: 'Q: $input'\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("context")
    result = invoke_llm(
        "chat", "-t", "friendly", "-p", "mood", "kind", "-f", str(notes), input="hi\nagain\nquit\n"
    )
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    first_start = result.stdout.index("{")
    first, end = decoder.raw_decode(result.stdout, first_start)
    second, _ = decoder.raw_decode(result.stdout, result.stdout.index("{", end))
    assert first["prompt"] == "context\nQ: hi" and first["system"] == "Be kind"
    assert second["prompt"] == "Q: again" and second["system"] == ""

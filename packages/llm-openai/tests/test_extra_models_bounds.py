"""``extra-openai-models.yaml`` is read within the bounds templates are (``llm.limits``): a
"billion laughs" of nested YAML aliases, a file that refers to itself or one larger than
``LLM_MAX_FRAGMENT_BYTES`` is one warning naming the file, fast, and its models are skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import llm
from llm_cli.testing import invoke
from llm_openai_provider.config import load_extra_models


def _bomb(levels: int = 9) -> str:
    """A few hundred bytes that expand to 9**levels strings."""
    lines = ['    a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"    a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "- model_id: bomb\n  model_name: x\n  headers:\n" + "\n".join(lines) + "\n"


def _write(environment: Path, text: str) -> Path:
    path = environment / "extra-openai-models.yaml"
    path.write_text(text, "utf-8")
    return path


def test_alias_bomb_is_refused_quickly(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(environment, _bomb())
    assert path.stat().st_size < 1000
    started = time.monotonic()
    assert load_extra_models() == []
    assert time.monotonic() - started < 5
    assert capsys.readouterr().err == (
        f"Warning: {path} expands to more than 10 MB through its YAML aliases"
        " (the LLM_MAX_FRAGMENT_BYTES setting); its models are not loaded\n"
    )


def test_alias_bomb_through_the_cli(environment: Path) -> None:
    path = _write(environment, _bomb())
    started = time.monotonic()
    result = invoke("models", "list", "-q", "gpt-4o-mini")
    assert time.monotonic() - started < 10
    assert result.returncode == 0
    assert "OpenAI Chat: gpt-4o-mini" in result.stdout
    (warning,) = result.stderr.splitlines()  # once, though the models are registered twice
    assert warning.startswith(f"Warning: {path} expands to more than 10 MB")
    unknown = invoke("-m", "bomb", "hi")
    assert unknown.returncode == 1
    assert unknown.stderr.splitlines()[-1] == "Error: Unknown model: bomb"
    assert "Traceback" not in unknown.stderr


def test_the_warning_is_given_once_by_the_real_executable(environment: Path) -> None:
    """``llm models list`` registers the models more than once in one process."""
    path = _write(environment, "a: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "llm_cli", "models", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "LLM_LOAD_PLUGINS": ""},
    )
    assert result.returncode == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"Warning: could not read {path}: ")


def test_a_lower_limit_applies(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(environment, _bomb(levels=3))  # 9**4 strings: about 26 KB expanded
    assert [spec.model_id for spec in load_extra_models()] == ["bomb"]
    monkeypatch.setenv("LLM_MAX_FRAGMENT_BYTES", "10k")
    assert load_extra_models() == []
    monkeypatch.setenv("LLM_MAX_FRAGMENT_BYTES", "0")  # no limit
    assert [spec.model_id for spec in load_extra_models()] == ["bomb"]


def test_self_reference_is_refused(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(environment, "- &m\n  model_id: loop\n  model_name: x\n  headers: *m\n")
    assert load_extra_models() == []
    assert capsys.readouterr().err == (
        f"Warning: {path} is invalid: a YAML alias refers to itself; its models are not loaded\n"
    )


def test_a_file_larger_than_the_limit_is_not_read(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(environment, "- model_id: big\n  model_name: " + "x" * 4096 + "\n")
    monkeypatch.setenv("LLM_MAX_FRAGMENT_BYTES", "1k")
    assert load_extra_models() == []
    assert capsys.readouterr().err == (
        f"Warning: {path} is larger than 1 KB (the LLM_MAX_FRAGMENT_BYTES setting);"
        f" the models of {path} are not loaded\n"
    )


def test_aliases_within_the_limit_keep_working(environment: Path) -> None:
    _write(
        environment,
        "- model_id: one\n  model_name: m\n  headers: &h {X-Team: a}\n"
        "- model_id: two\n  model_name: m\n  headers: *h\n",
    )
    assert llm.get_model("two").headers == {"X-Team": "a"}

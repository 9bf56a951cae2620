"""Config files the user may have edited by hand: never overwritten when they cannot be
parsed, written atomically, permissions kept."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

import llm
from llm import config

BROKEN = {
    "trailing comma": (b'{"a": "b",}', "is not valid JSON"),
    "binary": (b"\xff\xfe\x00\x01", "is not UTF-8 text"),
    "a list": (b'["a"]', "must contain a JSON object, not a list"),
    "a string": (b'"sk-123"', "must contain a JSON object, not a string"),
    "a number": (b"12", "must contain a JSON object, not a number"),
}


@pytest.fixture
def udir(user_path: Path) -> Path:
    user_path.mkdir(parents=True, exist_ok=True)
    return user_path


@pytest.mark.parametrize("content, problem", BROKEN.values(), ids=list(BROKEN))
def test_broken_keys_json_is_an_error_and_never_overwritten(
    udir: Path, content: bytes, problem: str
) -> None:
    path = udir / "keys.json"
    path.write_bytes(content)
    with pytest.raises(config.ConfigFileError) as caught:
        llm.load_keys()
    assert str(path) in str(caught.value) and problem in str(caught.value)
    with pytest.raises(config.ConfigFileError):
        config.set_key("openai", "sk-new")
    assert path.read_bytes() == content
    assert sorted(p.name for p in udir.iterdir()) == ["keys.json"]


@pytest.mark.parametrize("content, problem", BROKEN.values(), ids=list(BROKEN))
def test_broken_aliases_json_is_never_overwritten(udir: Path, content: bytes, problem: str) -> None:
    path = udir / "aliases.json"
    path.write_bytes(content)
    with pytest.raises(config.ConfigFileError, match=problem):
        llm.set_alias("x", "some-model")
    with pytest.raises(config.ConfigFileError, match=problem):
        llm.remove_alias("x")
    assert path.read_bytes() == content


def test_empty_or_blank_file_counts_as_empty(udir: Path) -> None:
    (udir / "keys.json").write_text("  \n")
    assert llm.load_keys() == {}
    config.set_key("openai", "sk-1")
    assert llm.load_keys() == {"openai": "sk-1"}


def test_unreadable_file_is_an_error(udir: Path) -> None:
    (udir / "aliases.json").mkdir()
    with pytest.raises(config.ConfigFileError, match=r"aliases\.json is a directory"):
        config.load_aliases()


def test_set_key_keeps_other_entries_and_mode_0600(udir: Path) -> None:
    path = udir / "keys.json"
    path.write_text(json.dumps({"a": "1", "meta": {"x": 1}}))
    os.chmod(path, 0o644)
    config.set_key("b", "2")
    assert json.loads(path.read_text()) == {"a": "1", "meta": {"x": 1}, "b": "2"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_keeps_an_existing_mode(udir: Path) -> None:
    path = udir / "aliases.json"
    path.write_text("{}")
    os.chmod(path, 0o640)
    llm.set_alias("x", "some-model")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert json.loads(path.read_text()) == {"x": "some-model"}


def test_write_through_a_symlink_keeps_the_link(udir: Path, tmp_path: Path) -> None:
    real = tmp_path / "real-aliases.json"
    real.write_text("{}")
    (udir / "aliases.json").symlink_to(real)
    llm.set_alias("x", "some-model")
    assert (udir / "aliases.json").is_symlink()
    assert json.loads(real.read_text()) == {"x": "some-model"}


@pytest.mark.parametrize("fail_in", ["write", "replace", "fsync"])
def test_disk_full_leaves_the_old_file_and_no_temp(
    udir: Path, monkeypatch: pytest.MonkeyPatch, fail_in: str
) -> None:
    path = udir / "keys.json"
    path.write_text('{"a": "1"}\n')
    before = path.read_bytes()

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(config.os, fail_in, no_space)
    with pytest.raises(config.ConfigFileError, match=r"Cannot write .*keys.json: No space left"):
        config.set_key("b", "2")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in udir.iterdir()) == ["keys.json"]


def test_default_model_written_atomically(udir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    llm.set_default_model("first")
    monkeypatch.setattr(config.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "x")))
    with pytest.raises(config.ConfigFileError):
        llm.set_default_model("second")
    monkeypatch.undo()
    assert (udir / "default_model.txt").read_text() == "first"
    assert sorted(p.name for p in udir.iterdir()) == ["default_model.txt"]


def test_binary_default_model_txt_names_the_file(udir: Path) -> None:
    (udir / "default_model.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(config.ConfigFileError, match=r"default_model\.txt is not UTF-8 text"):
        llm.get_default_model()


def test_multi_line_default_model_txt_is_an_error(udir: Path) -> None:
    (udir / "default_model.txt").write_text("gpt-4o\nrm -rf /\n")
    with pytest.raises(config.ConfigFileError, match="must hold a single line"):
        llm.get_default_model()


@pytest.mark.parametrize("name", ["", "  "])
def test_empty_key_and_alias_names_are_refused(udir: Path, name: str) -> None:
    with pytest.raises(ValueError, match="key name cannot be empty"):
        config.set_key(name, "sk-1")
    with pytest.raises(ValueError, match="alias name cannot be empty"):
        llm.set_alias(name, "some-model")
    assert list(udir.iterdir()) == []

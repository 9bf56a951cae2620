"""``llm.redact``: the one function that masks credentials in what is printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm import config
from llm.redact import redact, redact_url, remember


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # userinfo: the password goes, the user stays
        ("http://bob:hunter22@host/v1", "http://bob:***@host/v1"),
        ("postgresql://u:pw@host:5432/db", "postgresql://u:***@host:5432/db"),
        ("postgresql://alice@host/db", "postgresql://alice@host/db"),
        # an unencoded password holding '@', '/' or '?': all of it masked
        ("postgresql://u:p@ss/w@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:pa/ss@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:pa?ss@host/db?x=1", "postgresql://u:***@host/db?x=1"),
        # a port is not a password, an '@' in a path or query is not userinfo
        ("http://host:8080/path?email=a@b.com&x=1", "http://host:8080/path?email=a@b.com&x=1"),
        ("http://user@host:8080/a", "http://user@host:8080/a"),
        # query parameters named like credentials, in URLs and in a quoted path
        (
            "postgresql://h/db?password=pgsecret9&sslmode=disable",
            "postgresql://h/db?password=***&sslmode=disable",
        ),
        ("https://h/a?api_key=k123&access_token=t456", "https://h/a?api_key=***&access_token=***"),
        ("https://h/a?Secret=s&sig=x&key=", "https://h/a?Secret=***&sig=***&key="),
        ("POST /v1/?token=tok99 failed", "POST /v1/?token=*** failed"),
        # the sentence around a URL is kept
        ("at http://u:x1@h/v1?key=k9: refused.", "at http://u:***@h/v1?key=***: refused."),
        # Authorization headers quoted in an error
        ("Illegal header value b'Bearer sk-plain777\\r'", "Illegal header value b'Bearer ***\\r'"),
        ("got Basic Ym9iOnB3NzdzZWNyZXQ= back", "got Basic *** back"),
        ("Basic authentication failed", "Basic authentication failed"),
        # a libpq connection string
        ("host=h password=secret123 dbname=x", "host=h password=*** dbname=x"),
        ("host=h password='a b' dbname=x", "host=h password=*** dbname=x"),
        # ordinary words are left alone
        ("Expected key=value at 'foo'", "Expected key=value at 'foo'"),
        ("No key found - add one using 'llm keys set openai'", None),
    ],
)
def test_credentials_in_text_are_masked(text: str, expected: str | None) -> None:
    assert redact(text) == (text if expected is None else expected)


def test_every_stored_key_is_masked_and_the_file_reread_when_it_changes(
    user_path: Path,
) -> None:
    config.set_key("one", "sk-first-stored-111")
    assert redact("server said sk-first-stored-111!") == "server said ***!"
    config.set_key("two", "sk-second-stored-222")
    config.set_key("local", "ollama")  # a placeholder: the word stays readable
    assert redact("sk-first-stored-111 sk-second-stored-222 ollama") == "*** *** ollama"


def test_keys_are_stored_and_used_without_stray_whitespace(
    user_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.set_key("padded", "  sk-padded-333\r\n")
    assert json.loads(config.keys_path().read_text())["padded"] == "sk-padded-333"
    stored = json.loads(config.keys_path().read_text())
    stored["hand"] = "sk-hand-edited-444\r"  # a Windows editor
    config.keys_path().write_text(json.dumps(stored))
    assert config.get_key(alias="hand") == "sk-hand-edited-444"
    monkeypatch.setenv("SOME_SERVICE_KEY", "\tsk-env-555\r\n")
    assert config.get_key(env="SOME_SERVICE_KEY") == "sk-env-555"
    assert config.get_key("sk-typed-666\r") == "sk-typed-666"
    monkeypatch.setenv("BLANK_KEY", " \r\n")
    assert config.get_key(env="BLANK_KEY") is None


def test_a_key_in_use_is_masked_from_then_on(user_path: Path) -> None:
    assert redact("echo sk-used-not-stored-777") == "echo sk-used-not-stored-777"
    assert config.get_key("sk-used-not-stored-777") == "sk-used-not-stored-777"
    assert redact("echo sk-used-not-stored-777") == "echo ***"
    remember("sk-remembered-888", None, "ollama")  # a placeholder, too short: not masked
    assert redact("sk-remembered-888 ollama") == "*** ollama"
    assert redact("given sk-given-999", ["sk-given-999"]) == "given ***"


def test_environment_variables_named_like_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_KEY", "acme-0123456789")
    monkeypatch.setenv("ACME_TOKEN", "enabled")  # a setting, not a key: left alone
    monkeypatch.setenv("ACME_MODEL", "model-1234567")  # not named like a secret
    assert redact("acme-0123456789 enabled model-1234567") == "*** enabled model-1234567"


def test_a_broken_keys_json_does_not_break_a_message(user_path: Path) -> None:
    user_path.mkdir(parents=True, exist_ok=True)
    config.keys_path().write_text("{not json")
    assert redact("http://u:pw9@h") == "http://u:***@h"


def test_redact_url_takes_paths() -> None:
    assert redact_url(Path("/tmp/logs.db")) == "/tmp/logs.db"
    assert redact_url("sqlite:///tmp/x.db?key=k1") == "sqlite:///tmp/x.db?key=***"

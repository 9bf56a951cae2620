"""The user directory, keys, aliases and default models."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

import llm
from llm import config


class Named(llm.Model):
    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
        yield self.model_id


class Embed(llm.EmbeddingModel):
    model_id = "test-embed"

    def embed_batch(self, items):  # type: ignore[no-untyped-def]
        return ([float(len(item))] for item in items)


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(Named("test-alpha"), aliases=["alpha-builtin"])
        register(Named("test-beta"))

    @llm.hookimpl
    def register_embedding_models(self, register: Any) -> None:
        register(Embed(), aliases=["te"])


@pytest.fixture(autouse=True)
def plugin(register_plugin: Any) -> None:
    register_plugin(Plugin(), name="test-config-plugin")


# ------------------------------------------------------------------ user_dir


def test_user_dir_honours_llm_user_path_and_creates_it(user_path: Path) -> None:
    assert not user_path.exists()
    assert llm.user_dir() == user_path
    assert user_path.is_dir()


def test_user_dir_nested_path_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = tmp_path / "a" / "b" / "c"
    monkeypatch.setenv("LLM_USER_PATH", str(nested))
    assert llm.user_dir() == nested
    assert nested.is_dir()


def test_user_dir_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_USER_PATH")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = llm.user_dir()
    assert path.name == "io.datasette.llm"
    assert str(path).startswith(str(tmp_path))


# ------------------------------------------------------------------ keys


def test_set_key_writes_private_keys_json(user_path: Path) -> None:
    config.set_key("openai", "sk-one")
    path = user_path / "keys.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["openai"] == "sk-one"
    assert "// Note" in data
    config.set_key("other", "sk-two")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert llm.load_keys() == {"openai": "sk-one", "other": "sk-two"}


def test_set_key_tightens_an_existing_open_file(user_path: Path) -> None:
    user_path.mkdir()
    path = user_path / "keys.json"
    path.write_text(json.dumps({"old": "value"}))
    path.chmod(0o644)
    config.set_key("new", "secret")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert llm.load_keys() == {"old": "value", "new": "secret"}


def test_load_keys_when_missing_or_broken(user_path: Path) -> None:
    assert llm.load_keys() == {}
    (user_path / "keys.json").write_text("{not json")
    # Unlike the original (which treats it as empty), a broken file is an error naming it.
    with pytest.raises(config.ConfigFileError, match=r"keys\.json is not valid JSON"):
        llm.load_keys()


def test_get_key_input_is_a_stored_name_or_the_key_itself() -> None:
    config.set_key("personal", "sk-personal")
    assert llm.get_key(input="personal") == "sk-personal"
    assert llm.get_key(input="sk-literal") == "sk-literal"
    assert llm.get_key("personal") == "sk-personal"


def test_get_key_alias_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert llm.get_key(alias="github", env="GITHUB_TOKEN_TEST") is None
    monkeypatch.setenv("GITHUB_TOKEN_TEST", "from-env")
    assert llm.get_key(alias="github", env="GITHUB_TOKEN_TEST") == "from-env"
    config.set_key("github", "from-keys")
    assert llm.get_key(alias="github", env="GITHUB_TOKEN_TEST") == "from-keys"
    assert llm.get_key(input="explicit", alias="github", env="GITHUB_TOKEN_TEST") == "explicit"


def test_get_key_empty_env_var_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPTY_KEY_TEST", "")
    assert llm.get_key(alias="none", env="EMPTY_KEY_TEST") is None


def test_get_key_legacy_positional_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # get_key(explicit_key, key_alias, env_var), as older plugins call it.
    monkeypatch.setenv("LEGACY_ENV_TEST", "env-value")
    assert llm.get_key(None, "legacy", "LEGACY_ENV_TEST") == "env-value"
    config.set_key("legacy", "stored-value")
    assert llm.get_key(None, "legacy", "LEGACY_ENV_TEST") == "stored-value"
    assert llm.get_key("given", "legacy", "LEGACY_ENV_TEST") == "given"
    assert llm.get_key("legacy", None, None) == "stored-value"
    assert llm.get_key(explicit_key=None, key_alias="legacy", env_var="X") == "stored-value"


# ------------------------------------------------------------------ aliases


def test_set_alias_to_model_id(user_path: Path) -> None:
    llm.set_alias("a1", "test-alpha")
    # Byte for byte what both originals write (four-space indent), so a diff shows no churn.
    assert (user_path / "aliases.json").read_text() == '{\n    "a1": "test-alpha"\n}\n'
    assert llm.get_model("a1").model_id == "test-alpha"
    assert llm.get_model_aliases()["a1"].model_id == "test-alpha"


def test_set_alias_resolves_another_alias(user_path: Path) -> None:
    llm.set_alias("first", "alpha-builtin")
    llm.set_alias("second", "first")
    aliases = json.loads((user_path / "aliases.json").read_text())
    assert aliases == {"first": "test-alpha", "second": "test-alpha"}


def test_set_alias_for_unknown_model_keeps_the_name(user_path: Path) -> None:
    llm.set_alias("later", "not-installed-yet")
    assert json.loads((user_path / "aliases.json").read_text()) == {"later": "not-installed-yet"}


def test_set_alias_for_embedding_model(user_path: Path) -> None:
    llm.set_alias("emb", "te")
    assert json.loads((user_path / "aliases.json").read_text()) == {"emb": "test-embed"}
    assert llm.get_embedding_model("emb").model_id == "test-embed"
    assert "emb" in llm.get_embedding_model_aliases()


def test_set_alias_refuses_to_overwrite_invalid_aliases_json(user_path: Path) -> None:
    # The original overwrites it, losing every alias the user wrote by hand; we refuse.
    user_path.mkdir()
    (user_path / "aliases.json").write_text("this is not json")
    with pytest.raises(config.ConfigFileError, match=r"aliases\.json is not valid JSON"):
        llm.set_alias("b", "test-beta")
    assert (user_path / "aliases.json").read_text() == "this is not json"


def test_user_aliases_appear_in_models_with_aliases() -> None:
    llm.set_alias("my-beta", "test-beta")
    entry = next(e for e in llm.get_models_with_aliases() if e.model.model_id == "test-beta")
    assert "my-beta" in entry.aliases
    alpha = next(e for e in llm.get_models_with_aliases() if e.model.model_id == "test-alpha")
    assert alpha.aliases == ["alpha-builtin"]
    assert alpha.matches("ALPHA-B")
    assert not alpha.matches("gamma")


def test_remove_alias(user_path: Path) -> None:
    llm.set_alias("gone", "test-beta")
    llm.set_alias("kept", "test-beta")
    llm.remove_alias("gone")
    assert json.loads((user_path / "aliases.json").read_text()) == {"kept": "test-beta"}
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("gone")
    with pytest.raises(KeyError):
        llm.remove_alias("gone")
    with pytest.raises(KeyError):
        llm.remove_alias("never-existed")


# ------------------------------------------------------------------ defaults


def test_default_model_when_unset() -> None:
    # What llm 0.36 gives a user who never chose a default.
    assert llm.get_default_model() == "gpt-5.6-luna"
    assert llm.get_default_model(default=None) is None


def test_set_default_model_persists(user_path: Path) -> None:
    llm.set_default_model("test-beta")
    assert (user_path / "default_model.txt").read_text().strip() == "test-beta"
    assert llm.get_default_model() == "test-beta"
    assert llm.get_default_model(default=None) == "test-beta"
    assert llm.get_model().model_id == "test-beta"
    llm.set_default_model(None)
    assert llm.get_default_model() == "gpt-5.6-luna"


def test_default_embedding_model() -> None:
    assert llm.get_default_embedding_model() is None
    with pytest.raises(llm.UnknownModelError):
        llm.get_embedding_model()
    llm.set_default_embedding_model("te")
    assert llm.get_default_embedding_model() == "te"
    assert llm.get_embedding_model().model_id == "test-embed"
    llm.set_default_embedding_model(None)
    assert llm.get_default_embedding_model() is None


def test_embedding_model_lookup() -> None:
    assert llm.get_embedding_model("test-embed").model_id == "test-embed"
    assert llm.get_embedding_model("te").model_id == "test-embed"
    assert any(m.model_id == "test-embed" for m in llm.get_embedding_models())
    entry = next(
        e for e in llm.get_embedding_models_with_aliases() if e.model.model_id == "test-embed"
    )
    assert entry.aliases == ["te"]
    with pytest.raises(llm.UnknownModelError, match="Unknown model: nope"):
        llm.get_embedding_model("nope")


def test_registering_a_wrong_kind_of_model_is_an_error(register_plugin: Any) -> None:
    class Wrong:
        @llm.hookimpl
        def register_models(self, register: Any) -> None:
            register(Named("sync-as-async"), async_model=Named("also-sync"))

    register_plugin(Wrong(), name="test-wrong-plugin")
    with pytest.raises(TypeError):
        llm.get_models()

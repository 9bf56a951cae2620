"""Model lookup errors, and which plugins load under the original's test convention."""

from __future__ import annotations

import pytest

import llm
from llm import registry


@pytest.fixture
def without_llm_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "sibling_installed", lambda role: role != "openai")


@pytest.mark.parametrize("name", ["gpt-4o-mini", "o3-mini", "4o", "text-embedding-3-small"])
def test_unknown_openai_model_names_the_package_to_install(without_llm_openai, name) -> None:
    with pytest.raises(llm.UnknownModelError) as raised:
        llm.get_model(name + "-x")
    assert "pip install llm-openai" in str(raised.value)
    with pytest.raises(llm.UnknownModelError, match="pip install llm-openai"):
        llm.get_embedding_model(name + "-x")


def test_other_unknown_models_get_no_hint(without_llm_openai) -> None:
    with pytest.raises(llm.UnknownModelError) as raised:
        llm.get_model("claude-3-opus")
    assert str(raised.value) == "Unknown model: claude-3-opus"

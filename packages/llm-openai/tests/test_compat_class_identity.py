"""Every OpenAI model we register is an instance of the class ``llm.default_plugins.openai_models``
offers, as in the original: plugins check ``isinstance(model, Chat)`` to recognise OpenAI models."""

from __future__ import annotations

from pathlib import Path

import pytest

import llm
from llm.default_plugins import openai_models
from llm_openai_provider.catalog import CHAT_MODELS, COMPLETION_MODELS
from llm_openai_provider.commands import _endpoint_model

EXTRA_MODELS = """
- model_id: orca
  model_name: orca-mini-3b
  api_base: "http://localai.localhost"
- model_id: orca-responses
  model_name: orca-r
  api_base: "http://localai.localhost"
  responses: true
  reasoning: true
- model_id: keyed
  model_name: keyed-model
  api_base: "http://localai.localhost"
  api_key_name: localai
- model_id: completion-babbage
  model_name: babbage
  api_base: "http://localai.localhost"
  completion: 1
"""


def _expected(spec_responses: bool) -> tuple[type, type]:
    if spec_responses:
        return openai_models.Responses, openai_models.AsyncResponses
    return openai_models.Chat, openai_models.AsyncChat


@pytest.mark.parametrize("spec", CHAT_MODELS, ids=lambda spec: spec.model_id)
def test_built_in_chat_models_are_instances_of_the_original_classes(spec) -> None:  # type: ignore[no-untyped-def]
    sync_class, async_class = _expected(spec.responses)
    model = llm.get_model(spec.model_id)
    async_model = llm.get_async_model(spec.model_id)
    assert isinstance(model, sync_class) and isinstance(model, llm.KeyModel)
    assert isinstance(async_model, async_class) and isinstance(async_model, llm.AsyncKeyModel)
    assert (model.needs_key, async_model.needs_key) == ("openai", "openai")
    assert model.key_env_var == "OPENAI_API_KEY"


def test_built_in_completion_model_has_no_async_variant() -> None:
    (spec,) = COMPLETION_MODELS
    model = llm.get_model(spec.model_id)
    assert isinstance(model, openai_models.Completion)
    assert model.default_max_tokens == 256
    with pytest.raises(llm.UnknownModelError, match="sync model exists"):
        llm.get_async_model(spec.model_id)


def test_extra_models_are_instances_of_the_original_classes(environment: Path) -> None:
    (environment / "extra-openai-models.yaml").write_text(EXTRA_MODELS, "utf-8")
    orca = llm.get_async_model("orca")
    assert isinstance(orca, openai_models.AsyncChat)
    assert (orca.model_id, orca.model_name, orca.api_base, orca.needs_key) == (
        "orca",
        "orca-mini-3b",
        "http://localai.localhost",
        None,
    )
    assert isinstance(llm.get_model("orca"), openai_models.Chat)
    responses = llm.get_model("orca-responses")
    assert isinstance(responses, openai_models.Responses)
    assert "reasoning_effort" in responses.Options.model_fields
    assert isinstance(llm.get_async_model("orca-responses"), openai_models.AsyncResponses)
    assert llm.get_model("keyed").needs_key == "localai"
    assert llm.get_async_model("keyed").needs_key == "localai"
    assert isinstance(llm.get_model("completion-babbage"), openai_models.Completion)
    with pytest.raises(llm.UnknownModelError, match="sync model exists"):
        llm.get_async_model("completion-babbage")


def test_endpoint_models_are_instances_of_the_original_classes() -> None:
    chat = _endpoint_model("http://127.0.0.1:9/v1/", "local", {}, responses=False)
    responses = _endpoint_model("http://127.0.0.1:9/v1", "local", {}, responses=True)
    assert isinstance(chat, openai_models.Chat)
    assert isinstance(responses, openai_models.Responses)
    assert (chat.api_base, chat.needs_key) == ("http://127.0.0.1:9/v1", None)
    assert "verbosity" in responses.Options.model_fields

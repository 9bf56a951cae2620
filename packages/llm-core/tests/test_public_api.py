"""The public ``llm`` namespace: what code written for the original imports from it."""

from __future__ import annotations

import sys

import pytest

import llm

EXPECTED_ALL = {
    "DEFAULT_MODEL",
    "AsyncConversation",
    "AsyncKeyModel",
    "AsyncModel",
    "AsyncResponse",
    "Attachment",
    "CancelToolCall",
    "Conversation",
    "ConversationNotSupported",
    "EmbeddingModel",
    "EmbeddingModelWithAliases",
    "Fragment",
    "KeyModel",
    "Message",
    "Model",
    "ModelError",
    "ModelWithAliases",
    "NeedsKeyException",
    "Options",
    "PauseChain",
    "Prompt",
    "Response",
    "ServerSideTool",
    "Template",
    "Tool",
    "ToolCall",
    "ToolOutput",
    "ToolResult",
    "Toolbox",
    "UnknownModelError",
    "Usage",
    "assistant",
    "cosine_similarity",
    "decode",
    "encode",
    "get_async_model",
    "get_async_models",
    "get_default_embedding_model",
    "get_default_model",
    "get_embedding_model",
    "get_embedding_model_aliases",
    "get_embedding_models",
    "get_embedding_models_with_aliases",
    "get_fragment_loaders",
    "get_key",
    "get_model",
    "get_model_aliases",
    "get_models",
    "get_models_with_aliases",
    "get_plugins",
    "get_template_loaders",
    "get_tools",
    "hookimpl",
    "load_keys",
    "load_plugins",
    "pm",
    "remove_alias",
    "schema_dsl",
    "set_alias",
    "set_default_embedding_model",
    "set_default_model",
    "system",
    "tool_message",
    "ulid",
    "user",
    "user_dir",
}


def test_all_is_pinned() -> None:
    # Removing a public name breaks plugins; adding one should be a deliberate change here too.
    assert set(llm.__all__) == EXPECTED_ALL
    assert len(llm.__all__) == len(EXPECTED_ALL)
    for name in llm.__all__:
        assert getattr(llm, name) is not None


def _parameters(function: object) -> list[str]:
    import inspect

    marks = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    return [marks.get(p.kind, "") + p.name for p in parameters]


def test_signatures_plugins_rely_on_are_pinned() -> None:
    # Plugins subclass these and call these by keyword: a renamed parameter breaks them.
    execute = ["self", "prompt", "stream", "response", "conversation"]
    assert _parameters(llm.Model.execute) == execute
    assert _parameters(llm.AsyncModel.execute) == execute
    assert _parameters(llm.KeyModel.execute) == [*execute, "key"]
    assert _parameters(llm.AsyncKeyModel.execute) == [*execute, "key"]
    assert _parameters(llm.EmbeddingModel.embed_batch) == ["self", "items"]
    assert _parameters(llm.EmbeddingModel.embed) == ["self", "item"]
    assert _parameters(llm.EmbeddingModel.embed_multi) == ["self", "items", "batch_size"]
    assert _parameters(llm.Model.prompt) == [
        "self", "prompt", "fragments", "attachments", "system", "system_fragments", "messages",
        "stream", "schema", "tools", "tool_results", "key", "options", "hide_reasoning",
        "**more_options",
    ]  # fmt: skip
    assert _parameters(llm.get_model) == ["name"]
    assert _parameters(llm.get_async_model) == ["name"]
    assert _parameters(llm.get_embedding_model) == ["name"]
    assert _parameters(llm.get_key) == [
        "input", "alias", "env", "explicit_key", "key_alias", "env_var"
    ]  # fmt: skip
    assert _parameters(llm.user_dir) == []
    assert _parameters(llm.set_alias) == ["alias", "model_id_or_alias"]
    assert _parameters(llm.Tool.function) == ["function", "name", "description"]
    assert _parameters(llm.Attachment)[:4] == ["type", "path", "url", "content"]


def test_names_plugins_import_from_submodules() -> None:
    import llm.models
    import llm.utils

    assert llm.models.ToolResult is llm.ToolResult
    assert llm.models.Response is llm.Response
    assert llm.models.Attachment is llm.Attachment
    for name in ("Model", "KeyModel", "AsyncModel", "AsyncKeyModel", "Options", "Prompt"):
        assert getattr(llm.models, name) is getattr(llm, name)
    assert callable(llm.utils.extract_fenced_code_block)


def test_version() -> None:
    assert isinstance(llm.__version__, str)


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = llm.no_such_thing  # type: ignore[attr-defined]


def test_collection_names_the_package_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes importing it fail as a missing module does.
    monkeypatch.setitem(sys.modules, "llm_embeddings", None)
    with pytest.raises(ImportError, match="pip install llm-embeddings"):
        _ = llm.Collection  # type: ignore[attr-defined]


def test_collection_when_llm_embeddings_lacks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    monkeypatch.setitem(sys.modules, "llm_embeddings", types.ModuleType("x"))
    with pytest.raises(ImportError, match="llm-embeddings"):
        _ = llm.Collection  # type: ignore[attr-defined]


def test_hookimpl_project_name() -> None:
    assert llm.hookimpl.project_name == "llm"

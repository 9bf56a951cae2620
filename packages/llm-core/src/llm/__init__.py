"""llm: the Python API for running prompts against Large Language Models.

Importing this package is cheap: its public names are imported from their submodules on
first use, plugins load when a model is first looked up, and heavy dependencies are imported
by the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._compat import install_hint, sibling
from ._version import __version__ as __version__
from .hookspecs import hookimpl

if TYPE_CHECKING:  # the real imports, for type checkers; at run time see __getattr__
    from ._ulid import ulid
    from .attachments import Attachment
    from .config import DEFAULT_MODEL, get_key, load_keys, user_dir
    from .embeddings import EmbeddingModel
    from .errors import ConversationNotSupported, ModelError, NeedsKeyException, UnknownModelError
    from .fragments import Fragment
    from .loaders import get_fragment_loaders, get_template_loaders
    from .models import (
        AsyncConversation,
        AsyncKeyModel,
        AsyncModel,
        AsyncResponse,
        Conversation,
        KeyModel,
        Model,
        Response,
        Usage,
    )
    from .options import Options
    from .parts import Message, assistant, system, tool_message, user
    from .plugins import get_plugins, load_plugins, pm
    from .prompts import Prompt
    from .registry import (
        EmbeddingModelWithAliases,
        ModelWithAliases,
        get_async_model,
        get_async_models,
        get_default_embedding_model,
        get_default_model,
        get_embedding_model,
        get_embedding_model_aliases,
        get_embedding_models,
        get_embedding_models_with_aliases,
        get_model,
        get_model_aliases,
        get_models,
        get_models_with_aliases,
        remove_alias,
        set_alias,
        set_default_embedding_model,
        set_default_model,
    )
    from .schemas import schema_dsl
    from .templates import Template
    from .tool_registry import get_tools
    from .tools import (
        CancelToolCall,
        PauseChain,
        ServerSideTool,
        Tool,
        Toolbox,
        ToolCall,
        ToolOutput,
        ToolResult,
    )
    from .vectors import cosine_similarity, decode, encode


#: Public names and the submodule each lives in, imported on first access: ``import llm`` (and
#: so ``llm --version``) must not pay for pydantic, which models, options and templates need.
_LAZY = {
    "AsyncConversation": "models",
    "AsyncKeyModel": "models",
    "AsyncModel": "models",
    "AsyncResponse": "models",
    "Attachment": "attachments",
    "CancelToolCall": "tools",
    "Conversation": "models",
    "ConversationNotSupported": "errors",
    "DEFAULT_MODEL": "config",
    "EmbeddingModel": "embeddings",
    "EmbeddingModelWithAliases": "registry",
    "Fragment": "fragments",
    "KeyModel": "models",
    "Message": "parts",
    "Model": "models",
    "ModelError": "errors",
    "ModelWithAliases": "registry",
    "NeedsKeyException": "errors",
    "Options": "options",
    "PauseChain": "tools",
    "Prompt": "prompts",
    "Response": "models",
    "ServerSideTool": "tools",
    "Template": "templates",
    "Tool": "tools",
    "ToolCall": "tools",
    "ToolOutput": "tools",
    "ToolResult": "tools",
    "Toolbox": "tools",
    "UnknownModelError": "errors",
    "Usage": "models",
    "assistant": "parts",
    "cosine_similarity": "vectors",
    "decode": "vectors",
    "encode": "vectors",
    "get_async_model": "registry",
    "get_async_models": "registry",
    "get_default_embedding_model": "registry",
    "get_default_model": "registry",
    "get_embedding_model": "registry",
    "get_embedding_model_aliases": "registry",
    "get_embedding_models": "registry",
    "get_embedding_models_with_aliases": "registry",
    "get_fragment_loaders": "loaders",
    "get_key": "config",
    "get_model": "registry",
    "get_model_aliases": "registry",
    "get_models": "registry",
    "get_models_with_aliases": "registry",
    "get_plugins": "plugins",
    "get_template_loaders": "loaders",
    "get_tools": "tool_registry",
    "load_keys": "config",
    "load_plugins": "plugins",
    "pm": "plugins",
    "remove_alias": "registry",
    "schema_dsl": "schemas",
    "set_alias": "registry",
    "set_default_embedding_model": "registry",
    "set_default_model": "registry",
    "system": "parts",
    "tool_message": "parts",
    "ulid": "_ulid",
    "user": "parts",
    "user_dir": "config",
}


__all__ = [
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
]

# Names that live in sibling distributions; resolved on first access so that ``import llm``
# stays light and works when those distributions are not installed.
_SIBLINGS = {"Collection": "embeddings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SIBLINGS:
        module = sibling(_SIBLINGS[name], feature=f"llm.{name}")
        try:
            return getattr(module, name)
        except AttributeError:
            hint = install_hint(_SIBLINGS[name], upgrade=True)
            raise ImportError(f"llm.{name} needs a newer version: {hint}") from None
    if not name.startswith("_"):
        # ``import llm`` used to import its submodules: ``llm.models.Response`` still works.
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as ex:
            if ex.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'llm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

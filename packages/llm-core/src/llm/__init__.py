"""llm: the Python API for running prompts against Large Language Models.

Importing this package is cheap: plugins load when a model is first looked up, and heavy
dependencies are imported by the functions that need them.
"""

from __future__ import annotations

from typing import Any

from ._compat import import_sibling
from ._ulid import ulid
from ._version import __version__ as __version__
from .attachments import Attachment
from .config import DEFAULT_MODEL, get_key, load_keys, user_dir
from .embeddings import EmbeddingModel
from .errors import ModelError, NeedsKeyException, UnknownModelError
from .fragments import Fragment
from .hookspecs import hookimpl
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
from .tools import CancelToolCall, Tool, Toolbox, ToolCall, ToolOutput, ToolResult
from .vectors import cosine_similarity, decode, encode

__all__ = [
    "DEFAULT_MODEL",
    "AsyncConversation",
    "AsyncKeyModel",
    "AsyncModel",
    "AsyncResponse",
    "Attachment",
    "CancelToolCall",
    "Conversation",
    "EmbeddingModel",
    "EmbeddingModelWithAliases",
    "Fragment",
    "KeyModel",
    "Model",
    "ModelError",
    "ModelWithAliases",
    "NeedsKeyException",
    "Options",
    "Prompt",
    "Response",
    "Template",
    "Tool",
    "ToolCall",
    "ToolOutput",
    "ToolResult",
    "Toolbox",
    "UnknownModelError",
    "Usage",
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
    "ulid",
    "user_dir",
]

# Names that live in sibling distributions; resolved on first access so that ``import llm``
# stays light and works when those distributions are not installed.
_SIBLINGS = {
    "Collection": ("llm_embeddings", "Collection", "llm-embeddings"),
}


def __getattr__(name: str) -> Any:
    if name in _SIBLINGS:
        module_name, attribute, distribution = _SIBLINGS[name]
        module = import_sibling(module_name, distribution, f"llm.{name}")
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise ImportError(
                f"llm.{name} is not available yet in this version of {distribution}"
            ) from None
    raise AttributeError(f"module 'llm' has no attribute {name!r}")

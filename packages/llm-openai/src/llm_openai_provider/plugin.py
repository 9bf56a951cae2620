"""The plugin hooks: registered through the ``llm`` entry-point group like any plugin.

Nothing here imports the ``openai`` SDK: listing models must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import llm

from .catalog import CHAT_MODELS, COMPLETION_MODELS, EMBEDDING_MODELS, ModelSpec
from .config import load_extra_models
from .models.chat import chat_classes
from .models.completion import AsyncCompletion, Completion
from .models.embeddings import OpenAIEmbeddingModel
from .models.responses import responses_classes


def _register_spec(register: Callable[..., Any], spec: ModelSpec) -> None:
    if spec.completion:
        register(Completion(spec), AsyncCompletion(spec), aliases=spec.aliases)
    else:
        sync_class, async_class = (responses_classes if spec.responses else chat_classes)(spec)
        register(sync_class(spec), async_class(spec), aliases=spec.aliases)


@llm.hookimpl
def register_models(register: Callable[..., Any]) -> None:
    for spec in (*CHAT_MODELS, *COMPLETION_MODELS):
        _register_spec(register, spec)
    for spec in load_extra_models():
        _register_spec(register, spec)


@llm.hookimpl
def register_embedding_models(register: Callable[..., Any]) -> None:
    for spec in EMBEDDING_MODELS:
        register(OpenAIEmbeddingModel(spec), aliases=spec.aliases)


@llm.hookimpl
def register_commands(cli: Any) -> None:
    from .commands import openai_group

    cli.add_command(openai_group)

"""The plugin hooks: registered through the ``llm`` entry-point group like any plugin.

Nothing here imports the ``openai`` SDK: listing models must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import llm

from .catalog import CHAT_MODELS, COMPLETION_MODELS, EMBEDDING_MODELS, ModelSpec
from .compat import AsyncChat, AsyncResponses, Chat, Completion, Responses
from .config import load_extra_models
from .models.embeddings import OpenAIEmbeddingModel


def _register_spec(register: Callable[..., Any], spec: ModelSpec) -> None:
    # Instances of the classes ``llm.default_plugins.openai_models`` offers, as the original
    # registered them, so that plugins' isinstance checks hold. Completion models have no
    # async variant, as in the original.
    if spec.completion:
        register(Completion.from_spec(spec), aliases=spec.aliases)
    elif spec.responses:
        register(Responses.from_spec(spec), AsyncResponses.from_spec(spec), aliases=spec.aliases)
    else:
        register(Chat.from_spec(spec), AsyncChat.from_spec(spec), aliases=spec.aliases)


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

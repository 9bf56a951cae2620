"""Which models ``llm serve`` offers, under which names, found once at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import llm


@dataclass
class ChatModel:
    """One chat model: its sync and async implementations (either may be missing)."""

    model_id: str
    sync: Any
    asynchronous: Any
    aliases: list[str] = field(default_factory=list)

    @property
    def any(self) -> Any:
        return self.asynchronous if self.asynchronous is not None else self.sync


@dataclass
class Catalog:
    chat: dict[str, ChatModel]
    embedding: dict[str, Any]
    #: Names in the order /v1/models lists them (IDs, each followed by its aliases).
    names: list[tuple[str, str]]

    def chat_model(self, name: str) -> ChatModel | None:
        return self.chat.get(name)

    def embedding_model(self, name: str) -> Any:
        return self.embedding.get(name)


class UnknownModels(ValueError):
    """``-m`` named models that no installed plugin provides."""


def build(only: Sequence[str] = ()) -> Catalog:
    """Every installed chat and embedding model with its aliases, or just those ``only``
    names (by ID or alias); an unknown name there is an error."""
    chat: dict[str, ChatModel] = {}
    embedding: dict[str, Any] = {}
    names: list[tuple[str, str]] = []
    wanted = set(only)
    found: set[str] = set()
    for entry in llm.get_models_with_aliases():
        model = entry.model or entry.async_model
        assert model is not None
        all_names = [model.model_id, *entry.aliases]
        if wanted and not wanted.intersection(all_names):
            continue
        found.update(wanted.intersection(all_names))
        served = ChatModel(model.model_id, entry.model, entry.async_model, list(entry.aliases))
        for name in all_names:
            if name not in chat:
                chat[name] = served
                names.append((name, "chat"))
    for embed_entry in llm.get_embedding_models_with_aliases():
        all_names = [embed_entry.model.model_id, *embed_entry.aliases]
        if wanted and not wanted.intersection(all_names):
            continue
        found.update(wanted.intersection(all_names))
        for name in all_names:
            if name not in embedding:
                embedding[name] = embed_entry.model
                names.append((name, "embedding"))
    missing = sorted(wanted - found)
    if missing:
        raise UnknownModels(
            "Unknown model" + ("s" if len(missing) > 1 else "") + ": " + ", ".join(missing)
        )
    return Catalog(chat, embedding, names)

"""OpenAI embedding models, including the reduced-dimension ``text-embedding-3`` variants."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import llm
from llm.embeddings import Embeddable
from llm.resilience import call_with_retries

from ..catalog import EmbeddingSpec
from ..client import sync_client, where
from ..errors import model_errors
from .request import sendable


class OpenAIEmbeddingModel(llm.EmbeddingModel):
    needs_key = "openai"
    key_env_var = "OPENAI_API_KEY"
    batch_size = 100

    def __init__(self, spec: EmbeddingSpec) -> None:
        self.spec = spec
        self.model_id = spec.model_id
        self.openai_model_id = spec.openai_model_id
        self.dimensions = spec.dimensions

    def __str__(self) -> str:
        return f"OpenAIEmbeddingModel: {self.model_id}"

    def embed_batch(self, items: Iterable[Embeddable]) -> Iterator[list[float]]:
        inputs = [item.decode("utf-8") if isinstance(item, bytes) else item for item in items]
        if not inputs:
            return iter([])
        # Text UTF-8 cannot carry (a lone surrogate) is sent as U+FFFD, as prompts are.
        kwargs: dict[str, object] = {"input": sendable(inputs), "model": self.openai_model_id}
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        client = sync_client(self.get_key())
        try:
            with model_errors(where(None), self.needs_key):
                result = call_with_retries(lambda: client.embeddings.create(**kwargs))
        finally:
            client.close()
        ordered = sorted(result.data, key=lambda item: item.index)
        return iter([list(item.embedding) for item in ordered])

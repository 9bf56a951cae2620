"""The models this plugin ships: IDs, aliases and what each one can do.

Plain data, so that listing models never needs the ``openai`` SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VISION_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
PDF_TYPES = frozenset({"application/pdf"})
AUDIO_TYPES = frozenset({"audio/wav", "audio/mpeg"})


@dataclass(frozen=True)
class ModelSpec:
    """One chat or completion model: the ID users type, the name the API expects, where the
    API is, and what the model can do. Built-in models and ``extra-openai-models.yaml``
    entries are both described this way."""

    model_id: str
    aliases: tuple[str, ...] = ()
    model_name: str | None = None
    vision: bool = False
    audio: bool = False
    reasoning: bool = False
    supports_schema: bool = False
    supports_tools: bool = False
    can_stream: bool = True
    completion: bool = False
    api_base: str | None = None
    api_key_name: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: ``max_tokens`` sent when the prompt does not set it.
    default_max_tokens: int | None = None

    @property
    def api_model_name(self) -> str:
        return self.model_name or self.model_id

    @property
    def needs_key(self) -> str | None:
        """The stored key name: ``openai`` for OpenAI itself; custom endpoints only use one
        when ``api_key_name`` is set, so the OpenAI key is never sent elsewhere."""
        if self.api_key_name:
            return self.api_key_name
        return None if self.api_base else "openai"

    @property
    def key_env_var(self) -> str | None:
        return "OPENAI_API_KEY" if self.needs_key == "openai" else None


def _modern(
    model_id: str, *aliases: str, reasoning: bool = False, stream: bool = True
) -> ModelSpec:
    """A model with images, PDFs, schemas and tools."""
    return ModelSpec(
        model_id,
        aliases,
        vision=True,
        reasoning=reasoning,
        supports_schema=True,
        supports_tools=True,
        can_stream=stream,
    )


def _audio(model_id: str) -> ModelSpec:
    return ModelSpec(model_id, audio=True)


def _plain(model_id: str, *aliases: str) -> ModelSpec:
    return ModelSpec(model_id, aliases)


#: The chat models of the reference, in its order, then newer ones the SDK knows.
CHAT_MODELS: tuple[ModelSpec, ...] = (
    _modern("gpt-4o", "4o"),
    ModelSpec("chatgpt-4o-latest", ("chatgpt-4o",), vision=True),
    _modern("gpt-4o-mini", "4o-mini"),
    _audio("gpt-4o-audio-preview"),
    _audio("gpt-4o-audio-preview-2024-12-17"),
    _audio("gpt-4o-audio-preview-2024-10-01"),
    _audio("gpt-4o-mini-audio-preview"),
    _audio("gpt-4o-mini-audio-preview-2024-12-17"),
    _modern("gpt-4.1", "4.1"),
    _modern("gpt-4.1-mini", "4.1-mini"),
    _modern("gpt-4.1-nano", "4.1-nano"),
    _plain("gpt-3.5-turbo", "3.5", "chatgpt"),
    _plain("gpt-3.5-turbo-16k", "chatgpt-16k", "3.5-16k"),
    _plain("gpt-4", "4", "gpt4"),
    _plain("gpt-4-32k", "4-32k"),
    _plain("gpt-4-1106-preview"),
    _plain("gpt-4-0125-preview"),
    _plain("gpt-4-turbo-2024-04-09"),
    _plain("gpt-4-turbo", "gpt-4-turbo-preview", "4-turbo", "4t"),
    _modern("gpt-4.5-preview-2025-02-27"),
    _modern("gpt-4.5-preview", "gpt-4.5"),
    _modern("o1", reasoning=True, stream=False),
    _modern("o1-2024-12-17", reasoning=True, stream=False),
    _plain("o1-preview"),
    _plain("o1-mini"),
    ModelSpec("o3-mini", reasoning=True, supports_schema=True, supports_tools=True),
    _modern("o3", reasoning=True),
    _modern("o4-mini", reasoning=True),
    # Newer models from the installed openai SDK's list of chat models.
    _modern("gpt-5", reasoning=True),
    _modern("gpt-5-mini", reasoning=True),
    _modern("gpt-5-nano", reasoning=True),
    _modern("gpt-5.1", reasoning=True),
    _modern("gpt-5.2", reasoning=True),
    _modern("gpt-5.4", reasoning=True),
    _modern("gpt-5.4-mini", reasoning=True),
    _modern("gpt-5.4-nano", reasoning=True),
    _modern("gpt-5.5", reasoning=True),
    _modern("gpt-5.6-sol", reasoning=True),
    _modern("gpt-5.6-terra", reasoning=True),
    _modern("gpt-5.6-luna", reasoning=True),
    _modern("gpt-6-sol", reasoning=True),
    _modern("gpt-6-luna", reasoning=True),
    _modern("gpt-6-astra", reasoning=True),
)


COMPLETION_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "gpt-3.5-turbo-instruct",
        ("3.5-instruct", "chatgpt-instruct"),
        completion=True,
        default_max_tokens=256,
    ),
)


@dataclass(frozen=True)
class EmbeddingSpec:
    model_id: str
    openai_model_id: str
    aliases: tuple[str, ...] = ()
    dimensions: int | None = None


EMBEDDING_MODELS: tuple[EmbeddingSpec, ...] = (
    EmbeddingSpec("text-embedding-ada-002", "text-embedding-ada-002", ("ada", "ada-002")),
    EmbeddingSpec("text-embedding-3-small", "text-embedding-3-small", ("3-small",)),
    EmbeddingSpec("text-embedding-3-large", "text-embedding-3-large", ("3-large",)),
    EmbeddingSpec("text-embedding-3-small-512", "text-embedding-3-small", ("3-small-512",), 512),
    EmbeddingSpec("text-embedding-3-large-256", "text-embedding-3-large", ("3-large-256",), 256),
    EmbeddingSpec("text-embedding-3-large-1024", "text-embedding-3-large", ("3-large-1024",), 1024),
)


def attachment_types(vision: bool, audio: bool) -> frozenset[str]:
    """Content types a model accepts: any model that takes images also takes PDFs."""
    types: set[str] = set()
    if vision:
        types |= VISION_TYPES | PDF_TYPES
    if audio:
        types |= AUDIO_TYPES
    return frozenset(types)

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
    #: Sent to ``/responses`` (llm 0.32+) rather than ``/chat/completions``.
    responses: bool = False
    #: Takes the ``verbosity`` option (the GPT-5 family).
    verbosity: bool = False
    #: ``-o image_detail original`` is accepted (GPT-5.4 and later, as in llm 0.36).
    image_detail_original: bool = False
    #: A Responses reasoning model asks for a summary of its reasoning unless told not to
    #: (OpenAI's own models; an arbitrary endpoint is not asked).
    reasoning_summary: bool = True

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


def _modern(model_id: str, *aliases: str) -> ModelSpec:
    """A Chat Completions model with images, PDFs, schemas and tools."""
    return ModelSpec(model_id, aliases, vision=True, supports_schema=True, supports_tools=True)


def _responses(
    model_id: str,
    *,
    vision: bool = True,
    stream: bool = True,
    verbosity: bool = True,
    original: bool = False,
) -> ModelSpec:
    """A reasoning model that llm 0.32+ drives through ``/responses``."""
    return ModelSpec(
        model_id,
        vision=vision,
        reasoning=True,
        supports_schema=True,
        supports_tools=True,
        can_stream=stream,
        responses=True,
        verbosity=verbosity,
        image_detail_original=original,
    )


def _audio(model_id: str) -> ModelSpec:
    return ModelSpec(model_id, audio=True)


def _plain(model_id: str, *aliases: str) -> ModelSpec:
    return ModelSpec(model_id, aliases)


# fmt: off
_GPT5_FAMILY = (
    "gpt-5", "gpt-5-mini", "gpt-5-nano",
    "gpt-5-2025-08-07", "gpt-5-mini-2025-08-07", "gpt-5-nano-2025-08-07",
    "gpt-5.1", "gpt-5.2", "gpt-5.2-chat-latest",
    "gpt-5.4", "gpt-5.4-2026-03-05", "gpt-5.4-mini", "gpt-5.4-mini-2026-03-17",
    "gpt-5.4-nano", "gpt-5.4-nano-2026-03-17",
    "gpt-5.5", "gpt-5.5-2026-04-23",
    "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna",
    "gpt-6-astra", "gpt-6-sol", "gpt-6-luna",
)
# fmt: on

#: The chat models of llm 0.36, in its order: Chat Completions first, then the models it
#: sends to the Responses API.
CHAT_MODELS: tuple[ModelSpec, ...] = (
    _modern("gpt-4o", "4o"),
    _modern("gpt-4o-mini", "4o-mini"),
    _modern("gpt-4.1", "4.1"),
    _modern("gpt-4.1-mini", "4.1-mini"),
    _modern("gpt-4.1-nano", "4.1-nano"),
    _plain("gpt-3.5-turbo", "3.5", "chatgpt"),
    _plain("gpt-3.5-turbo-16k", "chatgpt-16k", "3.5-16k"),
    _plain("gpt-4", "4", "gpt4"),
    _plain("gpt-4-turbo-2024-04-09"),
    _plain("gpt-4-turbo", "gpt-4-turbo-preview", "4-turbo", "4t"),
    _responses("o1", stream=False, verbosity=False),
    _responses("o1-2024-12-17", stream=False, verbosity=False),
    _responses("o3-mini", vision=False, verbosity=False),
    _responses("o3", verbosity=False),
    _responses("o4-mini", verbosity=False),
    *(_responses(model_id) for model_id in _GPT5_FAMILY[: _GPT5_FAMILY.index("gpt-5.4")]),
    *(
        _responses(model_id, original=True)
        for model_id in _GPT5_FAMILY[_GPT5_FAMILY.index("gpt-5.4") :]
    ),
    # Models llm 0.36 no longer lists. They stay, after the others, so that an alias, a
    # default model or a template naming one goes on working for users coming from 0.26.
    ModelSpec("chatgpt-4o-latest", ("chatgpt-4o",), vision=True),
    _audio("gpt-4o-audio-preview"),
    _audio("gpt-4o-audio-preview-2024-12-17"),
    _audio("gpt-4o-audio-preview-2024-10-01"),
    _audio("gpt-4o-mini-audio-preview"),
    _audio("gpt-4o-mini-audio-preview-2024-12-17"),
    _plain("gpt-4-32k", "4-32k"),
    _plain("gpt-4-1106-preview"),
    _plain("gpt-4-0125-preview"),
    _modern("gpt-4.5-preview-2025-02-27"),
    _modern("gpt-4.5-preview", "gpt-4.5"),
    _plain("o1-preview"),
    _plain("o1-mini"),
)

#: The model a user who never chose one gets, as in llm 0.36.
DEFAULT_MODEL = "gpt-5.6-luna"


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

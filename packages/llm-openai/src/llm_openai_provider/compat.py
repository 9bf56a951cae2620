"""The original ``llm.default_plugins.openai_models`` classes, for plugins that subclass them.

Plugins on PyPI write ``class MyChat(Chat)`` and call ``Chat.__init__`` with the original
keyword arguments (``model_id``, ``model_name``, ``api_base``, ``vision``...). These classes
take those arguments, describe the model as a
:class:`~llm_openai_provider.catalog.ModelSpec` and hand it to our real implementations.
As in the original, ``needs_key`` defaults to ``"openai"``;
any class attribute a plugin's subclass defines (``needs_key``, ``key``, ``model_id``,
``can_stream``, ``Options``...) wins over what the constructor derives.

Importing this module does not import the ``openai`` SDK.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self

import llm
from llm.utils import remove_dict_none_values

from .catalog import EmbeddingSpec, ModelSpec
from .client import async_client, sync_client
from .messages import attachment_part, build_messages, redact_data
from .models import chat as _chat
from .models import completion as _completion
from .models import responses as _responses
from .models.embeddings import OpenAIEmbeddingModel as _OpenAIEmbeddingModel
from .models.summary import StreamSummary, record_usage
from .options import (
    PlainResponsesOptions,
    ReasoningEffortEnum,
    ReasoningOptions,
    ReasoningResponsesOptions,
    SharedOptions,
    VerbosityResponsesOptions,
    options_for_spec,
)
from .server_tools import CodeInterpreter, WebSearch

__all__ = [
    "AsyncChat",
    "AsyncCompletion",
    "AsyncResponses",
    "Chat",
    "CodeInterpreter",
    "Completion",
    "OpenAIEmbeddingModel",
    "ReasoningEffortEnum",
    "Responses",
    "SharedOptions",
    "WebSearch",
    "_Shared",
    "_attachment",
    "combine_chunks",
    "not_nulls",
    "remove_dict_none_values",
]

#: Request parameters the models set themselves, whatever a plugin's ``build_kwargs`` returns.
_FIXED = ("model", "messages", "prompt", "stream")


def _defined_below_compat(instance: object, name: str) -> bool:
    """Whether a class between ``type(instance)`` and the compat class defines ``name``."""
    for cls in type(instance).__mro__:
        if cls.__module__ == __name__:
            return False
        if name in cls.__dict__:
            return True
    return False


def _let_subclass_attributes_win(instance: object) -> None:
    """Drop instance attributes set by our constructors where the plugin's class defines the
    name, and always for the key settings, so the class attributes show through."""
    for name in list(vars(instance)):
        if name in ("needs_key", "key_env_var") or _defined_below_compat(instance, name):
            del instance.__dict__[name]


def _overridden(instance: object, name: str, base: type) -> bool:
    return getattr(type(instance), name) is not getattr(base, name)


def _with_default_max_tokens(model: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    default = model.default_max_tokens
    if default is not None and "max_tokens" not in kwargs and "max_completion_tokens" not in kwargs:
        kwargs["max_tokens"] = default
    return kwargs


class _Discard:
    """Stands in for a response when only request parameters are wanted."""

    prompt_json: Any = None


class _OriginalAPI:
    """Attributes and helper methods of the original classes that plugins use."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    default_max_tokens: int | None = None
    allows_system_prompt: bool = True
    spec: ModelSpec
    key: str | None
    model_id: str
    model_name: str
    api_base: str | None
    headers: dict[str, str]

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> Self:
        """One of our own models (built in, from ``extra-openai-models.yaml`` or ``llm openai
        endpoint``) as an instance of the original's class, so that a plugin's
        ``isinstance(model, Chat)`` holds for it as it did in the original."""
        model = cls.__new__(cls)
        model._start(spec, None, None, None, None, True, spec.default_max_tokens)
        # What the spec says about keys, as the original set it after construction.
        model.needs_key = spec.needs_key
        model.key_env_var = spec.key_env_var
        return model

    def _start(self, spec: ModelSpec, *original: Any) -> None:
        """Set the model up from ``spec`` and the original's own constructor arguments."""
        raise NotImplementedError

    def _set_original_attributes(
        self,
        spec: ModelSpec,
        key: str | None,
        api_type: str | None,
        api_version: str | None,
        api_engine: str | None,
        allows_system_prompt: bool,
        default_max_tokens: int | None = None,
    ) -> None:
        self.api_type = api_type
        self.api_version = api_version
        self.api_engine = api_engine
        self.vision = spec.vision
        self.allows_system_prompt = allows_system_prompt
        _let_subclass_attributes_win(self)
        # Arguments passed explicitly beat class attributes; left out they leave them alone.
        if key is not None:
            self.key = key
        if default_max_tokens is not None:
            self.default_max_tokens = default_max_tokens
        self.spec = dataclasses.replace(
            self.spec, model_id=self.model_id, model_name=self.model_name, api_base=self.api_base
        )

    def get_client(self, key: str | None = None, *, async_: bool = False) -> Any:
        """An ``openai.OpenAI`` (or ``AsyncOpenAI``) client for this model's endpoint."""
        model: Any = self  # get_key comes from llm.KeyModel / llm.AsyncKeyModel
        api_key = model.get_key(key) if self.needs_key else None
        make = async_client if async_ else sync_client
        return make(api_key, self.api_base, self.headers or None)

    def open_client(self, key: str | None, *, async_: bool) -> Any:
        """A plugin's own ``get_client`` makes the client when it overrides ours, as the
        original's models always asked it (llm-azure signs in with Entra ID there)."""
        if _overridden(self, "get_client", _OriginalAPI):
            return self.get_client(key, async_=async_)
        model: Any = super()
        return model.open_client(key, async_=async_)

    def set_usage(self, response: Any, usage: dict[str, Any] | None) -> None:
        record_usage(response, usage)

    def _refuse_unsupported_system_prompt(self, prompt: llm.Prompt) -> None:
        if prompt.system and not self.allows_system_prompt:
            raise llm.ModelError("Model does not support system prompts")

    def _with_plugin_kwargs(
        self, compat: type, kwargs: dict[str, Any], prompt: llm.Prompt, stream: bool
    ) -> dict[str, Any]:
        """The request parameters, with those of a plugin's own ``build_kwargs`` (if it
        overrides ``compat``'s) in place of ours, except the ones the model sets itself."""
        if _overridden(self, "build_kwargs", compat):
            fixed = {name: kwargs[name] for name in _FIXED if name in kwargs}
            model: Any = self
            return {**model.build_kwargs(prompt, stream), **fixed}
        return _with_default_max_tokens(self, kwargs)

    def _original_kwargs(self, shared: Any, prompt: llm.Prompt, stream: bool) -> dict[str, Any]:
        """What the original's ``build_kwargs`` returned: ``shared.request``'s parameters
        without the ones the model sets itself, with the default ``max_tokens``."""
        kwargs = shared.request(self, prompt, stream, None, _Discard())
        for name in _FIXED:
            kwargs.pop(name, None)
        return _with_default_max_tokens(self, kwargs)


class _CompatChat(_OriginalAPI, _chat._SharedChat):
    def __init__(
        self,
        model_id: str,
        key: str | None = None,
        model_name: str | None = None,
        api_base: str | None = None,
        api_type: str | None = None,
        api_version: str | None = None,
        api_engine: str | None = None,
        headers: dict[str, str] | None = None,
        can_stream: bool = True,
        vision: bool = False,
        audio: bool = False,
        reasoning: bool = False,
        verbosity: bool = False,
        image_detail_original: bool = False,
        service_tier: bool = False,
        supports_schema: bool = False,
        supports_tools: bool = False,
        allows_system_prompt: bool = True,
    ) -> None:
        # verbosity, image_detail_original and service_tier: llm 0.36's constructor (our chat
        # options always take service_tier).
        spec = ModelSpec(
            model_id,
            model_name=model_name,
            vision=vision,
            audio=audio,
            reasoning=reasoning,
            verbosity=verbosity,
            image_detail_original=image_detail_original,
            supports_schema=supports_schema,
            supports_tools=supports_tools,
            can_stream=can_stream,
            api_base=api_base,
            headers=dict(headers or {}),
        )
        self._start(spec, key, api_type, api_version, api_engine, allows_system_prompt)

    def _start(self, spec: ModelSpec, *original: Any) -> None:
        _chat._SharedChat.__init__(self, spec)
        if spec.reasoning:
            # An instance attribute, as in the original; a plugin's own Options still wins.
            self.__dict__["Options"] = options_for_spec(ReasoningOptions, spec)
        self._set_original_attributes(spec, *original)

    def build_messages(self, prompt: llm.Prompt, conversation: Any) -> list[dict[str, Any]]:
        return build_messages(prompt, conversation)

    def build_kwargs(self, prompt: llm.Prompt, stream: bool) -> dict[str, Any]:
        """Request parameters besides model, messages and stream (options, response format,
        tools, stream options), as the original's ``build_kwargs`` returned them."""
        return self._original_kwargs(_chat._SharedChat, prompt, stream)

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        self._refuse_unsupported_system_prompt(prompt)
        kwargs = super().request(prompt, stream, conversation, response)
        if _overridden(self, "build_messages", _CompatChat):
            kwargs["messages"] = self.build_messages(prompt, conversation)
            response.prompt_json = {"messages": redact_data(kwargs["messages"])}
        return self._with_plugin_kwargs(_CompatChat, kwargs, prompt, stream)


class Chat(_CompatChat, _chat.Chat):
    """The original ``Chat``: ``Chat(model_id, key=None, model_name=None, api_base=None, ...)``."""


class AsyncChat(_CompatChat, _chat.AsyncChat):
    """The original ``AsyncChat``, with the same constructor as :class:`Chat`."""


#: The original's ``_Shared``: the base of its ``Chat`` and ``AsyncChat`` holding their
#: constructor and ``get_client``, which plugins subclass to mix into ``Chat`` (llm-azure:
#: ``class AzureOpenAIChat(AzureOpenAIShared, Chat)`` with ``AzureOpenAIShared(_Shared)``).
#: Unlike the original's, our ``Completion`` and ``Responses`` do not derive from it.
_Shared = _CompatChat


class _CompatResponses(_OriginalAPI, _responses._SharedResponses):
    """The constructor of llm 0.32+'s ``Responses``, for plugins (llm-openrouter ...)."""

    def __init__(
        self,
        model_id: str,
        key: str | None = None,
        model_name: str | None = None,
        api_base: str | None = None,
        api_type: str | None = None,
        api_version: str | None = None,
        api_engine: str | None = None,
        headers: dict[str, str] | None = None,
        can_stream: bool = True,
        vision: bool = False,
        audio: bool = False,
        reasoning: bool = False,
        verbosity: bool = False,
        image_detail_original: bool = False,
        service_tier: bool = False,
        supports_schema: bool = False,
        supports_tools: bool = False,
        allows_system_prompt: bool = True,
        reasoning_summary: bool = True,
    ) -> None:
        spec = ModelSpec(
            model_id,
            model_name=model_name,
            vision=vision,
            audio=audio,
            reasoning=reasoning,
            verbosity=verbosity,
            image_detail_original=image_detail_original,
            supports_schema=supports_schema,
            supports_tools=supports_tools,
            can_stream=can_stream,
            api_base=api_base,
            headers=dict(headers or {}),
            responses=True,
            reasoning_summary=reasoning_summary,
        )
        self._start(spec, key, api_type, api_version, api_engine, allows_system_prompt)

    def _start(self, spec: ModelSpec, *original: Any) -> None:
        _responses._SharedResponses.__init__(self, spec)
        options: type[llm.Options] = PlainResponsesOptions
        if spec.verbosity:
            options = VerbosityResponsesOptions
        elif spec.reasoning:
            options = ReasoningResponsesOptions
        self.__dict__["Options"] = options_for_spec(options, spec)
        self._set_original_attributes(spec, *original)

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        self._refuse_unsupported_system_prompt(prompt)
        return super().request(prompt, stream, conversation, response)


class Responses(_CompatResponses, _responses.Responses):
    """``Responses(model_id, key=None, model_name=None, api_base=None, ...)`` of llm 0.32+."""


class AsyncResponses(_CompatResponses, _responses.AsyncResponses):
    """``Responses`` for asyncio."""


class _CompatCompletion(_OriginalAPI, _completion._SharedCompletion):
    def __init__(
        self,
        model_id: str,
        key: str | None = None,
        model_name: str | None = None,
        api_base: str | None = None,
        api_type: str | None = None,
        api_version: str | None = None,
        api_engine: str | None = None,
        headers: dict[str, str] | None = None,
        can_stream: bool = True,
        vision: bool = False,
        audio: bool = False,
        reasoning: bool = False,
        supports_schema: bool = False,
        supports_tools: bool = False,
        allows_system_prompt: bool = True,
        default_max_tokens: int | None = None,
    ) -> None:
        # Completion models take text only: vision, audio, schemas and tools are accepted for
        # the original's signature and have no effect.
        spec = ModelSpec(
            model_id,
            model_name=model_name,
            can_stream=can_stream,
            completion=True,
            api_base=api_base,
            headers=dict(headers or {}),
        )
        self._start(
            spec, key, api_type, api_version, api_engine, allows_system_prompt, default_max_tokens
        )
        self.vision = vision

    def _start(self, spec: ModelSpec, *original: Any) -> None:
        _completion._SharedCompletion.__init__(self, spec)
        self._set_original_attributes(spec, *original)

    def build_kwargs(self, prompt: llm.Prompt, stream: bool) -> dict[str, Any]:
        return self._original_kwargs(_completion._SharedCompletion, prompt, stream)

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        kwargs = super().request(prompt, stream, conversation, response)
        return self._with_plugin_kwargs(_CompatCompletion, kwargs, prompt, stream)


class Completion(_CompatCompletion, _completion.Completion):
    """The original ``Completion``: the ``Chat`` constructor plus ``default_max_tokens``."""


class AsyncCompletion(_CompatCompletion, _completion.AsyncCompletion):
    """``Completion`` for asyncio."""


class OpenAIEmbeddingModel(_OpenAIEmbeddingModel):
    """The original ``OpenAIEmbeddingModel(model_id, openai_model_id, dimensions=None)``."""

    def __init__(self, model_id: str, openai_model_id: str, dimensions: int | None = None) -> None:
        super().__init__(EmbeddingSpec(model_id, openai_model_id, dimensions=dimensions))
        _let_subclass_attributes_win(self)


def not_nulls(data: Any) -> dict[str, Any]:
    """A dict of the pairs whose value is not None: ``data`` is a mapping or yields
    ``(name, value)`` pairs, as options objects do."""
    pairs = data.items() if hasattr(data, "items") else data
    return {name: value for name, value in pairs if value is not None}


def _attachment(attachment: llm.Attachment) -> dict[str, Any]:
    """The content part of a chat message for an attachment (image, PDF or audio)."""
    return attachment_part(attachment)


def combine_chunks(chunks: list[Any]) -> dict[str, Any]:
    """One dict from streamed SDK chunks (chat or completion), as the original stored in
    ``response_json`` (before ``None`` values are removed)."""
    summary = StreamSummary()
    for chunk in chunks:
        summary.feed(chunk)
    return summary.combined()

"""``from llm.default_plugins.openai_models import Chat`` — the original's OpenAI classes, which
plugins subclass. They live in llm-openai; this module hands them over, or says what to install.
"""

from typing import Any

from .._compat import sibling

_openai = sibling("openai", "compat", feature="llm.default_plugins.openai_models")

AsyncChat = _openai.AsyncChat
AsyncCompletion = _openai.AsyncCompletion
AsyncResponses = _openai.AsyncResponses
Chat = _openai.Chat
CodeInterpreter = _openai.CodeInterpreter
Completion = _openai.Completion
OpenAIEmbeddingModel = _openai.OpenAIEmbeddingModel
ReasoningEffortEnum = _openai.ReasoningEffortEnum
Responses = _openai.Responses
SharedOptions = _openai.SharedOptions
WebSearch = _openai.WebSearch
_Shared = _openai._Shared
_attachment = _openai._attachment
combine_chunks = _openai.combine_chunks
not_nulls = _openai.not_nulls
remove_dict_none_values = _openai.remove_dict_none_values

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


def __getattr__(name: str) -> Any:
    # Anything else llm-openai offers for compatibility, without listing it twice.
    try:
        return getattr(_openai, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None

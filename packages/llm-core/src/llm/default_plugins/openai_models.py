"""``from llm.default_plugins.openai_models import Chat`` — the original's OpenAI classes, which
plugins subclass. They live in llm-openai; this module hands them over, or says what to install.
"""

try:
    from llm_openai.compat import (
        AsyncChat,
        AsyncCompletion,
        Chat,
        Completion,
        OpenAIEmbeddingModel,
        _attachment,
        combine_chunks,
        not_nulls,
        remove_dict_none_values,
    )
except ModuleNotFoundError as ex:
    if (ex.name or "").partition(".")[0] != "llm_openai":
        raise
    raise ImportError(
        "llm.default_plugins.openai_models needs the llm-openai package: pip install llm-openai"
    ) from ex

__all__ = [
    "AsyncChat",
    "AsyncCompletion",
    "Chat",
    "Completion",
    "OpenAIEmbeddingModel",
    "_attachment",
    "combine_chunks",
    "not_nulls",
    "remove_dict_none_values",
]

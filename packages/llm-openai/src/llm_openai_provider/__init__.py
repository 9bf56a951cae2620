"""llm_openai_provider: the OpenAI provider for llm, registered as a plugin through the ``llm``
entry-point group.

Importing this package is cheap: the ``openai`` SDK is imported only when a request is made.
"""

__all__: list[str] = []

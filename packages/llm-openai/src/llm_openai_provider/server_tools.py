"""OpenAI's hosted tools for the Responses API: ``WebSearch`` and ``CodeInterpreter``.

Passed in ``tools=[...]`` beside function tools (``llm.ServerSideTool``): OpenAI runs them,
llm only describes them in the request. Configuration is checked when the tool is made, so
a mistake is an error before anything is sent.
"""

from typing import Any, Literal

from llm.tools import ServerSideTool

_CONTEXT_SIZES = ("low", "medium", "high")
_TOKEN_BUDGETS = ("default", "unlimited")
_CONTENT_TYPES = ("text", "image")
_MEMORY_LIMITS = ("1g", "4g", "16g", "64g")
_MAX_DOMAINS = 100


def _add_include(kwargs: dict[str, Any], value: str) -> None:
    include = kwargs.setdefault("include", [])
    if value not in include:
        include.append(value)


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _domains(name: str, domains: list[str] | None) -> list[str] | None:
    if domains is None:
        return None
    if len(domains) > _MAX_DOMAINS:
        raise ValueError(f"{name} takes at most {_MAX_DOMAINS} domains")
    for domain in domains:
        if not isinstance(domain, str) or "://" in domain:
            raise ValueError(f"{name}: give domains without a scheme (not {domain!r})")
    return list(domains)


class WebSearch(ServerSideTool):
    """Search the web using OpenAI's hosted search tool.

    Configure domain filters, approximate location, result context, live web
    access and image search through constructor arguments. Set
    ``include_sources`` to retain every consulted URL or ``include_results``
    to retain raw results such as image search results.
    """

    name = "web_search"

    def __init__(
        self,
        allowed_domains: list[str] | None = None,
        blocked_domains: list[str] | None = None,
        user_location: dict | None = None,
        search_context_size: Literal["low", "medium", "high"] | None = None,
        external_web_access: bool | None = None,
        return_token_budget: Literal["default", "unlimited"] | None = None,
        search_content_types: list[Literal["text", "image"]] | None = None,
        image_settings: dict | None = None,
        include_sources: bool = False,
        include_results: bool = False,
    ) -> None:
        super().__init__()
        self.allowed_domains = _domains("allowed_domains", allowed_domains)
        self.blocked_domains = _domains("blocked_domains", blocked_domains)
        if user_location is not None:
            if user_location.get("type", "approximate") != "approximate":
                raise ValueError("user_location type must be 'approximate'")
            user_location = {"type": "approximate", **user_location}
        self.user_location = user_location
        _one_of("search_context_size", search_context_size, _CONTEXT_SIZES)
        self.search_context_size = search_context_size
        if external_web_access is not None and not isinstance(external_web_access, bool):
            raise TypeError("external_web_access must be true or false")
        self.external_web_access = external_web_access
        _one_of("return_token_budget", return_token_budget, _TOKEN_BUDGETS)
        self.return_token_budget = return_token_budget
        for content_type in search_content_types or []:
            _one_of("search_content_types", content_type, _CONTENT_TYPES)
        self.search_content_types = search_content_types
        if image_settings is not None:
            max_results = image_settings.get("max_results")
            if max_results is not None and (not isinstance(max_results, int) or max_results < 1):
                raise ValueError("image_settings max_results must be a whole number above 0")
            caption = image_settings.get("caption")
            if caption is not None and not isinstance(caption, bool):
                raise TypeError("image_settings caption must be true or false")
        self.image_settings = image_settings
        self.include_sources = include_sources
        self.include_results = include_results

    def tool_spec(self, model: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": "web_search"}
        filters = {
            key: value
            for key, value in (
                ("allowed_domains", self.allowed_domains),
                ("blocked_domains", self.blocked_domains),
            )
            if value
        }
        if filters:
            spec["filters"] = filters
        for key in (
            "user_location",
            "search_context_size",
            "external_web_access",
            "return_token_budget",
            "search_content_types",
            "image_settings",
        ):
            value = getattr(self, key)
            if value is not None:
                spec[key] = value
        return spec

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        if self.include_sources:
            _add_include(kwargs, "web_search_call.action.sources")
        if self.include_results:
            _add_include(kwargs, "web_search_call.results")


class CodeInterpreter(ServerSideTool):
    """Run Python in an OpenAI-managed container.

    With no ``container`` argument OpenAI creates or reuses an automatic
    container. ``memory_limit`` and ``file_ids`` configure that automatic
    container. Pass an existing ``cntr_`` ID as ``container`` to use it
    explicitly instead.
    """

    name = "code_interpreter"

    def __init__(
        self,
        container: str | None = None,
        memory_limit: Literal["1g", "4g", "16g", "64g"] | None = None,
        file_ids: list[str] | None = None,
    ) -> None:
        super().__init__()
        if container is not None and not isinstance(container, str):
            raise TypeError("container must be a string: the ID of an existing container")
        _one_of("memory_limit", memory_limit, _MEMORY_LIMITS)
        if container is not None and (memory_limit is not None or file_ids):
            raise ValueError(
                "container cannot be combined with memory_limit or file_ids, which configure"
                " an automatic container"
            )
        self.container = container
        self.memory_limit = memory_limit
        self.file_ids = list(file_ids) if file_ids else None

    def tool_spec(self, model: Any) -> dict[str, Any]:
        if self.container is not None:
            return {"type": "code_interpreter", "container": self.container}
        container: dict[str, Any] = {"type": "auto"}
        if self.memory_limit is not None:
            container["memory_limit"] = self.memory_limit
        if self.file_ids:
            container["file_ids"] = self.file_ids
        return {"type": "code_interpreter", "container": container}

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        _add_include(kwargs, "code_interpreter_call.outputs")


#: What the Responses models accept in ``tools=``, besides function tools.
SUPPORTED: tuple[type[ServerSideTool], ...] = (WebSearch, CodeInterpreter, ServerSideTool)

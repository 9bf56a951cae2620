"""Behaviour published plugins found different in a scan of PyPI (docs/plugins-compatibility.md,
"Other plugins checked by hand"): llm-tools-exa registers its ``ExaTools`` toolbox (whose
``name`` is ``"Exa Tools"``) as ``Exa``; llm 0.32-0.36 name its tools after the class,
``ExaTools_web_search``, and that is what models are sent and what the logs hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import llm
from llm.plugins import pm


class ExaTools(llm.Toolbox):
    name: str = "Exa Tools"

    def web_search(self, query: str) -> str:
        "Search the web"
        return f"results for {query}"

    def get_answer(self, query: str) -> str:
        "Answer a question"
        return f"answer to {query}"


def web_search(query: str) -> str:
    "Search the web (the same method, registered as a plain tool too)"
    return ExaTools().web_search(query)


class Plugin:
    @llm.hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(web_search, "web_search")
        register(ExaTools, "Exa")


@pytest.fixture
def exa() -> Iterator[None]:
    original_name = ExaTools.name
    pm.register(Plugin(), name="llm-tools-exa-scan")
    try:
        yield
    finally:
        pm.unregister(name="llm-tools-exa-scan")
        ExaTools.name = original_name


def test_a_toolbox_registered_under_another_name_names_its_tools_after_its_class(
    exa: None,
) -> None:
    tools = llm.get_tools()
    assert tools["Exa"] is ExaTools
    assert ExaTools.name == "Exa"  # registering names it, as the original's register did
    assert ExaTools.toolbox_name() == "Exa"
    names = sorted(tool.name for tool in ExaTools().tools())
    assert names == ["ExaTools_get_answer", "ExaTools_web_search"]
    assert ExaTools.member_tool_name("web_search") == "ExaTools_web_search"
    assert tools["web_search"].name == "web_search"  # the plain tool keeps its own name


def test_the_model_calls_the_class_named_tool() -> None:
    toolbox = ExaTools()
    tool = next(tool for tool in toolbox.tools() if tool.name == "ExaTools_web_search")
    assert tool.implementation(query="pelicans") == "results for pelicans"  # type: ignore[misc]

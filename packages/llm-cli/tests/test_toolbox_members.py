"""``-T Box.tool`` picks one tool of a toolbox; ``always_ask`` toolboxes are approved."""

from __future__ import annotations

import click
import pytest

import llm
from llm_cli.tool_options import approve_if_always_asked
from llm_cli.tool_specs import lookup_names, registered_name, resolve_tool_spec


class Box(llm.Toolbox):
    def first(self) -> str:
        "One"
        return "1"

    def second(self, n: int) -> int:
        "Two"
        return n * 2


class Named(llm.Toolbox):
    name = "named:box"

    @classmethod
    def member_tool_name(cls, method_name: str) -> str:
        return f"named__{method_name}"

    def prepare(self) -> None:
        self.add_tool(llm.Tool(name="named__go", description="Go", implementation=lambda: "went"))


REGISTERED: dict = {"Box": Box, "named:box": Named, "plain": llm.Tool(name="plain")}


def test_one_tool_of_a_toolbox() -> None:
    tool = resolve_tool_spec("Box.second", REGISTERED)
    assert isinstance(tool, llm.Tool)
    assert tool.name == "Box_second"
    assert isinstance(tool.toolbox, Box)
    assert tool.implementation(n=4) == 8
    assert registered_name("Box.second", REGISTERED) == "Box"
    assert lookup_names(["Box.second", "Box(1)", "plain"]) == ["Box", "Box", "plain"]


def test_a_toolbox_that_names_its_tools_itself() -> None:
    assert Box.member_tool_name("first") == "Box_first"
    box = resolve_tool_spec("named:box", REGISTERED)  # not an identifier: built as Named()
    assert isinstance(box, Named)
    tool = resolve_tool_spec("named:box.go", REGISTERED)
    assert isinstance(tool, llm.Tool) and tool.name == "named__go"


def test_unknown_member_and_unknown_box() -> None:
    with pytest.raises(click.ClickException, match=r"Toolbox Box has no tool third\. Its tools:"):
        resolve_tool_spec("Box.third", REGISTERED)
    with pytest.raises(click.ClickException, match=r"Tool\(s\) Nope\.first not found"):
        resolve_tool_spec("Nope.first", REGISTERED)


def test_always_ask_toolboxes_are_approved(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(click, "confirm", lambda text: asked.append(text) or False)
    call = llm.ToolCall(name="Box_first", arguments={})
    quiet = Box().tools()[0]
    approve_if_always_asked(quiet, call)  # not asked
    assert asked == []

    class Careful(Box):
        always_ask = True

    careful = Careful().tools()[0]
    with pytest.raises(llm.CancelToolCall):
        approve_if_always_asked(careful, call)
    assert asked == ["Approve tool call?"]

"""Names plugins import from ``llm.cli`` because the original's module had them in scope."""

from __future__ import annotations

import pytest

import llm
import llm.cli
import llm.utils


@pytest.mark.parametrize(
    "name", ["get_default_model", "get_key", "get_model", "user_dir", "encode", "get_tools"]
)
def test_public_api_names_resolve_through_llm_cli(name: str) -> None:
    assert getattr(llm.cli, name) is getattr(llm, name)


def test_utils_names_resolve_through_llm_cli() -> None:
    assert llm.cli.extract_fenced_code_block is llm.utils.extract_fenced_code_block


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        llm.cli.no_such_thing  # noqa: B018

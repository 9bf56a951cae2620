"""Fixtures for the CLI tests: running the app in this process (the root conftest gives
every test its own user directory)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result


@pytest.fixture
def invoke(every_plugin_loaded: None) -> Callable[..., Result]:
    """Run the ``llm`` click app in-process; stdout and stderr kept apart."""
    from llm_cli.app import cli

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run

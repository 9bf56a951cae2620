"""What ``llm install`` pins so that a plugin cannot replace llm (the installs themselves run
for real in tests-integration/test_install_paths.py)."""

from __future__ import annotations

import llm
from llm_cli.commands.install import _named_distributions, installed_family


def test_the_family_is_every_sibling_pinned_at_our_version() -> None:
    assert installed_family() == {
        name: llm.__version__
        for name in (
            "llm",
            "llm-cli",
            "llm-core",
            "llm-embeddings",
            "llm-openai",
            "llm-storage",
            "llm-tools",
        )
    }


def test_named_distributions_ignore_paths_and_urls() -> None:
    named = _named_distributions(
        ("LLM", "llm_core>=1", "llm-foo[extra]==2", "./dist/x.whl", "https://h/p.tar.gz", "-e")
    )
    assert named == {"llm", "llm-core", "llm-foo"}

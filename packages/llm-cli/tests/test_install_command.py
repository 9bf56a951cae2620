"""What ``llm install`` pins so that a plugin cannot replace llm (the installs themselves run
for real in tests-integration/test_install_paths.py)."""

from __future__ import annotations

from llm_cli.commands.install import _named_distributions


def test_named_distributions_ignore_paths_and_urls() -> None:
    named = _named_distributions(
        ("LLM", "llm_core>=1", "llm-foo[extra]==2", "./dist/x.whl", "https://h/p.tar.gz", "-e")
    )
    assert named == {"llm", "llm-core", "llm-foo"}

"""One version for the whole family, written once, and every sibling pinned at exactly it."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import llm

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = sorted([*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("plugins/*/pyproject.toml")])
FAMILY = {tomllib.loads(path.read_text())["project"]["name"] for path in MEMBERS}


def test_every_distribution_has_the_version_llm_reports() -> None:
    assert {"llm", "llm-core", "llm-cli", "llm-echo"} <= FAMILY
    versions = {name: importlib.metadata.version(name) for name in FAMILY}
    assert versions == dict.fromkeys(FAMILY, llm.__version__)


def test_siblings_are_required_at_exactly_that_version() -> None:
    for name in FAMILY:
        for requirement in importlib.metadata.requires(name) or []:
            required = re.match(r"[A-Za-z0-9._-]+", requirement)
            assert required is not None
            if required.group(0) in FAMILY:
                pinned = f"{required.group(0)}=={llm.__version__}"
                # An extra's sibling (llm[serve]) is pinned the same way.
                assert requirement.split(";")[0].strip() == pinned, name


def test_the_version_is_written_in_one_place_only() -> None:
    # A release edits packages/llm-core/src/llm/_version.py; the build hook does the rest.
    for path in MEMBERS:
        project = tomllib.loads(path.read_text())["project"]
        assert "version" not in project and "version" in project["dynamic"], path
        assert "dependencies" not in project, f"{path}: list them in the lockstep hook's config"
    written = [
        path
        for path in ROOT.glob("packages/llm-core/src/llm/*.py")
        if re.search(r"^__version__ = ", path.read_text(), re.MULTILINE)
    ]
    assert [path.name for path in written] == ["_version.py"]

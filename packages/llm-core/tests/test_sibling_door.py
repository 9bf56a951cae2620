"""llm-core reaches its sibling distributions through one door, ``llm/_compat.py``: no other
module imports a sibling or names one (its import package, or its distribution in a message)."""

from __future__ import annotations

import ast
from pathlib import Path

import llm
from llm._compat import SIBLINGS

SOURCE = Path(llm.__file__).parent
DOOR = SOURCE / "_compat.py"
PACKAGES = {package for package, _ in SIBLINGS.values()}
DISTRIBUTIONS = {distribution for _, distribution in SIBLINGS.values()}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _names_a_sibling(node: ast.AST, docstrings: set[int]) -> str | None:
    if isinstance(node, ast.Import):
        roots = [alias.name.partition(".")[0] for alias in node.names]
        return next((root for root in roots if root in PACKAGES), None)
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        root = node.module.partition(".")[0]
        return root if root in PACKAGES else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if id(node) in docstrings:
            return None
        text = node.value
        for package in PACKAGES:
            if text == package or text.startswith(package + "."):
                return package
        for distribution in DISTRIBUTIONS:
            if f"install {distribution}" in text or f"install -U {distribution}" in text:
                return distribution
    return None


def test_only_the_door_names_a_sibling() -> None:
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path == DOOR:
            continue
        tree = ast.parse(path.read_text(), str(path))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            named = _names_a_sibling(node, docstrings)
            if named:
                offenders.append(f"{path.relative_to(SOURCE)}:{node.lineno} names {named}")
    assert offenders == []


def test_the_check_sees_each_way_of_naming_a_sibling() -> None:
    samples = [
        "import llm_storage",
        "from llm_cli.app import cli",
        "x = 'llm_openai_provider.compat'",
        "x = 'pip install llm-embeddings'",
    ]
    for sample in samples:
        tree = ast.parse(sample)
        assert any(_names_a_sibling(node, set()) for node in ast.walk(tree)), sample
    assert not any(_names_a_sibling(n, set()) for n in ast.walk(ast.parse("import llm.cli")))

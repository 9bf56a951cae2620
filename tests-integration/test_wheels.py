"""The published shape: every distribution builds a wheel, and those wheels installed by path
into a clean virtual environment (no workspace) give a working ``llm``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = {
    "llm",
    "llm_core",
    "llm_storage",
    "llm_embeddings",
    "llm_tools",
    "llm_openai",
    "llm_cli",
    "llm_echo",
    "llm_markov",
}
UV = shutil.which("uv")

pytestmark = pytest.mark.skipif(UV is None, reason="uv is needed to build wheels")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [UV, "build", "--all-packages", "--wheel", "--no-sources", "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return sorted(out.glob("*.whl"))


def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode()


def test_one_wheel_per_distribution_with_pinned_siblings(wheels: list[Path]) -> None:
    names = {wheel.name.split("-")[0] for wheel in wheels}
    assert names == DISTRIBUTIONS
    meta = _metadata(next(w for w in wheels if w.name.startswith("llm-1")))
    for sibling in (
        "llm-core",
        "llm-storage",
        "llm-embeddings",
        "llm-tools",
        "llm-openai",
        "llm-cli",
    ):
        assert f"Requires-Dist: {sibling}==1.0.0" in meta
    meta_wheel = next(w for w in wheels if w.name.startswith("llm-1"))
    with zipfile.ZipFile(meta_wheel) as archive:
        # The meta-package ships no code: only its metadata.
        assert all(".dist-info/" in n for n in archive.namelist())


def test_wheels_work_outside_the_workspace(wheels: list[Path], tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "-q", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", str(python), *map(str, wheels)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    env = {"PATH": os.environ.get("PATH", ""), "LLM_USER_PATH": str(tmp_path / "user")}
    llm = venv / "bin" / "llm"
    answer = subprocess.run(
        [llm, "-m", "echo", "hi"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["prompt"] == "hi"
    logged = subprocess.run(
        [llm, "logs", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert logged.returncode == 0, logged.stderr
    assert [entry["prompt"] for entry in json.loads(logged.stdout)] == ["hi"]

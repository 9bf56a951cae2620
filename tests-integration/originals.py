"""The real originals, llm 0.26 and llm 0.36, as oracles that tests run beside us on one
``logs.db`` (importable by name: conftest puts this directory on ``sys.path``).

The releases come from PyPI, installed once into a persistent cache
(``$LLM_TEST_ORIGINALS_CACHE``, default ``~/.cache/llm-test-originals``) with the llm-echo
release each accepts; a ready installation can be named with ``LLM_TEST_ORIGINAL_026`` /
``LLM_TEST_ORIGINAL_036`` (its directory), and ``/tmp/llm-original`` / ``/tmp/llm036`` are
used where a machine has them. Without the network and without a cached copy, the tests that
need one skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

#: release -> (the llm-echo release it accepts, the variable naming a ready installation)
RELEASES = {
    "0.26": ("0.3a3", "LLM_TEST_ORIGINAL_026"),
    "0.36": ("0.5", "LLM_TEST_ORIGINAL_036"),
}
#: Pins of its own time for a release whose newest dependencies no longer work with it
#: (today's openai needs httpx2; llm 0.26 imports httpx).
CONSTRAINTS = {"0.26": Path(__file__).with_name("original-0.26-constraints.txt")}
#: Where these machines already have them.
KNOWN_PLACES = {"0.26": Path("/tmp/llm-original"), "0.36": Path("/tmp/llm036")}

Run = Callable[..., subprocess.CompletedProcess[str]]


def _cache_dir() -> Path:
    configured = os.environ.get("LLM_TEST_ORIGINALS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "llm-test-originals"


def _version_of(llm: Path) -> str | None:
    try:
        result = subprocess.run(
            [str(llm), "--version"], capture_output=True, text=True, timeout=120
        )
    except OSError:
        return None
    return result.stdout.strip().rpartition(" ")[2] if result.returncode == 0 else None


def installed(release: str) -> Path:
    """The ``llm`` executable of ``release``, installing it into the cache if needed."""
    echo, variable = RELEASES[release]
    candidates = [Path(os.environ[variable])] if os.environ.get(variable) else []
    candidates += [KNOWN_PLACES[release], _cache_dir() / f"llm-{release}"]
    for place in candidates:
        llm = place / "bin" / "llm"
        if _version_of(llm) == release:
            return llm
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip(f"llm {release} is not installed and uv is missing to install it")
    target = _cache_dir() / f"llm-{release}"
    shutil.rmtree(target, ignore_errors=True)
    steps = [
        [uv, "venv", "-q", "--python", "3.11", str(target)],
        [uv, "pip", "install", "-q", "--python", str(target / "bin" / "python"),
         *(["-c", str(CONSTRAINTS[release])] if release in CONSTRAINTS else []),
         f"llm=={release}", f"llm-echo=={echo}"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            pytest.skip(
                f"llm {release} could not be installed from PyPI (offline?) into {target}: "
                + (done.stderr.strip().splitlines() or ["no output"])[-1]
            )
    llm = target / "bin" / "llm"
    assert _version_of(llm) == release
    return llm


def run_in(llm: Path, user_dir: Path) -> Run:
    """Run the original ``llm`` executable on ``user_dir`` (so on its logs.db), with none of
    our ``LLM_*`` settings."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
        env["LLM_USER_PATH"] = str(user_dir)
        return subprocess.run(
            [str(llm), *args], capture_output=True, text=True, env=env, timeout=600, input=""
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The standard output of a run that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def venv_036() -> Path:
    """The virtual environment of the real llm 0.36 (with llm-echo 0.5)."""
    return installed("0.36").parent.parent


@pytest.fixture
def run_036(venv_036: Path, user_dir: Path) -> Run:
    """Run the real llm 0.36 on the test's user directory."""
    return run_in(venv_036 / "bin" / "llm", user_dir)

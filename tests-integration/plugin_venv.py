"""A clean virtual environment made from our wheels, with real plugins from PyPI in it.

The plugins and the third-party libraries they bring are pinned here and downloaded once
into a persistent wheel cache (``$LLM_TEST_PLUGIN_CACHE``, default
``~/.cache/llm-test-plugins``); every later run installs from that cache with no network.

The environment itself is made by wheel_env, as for test_wheels.py.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from wheel_env import UV, build_wheels, export_locked, make_venv

# The newest release of each plugin on PyPI, pinned. Refresh deliberately: move a pin, run
# the suite here and against the real llm 0.36 (LLM_PLUGINS_REFERENCE, see
# test_pypi_plugins.py), and record both results in docs/plugins-compatibility.md.
PLUGINS = {
    "llm-echo": "0.5",
    "llm-markov": "0.1",
    "llm-tools-simpleeval": "0.1.1",
    "llm-tools-sqlite": "0.1",
    "llm-tools-quickjs": "0.1",
    "llm-jq": "0.1.1",
    "llm-cmd": "0.2a0",
    "llm-cluster": "0.2",
    "llm-gemini": "0.35",
    "llm-anthropic": "0.30",
    "llm-mistral": "0.16",
    "llm-openrouter": "0.7.1",
    "llm-ollama": "0.19.1",
    "llm-fragments-github": "0.4",
    "llm-templates-github": "0.1",
    "llm-lmstudio": "0.3.1",
    "llm-github-models": "0.18.0",
    "llm-mcp-client": "0.1a0",
    "llm-openai-plugin": "0.7",
    "llm-venice": "0.9.1",
}
# What those plugins pull in beyond our own locked dependencies (the set a resolver picked
# for them next to our locked one, frozen).
DEPENDENCIES = {
    "aiohappyeyeballs": "2.7.1",
    "aiohttp": "3.14.5",
    "aiosignal": "1.4.0",
    "anthropic": "1.17.0",
    "azure-ai-inference": "1.0.0b9",
    "azure-core": "1.41.0",
    "cffi": "2.1.1",
    "charset-normalizer": "3.5.3",
    "cloudpickle": "3.1.3",
    "cryptography": "51.0.1",
    "docstring-parser": "0.18.0",
    "eval-type-backport": "0.4.0",
    "frozenlist": "1.8.0",
    "ijson": "3.6.0",
    "isodate": "0.7.2",
    "joblib": "1.6.0",
    "jsonpath-python": "1.1.6",
    "mcp": "2.3.0",
    "mcp-types": "2.3.0",
    "mistralai": "3.8.0",
    "multidict": "7.2.1",
    "narwhals": "2.29.0",
    "ollama": "0.6.3",
    "opentelemetry-api": "1.45.2",
    "opentelemetry-semantic-conventions": "0.66b2",
    "prompt-toolkit": "3.0.53",
    "propcache": "0.5.4",
    "pycparser": "3.12",
    "pygments": "2.21.0",
    "pyjwt": "2.15.1",
    "python-multipart": "0.0.34",
    "quickjs": "1.19.4",
    "requests": "2.34.2",
    "scikit-learn": "1.9.1",
    "scipy": "1.17.1",
    "simpleeval": "1.0.8",
    "sse-starlette": "3.7.1",
    "starlette": "1.10.0",
    "threadpoolctl": "3.8.0",
    "urllib3": "2.8.0",
    "uvicorn": "0.55.0",
    "wcwidth": "0.9.5",
    "yarl": "1.25.1",
}
# Our own plugins are left out: the PyPI releases of the same names replace them.
OWN_PLUGIN_WHEELS = ("llm_echo-", "llm_markov-")


def cache_dir() -> Path:
    configured = os.environ.get("LLM_TEST_PLUGIN_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "llm-test-plugins"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _missing(cache: Path, pins: dict[str, str]) -> list[str]:
    present = {
        (_normalise(wheel.name.split("-")[0]), wheel.name.split("-")[1])
        for wheel in cache.glob("*.whl")
    }
    return [
        f"{name}=={version}"
        for name, version in pins.items()
        if (_normalise(name), version) not in present
    ]


def fill_cache(pip: Path) -> Path:
    """Download whatever pinned wheel the cache lacks (the only step that needs the network)."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    missing = _missing(cache, PLUGINS | DEPENDENCIES)
    if missing:
        subprocess.run(
            [
                str(pip),
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(cache),
                *missing,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        still_missing = _missing(cache, PLUGINS | DEPENDENCIES)
        assert not still_missing, f"not downloaded into {cache}: {still_missing}"
    return cache


def build_venv(work: Path) -> Path:
    """Our wheels (less our own echo and markov, which the PyPI plugins of the same names
    replace) and their locked dependencies in a fresh venv with pip, as `pip install llm`
    makes one; no network."""
    wheels = [w for w in build_wheels(work / "wheels") if not w.name.startswith(OWN_PLUGIN_WHEELS)]
    locked = export_locked(work / "pylock.toml")
    # Not compiled ahead: the runs write bytecode for what they import (a fraction of scipy).
    return make_venv(wheels, locked, work / "venv", with_pip=True)


def install_plugins(venv: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Every pinned plugin, from the cache only, the way `llm install` would add them."""
    assert UV
    pins = [f"{name}=={version}" for name, version in PLUGINS.items()]
    python = str(venv / "bin" / "python")
    options = ["-q", "--offline", "--no-index", "--find-links", str(cache)]
    return subprocess.run(
        [UV, "pip", "install", *options, "--python", python, *pins],
        capture_output=True,
        text=True,
    )


def installed_version(venv: Path, distribution: str) -> str:
    return subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

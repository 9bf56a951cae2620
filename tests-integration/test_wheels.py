"""The published shape: every distribution builds a wheel, and those wheels installed by path
into a clean virtual environment (no workspace) give a working ``llm`` — which can then
install and uninstall plugins into its own environment.

Nothing here uses the network, even on a machine whose uv cache was filled only by
``uv run`` from ``uv.lock``: third-party packages are installed by the locked URLs that are
already in the cache, and our own wheels with ``--no-deps`` on top."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from wheel_env import build_wheels, export_locked, make_venv

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = {
    "llm",
    "llm_core",
    "llm_storage",
    "llm_embeddings",
    "llm_tools",
    "llm_openai",  # the wheel of llm-openai (import name llm_openai_provider)
    "llm_cli",
    "llm_echo",
    "llm_openai_server",
    "llm_embed_hash",
    "llm_markov",
    "llm_mcp_servers",
}
SIBLINGS = ("llm-core", "llm-storage", "llm-embeddings", "llm-tools", "llm-openai", "llm-cli")
UV = shutil.which("uv")
VERSION = importlib.metadata.version("llm")  # the workspace's, from the same single source

pytestmark = pytest.mark.skipif(UV is None, reason="uv is needed to build wheels")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_wheels(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="module")
def locked_third_party(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_locked(tmp_path_factory.mktemp("lock") / "pylock.toml")


@pytest.fixture(scope="module")
def venv(
    wheels: list[Path], locked_third_party: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Made by uv without pip, as `uv tool install llm` makes one."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    return make_venv(wheels, locked_third_party, path, with_pip=False)


@pytest.fixture(scope="module")
def venv_with_pip(
    wheels: list[Path], locked_third_party: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """With pip in it, as `pip install llm` or pipx make one."""
    path = tmp_path_factory.mktemp("venv-pip") / "venv"
    return make_venv(wheels, locked_third_party, path, with_pip=True)


def _run(venv: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        "LLM_USER_PATH": str(home),
        "UV_OFFLINE": "1",
    }
    return subprocess.run(
        [str(venv / "bin" / "llm"), *args], capture_output=True, text=True, env=env, cwd=home
    )


def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode()


def test_one_wheel_per_distribution_with_pinned_siblings(wheels: list[Path]) -> None:
    assert {wheel.name.split("-")[0] for wheel in wheels} == DISTRIBUTIONS
    assert {wheel.name.split("-")[1] for wheel in wheels} == {VERSION}
    meta_wheel = next(w for w in wheels if w.name.startswith(f"llm-{VERSION}-"))
    metadata = _metadata(meta_wheel)
    for sibling in SIBLINGS:
        assert f"Requires-Dist: {sibling}=={VERSION}" in metadata
    # `pip install 'llm[serve]'` pins the server at the same version.
    assert f"Requires-Dist: llm-openai-server=={VERSION}; extra == 'serve'" in metadata
    assert "Provides-Extra: serve" in metadata
    with zipfile.ZipFile(meta_wheel) as archive:
        # The meta-package ships no code: only its metadata.
        assert all(".dist-info/" in n for n in archive.namelist())
    for wheel in wheels:
        if not wheel.name.startswith(f"llm-{VERSION}-"):
            assert f"Version: {VERSION}\n" in _metadata(wheel)
        if not wheel.name.startswith("llm_core-"):  # every other one is built on llm-core
            assert f"Requires-Dist: llm-core=={VERSION}\n" in _metadata(wheel)


def test_wheels_work_outside_the_workspace(venv: Path, tmp_path: Path) -> None:
    assert _run(venv, "--version", home=tmp_path).stdout == f"llm, version {VERSION}\n"
    answer = _run(venv, "-m", "echo", "hi", home=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["prompt"] == "hi"
    logged = _run(venv, "logs", "--json", home=tmp_path)
    assert logged.returncode == 0, logged.stderr
    assert [entry["prompt"] for entry in json.loads(logged.stdout)] == ["hi"]


def _plugin_wheel(directory: Path) -> Path:
    """A minimal plugin wheel, written by hand so building it needs no network."""
    name, version = "llm_hello", "0.1"
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": (
            "import click\nimport llm\n\n\n@llm.hookimpl\ndef register_commands(cli):\n"
            "    @cli.command()\n    def hello():\n        'Say hello'\n"
            "        click.echo('Hello from a plugin')\n"
        ),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: llm-hello\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{dist_info}/entry_points.txt": f"[llm]\nhello = {name}\n",
    }
    records = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=")
        records.append(f"{path},sha256={digest.decode()},{len(content.encode())}")
    records.append(f"{dist_info}/RECORD,,")
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return wheel


@pytest.mark.parametrize("environment", ["venv", "venv_with_pip"])
def test_install_and_uninstall_a_plugin(
    environment: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    venv = request.getfixturevalue(environment)
    assert (venv / "bin" / "pip").exists() == (environment == "venv_with_pip")
    wheel = _plugin_wheel(tmp_path)
    installed = _run(venv, "install", str(wheel), home=tmp_path)
    assert installed.returncode == 0, installed.stderr
    plugins = json.loads(_run(venv, "plugins", home=tmp_path).stdout)
    assert {"name": "llm-hello", "hooks": ["register_commands"], "version": "0.1"} in plugins
    assert _run(venv, "hello", home=tmp_path).stdout == "Hello from a plugin\n"
    removed = _run(venv, "uninstall", "llm-hello", "-y", home=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert "llm-hello" not in _run(venv, "plugins", home=tmp_path).stdout
    missing = _run(venv, "install", str(tmp_path / "no-such.whl"), home=tmp_path)
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr


def test_built_in_tools_register_through_the_entry_point(venv: Path, tmp_path: Path) -> None:
    listed = _run(venv, "tools", "list", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    tools = {tool["name"]: tool["plugin"] for tool in json.loads(listed.stdout)["tools"]}
    assert tools == {
        "llm_time": "llm.default_plugins.default_tools",
        "llm_version": "llm.default_plugins.default_tools",
    }

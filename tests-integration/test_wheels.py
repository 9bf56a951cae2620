"""The published shape: every distribution builds a wheel, and those wheels installed by path
into a clean virtual environment (no workspace) give a working ``llm`` — which can then
install and uninstall plugins into its own environment."""

from __future__ import annotations

import base64
import hashlib
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
    "llm_embed_hash",
    "llm_markov",
}
SIBLINGS = ("llm-core", "llm-storage", "llm-embeddings", "llm-tools", "llm-openai", "llm-cli")
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


def _make_venv(wheels: list[Path], path: Path, *, with_pip: bool) -> Path:
    """A virtual environment holding only the built wheels and their third-party
    dependencies, taken from uv's cache (no network)."""
    seed = ["--seed"] if with_pip else []
    subprocess.run([UV, "venv", "-q", *seed, str(path)], check=True, capture_output=True)
    subprocess.run(
        [UV, "pip", "install", "-q", "--offline", "--python", str(path / "bin" / "python")]
        + [str(w) for w in wheels],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="module")
def venv(wheels: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made by uv without pip, as `uv tool install llm` makes one."""
    return _make_venv(wheels, tmp_path_factory.mktemp("venv") / "venv", with_pip=False)


@pytest.fixture(scope="module")
def venv_with_pip(wheels: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """With pip in it, as `pip install llm` or pipx make one."""
    return _make_venv(wheels, tmp_path_factory.mktemp("venv-pip") / "venv", with_pip=True)


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
    meta_wheel = next(w for w in wheels if w.name.startswith("llm-1"))
    metadata = _metadata(meta_wheel)
    for sibling in SIBLINGS:
        assert f"Requires-Dist: {sibling}==1.0.0" in metadata
    with zipfile.ZipFile(meta_wheel) as archive:
        # The meta-package ships no code: only its metadata.
        assert all(".dist-info/" in n for n in archive.namelist())
    cli_metadata = _metadata(next(w for w in wheels if w.name.startswith("llm_cli")))
    assert "Requires-Dist: llm-core==1.0.0" in cli_metadata


def test_wheels_work_outside_the_workspace(venv: Path, tmp_path: Path) -> None:
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

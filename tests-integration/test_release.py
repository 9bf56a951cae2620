"""What a release publishes, checked as CI would before publishing it.

Every distribution is built as sdist and wheel without workspace sources, the wheel from the
sdist (as ``uv build`` does, so a file missing from an sdist shows); the metadata of each is
validated as an index would (``packaging.metadata`` with ``validate=True``, which is what
``twine check`` runs, plus the fields twine warns about); the wheels go by path into a clean
venv, where ``llm --help`` runs, every module of every package imports, and the public API is
the one pinned in packages/llm-core/tests/test_public_api.py.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from wheel_env import ROOT, UV, build_wheels, export_locked, make_venv, uv

import llm

VERSION = llm.__version__
DISTRIBUTIONS = {
    "llm": None,  # the meta-package: no code
    "llm-core": "llm",
    "llm-storage": "llm_storage",
    "llm-embeddings": "llm_embeddings",
    "llm-tools": "llm_tools",
    "llm-openai": "llm_openai_provider",
    "llm-cli": "llm_cli",
    "llm-echo": "llm_echo",
    "llm-openai-server": "llm_openai_server",
    "llm-markov": "llm_markov",
    "llm-embed-hash": "llm_embed_hash",
    "llm-mcp-servers": "llm_mcp_servers",
}

pytestmark = pytest.mark.skipif(UV is None, reason="uv is needed to build distributions")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdists, and wheels built from them, for every member, without workspace sources."""
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--offline", "--all-packages", "--no-sources", "-q", "-o", out, cwd=ROOT)
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("release-venv")
    locked = export_locked(work / "pylock.toml")
    return make_venv(sorted(dist.glob("*.whl")), locked, work / "venv", with_pip=False)


def _wheel_metadata(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name)


def _sdist_metadata(sdist: Path) -> bytes:
    with tarfile.open(sdist) as archive:
        [member] = [m for m in archive.getmembers() if m.name.count("/") == 1
                    and m.name.endswith("/PKG-INFO")]  # fmt: skip
        extracted = archive.extractfile(member)
        assert extracted is not None
        return extracted.read()


def _check(raw: bytes, name: str) -> Metadata:
    metadata = Metadata.from_email(raw, validate=True)  # raises on anything an index refuses
    assert canonicalize_name(metadata.name) == name
    assert str(metadata.version) == VERSION
    # What twine check warns about, and what a project page needs.
    assert metadata.summary and "\n" not in metadata.summary
    assert metadata.description and metadata.description.strip()
    assert metadata.description_content_type == "text/markdown"
    assert metadata.license_expression == "Apache-2.0"
    assert str(metadata.requires_python) == ">=3.11"
    return metadata


def test_every_distribution_has_an_sdist_and_a_wheel(dist: Path) -> None:
    wheels = {parse_wheel_filename(w.name)[:2] for w in dist.glob("*.whl")}
    sdists = {parse_sdist_filename(s.name) for s in dist.glob("*.tar.gz")}
    expected = {(canonicalize_name(name), VERSION) for name in DISTRIBUTIONS}
    assert {(name, str(version)) for name, version in wheels} == expected
    assert {(name, str(version)) for name, version in sdists} == expected


def test_metadata_is_valid(dist: Path) -> None:
    for wheel in sorted(dist.glob("*.whl")):
        name = parse_wheel_filename(wheel.name)[0]
        metadata = _check(_wheel_metadata(wheel), name)
        siblings = [str(r) for r in metadata.requires_dist or [] if str(r).endswith(VERSION)]
        if name != "llm-core":  # every other one is built on llm-core, at exactly this version
            assert f"llm-core=={VERSION}" in siblings
    for sdist in sorted(dist.glob("*.tar.gz")):
        name = parse_sdist_filename(sdist.name)[0]
        _check(_sdist_metadata(sdist), name)
        with tarfile.open(sdist) as archive:
            # The build hook travels as a real file, so the sdist builds on its own.
            hook = archive.getmember(f"{sdist.name.removesuffix('.tar.gz')}/lockstep.py")
            assert hook.isfile()


def test_wheels_from_sdists_hold_what_the_tree_builds(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from_tree = {w.name: w for w in build_wheels(tmp_path_factory.mktemp("tree-wheels"))}
    from_sdist = {w.name: w for w in dist.glob("*.whl")}
    assert from_tree.keys() == from_sdist.keys()
    for name, wheel in from_sdist.items():
        with zipfile.ZipFile(wheel) as a, zipfile.ZipFile(from_tree[name]) as b:
            assert sorted(a.namelist()) == sorted(b.namelist()), name


def _python(venv: Path, code: str) -> str:
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_llm_help_runs_from_the_installed_wheels(venv: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(venv / "bin" / "llm"), "--help"],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(tmp_path), "PATH": str(venv / "bin")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: llm [OPTIONS] COMMAND [ARGS]...")
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")}
    # `prompt*`: the default command is starred, as in the original.
    assert {"prompt*", "chat", "logs", "models", "embed", "install", "plugins"} <= listed


# Scripts that only their host runs: Alembic executes env.py with its context set up.
SCRIPTS = {"llm_storage.migrations.env"}
IMPORT_ALL = """
import importlib, json, pkgutil, sys
packages, scripts = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
imported = []
for name in packages:
    package = importlib.import_module(name)
    imported.append(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if module.name in scripts:
            continue
        importlib.import_module(module.name)
        imported.append(module.name)
print(json.dumps(imported))
"""


def test_every_module_of_every_package_imports(venv: Path) -> None:
    packages = [name for name in DISTRIBUTIONS.values() if name]
    scripts = sorted(SCRIPTS)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", IMPORT_ALL, json.dumps(packages), json.dumps(scripts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout)
    assert set(packages) <= set(imported)
    # The compatibility modules plugins import are among them.
    assert {"llm.cli", "llm.utils", "llm.migrations", "llm.default_plugins.openai_models"} <= set(
        imported
    )


def test_public_api_of_the_installed_wheel(venv: Path) -> None:
    # The pin itself is test_public_api.py's; the published wheel must carry the same names.
    installed = json.loads(_python(venv, "import json, llm; print(json.dumps(llm.__all__))"))
    assert sorted(installed) == sorted(llm.__all__)
    assert _python(venv, "import llm; print(llm.__version__)").strip() == VERSION

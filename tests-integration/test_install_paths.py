"""The three ways users install llm — ``pip install llm``, ``uv tool install llm`` and
``pipx install llm`` — run for real on our built wheels, and ``llm install`` /
``llm uninstall`` in each of the environments they make.

No network: the installers are pointed at two local directories (``--no-index
--find-links``): our wheels, and a wheelhouse of the locked third-party set, packed back
from a venv that uv filled offline from its cache (``wheel_env.repack_installed``). The
plugins installed here are written on the spot: small wheels, and a project with an in-tree
build backend that needs nothing downloaded, for ``llm install -e``.

Every ``llm`` here is the real executable with the plugin cache on (no test flag is set in
those processes), so installing, upgrading and uninstalling a plugin is also a check that the
cache notices each change.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from wheel_env import UV, build_wheels, export_locked, repack_installed, uv, write_wheel

from llm_cli.commands.install import installed_family

VERSION = importlib.metadata.version("llm")
FAMILY = ("llm", "llm-cli", "llm-core", "llm-embeddings", "llm-openai", "llm-storage", "llm-tools")
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
PIPX = shutil.which("pipx", path=str(Path(sys.executable).parent))
# Whatever tries to leave the machine meets a closed loopback port at once.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}

pytestmark = pytest.mark.skipif(UV is None, reason="uv is needed to build wheels")


@dataclass
class Environment:
    kind: str
    llm: Path  # the executable the installer put on PATH
    python: Path  # the interpreter of the environment llm runs in
    find_links: list[Path]
    home: Path


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("install-paths")


@pytest.fixture(scope="module")
def find_links(work: Path) -> list[Path]:
    """Our wheels, and the locked third-party set as wheel files."""
    ours = work / "ours"
    build_wheels(ours)
    source = work / "locked-venv"
    uv("venv", "-q", "--python", BASE_PYTHON, source)
    locked = export_locked(work / "pylock.toml")
    uv("pip", "install", "-q", "--offline", "--python", source / "bin" / "python", "-r", locked)
    house = work / "wheelhouse"
    repack_installed(source, house)
    shutil.rmtree(source)
    return [ours, house]


def _checked(command: list[str | Path], env: dict[str, str]) -> None:
    done = subprocess.run(list(map(str, command)), capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def _install(kind: str, root: Path, find_links: list[Path]) -> tuple[Path, Path]:
    """Install llm the way ``kind`` does; return its executable and its environment's Python."""
    env = {"PATH": os.environ["PATH"], "HOME": str(root), **OFFLINE}
    links = [arg for path in find_links for arg in ("--find-links", str(path))]
    if kind == "pip":
        _checked([BASE_PYTHON, "-m", "venv", root / "venv"], env)  # pip from ensurepip
        pip = [root / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile"]
        _checked([*pip, "--disable-pip-version-check", "--no-index", *links, "llm"], env)
        return root / "venv" / "bin" / "llm", root / "venv" / "bin" / "python"
    if kind == "uv tool":
        assert UV
        env |= {
            "UV_TOOL_DIR": str(root / "tools"),
            "UV_TOOL_BIN_DIR": str(root / "bin"),
            "UV_CACHE_DIR": str(root / "uv-cache"),  # everything comes from the find-links
            "UV_PYTHON_DOWNLOADS": "never",
        }
        _checked([UV, "tool", "install", "-q", "--no-index", *links, "--python", BASE_PYTHON,
                  "llm"], env)  # fmt: skip
        return root / "bin" / "llm", root / "tools" / "llm" / "bin" / "python"
    assert kind == "pipx" and PIPX
    env |= {
        "PIPX_HOME": str(root / "pipx"),
        "PIPX_BIN_DIR": str(root / "bin"),
        "PIPX_MAN_DIR": str(root / "man"),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    pip_args = " ".join(["--no-index", "--no-compile", *links])
    _checked([PIPX, "install", "--python", BASE_PYTHON, f"--pip-args={pip_args}", "llm"], env)
    return root / "bin" / "llm", root / "pipx" / "venvs" / "llm" / "bin" / "python"


@pytest.fixture(scope="module", params=["pip", "uv tool", "pipx"])
def environment(
    request: pytest.FixtureRequest, work: Path, find_links: list[Path], plugin_wheels: Path
) -> Environment:
    kind: str = request.param
    if kind == "pipx" and PIPX is None:
        pytest.fail("pipx is a dev dependency: run `uv sync`")
    root = work / kind.replace(" ", "-")
    llm, python = _install(kind, root, find_links)
    home = root / "home"
    home.mkdir()
    return Environment(kind, llm, python, [plugin_wheels, *find_links], home)


def _env(environment: Environment) -> dict[str, str]:
    links = " ".join(str(path) for path in environment.find_links)
    return {
        "PATH": f"{environment.llm.parent}:{os.environ['PATH']}",
        "HOME": str(environment.home),
        "LLM_USER_PATH": str(environment.home / "llm"),
        # pip (every environment has it: sqlite-utils depends on it) and uv, offline.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": links,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_COMPILE": "1",
        "UV_OFFLINE": "1",
        "UV_FIND_LINKS": ",".join(str(path) for path in environment.find_links),
        **OFFLINE,
    }


def llm(environment: Environment, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(environment.llm), *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(environment),
        cwd=environment.home,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


FREEZE = (
    "import importlib.metadata as m\n"
    "print('\\n'.join(sorted(f'{d.name}=={d.version}' for d in m.distributions())))"
)


def freeze(environment: Environment) -> list[str]:
    """What ``pip freeze --all`` says, at a fraction of its cost: every installed
    distribution with its version."""
    done = subprocess.run(
        [str(environment.python), "-c", FREEZE], capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


# Plugins, written here ----------------------------------------------------------------------

HELLO = """\
import click
import llm

@llm.hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        "Say hello"
        click.echo("Hello from {version}")
"""
HELLO_MODEL = """
class Hello(llm.Model):
    model_id = "hello-model"

    def execute(self, prompt, stream, response, conversation):
        yield "model says " + prompt.prompt

@llm.hookimpl
def register_models(register):
    register(Hello())
"""


@pytest.fixture(scope="module")
def plugin_wheels(work: Path) -> Path:
    """The plugins ``llm install`` finds by name (``PIP_FIND_LINKS``)."""
    directory = work / "plugins"
    entry = "[llm]\nhello = llm_hello\n"
    needs_llm = "Requires-Dist: llm>=0.19\n"  # as published plugins declare it
    write_wheel(directory, "llm-hello", "0.1", {"llm_hello.py": HELLO.format(version="0.1")},
                metadata=needs_llm, entry_points=entry)  # fmt: skip
    # 0.2 adds a model: the plugin cache must learn about it after the upgrade.
    write_wheel(directory, "llm-hello", "0.2",
                {"llm_hello.py": HELLO.format(version="0.2") + HELLO_MODEL},
                metadata=needs_llm, entry_points=entry)  # fmt: skip
    # Needs a library that is nowhere to be found.
    write_wheel(directory, "llm-broken", "0.1", {"llm_broken.py": "import llm\n"},
                metadata="Requires-Dist: no-such-library>=1\n",
                entry_points="[llm]\nbroken = llm_broken\n")  # fmt: skip
    # Pins an old llm, which the index offers: installing it would replace ours.
    write_wheel(directory, "llm-oldie", "0.1", {"llm_oldie.py": "import llm\n"},
                metadata="Requires-Dist: llm<0.20\n",
                entry_points="[llm]\noldie = llm_oldie\n")  # fmt: skip
    write_wheel(directory, "llm", "0.19", {}, metadata="Requires-Dist: click\n")
    return directory


BACKEND = '''\
"""A PEP 517/660 build backend in the project itself: building needs nothing downloaded."""
import base64, hashlib, os, zipfile

NAME, VERSION = "llm_greet", "0.1"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"


def _wheel(directory, files):
    files = dict(files)
    files[f"{DIST_INFO}/METADATA"] = (
        f"Metadata-Version: 2.1\\nName: llm-greet\\nVersion: {VERSION}\\nRequires-Dist: llm\\n"
    )
    files[f"{DIST_INFO}/WHEEL"] = (
        "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    files[f"{DIST_INFO}/entry_points.txt"] = "[llm]\\ngreet = llm_greet\\n"
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{DIST_INFO}/RECORD,,")
    files[f"{DIST_INFO}/RECORD"] = "\\n".join(record) + "\\n"
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("BROKEN"):
        raise RuntimeError("this plugin cannot be built")
    with open(os.path.join("src", "llm_greet.py")) as source:
        return _wheel(wheel_directory, {"llm_greet.py": source.read()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("BROKEN"):
        raise RuntimeError("this plugin cannot be built")
    return _wheel(wheel_directory, {"llm_greet.pth": os.path.abspath("src") + "\\n"})
'''
GREET = """\
import click
import llm

@llm.hookimpl
def register_commands(cli):
    @cli.command()
    def greet():
        "Greet"
        click.echo({message!r})
"""


def _greet_project(path: Path, message: str, *, broken: bool = False) -> Path:
    (path / "src").mkdir(parents=True)
    (path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = []
            build-backend = "backend"
            backend-path = ["."]
            """
        )
    )
    (path / "backend.py").write_text(BACKEND)
    (path / "src" / "llm_greet.py").write_text(GREET.format(message=message))
    if broken:
        (path / "BROKEN").write_text("")
    return path


def _plugins(environment: Environment) -> dict[str, str]:
    listed = json.loads(_ok(llm(environment, "plugins")).stdout)
    return {entry["name"]: entry["version"] for entry in listed}


def _lists_command(environment: Environment, name: str) -> bool:
    """Whether ``llm --help`` lists the command (an unknown one would run as a prompt)."""
    listed = _ok(llm(environment, "--help")).stdout.splitlines()
    return any(line.split()[:1] == [name] for line in listed if line.startswith("  "))


# Tests ------------------------------------------------------------------------------------


def test_installs_llm_and_its_command(environment: Environment) -> None:
    assert _ok(llm(environment, "--version")).stdout == f"llm, version {VERSION}\n"
    frozen = freeze(environment)
    for name in FAMILY:
        assert f"{name}=={VERSION}" in frozen
    # Only what `llm` depends on: none of our workspace plugins.
    ours = ("llm-echo", "llm-markov", "llm-mcp-servers")
    assert not [line for line in frozen if line.startswith(ours)]
    assert _plugins(environment) == {}  # built-in ones are listed only with --all
    # The libraries published plugins import without declaring them came along.
    imports = "import httpx, sqlite_utils, yaml, click, pydantic, pip"
    subprocess.run([str(environment.python), "-c", imports], check=True)


def test_install_upgrade_and_uninstall_a_plugin(environment: Environment) -> None:
    before = freeze(environment)
    _ok(llm(environment, "install", "llm-hello==0.1"))
    assert _ok(llm(environment, "hello")).stdout == "Hello from 0.1\n"
    assert _lists_command(environment, "hello")
    assert _plugins(environment)["llm-hello"] == "0.1"
    assert sorted(freeze(environment)) == sorted([*before, "llm-hello==0.1"])
    assert len(list((environment.home / "llm").glob("plugin-cache*.json"))) == 1

    _ok(llm(environment, "install", "--upgrade", "llm-hello"))
    assert _ok(llm(environment, "hello")).stdout == "Hello from 0.2\n"
    # The model 0.2 added is found, through the rebuilt plugin cache.
    assert _ok(llm(environment, "-m", "hello-model", "hi")).stdout == "model says hi\n"
    assert sorted(freeze(environment)) == sorted([*before, "llm-hello==0.2"])

    _ok(llm(environment, "uninstall", "llm-hello", "-y"))
    assert freeze(environment) == before
    assert "llm-hello" not in _plugins(environment)
    assert not _lists_command(environment, "hello")
    unknown = llm(environment, "-m", "hello-model", "hi")
    assert unknown.returncode == 1
    assert "Unknown model: hello-model" in unknown.stderr


# pipx makes a venv with pip, as `pip install` in a venv does: what pip does inside it is
# tested once, under "pip" (pipx is covered by the install, upgrade and uninstall above).
PIP_AND_UV = pytest.mark.parametrize("environment", ["pip", "uv tool"], indirect=True)


@PIP_AND_UV
def test_editable_install(environment: Environment, tmp_path: Path) -> None:
    before = freeze(environment)
    project = _greet_project(tmp_path / "llm-greet", "first")
    _ok(llm(environment, "install", "-e", project))
    assert _ok(llm(environment, "greet")).stdout == "first\n"
    # Editable: a change to the source shows without reinstalling.
    (project / "src" / "llm_greet.py").write_text(GREET.format(message="second"))
    assert _ok(llm(environment, "greet")).stdout == "second\n"
    _ok(llm(environment, "uninstall", "llm-greet", "-y"))
    assert freeze(environment) == before
    assert not _lists_command(environment, "greet")


@PIP_AND_UV
def test_a_failed_install_leaves_the_environment_as_it_was(
    environment: Environment, tmp_path: Path
) -> None:
    before = freeze(environment)
    # A dependency that cannot be found, alone and next to a plugin that could be installed.
    for packages in (["llm-broken"], ["llm-hello==0.1", "llm-broken"]):
        failed = llm(environment, "install", *packages)
        assert failed.returncode != 0
        assert "no-such-library" in failed.stdout + failed.stderr
        assert freeze(environment) == before
    # A plugin whose build fails.
    broken = _greet_project(tmp_path / "llm-greet", "never", broken=True)
    for args in (["-e", str(broken)], [str(broken)]):
        failed = llm(environment, "install", *args)
        assert failed.returncode != 0
        assert "this plugin cannot be built" in failed.stdout + failed.stderr
        assert freeze(environment) == before
    assert _plugins(environment) == {}  # built-in ones are listed only with --all


@PIP_AND_UV
def test_a_plugin_never_replaces_or_downgrades_llm(environment: Environment) -> None:
    before = freeze(environment)
    # llm-oldie wants llm<0.20 and llm 0.19 is on offer: the install fails instead.
    refused = llm(environment, "install", "llm-oldie")
    assert refused.returncode != 0
    # pip names the pin that stopped it.
    assert f"llm=={VERSION}" in refused.stdout + refused.stderr
    assert freeze(environment) == before
    assert _ok(llm(environment, "--version")).stdout == f"llm, version {VERSION}\n"
    # Naming llm itself is how llm upgrades itself; with nothing newer on offer it stays.
    _ok(llm(environment, "install", "-U", "llm"))
    assert freeze(environment) == before


@pytest.mark.parametrize("environment", ["uv tool"], indirect=True)
def test_without_pip_uv_installs_with_the_same_pins(environment: Environment) -> None:
    """An environment whose pip was removed: ``llm install`` uses uv, pins included."""
    assert UV
    python = ["--python", str(environment.python)]
    uv("pip", "uninstall", "-q", *python, "pip")
    try:
        before = freeze(environment)
        refused = llm(environment, "install", "llm-oldie")
        assert refused.returncode != 0
        assert f"llm=={VERSION}" in refused.stderr
        assert freeze(environment) == before
        _ok(llm(environment, "install", "llm-hello==0.1"))
        assert _ok(llm(environment, "hello")).stdout == "Hello from 0.1\n"
        # uv completes what the environment's requirements need: sqlite-utils' pip is back.
        pip = next(line for line in freeze(environment) if line.startswith("pip=="))
        assert sorted(freeze(environment)) == sorted([*before, "llm-hello==0.1", pip])
    finally:
        links = [arg for path in environment.find_links for arg in ("--find-links", path)]
        uv("pip", "install", "-q", "--offline", "--no-index", *links, *python, "pip")
        uv("pip", "uninstall", "-q", *python, "llm-hello")


def test_the_family_is_every_sibling_pinned_at_our_version() -> None:
    import llm

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

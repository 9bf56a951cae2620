"""Clean virtual environments made from our built wheels, with no workspace and no network.

The wheels are built without workspace sources (as they are published); the third-party set
comes from uv.lock, exported as a pylock file whose wheel URLs uv finds in its cache even on
a machine whose cache was filled by `uv sync` alone; our wheels go in with ``--no-deps`` and
``uv pip check`` proves every requirement they declare is met.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")


def uv(*args: str | Path, cwd: Path | None = None) -> None:
    assert UV is not None, "uv is needed to build wheels"
    done = subprocess.run([UV, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"uv {' '.join(map(str, args))}\n{done.stderr}"


def build_wheels(out: Path) -> list[Path]:
    # Offline: the build backend is in the cache since `uv run` built the editable installs.
    uv("build", "--offline", "--all-packages", "--wheel", "--no-sources", "-o", out, cwd=ROOT)
    return sorted(out.glob("*.whl"))


def export_locked(path: Path) -> Path:
    """The third-party packages our wheels need, pinned by URL exactly as uv.lock has them."""
    uv("export", "--frozen", "--format", "pylock.toml", "--no-emit-workspace", "--no-dev",
       "-q", "-o", path, cwd=ROOT)  # fmt: skip
    return path


def make_venv(
    wheels: Iterable[Path], locked: Path, path: Path, *, with_pip: bool, compile: bool = False
) -> Path:
    """A virtual environment holding the given wheels and the locked third-party set.

    ``with_pip=False`` gives an environment without pip, as some tool installers make them
    (sqlite-utils brings pip along, so it is removed again): ``llm install`` must then use uv.
    """
    seed = ["--seed"] if with_pip else []
    python = path / "bin" / "python"
    install = ["pip", "install", "-q", "--offline", *(["--compile-bytecode"] if compile else [])]
    uv("venv", "-q", *seed, path)
    uv(*install, "--python", python, "-r", locked)
    uv(*install, "--no-deps", "--python", python, *wheels)
    uv("pip", "check", "--python", python)  # every requirement of our wheels is met
    if not with_pip:
        uv("pip", "uninstall", "-q", "--python", python, "pip")
    return path

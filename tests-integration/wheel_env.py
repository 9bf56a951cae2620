"""Clean virtual environments made from our built wheels, with no workspace and no network.

The wheels are built without workspace sources (as they are published); the third-party set
comes from uv.lock, exported as a pylock file whose wheel URLs uv finds in its cache even on
a machine whose cache was filled by `uv sync` alone; our wheels go in with ``--no-deps`` and
``uv pip check`` proves every requirement they declare is met.
"""

from __future__ import annotations

import base64
import csv
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")


def uv(*args: str | Path, cwd: Path | None = None) -> None:
    assert UV is not None, "uv is needed to build wheels"
    done = subprocess.run([UV, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"uv {' '.join(map(str, args))}\n{done.stderr}"


def _sources_key() -> str:
    """Changes whenever a file the wheels are built from changes (path, size, mtime)."""
    digest = hashlib.sha256()
    for top in ("packages", "plugins", "build-hooks"):
        for directory, subdirs, files in os.walk(ROOT / top):
            subdirs[:] = sorted(d for d in subdirs if d not in {"__pycache__", ".venv", "tests"})
            for name in sorted(files):
                stat = (Path(directory) / name).stat()
                digest.update(f"{directory}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    digest.update((ROOT / "uv.lock").read_bytes())
    return digest.hexdigest()[:16]


def build_wheels(out: Path) -> list[Path]:
    """Every distribution's wheel, copied into ``out``.

    Built once per state of the sources and shared by every test module and xdist worker
    (building them is about 5 CPU seconds each time); a lock file makes the others wait for
    the first."""
    shared = Path(tempfile.gettempdir()) / f"llm-test-wheels-{_sources_key()}"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "complete").exists():
            shutil.rmtree(shared, ignore_errors=True)
            # Offline: the build backend is in the cache since `uv run` built the editables.
            uv("build", "--offline", "--all-packages", "--wheel", "--no-sources", "-o", shared,
               cwd=ROOT)  # fmt: skip
            (shared / "complete").touch()
    out.mkdir(parents=True, exist_ok=True)
    for wheel in shared.glob("*.whl"):
        shutil.copy2(wheel, out / wheel.name)
    return sorted(out.glob("*.whl"))


def export_locked(path: Path) -> Path:
    """The third-party packages our wheels need, pinned by URL exactly as uv.lock has them."""
    uv("export", "--frozen", "--format", "pylock.toml", "--no-emit-workspace", "--no-dev",
       "-q", "-o", path, cwd=ROOT)  # fmt: skip
    return path


def make_venv(wheels: Iterable[Path], locked: Path, path: Path, *, with_pip: bool) -> Path:
    """A virtual environment holding the given wheels and the locked third-party set.

    ``with_pip=False`` gives an environment without pip, as some tool installers make them
    (sqlite-utils brings pip along, so it is removed again): ``llm install`` must then use uv.
    """
    seed = ["--seed"] if with_pip else []
    python = path / "bin" / "python"
    install = ["pip", "install", "-q", "--offline"]
    uv("venv", "-q", *seed, path)
    uv(*install, "--python", python, "-r", locked)
    uv(*install, "--no-deps", "--python", python, *wheels)
    uv("pip", "check", "--python", python)  # every requirement of our wheels is met
    if not with_pip:
        uv("pip", "uninstall", "-q", "--python", python, "pip")
    return path


def _record_line(path: str, content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(content)}"


def write_wheel(
    directory: Path,
    name: str,
    version: str,
    files: dict[str, str | bytes],
    *,
    metadata: str = "",
    entry_points: str = "",
    tag: str = "py3-none-any",
) -> Path:
    """A wheel written by hand (no build backend, so no network): ``files`` by path inside it,
    ``metadata`` appended to METADATA (``Requires-Dist: ...`` lines), ``entry_points`` as the
    text of entry_points.txt."""
    stem = re.sub(r"[-_.]+", "_", name).lower()
    dist_info = f"{stem}-{version}.dist-info"
    contents: dict[str, bytes] = {
        path: data.encode() if isinstance(data, str) else data for path, data in files.items()
    }
    contents[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata}"
    ).encode()
    contents[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: llm-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
    ).encode()
    if entry_points:
        contents[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    return _zip_wheel(directory / f"{stem}-{version}-{tag}.whl", dist_info, contents)


def _zip_wheel(path: Path, dist_info: str, contents: dict[str, bytes]) -> Path:
    records = [_record_line(name, data) for name, data in contents.items()]
    records.append(f"{dist_info}/RECORD,,")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return path


# What an installer adds to a dist-info directory: not part of the wheel.
_INSTALLER_FILES = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json", "uv_cache.json"}


def repack_installed(venv: Path, out: Path, *, skip: Iterable[str] = ()) -> list[Path]:
    """Every distribution installed in ``venv`` packed back into a wheel in ``out``: a local
    wheelhouse for installers that need one (pip, pipx, ``uv tool``) made from what uv
    installed offline. The files are those each distribution's RECORD lists inside
    site-packages (scripts are left out: installers make them again from the entry points)."""
    skipped = {re.sub(r"[-_.]+", "_", name).lower() for name in skip}
    [site_packages] = (venv / "lib").glob("python*/site-packages")
    wheels = []
    for dist_info in sorted(site_packages.glob("*.dist-info")):
        stem, version = dist_info.name[: -len(".dist-info")].rsplit("-", 1)
        if re.sub(r"[-_.]+", "_", stem).lower() in skipped:
            continue
        wheel_file = (dist_info / "WHEEL").read_text()
        tags = [line.split(":", 1)[1].strip() for line in wheel_file.splitlines()
                if line.startswith("Tag:")]  # fmt: skip
        parts = [sorted({tag.split("-")[i] for tag in tags}) for i in range(3)]
        tag = "-".join(".".join(part) for part in parts)
        contents: dict[str, bytes] = {}
        for row in csv.reader((dist_info / "RECORD").read_text().splitlines()):
            relative = row[0] if row else ""
            if not relative or relative.startswith(("..", "/")) or "__pycache__" in relative:
                continue
            if relative.startswith(f"{dist_info.name}/") and (
                relative.split("/", 1)[1] in _INSTALLER_FILES
            ):
                continue
            contents[relative] = (site_packages / relative).read_bytes()
        wheel = out / f"{stem}-{version}-{tag}.whl"
        wheels.append(_zip_wheel(wheel, dist_info.name, contents))
    return wheels

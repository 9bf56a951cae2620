"""``llm install`` / ``llm uninstall``: manage packages in the environment llm runs in.

That environment may have been made by pip, pipx or ``uv tool install``. uv's tool
environments have no pip, so uv itself installs into them.

Installing a plugin never replaces or downgrades llm itself: the installer is given a
constraints file that pins every installed distribution of the llm family (the meta-package
and the siblings it pins at its own version) at the installed version. A plugin that demands
another llm then fails to install, and the environment stays as it was. Naming a member of
the family (``llm install -U llm``) lifts the pins, so llm can still upgrade itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import click

#: Where the family is looked up from: the meta-package, then the CLI that is running.
FAMILY_ROOTS = ("llm", "llm-cli")
_PINNED = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)\s*$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_family() -> dict[str, str]:
    """Every installed distribution of the llm family, by normalised name, with its version.

    The family moves in lockstep: each member requires its siblings at exactly its own
    version, so it is what those ``==`` requirements reach from the meta-package and the CLI.
    """
    from importlib import metadata

    found: dict[str, str] = {}
    pending = list(FAMILY_ROOTS)
    while pending:
        name = _normalise(pending.pop())
        if name in found:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        version = distribution.version
        found[name] = version
        for requirement in distribution.requires or []:
            pinned = _PINNED.match(requirement)
            if pinned and pinned.group(2) == version:
                pending.append(pinned.group(1))
    return found


def _named_distributions(targets: tuple[str, ...]) -> set[str]:
    """The distribution names among the requirements given (paths and URLs name none)."""
    names = set()
    for target in targets:
        if os.sep in target or "://" in target or target.endswith((".whl", ".tar.gz", ".zip")):
            continue
        matched = _NAME.match(target)
        if matched:
            names.add(_normalise(matched.group(1)))
    return names


@contextlib.contextmanager
def _family_constraints(targets: tuple[str, ...]) -> Iterator[list[str]]:
    """Installer arguments that keep the family at its installed versions, while they run."""
    family = installed_family()
    if not family or _named_distributions(targets) & family.keys():
        yield []
        return
    with tempfile.TemporaryDirectory(prefix="llm-install-") as directory:
        path = os.path.join(directory, "constraints.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.writelines(f"{name}=={version}\n" for name, version in sorted(family.items()))
        yield ["-c", path]


def _uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin  # the uv package on PyPI ships the binary

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return None


def _has_pip() -> bool:
    return importlib.util.find_spec("pip") is not None


def _run(command: list[str]) -> None:
    try:
        completed = subprocess.run(command)
    except OSError as ex:
        raise click.ClickException(f"Could not run {command[0]}: {ex.strerror}") from ex
    if completed.returncode:
        sys.exit(completed.returncode)


def _no_installer() -> click.ClickException:
    return click.ClickException(
        "Neither pip nor uv is available in this environment - install one of them first"
    )


@click.command(name="install")
@click.argument("packages", nargs=-1)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages to latest version")
@click.option("-e", "--editable", help="Install a project in editable mode from this path")
@click.option(
    "--force-reinstall",
    is_flag=True,
    help="Reinstall all packages even if they are already up-to-date",
)
@click.option("--no-cache-dir", is_flag=True, help="Disable the cache")
@click.option("--pre", is_flag=True, help="Include pre-release and development versions")
def install(
    packages: tuple[str, ...],
    upgrade: bool,
    editable: str | None,
    force_reinstall: bool,
    no_cache_dir: bool,
    pre: bool,
) -> None:
    """Install packages from PyPI into the same environment as LLM"""
    if not packages and not editable:
        raise click.UsageError("Name at least one package, or -e PATH")
    targets = [*(["-e", editable] if editable else []), *packages]
    if _has_pip():
        flags = [
            flag
            for flag, wanted in (
                ("--upgrade", upgrade),
                ("--force-reinstall", force_reinstall),
                ("--no-cache-dir", no_cache_dir),
                ("--pre", pre),
            )
            if wanted
        ]
        with _family_constraints(packages) as constraints:
            _run([sys.executable, "-m", "pip", "install", *flags, *constraints, *targets])
        return
    uv = _uv()
    if uv is None:
        raise _no_installer()
    flags = [
        flag
        for flag, wanted in (
            ("--upgrade", upgrade),
            ("--reinstall", force_reinstall),
            ("--no-cache", no_cache_dir),
            ("--prerelease=allow", pre),
        )
        if wanted
    ]
    with _family_constraints(packages) as constraints:
        _run([uv, "pip", "install", "--python", sys.executable, *flags, *constraints, *targets])


@click.command(name="uninstall")
@click.argument("packages", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Don't ask for confirmation")
def uninstall(packages: tuple[str, ...], yes: bool) -> None:
    """Uninstall Python packages from the LLM environment"""
    if _has_pip():
        _run([sys.executable, "-m", "pip", "uninstall", *(["-y"] if yes else []), *packages])
        return
    uv = _uv()
    if uv is None:
        raise _no_installer()
    if not yes:
        click.confirm(f"Uninstall {', '.join(packages)}?", abort=True)
    _run([uv, "pip", "uninstall", "--python", sys.executable, *packages])

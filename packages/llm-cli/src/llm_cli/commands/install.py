"""``llm install`` / ``llm uninstall``: manage packages in the environment llm runs in.

That environment may have been made by pip, pipx or ``uv tool install``. uv's tool
environments have no pip, so uv itself installs into them.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import click


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
        _run([sys.executable, "-m", "pip", "install", *flags, *targets])
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
    _run([uv, "pip", "install", "--python", sys.executable, *flags, *targets])


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

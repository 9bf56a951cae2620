"""``llm.cli`` as published plugins found it missing in a scan of PyPI
(docs/plugins-compatibility.md, "Other plugins checked by hand"): llm-cache-plugin imports
``get_default_model``, ``migrate`` and ``logs_db_path`` from ``llm.cli`` when it is itself
imported, which is while ``llm.cli`` is being imported when a program starts with
``from llm.cli import cli`` (as plugins' own test suites do)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import llm.cli
import llm.migrations

# llm-cache-plugin's imports, and a command registered with what they gave it.
PLUGIN = """
import click
import llm
from llm.cli import get_default_model, migrate
from llm.cli import logs_db_path
from llm.cli import cli as cli_at_import


@llm.hookimpl
def register_commands(cli):
    assert cli is cli_at_import

    @cli.command(name="cache-check")
    def cache_check():
        same = get_default_model is llm.get_default_model
        click.echo(f"{same} {logs_db_path().name} {migrate.__module__}")
"""


def _install(site: Path) -> None:
    (site / "cache_check_plugin.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "llm_cache_check-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-cache-check\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\ncache_check_plugin = cache_check_plugin\n")


def _environment(site: Path, user: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    environ.update(
        PYTHONPATH=str(site), LLM_USER_PATH=str(user), LLM_LOAD_PLUGINS="llm-cache-check"
    )
    return environ


def test_migrate_resolves_through_llm_cli() -> None:
    assert llm.cli.migrate is llm.migrations.migrate


def test_a_plugin_importing_from_llm_cli_loads_when_llm_cli_is_imported_first(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site)
    environ = _environment(site, tmp_path / "user")
    program = (
        "from click.testing import CliRunner\n"
        "from llm.cli import cli\n"
        "result = CliRunner().invoke(cli, ['cache-check'])\n"
        "print(result.output, end='')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environ, timeout=120
    )
    assert done.stderr == ""  # no "plugin failed to load" warning
    assert done.stdout == "True logs.db llm.migrations\n"


def test_importing_the_plugin_first_does_not_spoil_the_plugin_cache(tmp_path: Path) -> None:
    """Imported by a script before llm, the plugin is registered half made (none of its
    hooks), as with the original; that must not be what the plugin cache remembers."""
    site = tmp_path / "site"
    site.mkdir()
    _install(site)
    environ = _environment(site, tmp_path / "user")
    done = subprocess.run(
        [sys.executable, "-c", "import cache_check_plugin"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for args in (["plugins"], ["cache-check"]):
        done = subprocess.run(
            [sys.executable, "-m", "llm", *args],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        if args == ["plugins"]:
            assert '"register_commands"' in done.stdout
        else:
            assert done.stdout == "True logs.db llm.migrations\n"
    assert list((tmp_path / "user").glob("plugin-cache-*.json"))  # the cache was in use


# llm-cache-plugin's register_commands: finds ``prompt`` among a copy of the commands, takes
# it out and puts its own in its place, made of the original's parameters plus one.
REPLACING_PLUGIN = """
import click
import llm


@llm.hookimpl
def register_commands(cli):
    for command in cli.commands.copy().values():
        if command.name == "prompt":
            original_command = command
            cli.commands.pop(command.name)
            break

    @cli.command(name="prompt")
    @click.option("--cache/--no-cache", default=False)
    @click.pass_context
    def custom_prompt(ctx, cache, **kwargs):
        if cache:
            click.echo("from the cache: " + kwargs["prompt"])
        else:
            ctx.invoke(original_command, **kwargs)

    custom_prompt.params = original_command.params.copy() + custom_prompt.params
"""


def test_a_plugin_rebuilds_prompt_from_a_copy_of_the_commands(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "replacing_plugin.py").write_text(textwrap.dedent(REPLACING_PLUGIN))
    info = site / "llm_replacing-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-replacing\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\nreplacing_plugin = replacing_plugin\n")
    environ = _environment(site, tmp_path / "user")
    environ["LLM_LOAD_PLUGINS"] = "llm-replacing,llm-echo"
    # Twice: the first run writes the plugin cache, the second runs from it.
    for _ in range(2):
        for args, expected in (
            (["prompt", "-m", "echo", "hi", "--cache"], "from the cache: hi\n"),
            (["-m", "echo", "-n", "hello", "--no-cache"], "hello"),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "llm", *args],
                capture_output=True,
                text=True,
                env=environ,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            assert expected in done.stdout

"""The plugin cache and plugins that change built-in commands in place.

llm-alias-options (found in a scan of PyPI, docs/plugins-compatibility.md) adds no command:
its ``register_commands`` wraps the callbacks of ``aliases set``, ``prompt`` and ``chat``,
calling them by keyword with llm 0.36's parameter names (``query``, ``json_``,
``model_id``), and appends an option to ``aliases list``. With the plugin cache, such a
plugin must still be loaded before those commands run, and the cheap commands must still
import nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_plugin_cache import Site

IN_PLACE_PLUGIN = """
import functools
import os

import click
import llm

with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
    log.write("llm_inplace\\n")


@llm.hookimpl
def register_commands(cli):
    aliases = cli.commands.get("aliases")
    set_command = aliases.commands.get("set")
    original_set = set_command.callback

    @functools.wraps(original_set)
    def new_set(alias, model_id, query, **kwargs):
        click.echo(f"in-place set {alias} {list(query)}", err=True)
        return original_set(alias=alias, model_id=model_id, query=query, **kwargs)

    set_command.callback = new_set

    list_command = aliases.commands.get("list")
    if not any(p.name == "shout" for p in list_command.params):
        list_command.params.append(click.Option(["--shout"], is_flag=True))
    original_list = list_command.callback

    @functools.wraps(original_list)
    def new_list(json_, shout=False, **kwargs):
        if shout:
            click.echo("ALIASES")
            return
        return original_list(json_=json_, **kwargs)

    list_command.callback = new_list

    for name in ("prompt", "chat"):
        command = cli.commands.get(name)
        original = command.callback

        def wrapped(*args, _original=original, **kwargs):
            if kwargs.get("model_id") == "shortcut":
                kwargs["model_id"] = "fake-one"
            return _original(*args, **kwargs)

        command.callback = functools.wraps(original)(wrapped)
"""


@pytest.fixture
def site(tmp_path: Path, run_llm: Callable[..., Any], user_dir: Path) -> Site:
    site = Site(tmp_path, run_llm, user_dir)
    site.install("llm-fakeone", "1.0", model="fake-one", command="fake-one-cmd")
    site.install_source("llm-inplace", "1.0", IN_PLACE_PLUGIN)
    # The first run describes the plugins, importing them all, and writes the cache.
    result, imported = site.run("--version")
    assert result.returncode == 0, result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_inplace"]
    return site


def test_cheap_commands_still_import_no_plugin(site: Site) -> None:
    for args in (["--version"], ["--help"], ["logs", "path"]):
        result, imported = site.run(*args)
        assert result.returncode == 0, result.stderr
        assert imported == [], args


def test_a_wrapped_subcommand_callback_runs(site: Site) -> None:
    result, imported = site.run("aliases", "set", "mine", "fake-one")
    assert result.returncode == 0, result.stderr
    assert "in-place set mine []" in result.stderr
    assert "llm_inplace" in imported
    result, _ = site.run("aliases", "set", "other", "-q", "fake-one")
    assert result.returncode == 0, result.stderr
    assert "in-place set other ['fake-one']" in result.stderr


def test_an_option_added_to_a_built_in_command_is_there(site: Site) -> None:
    result, _ = site.run("aliases", "list", "--shout")
    assert (result.returncode, result.stdout) == (0, "ALIASES\n"), result.stderr
    result, _ = site.run("aliases", "list", "--help")
    assert "--shout" in result.stdout


def test_a_wrapped_prompt_callback_runs(site: Site) -> None:
    result, imported = site.run("-m", "shortcut", "hi", "-n")
    assert (result.returncode, result.stdout) == (0, "llm_fakeone says hi\n"), result.stderr
    assert "llm_inplace" in imported
    result, _ = site.run("prompt", "-m", "shortcut", "again", "-n")
    assert (result.returncode, result.stdout) == (0, "llm_fakeone says again\n"), result.stderr

"""The plugin cache: a command imports only the plugins it uses, and the cache never lies.

Each test installs tiny fake plugin distributions (a ``.dist-info`` and a module) into a
directory on ``PYTHONPATH``. Every fake module appends its name to a log file when imported,
so a test sees exactly which plugins a command imported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PLUGIN = '''
import os
from pathlib import Path

import llm

with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
    log.write("{module}\\n")


class FakeModel(llm.Model):
    model_id = "{model}"
    supports_tools = True

    def execute(self, prompt, stream, response, conversation):
        yield "{module} says " + prompt.prompt


@llm.hookimpl
def register_models(register):
    register(FakeModel(), aliases=["{model}-alias"])


def {tool}(text: str) -> str:
    """Shout the text."""
    return text.upper()


@llm.hookimpl
def register_tools(register):
    register({tool})


@llm.hookimpl
def register_fragment_loaders(register):
    register("{prefix}", lambda argument: llm.Fragment("{module} loaded " + argument, "{prefix}"))


@llm.hookimpl
def register_template_loaders(register):
    register("{prefix}", lambda name: llm.Template(name=name, prompt="{module} template $input"))


@llm.hookimpl
def register_commands(cli):
    @cli.command(name="{command}")
    def command():
        """Run the {module} command. More help here."""
        print("{module} command ran")
'''


class Site:
    """A directory of fake plugin distributions, on PYTHONPATH for every ``llm`` run."""

    def __init__(self, root: Path, run_llm: Callable[..., Any], user: Path) -> None:
        self.user = user
        self.root = root / "site"
        self.root.mkdir()
        self.log = root / "imports.log"
        self._run_llm = run_llm

    def install(self, dist: str, version: str, *, model: str, command: str) -> None:
        module = dist.replace("-", "_")
        short = module.split("_", 1)[1]
        self.install_source(
            dist,
            version,
            PLUGIN.format(
                module=module, model=model, command=command, tool=f"{short}_tool", prefix=short
            ),
        )

    def install_source(self, dist: str, version: str, source: str) -> None:
        """A distribution whose one module, its plugin, is ``source``."""
        module = dist.replace("-", "_")
        self.uninstall(dist)
        (self.root / f"{module}.py").write_text(source)
        info = self.root / f"{module}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[llm]\n{module.split('_', 1)[1]} = {module}\n")

    def uninstall(self, dist: str) -> None:
        module = dist.replace("-", "_")
        for info in self.root.glob(f"{module}-*.dist-info"):
            shutil.rmtree(info)
        (self.root / f"{module}.py").unlink(missing_ok=True)

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[Any, list[str]]:
        """Run ``llm``; return the process and the fake plugins it imported."""
        self.log.write_text("")
        result = self._run_llm(
            *args,
            env={"PYTHONPATH": str(self.root), "FAKE_IMPORT_LOG": str(self.log), **(env or {})},
        )
        return result, self.log.read_text().split()

    def run_python(self, script: str) -> tuple[Any, list[str]]:
        """Run a Python script in ``llm``'s environment; return it and the plugins imported."""
        self.log.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            PYTHONPATH=str(self.root), FAKE_IMPORT_LOG=str(self.log), LLM_USER_PATH=str(self.user)
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
        )
        return result, self.log.read_text().split()


def _cache_file(user_dir: Path) -> Path:
    """The one cache file (one per Python environment; the tests use one)."""
    [path] = user_dir.glob("plugin-cache-*.json")
    return path


@pytest.fixture
def site(tmp_path: Path, run_llm: Callable[..., Any], user_dir: Path) -> Site:
    site = Site(tmp_path, run_llm, user_dir)
    site.install("llm-fakeone", "1.0", model="fake-one", command="fake-one-cmd")
    site.install("llm-faketwo", "1.0", model="fake-two", command="fake-two-cmd")
    # The first run describes the plugins, importing them all, and writes the cache.
    result, imported = site.run("--version")
    assert result.returncode == 0, result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]
    return site


def test_cheap_commands_import_no_plugin(site: Site) -> None:
    for args in (["--version"], ["--help"], ["logs", "path"], ["keys", "path"]):
        result, imported = site.run(*args)
        assert result.returncode == 0, result.stderr
        assert imported == [], args


def test_help_lists_plugin_commands_from_the_cache(site: Site) -> None:
    result, imported = site.run("--help")
    assert imported == []
    # (the column is as wide as the longest command name, "conversations")
    assert re.search(r"fake-one-cmd +Run the llm_fakeone command\.", result.stdout)
    assert re.search(r"fake-two-cmd +Run the llm_faketwo command\.", result.stdout)


def test_a_plugin_command_imports_only_its_plugin(site: Site) -> None:
    result, imported = site.run("fake-two-cmd")
    assert (result.returncode, result.stdout) == (0, "llm_faketwo command ran\n")
    assert imported == ["llm_faketwo"]
    result, imported = site.run("fake-one-cmd", "--help")
    assert "More help here." in result.stdout
    assert imported == ["llm_fakeone"]


@pytest.mark.parametrize("name", ["fake-one", "fake-one-alias", "FAKE-ONE"])
def test_a_prompt_imports_only_the_plugin_of_its_model(site: Site, name: str) -> None:
    result, imported = site.run("-m", name, "hi", "-n")
    assert (result.returncode, result.stdout) == (0, "llm_fakeone says hi\n"), result.stderr
    assert imported == ["llm_fakeone"]


def test_a_user_alias_finds_the_plugin(site: Site, run_llm: Callable[..., Any]) -> None:
    result, _ = site.run("aliases", "set", "mine", "fake-two")
    assert result.returncode == 0, result.stderr
    result, imported = site.run("-m", "mine", "hi", "-n")
    assert (result.returncode, result.stdout) == (0, "llm_faketwo says hi\n"), result.stderr
    assert imported == ["llm_faketwo"]


def test_models_lists_every_plugin(site: Site) -> None:
    result, imported = site.run("models")
    assert "FakeModel: fake-one" in result.stdout and "FakeModel: fake-two" in result.stdout
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]


#: A plugin that only adds a command (as llm-cluster does, importing scikit-learn).
COMMAND_ONLY_PLUGIN = """
import os

import llm

with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
    log.write("llm_fakecmd\\n")


@llm.hookimpl
def register_commands(cli):
    @cli.command(name="fake-cmd-only")
    def command():
        "Only a command."
"""

#: A plugin whose models depend on its configuration (as llm-ollama's on a running server).
CONFIGURED_PLUGIN = """
import os

import llm

with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
    log.write("llm_fakeconfigured\\n")


class Configured(llm.Model):
    model_id = "configured-model"

    def execute(self, prompt, stream, response, conversation):
        yield "configured"


@llm.hookimpl
def register_models(register):
    if os.environ.get("FAKE_CONFIGURED"):
        register(Configured())
"""

LISTINGS = [
    ["models"],
    ["models", "list", "-q", "fake"],
    ["aliases"],
    ["embed-models"],
    ["tools"],
    ["templates", "loaders"],
    ["fragments", "loaders"],
]


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_listings_import_only_the_plugins_that_implement_their_hook(
    site: Site, args: list[str]
) -> None:
    site.install_source("llm-fakecmd", "1.0", COMMAND_ONLY_PLUGIN)
    assert "llm_fakecmd" in site.run("--version")[1]  # described (with the others) once
    result, imported = site.run(*args)
    assert result.returncode == 0, result.stderr
    # The fake plugins implement every hook but register_embedding_models.
    assert sorted(imported) == ([] if args == ["embed-models"] else ["llm_fakeone", "llm_faketwo"])
    # The same output as with every plugin loaded (no cache: LLM_USER_PATH elsewhere).
    full, _ = site.run(*args, env={"LLM_USER_PATH": str(site.user / "elsewhere")})
    assert result.stdout == full.stdout


@pytest.mark.parametrize(
    "args",
    [["plugins"], ["plugins", "--all"], ["plugins", "--hook", "register_tools"]],
    ids=" ".join,
)
def test_llm_plugins_answers_from_the_cache(site: Site, args: list[str]) -> None:
    site.install_source("llm-fakecmd", "1.0", COMMAND_ONLY_PLUGIN)
    site.run("--version")
    result, imported = site.run(*args)
    assert (result.returncode, imported) == (0, []), result.stderr
    # What describing every plugin live says (a new user directory: no cache yet).
    live, loaded = site.run(*args, env={"LLM_USER_PATH": str(site.user / "elsewhere")})
    assert sorted(loaded) == ["llm_fakecmd", "llm_fakeone", "llm_faketwo"]
    assert result.stdout == live.stdout
    listed = json.loads(result.stdout)
    if "--hook" not in args:
        assert {"name": "llm-fakecmd", "hooks": ["register_commands"], "version": "1.0"} in listed
    assert ("llm-openai" in {p["name"] for p in listed}) == ("--all" in args)


def test_llm_plugins_with_a_broken_plugin_loads_it_to_show_the_failure(site: Site) -> None:
    site.install_source("llm-fakeone", "1.1", "raise RuntimeError('broken')\n")
    result, _ = site.run("plugins")
    assert "plugin llm-fakeone failed to load: RuntimeError: broken" in result.stderr
    names = {p["name"] for p in json.loads(result.stdout)}
    assert "llm-faketwo" in names and "llm-fakeone" not in names


def test_an_edited_development_install_is_described_again(site: Site) -> None:
    """``pip install -e``: the code changes, the version does not. The cache notices the
    edit by the source files' times, so a new hook, command or tool shows at once."""
    site.install_source("llm-fakecmd", "1.0", COMMAND_ONLY_PLUGIN)
    info = next(site.root.glob("llm_fakecmd-*.dist-info"))
    (info / "direct_url.json").write_text(
        json.dumps({"url": site.root.as_uri(), "dir_info": {"editable": True}})
    )
    site.run("--version")
    result, imported = site.run("--version")
    assert imported == []  # unchanged: described from the cache
    module = site.root / "llm_fakecmd.py"
    module.write_text(
        COMMAND_ONLY_PLUGIN.replace("fake-cmd-only", "fake-cmd-renamed")
        + "\n\n@llm.hookimpl\ndef register_tools(register):\n"
        + "    def fakecmd_tool(text: str) -> str:\n        return text\n\n"
        + "    register(fakecmd_tool)\n"
    )
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later edit
    result, _ = site.run("--help")
    assert "fake-cmd-renamed" in result.stdout and "fake-cmd-only" not in result.stdout
    result, _ = site.run("tools")
    assert "fakecmd_tool" in result.stdout, result.stderr
    result, imported = site.run("plugins")
    entry = next(p for p in json.loads(result.stdout) if p["name"] == "llm-fakecmd")
    assert entry["hooks"] == ["register_commands", "register_tools"]
    assert imported == []  # described again by the first run after the edit


def test_a_plugin_whose_models_depend_on_its_configuration_is_always_asked(site: Site) -> None:
    # Described while it registers no model; by its hook it is still asked for models.
    site.install_source("llm-fakeconfigured", "1.0", CONFIGURED_PLUGIN)
    assert "llm_fakeconfigured" in site.run("--version")[1]
    result, imported = site.run("models", env={"FAKE_CONFIGURED": "1"})
    assert "Configured: configured-model" in result.stdout, result.stderr
    assert "llm_fakeconfigured" in imported
    result, _ = site.run("-m", "configured-model", "hi", "-n", env={"FAKE_CONFIGURED": "1"})
    assert (result.returncode, result.stdout) == (0, "configured\n"), result.stderr


def test_an_unknown_model_asks_every_plugin(site: Site) -> None:
    result, imported = site.run("-m", "no-such-model", "hi", "-n")
    assert result.returncode == 1
    assert "Unknown model: no-such-model" in result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]


def test_upgrading_a_plugin_invalidates_the_cache(site: Site) -> None:
    site.install("llm-fakeone", "2.0", model="fake-one-v2", command="fake-one-v2-cmd")
    result, _ = site.run("--help")
    assert "fake-one-v2-cmd" in result.stdout and "fake-one-cmd " not in result.stdout
    result, imported = site.run("-m", "fake-one-v2", "hi", "-n")
    assert result.stdout == "llm_fakeone says hi\n", result.stderr
    assert imported == ["llm_fakeone"]


def test_installing_and_uninstalling_invalidate_the_cache(site: Site) -> None:
    site.install("llm-fakethree", "0.1", model="fake-three", command="fake-three-cmd")
    result, imported = site.run("--help")
    assert "fake-three-cmd" in result.stdout
    # Only the new plugin had to be described.
    assert sorted(imported) == ["llm_fakeone", "llm_fakethree", "llm_faketwo"]
    site.uninstall("llm-faketwo")
    result, imported = site.run("--help")
    assert "fake-two-cmd" not in result.stdout and "fake-three-cmd" in result.stdout
    result, _ = site.run("fake-two-cmd")
    # Without the plugin the name is a prompt for the default model, as with no cache.
    assert "llm_faketwo command ran" not in result.stdout


@pytest.mark.parametrize(
    "content", ["", "not json", "[]", '{"format": 1}', '{"format": 1, "key": 3, "plugins": {}}']
)
def test_a_corrupt_cache_is_rebuilt(site: Site, user_dir: Path, content: str) -> None:
    _cache_file(user_dir).write_text(content)
    result, _ = site.run("--help")
    assert result.returncode == 0, result.stderr
    assert "fake-one-cmd" in result.stdout
    result, imported = site.run("-m", "fake-two", "hi", "-n")
    assert result.stdout == "llm_faketwo says hi\n"
    assert imported == ["llm_faketwo"]


def test_a_wrong_cache_never_gives_a_wrong_answer(site: Site, user_dir: Path) -> None:
    # A plugin whose models depend on its configuration can register others than the cache
    # says, with the same version: the cache is then only a hint that turns out wrong.
    path = _cache_file(user_dir)
    cache = json.loads(path.read_text())
    cache["plugins"]["llm-fakeone"]["models"] = [["fake-two", []]]
    cache["plugins"]["llm-faketwo"]["models"] = [["fake-one", []]]
    cache["plugins"]["llm-faketwo"]["commands"] = [["fake-one-cmd", "Wrong", False, False]]
    path.write_text(json.dumps(cache))
    result, _imported = site.run("-m", "fake-two", "hi", "-n")
    assert result.stdout == "llm_faketwo says hi\n"
    result, _ = site.run("fake-one-cmd")
    assert result.stdout == "llm_fakeone command ran\n"


def test_plugins_load_from_the_recorded_entry_points(site: Site, user_dir: Path) -> None:
    """A current cache's record of the entry points spares the scan of every installed
    distribution; a record that turns out wrong (a file edited in place) falls back to it."""
    path = _cache_file(user_dir)
    cache = json.loads(path.read_text())
    for row in cache["key"]:
        if row[0] == "llm-faketwo":
            row[3] = "llm_no_such_module"
    path.write_text(json.dumps(cache))
    result, _ = site.run("-m", "fake-two", "hi", "-n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "llm_faketwo says hi\n", "")
    result, imported = site.run("-m", "fake-one", "hi", "-n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "llm_fakeone says hi\n", "")
    assert imported == ["llm_fakeone"]  # from the record, scanning nothing


def test_llm_load_plugins_still_selects_plugins(site: Site) -> None:
    env = {"LLM_LOAD_PLUGINS": "llm-faketwo"}
    result, imported = site.run("--help", env=env)
    assert "fake-two-cmd" in result.stdout and "fake-one-cmd" not in result.stdout
    assert imported == []
    result, imported = site.run("-m", "fake-one", "hi", "-n", env=env)
    assert "Unknown model: fake-one" in result.stderr
    assert imported == ["llm_faketwo"]
    result, imported = site.run("plugins", env={"LLM_LOAD_PLUGINS": ""})
    assert json.loads(result.stdout) == []
    assert imported == []


def test_a_broken_plugin_warns_on_every_run(site: Site) -> None:
    (site.root / "llm_fakeone.py").write_text("raise RuntimeError('broken')\n")
    shutil.rmtree(next(site.root.glob("llm_fakeone-*.dist-info")))
    info = site.root / "llm_fakeone-1.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-fakeone\nVersion: 1.1\n")
    (info / "entry_points.txt").write_text("[llm]\nfakeone = llm_fakeone\n")
    for _ in range(2):
        result, _ = site.run("--version")
        assert result.returncode == 0
        assert "plugin llm-fakeone failed to load: RuntimeError: broken" in result.stderr


def test_a_read_only_user_directory_still_works(site: Site, user_dir: Path) -> None:
    _cache_file(user_dir).unlink()
    user_dir.chmod(0o555)
    try:
        result, _imported = site.run("-m", "fake-one", "hi", "-n")
    finally:
        user_dir.chmod(0o755)
    assert result.stdout == "llm_fakeone says hi\n", result.stderr


def test_a_tool_imports_only_its_plugin(site: Site) -> None:
    result, imported = site.run("-m", "fake-one", "hi", "-n", "-T", "faketwo_tool")
    assert result.returncode == 0, result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]
    result, imported = site.run("-m", "fake-one", "hi", "-n", "-T", "fakeone_tool")
    assert imported == ["llm_fakeone"]
    result, imported = site.run("-m", "fake-one", "hi", "-n", "-T", "no_such_tool")
    assert "Tool(s) no_such_tool not found" in result.stderr
    assert "fakeone_tool" in result.stderr and "faketwo_tool" in result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]


def test_a_fragment_or_template_loader_imports_only_its_plugin(site: Site) -> None:
    result, imported = site.run("-m", "fake-two", "hi", "-n", "-f", "faketwo:x")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "llm_faketwo says llm_faketwo loaded x\nhi\n"
    assert imported == ["llm_faketwo"]
    result, imported = site.run("-m", "fake-one", "-t", "fakeone:any", "in", "-n")
    assert result.stdout == "llm_fakeone says llm_fakeone template in\n", result.stderr
    assert imported == ["llm_fakeone"]
    result, imported = site.run("-m", "fake-one", "-t", "nosuch:any", "in", "-n")
    assert "Unknown template prefix: nosuch" in result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]


def test_get_model_from_python_imports_only_its_plugin(site: Site) -> None:
    script = (
        "import llm; m = llm.get_model('fake-two-alias'); print(m.prompt('hi').text())"
        "; print(llm.get_model('fake-one').model_id)"
    )
    result, imported = site.run_python(script)
    assert result.stdout == "llm_faketwo says hi\nfake-one\n", result.stderr
    assert imported == ["llm_faketwo", "llm_fakeone"]  # each when it was asked for
    result, imported = site.run_python("import llm; print(len(llm.get_models()) > 1)")
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]


def test_hook_results_keep_the_order_of_a_full_load_after_partial_loads(site: Site) -> None:
    listing = "print([m.model_id for m in llm.get_models()])"
    full, _ = site.run_python(f"import llm; {listing}")
    # fake-two's plugin loads first, then the rest: pluggy would call it last.
    partial, imported = site.run_python(f"import llm; llm.get_model('fake-two'); {listing}")
    assert imported == ["llm_faketwo", "llm_fakeone"]
    assert "fake-one" in full.stdout and partial.stdout == full.stdout, partial.stderr


def test_without_a_cache_python_loads_every_plugin(site: Site, user_dir: Path) -> None:
    _cache_file(user_dir).unlink()
    result, imported = site.run_python("import llm; print(llm.get_model('fake-two').model_id)")
    assert result.stdout == "fake-two\n", result.stderr
    assert sorted(imported) == ["llm_fakeone", "llm_faketwo"]
    assert list(user_dir.glob("plugin-cache-*.json")) == []  # Python never writes one


def test_each_python_environment_has_its_own_cache_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two environments sharing a user directory, each with its own plugins, would
    otherwise rebuild one file by turns (and a file names its environment in its key)."""
    from llm import plugin_cache

    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    monkeypatch.setattr(sys, "prefix", "/venvs/one")
    one = plugin_cache.cache_path()
    monkeypatch.setattr(sys, "prefix", "/venvs/two")
    two = plugin_cache.cache_path()
    assert one != two and one.parent == two.parent == tmp_path
    assert plugin_cache._fast_key()[1] == "/venvs/two"


def test_the_working_directory_counts_only_for_its_distributions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``python -m llm`` has the working directory on sys.path: a file written there must
    not cost a scan of every distribution; a distribution installed there must."""
    from llm import plugin_cache

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), *sys.path])
    before = plugin_cache._fast_key()
    (tmp_path / "notes.txt").write_text("any file")
    assert plugin_cache._fast_key() == before
    (tmp_path / "llm_new-1.0.dist-info").mkdir()
    assert plugin_cache._fast_key() != before


# Plugins that use the built-in commands ------------------------------------------------------

#: A plugin that wraps the built-in ``prompt`` and ``chat`` (as llm-venice does): it pops
#: them, registers its own under the same names, invokes the original and copies its params.
WRAPPING_PLUGIN = '''
import os

import click
import llm

with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
    log.write("{module}\\n")


@llm.hookimpl
def register_commands(cli):
    for name in ("prompt", "chat"):
        original = cli.commands.pop(name)

        @cli.command(name=name)
        @click.option("--{flag}", is_flag=True, help="Added by {module}")
        @click.pass_context
        def wrapped(ctx, original=original, **kwargs):
            """Execute a prompt"""
            with open(os.environ["FAKE_IMPORT_LOG"], "a") as log:
                log.write("{module}-wrapper-ran\\n")
            kwargs.pop("{flag_name}")
            return ctx.invoke(original, **kwargs)

        own = {{param.name for param in cli.commands[name].params}}
        cli.commands[name].params.extend(p for p in original.params if p.name not in own)
'''

#: A plugin that builds a command from the built-in prompt's params (as llm-anthropic's
#: ``llm anthropic count`` does).
READING_PLUGIN = """
import click
import llm


@llm.hookimpl
def register_commands(cli):
    prompt_command = cli.commands["prompt"]

    @cli.command(name="fake-count", params=[p for p in prompt_command.params if p.name != "key"])
    def count(**kwargs):
        "Count with the prompt command's options."
        click.echo(f"{kwargs['model_id']} {kwargs['system']}")
"""


def _install_wrapper(site: Site, short: str) -> None:
    source = WRAPPING_PLUGIN.format(
        module=f"llm_{short}", flag=f"{short}-flag", flag_name=f"{short}_flag"
    )
    site.install_source(f"llm-{short}", "1.0", source)


@pytest.mark.parametrize("cache", ["first run", "from the cache"])
def test_a_plugin_wraps_the_prompt_and_chat_commands(site: Site, cache: str) -> None:
    _install_wrapper(site, "wrapa")
    if cache == "from the cache":
        assert "llm_wrapa" in site.run("--version")[1]
    result, imported = site.run("-m", "fake-one", "hi", "--wrapa-flag")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "llm_fakeone says hi\n"
    assert "llm_wrapa-wrapper-ran" in imported
    # The default command is the plugin's too, and both commands show the plugin's option
    # beside the originals' own.
    result, imported = site.run("prompt", "-m", "fake-two", "hello")
    assert (result.stdout, imported.count("llm_wrapa-wrapper-ran")) == (
        "llm_faketwo says hello\n",
        1,
    )
    for name in ("prompt", "chat"):
        help_text = site.run(name, "--help")[0].stdout
        assert "--wrapa-flag" in help_text and "--model" in help_text


def test_two_plugins_wrap_the_prompt_command_in_turn(site: Site) -> None:
    _install_wrapper(site, "wrapa")
    _install_wrapper(site, "wrapb")
    for _ in ("first run", "from the cache"):
        result, imported = site.run("-m", "fake-one", "hi", "--wrapa-flag", "--wrapb-flag")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "llm_fakeone says hi\n"
        ran = [line for line in imported if line.endswith("-wrapper-ran")]
        assert sorted(ran) == ["llm_wrapa-wrapper-ran", "llm_wrapb-wrapper-ran"]


@pytest.mark.parametrize("cache", ["first run", "from the cache"])
def test_a_plugin_builds_a_command_from_the_prompt_commands_params(site: Site, cache: str) -> None:
    site.install_source("llm-fakereader", "1.0", READING_PLUGIN)
    if cache == "from the cache":
        site.run("--version")
    result, _ = site.run("fake-count", "--help")
    assert result.returncode == 0, result.stderr
    assert "-m, --model TEXT" in result.stdout and "--system" in result.stdout
    assert site.run("fake-count", "-m", "x", "-s", "y")[0].stdout == "x y\n"
    # The built-in prompt command is unchanged by being read.
    assert site.run("-m", "fake-one", "hi")[0].stdout == "llm_fakeone says hi\n"

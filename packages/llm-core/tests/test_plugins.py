"""Loading plugins from the ``llm`` entry-point group, in fresh interpreters."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import llm

GOOD_PLUGIN = """
import llm


class GoodModel(llm.Model):
    model_id = "good-model"

    def execute(self, prompt, stream, response, conversation=None):
        yield "good: " + prompt.prompt


@llm.hookimpl
def register_models(register):
    register(GoodModel(), aliases=["good"])
"""

OTHER_PLUGIN = """
import llm


class OtherModel(llm.Model):
    model_id = "other-model"

    def execute(self, prompt, stream, response, conversation=None):
        yield "other"


@llm.hookimpl
def register_models(register):
    register(OtherModel())
"""

BAD_PLUGIN = 'raise RuntimeError("this plugin is broken")\n'

REPORT = """
import json, sys
import llm
models = sorted(m.model_id for m in llm.get_models())
print(json.dumps({"models": models, "plugins": llm.get_plugins()}))
"""


def _install(site: Path, dist: str, module: str, source: str) -> None:
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[llm]\n{module} = {module}\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    _install(site, "llm-good-test", "good_test_plugin", textwrap.dedent(GOOD_PLUGIN))
    _install(site, "llm-other-test", "other_test_plugin", textwrap.dedent(OTHER_PLUGIN))
    _install(site, "llm-broken-test", "broken_test_plugin", BAD_PLUGIN)
    return site


def _run(
    site: Path, user_path: Path, prelude: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "LLM_LOAD_PLUGINS"}
    environ.update(PYTHONPATH=str(site), LLM_USER_PATH=str(user_path), **env)
    return subprocess.run(
        [sys.executable, "-c", prelude + REPORT],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=True,
    )


def _names(plugins: list[dict[str, Any]]) -> list[str]:
    return [plugin["name"] for plugin in plugins]


def test_all_plugins_load_and_a_broken_one_only_warns(site: Path, user_path: Path) -> None:
    result = _run(site, user_path)
    report = json.loads(result.stdout)
    assert "good-model" in report["models"]
    assert "other-model" in report["models"]
    assert "echo" in report["models"]  # the workspace's own plugins load too
    names = _names(report["plugins"])
    assert "llm-good-test" in names and "llm-broken-test" not in names
    good = next(p for p in report["plugins"] if p["name"] == "llm-good-test")
    assert good == {"name": "llm-good-test", "hooks": ["register_models"], "version": "1.2.3"}
    assert "llm-broken-test" in result.stderr
    assert "this plugin is broken" in result.stderr
    assert "Traceback" not in result.stderr


def test_llm_load_plugins_empty_loads_none(site: Path, user_path: Path) -> None:
    result = _run(site, user_path, LLM_LOAD_PLUGINS="")
    report = json.loads(result.stdout)
    assert report["plugins"] == []
    assert not {"good-model", "other-model", "echo", "markov"} & set(report["models"])
    assert result.stderr == ""  # the broken plugin was not even imported


def test_llm_load_plugins_list(site: Path, user_path: Path) -> None:
    result = _run(site, user_path, LLM_LOAD_PLUGINS="llm-good-test, llm-echo")
    report = json.loads(result.stdout)
    assert _names(report["plugins"]) == ["llm-echo", "llm-good-test"]
    assert {"good-model", "echo"} <= set(report["models"])
    assert "other-model" not in report["models"]
    assert "markov" not in report["models"]
    assert result.stderr == ""


def test_llm_load_plugins_selecting_the_broken_one_warns(site: Path, user_path: Path) -> None:
    result = _run(site, user_path, LLM_LOAD_PLUGINS="llm-broken-test,llm-other-test")
    report = json.loads(result.stdout)
    assert _names(report["plugins"]) == ["llm-other-test"]
    assert "llm-broken-test" in result.stderr


def test_get_plugins_lists_a_registered_plugin(register_plugin: Any) -> None:
    class InProcess:
        @llm.hookimpl
        def register_models(self, register: Any) -> None:
            pass

        @llm.hookimpl
        def register_tools(self, register: Any) -> None:
            pass

    register_plugin(InProcess(), name="in-process-test")
    plugins = {plugin["name"]: plugin for plugin in llm.get_plugins()}
    assert plugins["in-process-test"]["hooks"] == ["register_models", "register_tools"]
    assert plugins["llm-echo"]["hooks"] == ["register_models"]
    assert plugins["llm-echo"]["version"] == importlib.metadata.version("llm-echo")
    assert [p["name"] for p in llm.get_plugins()] == sorted(plugins)


def test_load_plugins_is_idempotent() -> None:
    llm.load_plugins()
    before = [m.model_id for m in llm.get_models()]
    llm.load_plugins()
    assert [m.model_id for m in llm.get_models()] == before


def test_hookimpl_marks_plugin_functions() -> None:
    from llm import hookspecs

    @llm.hookimpl
    def register_models(register: Any) -> None:
        pass

    assert hasattr(register_models, "llm_impl")
    for hook in (
        "register_commands",
        "register_models",
        "register_embedding_models",
        "register_tools",
        "register_template_loaders",
        "register_fragment_loaders",
    ):
        assert hasattr(hookspecs, hook)


CALLED_FROM_TEST = "import sys\nsys._called_from_test = True\n"


def test_called_from_test_loads_only_built_in_plugins(site: Path, user_path: Path) -> None:
    # The original's test convention: suites register their own mock models through pm.
    result = _run(site, user_path, prelude=CALLED_FROM_TEST)
    report = json.loads(result.stdout)
    assert report["plugins"] == []
    assert not {"good-model", "other-model", "echo", "markov"} & set(report["models"])
    # (that built-in distributions such as llm-openai still load is checked in
    # tests-integration/test_compat_shims.py, where they are installed)
    assert result.stderr == ""  # the broken plugin was not imported


def test_called_from_test_still_honours_llm_load_plugins(site: Path, user_path: Path) -> None:
    result = _run(site, user_path, prelude=CALLED_FROM_TEST, LLM_LOAD_PLUGINS="llm-good-test")
    report = json.loads(result.stdout)
    assert _names(report["plugins"]) == ["llm-good-test"]
    assert "good-model" in report["models"]


def test_llm_load_plugins_names_a_missing_plugin(site: Path, user_path: Path) -> None:
    result = _run(site, user_path, LLM_LOAD_PLUGINS="llm-good-test,llm-no-such-plugin")
    report = json.loads(result.stdout)
    assert _names(report["plugins"]) == ["llm-good-test"]
    assert result.stderr == "Plugin llm-no-such-plugin could not be found\n"


def test_get_plugins_names_an_in_code_plugin_by_its_dunder_name(register_plugin: Any) -> None:
    # The original's test suite registers "undo-EchoModelPlugin" and expects "EchoModelPlugin".
    class Named:
        __name__ = "NamedTestPlugin"

        @llm.hookimpl
        def register_models(self, register: Any) -> None:
            pass

    register_plugin(Named(), name="undo-NamedTestPlugin")
    names = [plugin["name"] for plugin in llm.get_plugins()]
    assert "NamedTestPlugin" in names
    assert "undo-NamedTestPlugin" not in names


def test_a_recorded_entry_point_loads_like_an_installed_one() -> None:
    import os.path

    from llm.plugins import RecordedEntryPoint

    recorded = RecordedEntryPoint("some-dist", "1.2", "joiner", "os.path:join [extra]")
    assert recorded.load() is os.path.join
    assert (recorded.dist.name, recorded.dist.version) == ("some-dist", "1.2")
    assert RecordedEntryPoint("d", "1", "module", "os.path").load() is os.path

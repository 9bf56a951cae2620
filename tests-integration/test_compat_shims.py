"""The compatibility paths (llm.cli, llm.migrations, llm.default_plugins.openai_models,
llm.Collection, llm.utils.logging_client) hand over the siblings' real code, and name the
package to install only when that package is really missing; the built-in distributions load
under the original's test convention."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest

import llm
from llm import utils
from llm._compat import import_sibling

SHIMS = [
    ("llm.cli", "llm_cli", "llm_cli.app", "llm-cli"),
    (
        "llm.default_plugins.openai_models",
        "llm_openai_provider",
        "llm_openai_provider.compat",
        "llm-openai",
    ),
]


class _BrokenInside(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``target`` and fails while executing it, as a bug inside a sibling would."""

    def __init__(self, target: str, source: str) -> None:
        self.target = target
        self.source = source

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.target:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.source, module.__dict__)


class _Hidden(importlib.abc.MetaPathFinder):
    """Makes ``package`` impossible to find, as when its distribution is not installed."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if fullname == self.package:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _fresh_import(monkeypatch: pytest.MonkeyPatch, shim: str, *modules: str) -> None:
    """Forget ``shim`` and ``modules`` (restored after the test), then import ``shim``."""
    for name in (shim, *modules):
        monkeypatch.delitem(sys.modules, name, raising=False)
    importlib.import_module(shim)


def test_the_shims_hand_over_the_real_objects() -> None:
    import llm.cli
    import llm.default_plugins.openai_models as openai_models
    import llm_cli.app
    import llm_openai_provider.compat

    assert llm.cli.cli is llm_cli.app.cli
    assert openai_models.Chat is llm_openai_provider.compat.Chat
    assert openai_models.AsyncChat is llm_openai_provider.compat.AsyncChat


@pytest.mark.parametrize(("shim", "package", "module", "distribution"), SHIMS)
def test_missing_sibling_names_the_package(
    monkeypatch: pytest.MonkeyPatch, shim: str, package: str, module: str, distribution: str
) -> None:
    monkeypatch.setattr(sys, "meta_path", [_Hidden(package), *sys.meta_path])
    with pytest.raises(ImportError) as caught:
        _fresh_import(monkeypatch, shim, package, module)
    assert (
        str(caught.value) == f"{shim} needs the {distribution} package: pip install {distribution}"
    )


@pytest.mark.parametrize(("shim", "package", "module", "distribution"), SHIMS)
def test_sibling_without_the_module_asks_for_an_upgrade(
    monkeypatch: pytest.MonkeyPatch, shim: str, package: str, module: str, distribution: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=rf"pip install -U {distribution}$"):
        _fresh_import(monkeypatch, shim)


@pytest.mark.parametrize(("shim", "package", "module", "distribution"), SHIMS)
def test_a_bug_inside_the_sibling_surfaces_unchanged(
    monkeypatch: pytest.MonkeyPatch, shim: str, package: str, module: str, distribution: str
) -> None:
    finder = _BrokenInside(module, "import no_such_dependency_of_the_sibling\n")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    with pytest.raises(ModuleNotFoundError) as caught:
        _fresh_import(monkeypatch, shim, module)
    assert caught.value.name == "no_such_dependency_of_the_sibling"
    assert "pip install" not in str(caught.value)


def test_an_import_error_that_is_not_a_missing_module_surfaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finder = _BrokenInside("llm_cli.app", "from os import no_such_name\n")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    with pytest.raises(ImportError, match="no_such_name") as caught:
        _fresh_import(monkeypatch, "llm.cli", "llm_cli.app")
    assert "pip install" not in str(caught.value)


def test_migrate_names_llm_storage_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.migrations import migrate

    monkeypatch.delitem(sys.modules, "llm_storage", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_Hidden("llm_storage"), *sys.meta_path])
    with pytest.raises(ImportError, match="needs the llm-storage package"):
        migrate(":memory:")


def test_migrate_surfaces_a_bug_inside_llm_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.migrations import migrate

    finder = _BrokenInside("llm_storage", "raise ImportError('broken inside llm_storage')\n")
    monkeypatch.delitem(sys.modules, "llm_storage", raising=False)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    with pytest.raises(ImportError, match=r"^broken inside llm_storage$"):
        migrate(":memory:")


def test_collection_surfaces_a_bug_inside_llm_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    finder = _BrokenInside("llm_embeddings", "import numpy_is_not_here\n")
    monkeypatch.delitem(sys.modules, "llm_embeddings", raising=False)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    with pytest.raises(ModuleNotFoundError) as caught:
        _ = llm.Collection  # type: ignore[attr-defined]
    assert caught.value.name == "numpy_is_not_here"


def test_import_sibling_returns_the_module() -> None:
    import json

    assert import_sibling("json", "irrelevant", "test") is json


def test_import_sibling_names_the_missing_package() -> None:
    with pytest.raises(ImportError) as caught:
        import_sibling("no_such_sibling_pkg.sub", "llm-nothing", "llm.nothing")
    assert type(caught.value) is ImportError
    assert caught.value.name == "no_such_sibling_pkg.sub"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert str(caught.value) == "llm.nothing needs the llm-nothing package: pip install llm-nothing"


def test_none_in_sys_modules_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llm_cli", None)
    with pytest.raises(ImportError, match=r"needs the llm-cli package: pip install llm-cli$"):
        _fresh_import(monkeypatch, "llm.cli", "llm_cli.app")


def test_reloading_llm_cli_registers_plugin_commands_again() -> None:
    import click
    from click.testing import CliRunner

    import llm.cli

    class HelloPlugin:
        @llm.hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command(name="hello-from-plugin")
            def hello() -> None:
                click.echo("Hello!")

    assert "hello-from-plugin" not in llm.cli.cli.commands
    llm.plugins.pm.register(HelloPlugin(), name="hello-plugin-test")
    try:
        importlib.reload(llm.cli)
        result = CliRunner().invoke(llm.cli.cli, ["hello-from-plugin"])
        assert (result.exit_code, result.output) == (0, "Hello!\n")
    finally:
        llm.plugins.pm.unregister(name="hello-plugin-test")
        importlib.reload(llm.cli)
    assert "hello-from-plugin" not in llm.cli.cli.commands


def test_python_dash_m_llm_runs_the_command_line(tmp_path) -> None:
    import subprocess

    env = {"LLM_USER_PATH": str(tmp_path), "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "llm", "--version"], capture_output=True, text=True, env=env
    )
    assert (result.returncode, result.stdout) == (0, f"llm, version {llm.__version__}\n")
    result = subprocess.run(
        [sys.executable, "-m", "llm", "-m", "echo", "hi", "-n"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert '"prompt": "hi"' in result.stdout


def test_python_dash_m_llm_without_llm_cli_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import llm.__main__

    monkeypatch.delitem(sys.modules, "llm_cli.__main__", raising=False)
    monkeypatch.delitem(sys.modules, "llm_cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_Hidden("llm_cli"), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        llm.__main__.main()
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "Error: python -m llm needs the llm-cli package: pip install llm-cli\n"
    )


def test_no_hint_when_llm_openai_is_installed() -> None:
    assert importlib.util.find_spec("llm_openai_provider") is not None
    with pytest.raises(llm.UnknownModelError) as raised:
        llm.get_model("gpt-99")
    assert str(raised.value) == "Unknown model: gpt-99"


def test_called_from_test_loads_only_built_in_plugins() -> None:
    code = (
        "import sys; sys._called_from_test = True\n"
        "import llm\n"
        "print(sorted(m.model_id for m in llm.get_models()))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "gpt-4o-mini" in found  # the OpenAI provider is built in
    assert "'echo'" not in found and "'markov'" not in found  # third-party plugins are not


def test_logging_client_prints_the_exchange_without_the_key(
    capfd: pytest.CaptureFixture[str],
) -> None:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with utils.logging_client() as client:
            response = client.post(
                f"http://127.0.0.1:{server.server_port}/v1/chat",
                json={"prompt": "hi"},
                headers={"Authorization": "Bearer sk-secret"},
            )
            assert response.json() == {"ok": True}
    finally:
        server.shutdown()
        server.server_close()
    err = capfd.readouterr().err
    assert f"Request: POST http://127.0.0.1:{server.server_port}/v1/chat" in err
    assert '{"prompt":"hi"}' in err.replace(" ", "")
    assert "status_code=200" in err
    assert '{"ok": true}' in err
    assert "sk-secret" not in err

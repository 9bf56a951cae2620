"""Real plugins from PyPI (the newest release of each, pinned in plugin_venv.py), installed into
a clean venv made from our wheels, exercised offline through the real ``llm`` executable. The
status of each is recorded in docs/plugins-compatibility.md.

``LLM_PLUGINS_REFERENCE=/path/to/venv`` runs the same checks against another installation
with the same plugins (the real llm 0.36: ``uv pip install llm==0.36 <the pins>``), which is
how the "works with 0.36" column of that table is established. Checks of our own build (the
plugin cache, our packages) do not apply there.

A plugin that fails to load on ours because it imports a name that work in progress on
another branch provides (``PENDING``) is reported as an expected failure naming that name;
any other load failure fails.

The pinned wheels come from a persistent cache (see plugin_venv.py): the network is needed
only the first time. Each run restricts ``LLM_LOAD_PLUGINS`` to the plugins it is about, so a
test does not pay for importing scikit-learn or the Anthropic SDK when it does not need them.

Every check through ``llm`` runs twice (the module-scoped ``plugin_cache`` fixture): with the
plugin cache, as users run it, and without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import plugin_venv
import pytest

pytestmark = pytest.mark.skipif(plugin_venv.UV is None, reason="uv is needed to build wheels")

#: Another installation (venv) with the pinned plugins, to run these checks against instead.
REFERENCE = os.environ.get("LLM_PLUGINS_REFERENCE")
OURS_ONLY = pytest.mark.skipif(REFERENCE is not None, reason="a check of our own build")
#: What works with us and not with the real 0.36: llm-cluster 0.2 imports ``get_key`` from
#: ``llm.cli``, which 0.36 no longer has (``llm cluster`` is a traceback there).
BEYOND_036 = pytest.mark.skipif(
    REFERENCE is not None, reason="fails on 0.36: llm-cluster imports llm.cli.get_key"
)

#: Load errors that name what work in progress provides (issue 25 items 1 and 2): core
#: models and parts on branch h-api, the OpenAI provider's classes on branch h-cli036.
PENDING = {
    "No module named 'llm.parts'": "llm.parts (h-api)",
    "cannot import name 'parts' from 'llm'": "llm.parts (h-api)",
    "cannot import name '_partition_tools'": "llm.models._partition_tools (h-api)",
    "cannot import name 'EmbeddingModel' from 'llm.models'": "llm.models.EmbeddingModel (h-api)",
    "has no attribute '_blocked'": "llm.Toolbox._blocked (h-api)",
    "cannot import name 'ServerSideTool'": "llm.ServerSideTool (h-api)",
    "has no attribute 'ServerSideTool'": "llm.ServerSideTool (h-api)",
    "from 'llm.default_plugins.openai_models'": "openai_models.Responses & co. (h-cli036)",
}


def _pending(plugin: str, message: str) -> None:
    """An expected failure when ``message`` names pending work, else a failure."""
    pending = [what for text, what in PENDING.items() if text in message]
    if not pending:
        pytest.fail(f"{plugin} failed: {message}")
    pytest.xfail(f"{plugin} needs {pending[0]}, not merged yet: {message}")


def needs(load_failures: dict[str, str], *plugins: str) -> None:
    """Stop here, as an expected failure, if one of these plugins cannot load on this build
    for a pending name (see ``PENDING``); any other load failure fails the test."""
    for plugin in plugins:
        if plugin in load_failures:
            _pending(plugin, load_failures[plugin])


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if REFERENCE:
        return Path(REFERENCE)
    path = plugin_venv.build_venv(tmp_path_factory.mktemp("pypi-plugins"))
    cache = plugin_venv.fill_cache(path / "bin" / "pip")
    installed = plugin_venv.install_plugins(path, cache)
    assert installed.returncode == 0, installed.stderr
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "user"
    path.mkdir()
    return path


# With the plugin cache off, ``llm`` runs as under a test suite (``sys._called_from_test``,
# the switch llm/plugin_cache.py honours); LLM_LOAD_PLUGINS still names what loads.
CACHE_OFF = (
    "import sys; sys._called_from_test = True; sys.argv[0] = 'llm'; "
    "from llm_cli.__main__ import main; sys.exit(main())"
)


@pytest.fixture(scope="module", params=["cache on", "cache off"])
def plugin_cache(request: pytest.FixtureRequest) -> str:
    """Every check through ``llm`` runs twice: with the plugin cache, and without it."""
    if REFERENCE and request.param == "cache off":
        pytest.skip("the reference llm has no plugin cache")
    return str(request.param)


def _llm_env(venv: Path, home: Path, plugins: str, env: dict[str, str] | None) -> dict[str, str]:
    return {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "LLM_USER_PATH": str(home),
        "LLM_LOAD_PLUGINS": plugins,
        # Offline: anything that tries to leave the machine meets a closed port at once.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
        "GIT_TERMINAL_PROMPT": "0",
        **(env or {}),
    }


@pytest.fixture(scope="module")
def first_run(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path | None, str]:
    """``llm plugins`` in a new user directory, every plugin allowed: the plugin cache it
    builds (None for the reference) and what it said on stderr."""
    home = tmp_path_factory.mktemp("warm-cache")
    built = subprocess.run(
        [str(venv / "bin" / "llm"), "plugins"],
        capture_output=True,
        text=True,
        env=_llm_env(venv, home, ",".join(plugin_venv.PLUGINS), None),
        cwd=home,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    caches = list(home.glob("plugin-cache*.json"))
    assert len(caches) == (0 if REFERENCE else 1)
    return (caches[0] if caches else None), built.stderr


@pytest.fixture(scope="module")
def warm_cache(first_run: tuple[Path | None, str]) -> Path | None:
    """The plugin cache as a user has it after a first run: built once, describing every
    plugin. Runs with cache on start from a copy (a test of the first build deletes it)."""
    return first_run[0]


@pytest.fixture(scope="module")
def load_failures(first_run: tuple[Path | None, str]) -> dict[str, str]:
    """The plugins that failed to load, and why (``Warning: plugin X failed to load: ...``)."""
    prefix = "Warning: plugin "
    failures = {}
    for line in first_run[1].splitlines():
        if line.startswith(prefix) and " failed to load: " in line:
            plugin, message = line[len(prefix) :].split(" failed to load: ", 1)
            failures[plugin] = message
    return failures


@pytest.fixture
def run(venv: Path, home: Path, plugin_cache: str, request: pytest.FixtureRequest) -> Run:
    if plugin_cache == "cache on":
        command = [str(venv / "bin" / "llm")]
        warm = request.getfixturevalue("warm_cache")
        if warm is not None:
            shutil.copy(warm, home / warm.name)
    else:
        command = [str(venv / "bin" / "python"), "-c", CACHE_OFF]

    def run(
        *args: str, plugins: str, env: dict[str, str] | None = None, input: str = ""
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*command, *args],
            input=input,
            capture_output=True,
            text=True,
            env=_llm_env(venv, home, plugins, env),
            cwd=home,
            timeout=300,
        )
        if plugin_cache == "cache off":
            assert not list(home.glob("plugin-cache*.json"))
        return result

    return run


def _clean_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [expected]


# Installing ------------------------------------------------------------------------------

# For checks of the cache itself, or of installing, a run without the cache shows nothing new.
CACHE_ON_ONLY = pytest.mark.parametrize("plugin_cache", ["cache on"], indirect=True)


@OURS_ONLY
@CACHE_ON_ONLY
def test_installing_plugins_keeps_our_packages(venv: Path, run: Run) -> None:
    version = plugin_venv.installed_version(venv, "llm-core")
    assert version == plugin_venv.installed_version(venv, "llm")
    assert version == plugin_venv.installed_version(venv, "llm-cli")
    assert run("--version", plugins="").stdout == f"llm, version {version}\n"
    # The PyPI llm-echo replaced ours.
    assert plugin_venv.installed_version(venv, "llm-echo") == plugin_venv.PLUGINS["llm-echo"]
    # Reinstalling from the cache changes nothing of ours either.
    again = plugin_venv.install_plugins(venv, plugin_venv.cache_dir())
    assert again.returncode == 0, again.stderr
    assert plugin_venv.installed_version(venv, "llm-core") == version


#: The hooks each plugin implements, as the real llm 0.36 lists them.
HOOKS = {
    "llm-echo": ["register_models"],
    "llm-markov": ["register_models"],
    "llm-tools-simpleeval": ["register_tools"],
    "llm-tools-sqlite": ["register_tools"],
    "llm-tools-quickjs": ["register_tools"],
    "llm-jq": ["register_commands"],
    "llm-cmd": ["register_commands"],
    "llm-cluster": ["register_commands"],
    "llm-gemini": ["register_commands", "register_embedding_models", "register_models"],
    "llm-anthropic": ["register_commands", "register_models"],
    "llm-mistral": ["register_commands", "register_embedding_models", "register_models"],
    "llm-openrouter": ["register_commands", "register_models"],
    "llm-ollama": [
        "register_commands",
        "register_embedding_models",
        "register_models",
        "register_tools",
    ],
    "llm-fragments-github": ["register_fragment_loaders"],
    "llm-templates-github": ["register_template_loaders"],
    "llm-lmstudio": ["register_embedding_models", "register_models"],
    "llm-github-models": ["register_embedding_models", "register_models"],
    "llm-mcp-client": ["register_tools"],
    "llm-openai-plugin": ["register_models"],
    "llm-venice": ["register_commands", "register_models"],
}


def test_every_pinned_plugin_is_checked() -> None:
    assert set(HOOKS) == set(plugin_venv.PLUGINS)


@pytest.mark.parametrize("plugin", list(plugin_venv.PLUGINS))
def test_llm_plugins_lists_the_plugin_with_its_hooks(
    run: Run, load_failures: dict[str, str], plugin: str
) -> None:
    needs(load_failures, plugin)
    result = run("plugins", plugins=plugin)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [entry] = [entry for entry in json.loads(result.stdout) if entry["name"] == plugin]
    assert (entry["version"], entry["hooks"]) == (plugin_venv.PLUGINS[plugin], HOOKS[plugin])


# Models ----------------------------------------------------------------------------------


def test_echo_prompt(run: Run, load_failures: dict[str, str]) -> None:
    needs(load_failures, "llm-echo")
    result = run("-m", "echo", "hi", "-s", "be brief", plugins="llm-echo")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "prompt": "hi",
        "system": "be brief",
        "attachments": [],
        "stream": True,
        "previous": [],
    }
    logged = run("logs", "--json", plugins="llm-echo")
    assert [entry["model"] for entry in json.loads(logged.stdout)] == ["echo"]


def test_markov_prompt(run: Run) -> None:
    text = "the cat sat on the mat"
    result = run("-m", "markov", text, "-o", "length", "8", plugins="llm-markov")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert len(words) == 8
    assert set(words) <= set(text.split())


@pytest.mark.parametrize(
    ("plugin", "model", "key_name", "variables"),
    [
        ("llm-echo", "echo-needs-key", "echo-needs-key", "the LLM_ECHO_NEEDS_KEY_KEY"),
        ("llm-gemini", "gemini-2.5-flash", "gemini", "the LLM_GEMINI_KEY"),
        ("llm-anthropic", "claude-haiku-4.5", "anthropic", "the ANTHROPIC_API_KEY"),
        ("llm-mistral", "mistral-small", "mistral", "the LLM_MISTRAL_KEY"),
        ("llm-openai-plugin", "openai/gpt-4o-mini", "openai", "the OPENAI_API_KEY"),
        ("llm-github-models", "github/gpt-4o-mini", "github",
         "the GITHUB_MODELS_KEY or GITHUB_TOKEN"),
    ],
)  # fmt: skip
def test_prompt_without_a_key_is_a_clean_error(
    run: Run, load_failures: dict[str, str], plugin: str, model: str, key_name: str,
    variables: str,
) -> None:  # fmt: skip
    needs(load_failures, plugin)
    result = run("-m", model, "hi", plugins=plugin)
    plural = "s" if " or " in variables else ""
    _clean_error(
        result,
        f"Error: No key found - add one using 'llm keys set {key_name}' "
        f"or set {variables} environment variable{plural}",
    )


@pytest.mark.parametrize(
    ("plugin", "model"),
    [
        ("llm-gemini", "gemini/gemini-2.5-flash"),
        ("llm-anthropic", "anthropic/claude-haiku-4-5-20251001"),
        ("llm-mistral", "mistral/mistral-small"),
        ("llm-github-models", "github/gpt-4o-mini"),
        ("llm-openai-plugin", "openai/gpt-4o-mini"),
    ],
)
def test_provider_models_are_listed(
    run: Run, load_failures: dict[str, str], plugin: str, model: str
) -> None:
    needs(load_failures, plugin)
    result = run("models", "list", plugins=plugin)
    assert result.returncode == 0, result.stderr
    assert f": {model}" in result.stdout


def test_openrouter_registers_models_only_with_a_key(
    run: Run, load_failures: dict[str, str]
) -> None:
    needs(load_failures, "llm-openrouter")
    result = run("-m", "openrouter/openai/gpt-4o", "hi", plugins="llm-openrouter")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # The original words it "Error: 'Unknown model: ...'" (quoted); the text is the prompt
    # command's, so only its shape is checked here.
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    assert "Unknown model: openrouter/openai/gpt-4o" in line


class _FakeOllama(BaseHTTPRequestHandler):
    """Just enough of the Ollama HTTP API for llm-ollama: list, show and a streamed chat."""

    requests: list[tuple[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.requests.append((self.path, None))
        if self.path == "/api/tags":
            model = {
                "model": "tiny:latest",
                "name": "tiny:latest",
                "digest": "d1g3st",
                "size": 1,
                "modified_at": "2025-01-01T00:00:00Z",
                "details": {"family": "tiny", "parameter_size": "1M"},
            }
            self._send(json.dumps({"models": [model]}).encode())
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        self.requests.append((self.path, body))
        if self.path == "/api/show":
            self._send(json.dumps({"capabilities": ["completion"], "model_info": {}}).encode())
        elif self.path == "/api/chat":
            chunks = [
                {"model": "tiny", "message": {"role": "assistant", "content": "Hello "}},
                {"model": "tiny", "message": {"role": "assistant", "content": "there"}},
                {
                    "model": "tiny",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "prompt_eval_count": 3,
                    "eval_count": 2,
                },
            ]
            lines = "".join(json.dumps({"done": False, **c}) + "\n" for c in chunks)
            self._send(lines.encode(), "application/x-ndjson")
        else:
            self.send_error(404)


@pytest.fixture
def ollama_server() -> Iterator[str]:
    _FakeOllama.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOllama)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ollama_against_a_fake_server(
    run: Run, load_failures: dict[str, str], ollama_server: str
) -> None:
    needs(load_failures, "llm-ollama")
    env = {"OLLAMA_HOST": ollama_server}
    models = run("ollama", "models", plugins="llm-ollama", env=env)
    assert models.returncode == 0, models.stderr
    assert "tiny:latest" in models.stdout
    # The model is "ollama/" + its name on the server; the bare name without ":latest" is
    # an alias.
    result = run("-m", "ollama/tiny", "Say hello", plugins="llm-ollama", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello there\n"
    chat = [body for path, body in _FakeOllama.requests if path == "/api/chat"]
    assert chat[-1]["model"] == "tiny:latest"
    assert chat[-1]["messages"] == [{"role": "user", "content": "Say hello"}]
    logged = json.loads(run("logs", "--json", "-u", plugins="llm-ollama", env=env).stdout)
    assert logged[0]["response"] == "Hello there"
    assert (logged[0]["input_tokens"], logged[0]["output_tokens"]) == (3, 2)


def test_ollama_server_down_registers_no_models(run: Run, load_failures: dict[str, str]) -> None:
    needs(load_failures, "llm-ollama")
    # Nothing listens on port 9: the plugin must still load and llm must still work.
    result = run("models", "list", plugins="llm-ollama", env={"OLLAMA_HOST": "127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert "Ollama" not in result.stdout


class _FakeLMStudio(BaseHTTPRequestHandler):
    """Just enough of LM Studio's REST API for llm-lmstudio: its model list (one loaded
    model and one embedding model), a model's state, and a streamed chat completion."""

    requests: list[tuple[str, Any]] = []
    MODELS = [
        {"id": "tiny-lm", "type": "llm", "state": "loaded", "publisher": "test"},
        {"id": "tiny-embed", "type": "embeddings", "state": "loaded"},
    ]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.requests.append((self.path, None))
        if self.path == "/api/v0/models":
            self._send(json.dumps({"object": "list", "data": self.MODELS}).encode())
        elif self.path == "/api/v0/models/tiny-lm":
            self._send(json.dumps(self.MODELS[0]).encode())
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        self.requests.append((self.path, body))
        if self.path != "/api/v0/chat/completions":
            self.send_error(404)
            return
        chunks = [
            {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi "}}]},
            {"choices": [{"index": 0, "delta": {"content": "from LM Studio"}}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 3}},
        ]
        common = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "tiny-lm"}
        events = "".join(f"data: {json.dumps({**common, **c})}\n\n" for c in chunks)
        self._send((events + "data: [DONE]\n\n").encode(), "text/event-stream")


@pytest.fixture
def lmstudio_server() -> Iterator[str]:
    _FakeLMStudio.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeLMStudio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_lmstudio_against_a_fake_server(
    run: Run, load_failures: dict[str, str], lmstudio_server: str
) -> None:
    needs(load_failures, "llm-lmstudio")
    env = {"LMSTUDIO_API_BASE": lmstudio_server}
    models = run("models", "list", plugins="llm-lmstudio", env=env)
    assert models.returncode == 0, models.stderr
    assert "lmstudio/tiny-lm" in models.stdout
    result = run("-m", "lmstudio/tiny-lm", "Say hi", plugins="llm-lmstudio", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hi from LM Studio\n"
    chat = [body for path, body in _FakeLMStudio.requests if path.endswith("/chat/completions")]
    assert chat[-1]["model"] == "tiny-lm"
    assert chat[-1]["messages"] == [{"role": "user", "content": "Say hi"}]
    logged = json.loads(run("logs", "--json", "-n", "1", plugins="llm-lmstudio", env=env).stdout)
    assert logged[0]["response"] == "Hi from LM Studio"
    assert logged[0]["model"] == "lmstudio/tiny-lm"


def test_lmstudio_server_down_registers_no_models(run: Run, load_failures: dict[str, str]) -> None:
    needs(load_failures, "llm-lmstudio")
    env = {"LMSTUDIO_API_BASE": "http://127.0.0.1:9"}
    result = run("models", "list", plugins="llm-lmstudio", env=env)
    assert result.returncode == 0, result.stderr
    assert "lmstudio/" not in result.stdout


def test_openrouter_with_a_key_lists_its_cached_models(
    run: Run, load_failures: dict[str, str], home: Path
) -> None:
    needs(load_failures, "llm-openrouter")
    # The plugin keeps the model list it fetched in the user directory for an hour.
    model = {
        "id": "vendor/tiny",
        "architecture": {"input_modalities": ["text", "image"]},
        "supported_parameters": ["tools", "structured_outputs"],
        "pricing": {"prompt": "0", "completion": "0"},
    }
    (home / "openrouter_models.json").write_text(json.dumps({"data": [model]}))
    env = {"OPENROUTER_KEY": "sk-test"}
    result = run("models", "list", plugins="llm-openrouter", env=env)
    assert result.returncode == 0, result.stderr
    assert "OpenRouter: openrouter/vendor/tiny" in result.stdout


@pytest.mark.parametrize("script", ["import llm_openai; print(llm_openai.__file__)"])
def test_llm_openai_is_the_published_plugins_module(venv: Path, home: Path, script: str) -> None:
    # Ours is llm_openai_provider: ``import llm_openai`` is llm-openai-plugin's module.
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(home)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("site-packages/llm_openai.py")


def test_openai_plugin_loads_beside_our_openai_provider(
    run: Run, load_failures: dict[str, str]
) -> None:
    needs(load_failures, "llm-openai-plugin")
    # The plugin names its entry point "openai", as ours once did: both must load.
    result = run("models", "list", plugins="llm-openai-plugin")
    assert result.returncode == 0, result.stderr
    assert "OpenAI: openai/gpt-4o-mini" in result.stdout
    assert "OpenAI Chat: gpt-4o-mini (aliases: 4o-mini)" in result.stdout


def test_venice_wraps_the_prompt_and_chat_commands(run: Run, load_failures: dict[str, str]) -> None:
    # llm-venice replaces `prompt` and `chat` by commands with its own options that invoke
    # the originals with their params: a prompt to another plugin's model still works.
    needs(load_failures, "llm-venice")
    plugins = "llm-venice,llm-markov"
    text = "the cat sat on the mat"
    result = run("-m", "markov", text, "-o", "length", "4", "--web-search", "on", plugins=plugins)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 4 and set(result.stdout.split()) <= set(text.split())
    default = run("prompt", "-m", "markov", text, "--character", "x", plugins=plugins)
    assert default.returncode == 0, default.stderr
    for command, option in (("prompt", "--web-search"), ("chat", "--character")):
        shown = run(command, "--help", plugins=plugins)
        assert shown.returncode == 0, shown.stderr
        assert option in shown.stdout and "-m, --model TEXT" in shown.stdout


def test_anthropic_count_takes_the_prompt_commands_options(
    run: Run, load_failures: dict[str, str]
) -> None:
    needs(load_failures, "llm-anthropic")
    result = run("anthropic", "count", "--help", plugins="llm-anthropic")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: llm anthropic count [OPTIONS] [PROMPT]\n")
    assert "-s, --system TEXT" in result.stdout and "-m, --model TEXT" in result.stdout


def test_mcp_client_registers_its_toolbox(run: Run, load_failures: dict[str, str]) -> None:
    needs(load_failures, "llm-mcp-client")
    result = run("tools", plugins="llm-mcp-client")
    assert result.returncode == 0, result.stderr
    assert "MCP(server, mode='auto', prefix='') (plugin: mcp_client)" in result.stdout


# Commands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plugin", "command", "first_line"),
    [
        ("llm-jq", ["jq"], "Usage: llm jq [OPTIONS] DESCRIPTION"),
        ("llm-cmd", ["cmd"], "Usage: llm cmd [OPTIONS] [ARGS]..."),
        ("llm-cluster", ["cluster"], "Usage: llm cluster [OPTIONS] COLLECTION N"),
        ("llm-gemini", ["gemini"], "Usage: llm gemini [OPTIONS] COMMAND [ARGS]..."),
        ("llm-mistral", ["mistral"], "Usage: llm mistral [OPTIONS] COMMAND [ARGS]..."),
        ("llm-openrouter", ["openrouter"], "Usage: llm openrouter [OPTIONS] COMMAND [ARGS]..."),
        ("llm-ollama", ["ollama"], "Usage: llm ollama [OPTIONS] COMMAND [ARGS]..."),
        ("llm-anthropic", ["anthropic"], "Usage: llm anthropic [OPTIONS] COMMAND [ARGS]..."),
        ("llm-venice", ["venice"], "Usage: llm venice [OPTIONS] COMMAND [ARGS]..."),
    ],
)
def test_plugin_command_help(
    run: Run, load_failures: dict[str, str], plugin: str, command: list[str], first_line: str
) -> None:
    needs(load_failures, plugin)
    result = run(*command, "--help", plugins=plugin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == first_line
    listed = run("--help", plugins=plugin)
    assert f"  {command[0]} " in listed.stdout


def _embeddings_db(path: Path) -> None:
    """An embeddings.db in the original's schema, written the way the original stores vectors
    (little-endian float32), which llm-cluster reads directly with sqlite-utils."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE collections (id INTEGER PRIMARY KEY, name TEXT, model TEXT);
        CREATE TABLE embeddings (
            collection_id INTEGER REFERENCES collections(id), id TEXT, embedding BLOB,
            content TEXT, content_blob BLOB, content_hash BLOB, metadata TEXT,
            updated INTEGER, PRIMARY KEY (collection_id, id)
        );
        INSERT INTO collections VALUES (1, 'things', 'fake');
        """
    )
    vectors = {"a": (1.0, 0.0), "b": (0.9, 0.1), "c": (0.0, 1.0), "d": (0.1, 0.9)}
    for key, vector in vectors.items():
        db.execute(
            "INSERT INTO embeddings (collection_id, id, embedding, content) VALUES (1, ?, ?, ?)",
            (key, struct.pack("<" + "f" * len(vector), *vector), f"item {key}"),
        )
    db.commit()
    db.close()


@BEYOND_036
def test_cluster_reads_embeddings_db(run: Run, home: Path) -> None:
    _embeddings_db(home / "embeddings.db")
    result = run("cluster", "things", "2", plugins="llm-cluster")
    assert result.returncode == 0, result.stderr
    clusters = json.loads(result.stdout)
    groups = sorted(sorted(item["id"] for item in c["items"]) for c in clusters)
    assert groups == [["a", "b"], ["c", "d"]]


# Tools: registration and the Python API, then a real call through `llm -T` ------------------------

TOOLS_SCRIPT = """
import json, llm
from llm.plugins import load_plugins, pm
load_plugins()
found = []
pm.hook.register_tools(register=lambda tool, name=None: found.append(tool.__name__))
import llm_tools_quickjs, llm_tools_simpleeval, llm_tools_sqlite
print(json.dumps({
    "registered": sorted(found),
    "simpleeval": llm_tools_simpleeval.simple_eval("6 * 7"),
    "schema": llm.Tool.function(llm_tools_simpleeval.simple_eval).input_schema,
    "quickjs": llm_tools_quickjs.QuickJS().execute_javascript("[1, 2].map(x => x * 2)"),
    "sqlite": llm_tools_sqlite.SQLite(":memory:").query("select 1 as one"),
}))
"""


def test_tool_plugins_register_and_run(venv: Path, home: Path) -> None:
    # The tools' own plugins, loaded from Python: no llm-echo involved.
    env = {
        "LLM_USER_PATH": str(home),
        "LLM_LOAD_PLUGINS": "llm-tools-simpleeval,llm-tools-sqlite,llm-tools-quickjs",
    }
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", TOOLS_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        # The plugins' tools, and the built-in ones llm-tools registers in every install.
        "registered": ["QuickJS", "SQLite", "llm_time", "llm_version", "quickjs", "simple_eval"],
        "simpleeval": "42",
        "schema": {
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
            "type": "object",
        },
        "quickjs": "[2,4]",
        "sqlite": '[{"one": 1}]',
    }


def _tool_calls(name: str, arguments: dict[str, Any]) -> str:
    """A prompt that makes the echo model call a tool (llm-echo's JSON instructions)."""
    return json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})


def _tool_outputs(stdout: str) -> list[str]:
    """What the tool calls returned, from echo's answer to the tool results (the last of the
    JSON documents the chain's responses print, one after the other)."""
    decoder, position, answers = json.JSONDecoder(), 0, []
    while position < len(stdout.rstrip()):
        answer, position = decoder.raw_decode(stdout, position)
        answers.append(answer)
        while position < len(stdout) and stdout[position].isspace():
            position += 1  # llm-echo 0.5 separates them with a space
    assert len(answers) == 2, stdout  # the call, then the answer to its result
    return [result["output"] for result in answers[-1]["tool_results"]]


@pytest.mark.parametrize(
    ("plugin", "tool", "call", "arguments", "output"),
    [
        ("llm-tools-simpleeval", "simple_eval", "simple_eval", {"expression": "6 * 7"}, "42"),
        ("llm-tools-quickjs", "QuickJS", "QuickJS_execute_javascript",
         {"javascript": "[1, 2].map(x => x * 2)"}, "[2,4]"),
        ("llm-tools-sqlite", 'SQLite("notes.db")', "SQLite_query",
         {"sql": "select title from notes"}, '[{"title": "first"}]'),
    ],
)  # fmt: skip
def test_tool_plugins_through_llm_T(
    run: Run, load_failures: dict[str, str], home: Path, plugin: str, tool: str, call: str,
    arguments: dict[str, Any], output: str,
) -> None:  # fmt: skip
    needs(load_failures, "llm-echo", plugin)
    with contextlib.closing(sqlite3.connect(home / "notes.db")) as db, db:
        db.execute("create table notes (title text)")
        db.execute("insert into notes values ('first')")
    result = run(
        "-m", "echo", "-T", tool, _tool_calls(call, arguments), plugins=f"llm-echo,{plugin}"
    )
    assert result.returncode == 0, result.stderr
    assert _tool_outputs(result.stdout) == [output]
    # Logged like any tool call: the call, its result, the tool and the plugin that has it.
    logged = json.loads(run("logs", "--json", "-n", "0", plugins=f"llm-echo,{plugin}").stdout)
    calls = [c for entry in logged for c in entry.get("tool_calls") or []]
    assert [(c["name"], c["arguments"]) for c in calls] == [(call, arguments)]
    if REFERENCE:
        return  # 0.36 keeps tool results in its own tables (messages, parts)
    with contextlib.closing(sqlite3.connect(home / "logs.db")) as db:
        assert db.execute("select output from tool_results").fetchall() == [(output,)]


@OURS_ONLY  # llm-embed-hash is ours
def test_cluster_clusters_a_collection_made_by_us(run: Run, home: Path) -> None:
    items = home / "items.csv"
    items.write_text(
        "id,text\na,red apple red apple\nb,red apple red\nc,blue sky blue sky\nd,blue sky blue\n"
    )
    plugins = "llm-cluster,llm-embed-hash"
    embedded = run("embed-multi", "things", str(items), "-m", "hash", "--store", plugins=plugins)
    assert embedded.returncode == 0, embedded.stderr
    result = run("cluster", "things", "2", plugins=plugins)
    assert result.returncode == 0, result.stderr
    clusters = json.loads(result.stdout)
    groups = sorted(sorted(item["id"] for item in c["items"]) for c in clusters)
    assert groups == [["a", "b"], ["c", "d"]]
    contents = {item["id"]: item["content"] for c in clusters for item in c["items"]}
    assert contents["a"] == "red apple red apple"


# The plugin cache --------------------------------------------------------------------------


@OURS_ONLY
def test_the_plugin_cache_is_on_or_off(run: Run, home: Path, plugin_cache: str) -> None:
    for seeded in home.glob("plugin-cache*.json"):
        seeded.unlink()  # the first run in a new user directory builds it
    result = run("-m", "markov", "a b c", plugins="llm-markov,llm-jq")
    assert result.returncode == 0, result.stderr
    caches = list(home.glob("plugin-cache*.json"))  # one file per Python environment
    assert len(caches) == (1 if plugin_cache == "cache on" else 0)
    for cache in caches:
        assert "llm-markov" in cache.read_text() and "llm-jq" in cache.read_text()


@OURS_ONLY
@CACHE_ON_ONLY
def test_the_cache_follows_an_uninstall_and_a_reinstall(run: Run) -> None:
    plugins = "llm-markov"
    env = {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(plugin_venv.cache_dir()),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    assert run("-m", "markov", "a b", plugins=plugins).returncode == 0
    removed = run("uninstall", "llm-markov", "-y", plugins=plugins, env=env)
    assert removed.returncode == 0, removed.stderr
    try:
        gone = run("-m", "markov", "a b", plugins=plugins)
        assert gone.returncode == 1
        # LLM_LOAD_PLUGINS names it, so llm says it is missing, as the original does.
        assert gone.stderr.splitlines() == [
            "Plugin llm-markov could not be found",
            "Error: Unknown model: markov",
        ]
        assert "markov" not in run("models", "list", plugins=plugins).stdout
    finally:
        pinned = f"llm-markov=={plugin_venv.PLUGINS['llm-markov']}"
        back = run("install", pinned, plugins=plugins, env=env)
        assert back.returncode == 0, back.stderr
    assert run("-m", "markov", "a b", plugins=plugins).returncode == 0
    listed = {entry["name"] for entry in json.loads(run("plugins", plugins=plugins).stdout)}
    assert "llm-markov" in listed


# Loaders -----------------------------------------------------------------------------------


def test_fragment_loaders_registered_and_offline_failure_is_clean(run: Run) -> None:
    loaders = run("fragments", "loaders", plugins="llm-fragments-github")
    assert loaders.returncode == 0, loaders.stderr
    assert [line for line in loaders.stdout.splitlines() if line.endswith(":")] == [
        "github:",
        "issue:",
        "pr:",
    ]
    result = run(
        "-m", "markov", "-f", "issue:simonw/llm/1", "hi", plugins="llm-fragments-github,llm-markov"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: Could not load fragment issue:simonw/llm/1: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_template_loader_registered_and_offline_failure_is_clean(run: Run) -> None:
    loaders = run("templates", "loaders", plugins="llm-templates-github")
    assert loaders.returncode == 0, loaders.stderr
    assert loaders.stdout.startswith("gh:\n  Load a template from GitHub\n")
    result = run(
        "-m", "markov", "-t", "gh:simonw/summarize", "hi", plugins="llm-templates-github,llm-markov"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: Could not load template gh:simonw/summarize: ")
    assert len(result.stderr.strip().splitlines()) == 1


# Import paths ------------------------------------------------------------------------------

LLM_NAMES = (
    "AsyncConversation AsyncKeyModel AsyncModel AsyncResponse Attachment Conversation "
    "EmbeddingModel Fragment KeyModel Model ModelError NeedsKeyException Options Prompt "
    "Response Template Tool ToolCall ToolOutput ToolResult Toolbox decode get_key get_model "
    "get_models hookimpl user_dir"
)


@pytest.mark.parametrize(
    "statement",
    [
        f"from llm import {', '.join(LLM_NAMES.split())}",
        pytest.param("from llm.cli import get_default_model, get_key", marks=BEYOND_036),
        "from llm.cli import cli",
        "from llm.utils import dicts_to_table_string, logging_client, monotonic_ulid",
        "from llm.utils import simplify_usage_dict",
        "from llm.default_plugins.openai_models import Chat, AsyncChat",
        # What the newest releases import from the API of 0.32-0.36.
        "from llm.parts import AttachmentPart, Message, ReasoningPart, StreamEvent, TextPart, "
        "ToolCallPart, ToolResultPart",
        "from llm import parts, ServerSideTool",
        "from llm.models import _partition_tools, AsyncConversation, AsyncModel, AsyncResponse, "
        "Attachment, Conversation, EmbeddingModel, Model, Prompt, Response, ToolCall",
        "import llm; llm.Toolbox._blocked",
        "from llm.default_plugins.openai_models import AsyncResponses, ReasoningEffortEnum, "
        "Responses",
        # What the meta-package installs for plugins that import it without declaring it.
        "import httpx, sqlite_utils, yaml, click, pydantic",
    ],
)
def test_every_import_path_the_plugins_use_resolves(
    venv: Path, home: Path, warm_cache: Path | None, statement: str
) -> None:
    # As for a user who has run llm before: importing llm.cli reads the plugin cache rather
    # than building it (which imports every plugin, scikit-learn among them).
    if warm_cache is not None:
        shutil.copy(warm_cache, home / warm_cache.name)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", statement],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(home)},
        timeout=300,
    )
    if result.returncode != 0:
        _pending("import", result.stderr.strip().splitlines()[-1])


VERSION_SCRIPT = """
import sys
from llm_cli.__main__ import main
sys.argv = ["llm", "--version"]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in ("httpx", "sqlite_utils") if m in sys.modules))
"""


@OURS_ONLY
def test_meta_package_dependencies_are_not_imported_at_start_up(venv: Path, home: Path) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", VERSION_SCRIPT],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(home), "LLM_LOAD_PLUGINS": ""},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"

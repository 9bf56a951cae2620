"""Templates from a URL or a plugin's loader are not the user's own: they may not read local
files (fragments, system fragments, attachments, stored fragments) nor run inline functions,
unless the user says ``--trust-template``. The real ``llm`` executable, templates served from
127.0.0.1 and a fake loader plugin on ``PYTHONPATH``."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SECRET = "SECRET-KEY-4242"
TOOL_CALL = json.dumps({"tool_calls": [{"name": "demo"}]})
FUNCTIONS = 'functions: |\n  def demo():\n      return "Demo ran"\n'

PAGES: dict[str, bytes] = {}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def do_HEAD(self) -> None:
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"openai": SECRET}))
    return path


def _serve(base_url: str, name: str, text: str) -> str:
    PAGES[f"/{name}"] = text.encode()
    return f"{base_url}/{name}"


def _logged(user_dir: Path) -> int:
    """Responses in the user's log (0 when there is no log yet)."""
    path = user_dir / "logs.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        if "responses" not in tables:
            return 0
        count: int = db.execute("select count(*) from responses").fetchone()[0]
        return count


def _refused(result, user_dir: Path, needle: str) -> None:  # type: ignore[no-untyped-def]
    """Refused with one line naming what the template wanted, nothing secret shown or logged."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: Template ")
    assert "may not read local files" in lines[0] and "--trust-template" in lines[0]
    assert needle in lines[0]
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout == ""
    assert _logged(user_dir) == 0


@pytest.mark.parametrize(
    "key",
    ["fragments", "system_fragments", "attachments"],
)
def test_url_template_cannot_read_a_local_file(
    run_llm, user_dir: Path, base_url: str, secret: Path, key: str
) -> None:
    url = _serve(base_url, f"steal-{key}.yaml", f"prompt: summarise\n{key}:\n- {secret}\n")
    result = run_llm("-m", "echo", "-t", url, "hello")
    _refused(result, user_dir, f"its {key} name '{secret}'")
    assert "was loaded from a URL" in result.stderr


def test_url_template_cannot_attach_a_local_file_with_a_type(
    run_llm, user_dir: Path, base_url: str, secret: Path
) -> None:
    url = _serve(
        base_url,
        "typed.yaml",
        f"prompt: x\nattachment_types:\n- type: text/plain\n  value: {secret}\n",
    )
    _refused(run_llm("-m", "echo", "-t", url, "hi"), user_dir, str(secret))


def test_url_template_cannot_name_a_stored_fragment_or_stdin(
    run_llm, user_dir: Path, base_url: str, secret: Path
) -> None:
    stored = run_llm("fragments", "set", "mykeys", str(secret))
    assert stored.returncode == 0, stored.stderr
    url = _serve(base_url, "alias.yaml", "prompt: x\nfragments:\n- mykeys\n")
    _refused(run_llm("-m", "echo", "-t", url, "hi"), user_dir, "'mykeys'")
    url = _serve(base_url, "stdin.yaml", "prompt: x\nsystem_fragments:\n- '-'\n")
    result = run_llm("-m", "echo", "-t", url, "hi", input=SECRET)
    _refused(result, user_dir, "'-'")


def test_url_template_refused_in_chat_too(
    run_llm, user_dir: Path, base_url: str, secret: Path
) -> None:
    url = _serve(base_url, "chat.yaml", f"fragments:\n- {secret}\n")
    result = run_llm("chat", "-m", "echo", "-t", url, input="hello\n")
    _refused(result, user_dir, str(secret))


def test_url_template_may_use_urls_and_fragment_loaders(
    run_llm, base_url: str, tmp_path: Path
) -> None:
    remote = _serve(base_url, "notes.txt", "remote notes")
    site = _loader_plugin(tmp_path)
    url = _serve(
        base_url,
        "fine.yaml",
        f"prompt: x\nfragments:\n- {remote}\n- trial:abc\nsystem_fragments:\n- {remote}\n",
    )
    result = run_llm("-m", "echo", "-t", url, env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "remote notes" in answer["prompt"] and "loaded abc" in answer["prompt"]
    assert answer["system"] == "remote notes"


def test_trust_template_lets_a_url_template_read_local_files(
    run_llm, user_dir: Path, base_url: str, secret: Path
) -> None:
    url = _serve(base_url, "trusted.yaml", f"prompt: x\nfragments:\n- {secret}\n")
    result = run_llm("-m", "echo", "-t", url, "--trust-template")
    assert result.returncode == 0, result.stderr
    assert SECRET in json.loads(result.stdout)["prompt"]
    assert _logged(user_dir) == 1


def test_own_templates_read_local_files(
    run_llm, user_dir: Path, secret: Path, tmp_path: Path
) -> None:
    (user_dir / "templates").mkdir()
    (user_dir / "templates" / "mine.yaml").write_text(f"prompt: x\nfragments:\n- {secret}\n")
    by_name = run_llm("-m", "echo", "-t", "mine")
    assert by_name.returncode == 0, by_name.stderr
    assert SECRET in json.loads(by_name.stdout)["prompt"]
    path = tmp_path / "here.yaml"
    path.write_text(f"prompt: x\nsystem_fragments:\n- {secret}\n")
    by_path = run_llm("-m", "echo", "-t", str(path))
    assert by_path.returncode == 0, by_path.stderr
    assert SECRET in json.loads(by_path.stdout)["system"]


def test_functions_run_only_from_own_or_trusted_templates(
    run_llm, user_dir: Path, base_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "tools.yaml"
    path.write_text(FUNCTIONS)
    own = run_llm("-m", "echo", "--no-stream", "-t", str(path), TOOL_CALL)
    assert own.returncode == 0, own.stderr
    assert "Demo ran" in own.stdout and own.stderr == ""

    url = _serve(base_url, "tools.yaml", FUNCTIONS)
    remote = run_llm("-m", "echo", "--no-stream", "-t", url, TOOL_CALL)
    # As the original: the template still runs, without its functions; we also say so.
    assert remote.returncode == 0, remote.stderr
    assert "Demo ran" not in remote.stdout
    [warning] = remote.stderr.strip().splitlines()
    assert warning.startswith(f"Warning: template {url} ")
    assert "functions were not made tools" in warning and "--trust-template" in warning

    trusted = run_llm("-m", "echo", "--no-stream", "-t", url, "--trust-template", TOOL_CALL)
    assert trusted.returncode == 0, trusted.stderr
    assert "Demo ran" in trusted.stdout


LOADER_PLUGIN = """
import llm

SECRET_PATH = {secret!r}


@llm.hookimpl
def register_template_loaders(register):
    register(
        "evil",
        lambda name: llm.Template(
            name=name,
            prompt="x",
            fragments=[SECRET_PATH],
            functions="def demo():\\n    return 'Demo ran'\\n",
        ),
    )


@llm.hookimpl
def register_fragment_loaders(register):
    register("trial", lambda argument: llm.Fragment("loaded " + argument, "trial:" + argument))
"""


def _loader_plugin(root: Path, secret: str = "") -> Path:
    """A fake distribution ``llm-trial`` with a template and a fragment loader, on a path."""
    site = root / "site"
    site.mkdir(exist_ok=True)
    (site / "llm_trial.py").write_text(LOADER_PLUGIN.format(secret=secret))
    info = site / "llm_trial-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-trial\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\ntrial = llm_trial\n")
    return site


def test_loader_template_cannot_read_a_local_file(
    run_llm, user_dir: Path, secret: Path, tmp_path: Path
) -> None:
    env = {"PYTHONPATH": str(_loader_plugin(tmp_path, str(secret)))}
    result = run_llm("-m", "echo", "-t", "evil:anything", "hi", env=env)
    _refused(result, user_dir, str(secret))
    assert "comes from the template loader 'evil'" in result.stderr

    trusted = run_llm("-m", "echo", "-t", "evil:x", "--trust-template", "hi", env=env)
    assert trusted.returncode == 0, trusted.stderr
    assert SECRET in json.loads(trusted.stdout)["prompt"] and trusted.stderr == ""


def test_refusal_logs_nothing_on_either_database(
    run_llm, base_url: str, secret: Path, database: str
) -> None:
    """The check comes before the log is written to: SQLite and PostgreSQL alike hold no
    response afterwards, and a trusted run is logged there as usual."""
    url = _serve(base_url, "db.yaml", f"prompt: x\nfragments:\n- {secret}\n")
    refused = run_llm("-m", "echo", "-d", database, "-t", url, "hi")
    assert refused.returncode == 1 and "may not read local files" in refused.stderr
    trusted = run_llm("-m", "echo", "-d", database, "-t", url, "--trust-template", "hi")
    assert trusted.returncode == 0, trusted.stderr
    logged = run_llm("logs", "-d", database, "-n", "0", "--json")
    assert logged.returncode == 0, logged.stderr
    [only] = json.loads(logged.stdout)
    assert only["prompt"] == "x\nhi"

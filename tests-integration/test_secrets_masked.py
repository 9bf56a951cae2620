"""No secret in any message or listing (issue 33): a password in an endpoint's or a
database's URL, a key a server echoes back, a key with a stray CR: none of them is ever
printed, on stdout or stderr, by errors, retry notices, ``llm logs status``/``path`` or
``LLM_OPENAI_SHOW_RESPONSES``. Real servers on 127.0.0.1, real PostgreSQL."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

KEY = "sk-stored-key-4242"
PASSWORD = "pw-in-url-9876"
TOKEN = "tok-in-query-5150"
FAST = {"LLM_RETRY_BASE_DELAY": "0.01", "LLM_RETRIES": "1"}


def _printed(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def _assert_hidden(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    printed = _printed(result)
    for secret in secrets:
        assert secret not in printed, printed
    assert "Traceback" not in printed


class _Echoing(http.server.BaseHTTPRequestHandler):
    """Answers every request with a 401 that quotes the Authorization header and the key in
    it, as some servers do; records the headers it was sent."""

    received: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        authorization = self.headers.get("authorization", "")
        self.received.append(authorization)
        key = authorization.removeprefix("Bearer ")
        body = json.dumps(
            {"error": {"message": f"Incorrect API key provided: {key} ({authorization})"}}
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echoing_server() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Handler", (_Echoing,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", received
    server.shutdown()
    server.server_close()


def _models(user_dir: Path, key_name: str | None = "local", **api_bases: str) -> None:
    user_dir.mkdir(parents=True, exist_ok=True)
    entries = [
        {"model_id": model_id, "model_name": "gpt-x", "api_base": base}
        | ({"api_key_name": key_name} if key_name else {})
        for model_id, base in api_bases.items()
    ]
    (user_dir / "extra-openai-models.yaml").write_text(json.dumps(entries))


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_key_the_server_echoes_in_its_401_is_not_printed(
    invoke_llm, user_dir: Path, echoing_server: tuple[str, list[str]]
) -> None:
    base, received = echoing_server
    _models(user_dir, local=base)
    assert invoke_llm("keys", "set", "local", "--value", KEY).returncode == 0
    result = invoke_llm("-m", "local", "hi", "--no-log")
    assert result.returncode == 1
    assert received == [f"Bearer {KEY}"]  # the server did get the key, and quoted it
    assert "rejected the API key (401): Incorrect API key provided: ***" in result.stderr
    _assert_hidden(result, KEY)
    # the same key given on the command line, and the debug output of the whole exchange
    other = "sk-given-with-key-7373"
    shown = invoke_llm(
        "-m", "local", "hi", "--no-log", "--key", other, env={"LLM_OPENAI_SHOW_RESPONSES": "1"}
    )
    assert shown.returncode == 1
    assert received[-1] == f"Bearer {other}"
    assert "Response: status_code=401" in shown.stderr
    _assert_hidden(shown, KEY, other)


def test_a_password_in_an_unreachable_endpoint_url_is_not_printed(run_llm, user_dir: Path) -> None:
    base = f"http://bob:{PASSWORD}@127.0.0.1:{_closed_port()}/v1?api_key={TOKEN}"
    _models(user_dir, key_name=None, refused=base)
    # the real executable: the retry notice, then the error line
    result = run_llm("-m", "refused", "hi", "--no-log", env=FAST)
    assert result.returncode == 1
    assert "retrying" in result.stderr and "Could not connect to" in result.stderr
    assert "http://bob:***@127.0.0.1:" in result.stderr
    _assert_hidden(result, PASSWORD, TOKEN)
    shown = run_llm(
        "-m", "refused", "hi", "--no-log", env={**FAST, "LLM_OPENAI_SHOW_RESPONSES": "1"}
    )
    assert "Request: POST http://bob:***@127.0.0.1" in shown.stderr
    _assert_hidden(shown, PASSWORD, TOKEN)


def test_a_password_in_an_endpoint_url_is_not_printed_when_the_server_answers(
    invoke_llm, user_dir: Path, echoing_server: tuple[str, list[str]]
) -> None:
    base, received = echoing_server
    scheme, _, rest = base.partition("://")
    _models(user_dir, local=f"{scheme}://bob:{PASSWORD}@{rest}?token={TOKEN}")
    assert invoke_llm("keys", "set", "local", "--value", KEY).returncode == 0
    for env in ({}, {"LLM_OPENAI_SHOW_RESPONSES": "1"}):
        result = invoke_llm("-m", "local", "hi", "--no-log", env=env)
        assert result.returncode == 1
        assert received[-1].startswith("Basic ")  # the SDK sent the URL's credentials
        assert "(401)" in result.stderr
        # nor their base64 form, which the server quoted
        _assert_hidden(result, PASSWORD, TOKEN, KEY, received[-1].removeprefix("Basic "))


def test_a_key_with_a_stray_cr_is_stripped_when_stored_and_when_used(
    invoke_llm, user_dir: Path, echoing_server: tuple[str, list[str]]
) -> None:
    base, received = echoing_server
    _models(user_dir, local=base)
    assert invoke_llm("keys", "set", "local", "--value", f" {KEY}\r\n").returncode == 0
    stored = json.loads((user_dir / "keys.json").read_text())
    assert stored["local"] == KEY
    # keys.json edited by hand (a Windows editor), an environment variable, --key
    stored["local"] = f"{KEY}\r"
    (user_dir / "keys.json").write_text(json.dumps(stored))
    for args in ([], ["--key", "sk-typed-with-cr-8080\r"]):
        result = invoke_llm("-m", "local", "hi", "--no-log", *args, env=FAST)
        assert result.returncode == 1
        # the header went out clean (no "Illegal header value"), and the 401 is masked
        assert received[-1] in (f"Bearer {KEY}", "Bearer sk-typed-with-cr-8080")
        assert "Illegal header" not in result.stderr
        assert "(401)" in result.stderr
        _assert_hidden(result, KEY, "sk-typed-with-cr-8080")


def test_a_key_with_a_stray_cr_in_the_environment_is_stripped(
    invoke_llm, echoing_server: tuple[str, list[str]]
) -> None:
    base, received = echoing_server
    env_key = "sk-from-the-env-6161"
    env = {**FAST, "OPENAI_API_KEY": f"{env_key}\r\n", "OPENAI_BASE_URL": base}
    result = invoke_llm("-m", "gpt-4o-mini", "hi", "--no-log", env=env)
    assert result.returncode == 1
    assert received == [f"Bearer {env_key}"]
    assert "(401)" in result.stderr
    _assert_hidden(result, env_key)


@pytest.mark.postgres
def test_a_database_password_is_not_printed_by_logs_status_or_path(invoke_llm, pg_url: str) -> None:
    from sqlalchemy import make_url

    # trust authentication: the password is sent, and ignored
    url = make_url(pg_url).update_query_dict({"password": PASSWORD})
    with_password = url.render_as_string(hide_password=False)
    assert invoke_llm("-m", "echo", "hi", "-d", with_password).returncode == 0
    status = invoke_llm("logs", "status", env={"LLM_DATABASE_URL": with_password})
    assert status.returncode == 0, status.stderr
    assert "Number of legacy responses:\t1" in status.stdout
    assert "password=***" in status.stdout
    _assert_hidden(status, PASSWORD)
    path = invoke_llm("logs", "path", env={"LLM_DATABASE_URL": with_password})
    assert path.returncode == 0
    assert "password=***" in path.stdout
    _assert_hidden(path, PASSWORD)
    # in the userinfo too
    in_userinfo = url.set(password=PASSWORD).render_as_string(hide_password=False)
    for command in (["logs", "status", "-d", in_userinfo], ["logs", "path"]):
        result = invoke_llm(*command, env={"LLM_DATABASE_URL": in_userinfo})
        assert result.returncode == 0, result.stderr
        _assert_hidden(result, PASSWORD)


@pytest.mark.postgres
def test_a_database_password_is_not_printed_by_errors(invoke_llm, pg_url: str) -> None:
    from sqlalchemy import make_url

    missing = (
        make_url(pg_url)
        .set(database="no_such_database_for_secrets")
        .update_query_dict({"password": PASSWORD})
        .render_as_string(hide_password=False)
    )
    for args in (
        ["logs", "-d", missing],
        ["-m", "echo", "hi", "-d", missing],
        ["embed", "-d", missing, "things", "1", "-m", "hash-64", "-c", "hello"],
        ["collections", "list", "-d", missing],
        ["similar", "-d", missing, "things", "-c", "hello"],
    ):
        result = invoke_llm(*args)
        assert result.returncode != 0, args
        assert "no_such_database_for_secrets" in result.stderr, (args, result.stderr)
        _assert_hidden(result, PASSWORD)


@pytest.mark.postgres
def test_a_database_password_is_not_written_to_the_retention_settings(
    invoke_llm, user_dir: Path, pg_url: str
) -> None:
    from sqlalchemy import make_url

    with_password = (
        make_url(pg_url)
        .update_query_dict({"password": PASSWORD})
        .render_as_string(hide_password=False)
    )
    assert invoke_llm("logs", "retention", "90d").returncode == 0
    # logging a response prunes once a day, and records when, by database
    result = invoke_llm("-m", "echo", "hi", "-d", with_password)
    assert result.returncode == 0, result.stderr
    _assert_hidden(result, PASSWORD)
    written = "".join(path.read_text() for path in user_dir.iterdir() if path.suffix == ".json")
    assert "last_pruned" in written and "password=***" in written
    assert PASSWORD not in written


def test_llm_openai_endpoint_prints_no_password_nor_key(
    invoke_llm, echoing_server: tuple[str, list[str]]
) -> None:
    base, received = echoing_server
    scheme, _, rest = base.partition("://")
    url = f"{scheme}://bob:{PASSWORD}@{rest}?token={TOKEN}"
    key = "sk-endpoint-key-4444"
    for args in (["hi", "-m", "some-model", "-n"], ["--models"]):
        result = invoke_llm("openai", "endpoint", url, *args, "--key", key, env=FAST)
        assert result.returncode == 1
        assert "(401)" in result.stderr and "http://bob:***@127.0.0.1" in result.stderr
        _assert_hidden(result, PASSWORD, TOKEN, key, received[-1].removeprefix("Basic "))
    plain = invoke_llm("openai", "endpoint", base, "--models", "--key", key, env=FAST)
    assert received[-1] == f"Bearer {key}"
    assert "(401)" in plain.stderr
    _assert_hidden(plain, key)

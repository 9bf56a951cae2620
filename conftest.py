"""Suite-wide test rules, for every package, plugin and tests-integration.

No real network: a socket connection to anything but loopback (or a Unix socket), and a name
lookup of anything but ``localhost``, fails the test loudly, even when the code under test
swallows the error. Servers on 127.0.0.1 are the way to test HTTP. A test that really needs the
network says so with ``@pytest.mark.network``.

This guards the test process itself; ``llm`` run in a subprocess is not covered.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Tests start hundreds of Python processes (the `llm` executable, wheel venvs, pytest-xdist
# workers); with PYTHONDONTWRITEBYTECODE set, as on some machines, each would compile
# SQLAlchemy, openai and pydantic from source again. Cached bytecode makes the suite about a
# third cheaper; no test depends on compiling.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


class NetworkBlockedError(RuntimeError):
    """Not an OSError on purpose: HTTP clients must not turn it into a routine connection error."""


def _is_local_host(host: object, *, any_address: bool = False) -> bool:
    """Loopback; with ``any_address``, also any IP literal (there is nothing to look up)."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.split("%", 1)[0]  # IPv6 scope id
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any_address or address.is_loopback or address.is_unspecified


class NetworkGuard:
    """Patches the socket module for the whole session; each test is checked on its own."""

    def __init__(self) -> None:
        self.allowed = False
        self.attempts: list[str] = []
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex
        self._getaddrinfo = socket.getaddrinfo

    def _check(self, what: str, host: object, *, any_address: bool = False) -> None:
        if self.allowed or _is_local_host(host, any_address=any_address):
            return
        self.attempts.append(what)
        raise NetworkBlockedError(
            f"network access blocked in tests: {what}; serve it on 127.0.0.1,"
            " or mark the test @pytest.mark.network"
        )

    def install(self) -> None:
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard._check(f"connect to {address!r}", address[0])
            return guard._connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard._check(f"connect to {address!r}", address[0])
            return guard._connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            guard._check(f"name lookup of {host!r}", host, any_address=True)
            return guard._getaddrinfo(host, *args, **kwargs)

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo

    def uninstall(self) -> None:
        socket.socket.connect = self._connect  # type: ignore[method-assign]
        socket.socket.connect_ex = self._connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = self._getaddrinfo

    @contextmanager
    def expect_blocked(self) -> Iterator[None]:
        """For testing the guard itself: a blocked attempt inside is expected, not a failure."""
        with pytest.raises(NetworkBlockedError):
            yield
        self.attempts.clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.allowed = item.get_closest_marker("network") is not None
        self.attempts.clear()
        try:
            return (yield)
        finally:
            self.allowed = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            if self.attempts:
                attempts, self.attempts = self.attempts, []
                pytest.fail(
                    "network access blocked in tests (serve it on 127.0.0.1, or mark the test"
                    " @pytest.mark.network): " + "; ".join(attempts),
                    pytrace=False,
                )


def pytest_configure(config: pytest.Config) -> None:
    guard = NetworkGuard()
    guard.install()
    config.pluginmanager.register(guard, "network_guard")
    config.add_cleanup(guard.uninstall)


# The test run's own settings, which reach every test; every other LLM_* variable (and a
# provider key) in the environment of whoever runs the suite is hidden from the tests.
_TEST_SETTINGS = ("LLM_TEST_POSTGRES_URL", "LLM_TEST_PLUGIN_CACHE", "LLM_TEST_REQUIRE_PGVECTOR")
_PROVIDER_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


@pytest.fixture(autouse=True)
def user_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty user directory (``LLM_USER_PATH``, not yet created) and
    none of the ``LLM_*`` settings or provider keys of the environment it was started from."""
    for name in list(os.environ):
        if (name.startswith("LLM_") and name not in _TEST_SETTINGS) or name in _PROVIDER_VARIABLES:
            monkeypatch.delenv(name)
    path = tmp_path / "llm-user-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    return path


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema of the test PostgreSQL (parallel-safe),
    dropped afterwards; a skip, or in CI a failure, when the server is not there."""
    from llm_storage.testing import schema_or_skip

    with schema_or_skip() as url:
        yield url


@pytest.fixture
def network_guard(pytestconfig: pytest.Config) -> NetworkGuard:
    guard = pytestconfig.pluginmanager.get_plugin("network_guard")
    assert isinstance(guard, NetworkGuard)
    return guard


def load_every_installed_plugin() -> None:
    """Put this process's plugins as a fresh ``llm`` has them: every installed plugin
    registered, whatever an earlier in-process test narrowed (LLM_LOAD_PLUGINS, a lookup
    through the plugin cache) or failed to load."""
    from llm import plugin_cache, plugins

    requested = os.environ.pop("LLM_LOAD_PLUGINS", None)
    try:
        # Registered again in loading order: which hooks run first depends on it.
        for name in list(plugins._plugin_distributions):
            if plugins.pm.get_plugin(name) is not None:
                plugins.pm.unregister(name=name)
        plugins._plugin_distributions.clear()
        plugins._loaded = False
        plugins._attempted.clear()
        plugins.use_recorded_entry_points(None)
        plugin_cache._descriptions = None
        plugins.load_plugins()
    finally:
        if requested is not None:
            os.environ["LLM_LOAD_PLUGINS"] = requested


@pytest.fixture
def every_plugin_loaded() -> None:
    """For tests that run ``llm`` in this process: its plugins as a fresh ``llm`` has them."""
    load_every_installed_plugin()


@pytest.fixture
def register_plugin(every_plugin_loaded: None) -> Iterator[Any]:
    """Register plugin objects with llm's plugin manager for one test only."""
    from llm.plugins import pm

    names: list[str] = []

    def register(plugin: Any, name: str) -> Any:
        pm.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        pm.unregister(name=name)

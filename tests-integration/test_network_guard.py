"""The suite's own rule: no real network unless a test is marked for it (see conftest.py)."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request

import pytest

# TEST-NET-1 (RFC 5737): never routed, so even an allowed attempt reaches nobody.
UNROUTABLE = ("192.0.2.1", 9)


def test_connection_beyond_loopback_is_blocked(network_guard) -> None:
    with network_guard.expect_blocked(), socket.socket() as sock:
        sock.connect(UNROUTABLE)
    with network_guard.expect_blocked():
        socket.create_connection(("example.com", 443), timeout=1)
    with network_guard.expect_blocked():
        socket.getaddrinfo("pypi.org", 443)


def test_a_swallowed_attempt_still_fails_the_test(network_guard) -> None:
    try:
        urllib.request.urlopen("http://192.0.2.1:9/", timeout=1)
    except Exception:
        pass  # code under test that hides the error must not hide the attempt
    assert network_guard.attempts == ["connect to ('192.0.2.1', 9)"]
    network_guard.attempts.clear()


def test_loopback_is_allowed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(("localhost", port), timeout=5):
            pass
        accepted.join(5)
    with socket.socket(socket.AF_INET6) as sock:
        assert sock.connect_ex(("::1", port)) != 0  # refused, not blocked


@pytest.mark.network
def test_the_marker_lets_a_test_through(network_guard) -> None:
    with socket.socket() as sock:
        sock.settimeout(0.01)
        with pytest.raises(OSError):  # the real attempt: unreachable, or timed out
            sock.connect(UNROUTABLE)
    assert network_guard.attempts == []


def test_urllib_error_is_not_what_callers_see(network_guard) -> None:
    # The block is not an OSError: an HTTP client cannot mistake it for a refused connection.
    with network_guard.expect_blocked():
        try:
            urllib.request.urlopen("http://192.0.2.1:9/", timeout=1)
        except urllib.error.URLError:
            pytest.fail("the block was turned into a URLError")

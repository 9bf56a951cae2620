"""The errors users meet daily, each a one-line ``llm.ModelError``; retries with backoff."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm.config import set_key
from llm.resilience import RetryPolicy, retry_after_seconds


@pytest.fixture(autouse=True)
def configured(environment: Path, fake: FakeOpenAI) -> None:
    write_extra_models(environment, fake.url)
    set_key("fake", "sk-good")


def test_no_key_says_how_to_set_one() -> None:
    with pytest.raises(llm.NeedsKeyException) as caught:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    message = str(caught.value)
    assert "llm keys set openai" in message
    assert "OPENAI_API_KEY" in message


def test_rejected_key(fake: FakeOpenAI) -> None:
    with pytest.raises(llm.ModelError) as caught:
        llm.get_model("fake-chat").prompt("hi", key="sk-wrong").text()
    message = str(caught.value)
    assert "rejected the API key (401): Incorrect API key provided" in message
    assert "llm keys set fake" in message
    assert "sk-wrong" not in message
    assert "\n" not in message
    assert len(fake.requests) == 1  # not retried


def test_rate_limit_retried_honouring_retry_after(fake: FakeOpenAI) -> None:
    start = time.monotonic()
    response = llm.get_model("fake-429-once").prompt("hi")
    assert response.text() == "Hello from fake: hi"
    assert time.monotonic() - start >= 0.2  # the server's Retry-After: 0.2
    assert len(fake.requests) == 2


def test_server_errors_retried_then_given_up(fake: FakeOpenAI) -> None:
    with pytest.raises(llm.ModelError) as caught:
        llm.get_model("fake-500").prompt("hi").text()
    assert str(caught.value) == (
        f"{fake.url} server error (500): The server had an error - gave up after 3 attempts"
    )
    assert len(fake.requests) == 3  # LLM_RETRIES=2 in the tests


def test_async_server_errors(fake: FakeOpenAI) -> None:
    async def run() -> str:
        return await llm.get_async_model("fake-500").prompt("hi").text()

    with pytest.raises(llm.ModelError, match="gave up after 3 attempts"):
        asyncio.run(run())


@pytest.mark.parametrize("use_async", [False, True])
def test_stream_cut_off_keeps_what_arrived(fake: FakeOpenAI, use_async: bool) -> None:
    if use_async:
        response = llm.get_async_model("fake-cutoff").prompt("hi")

        async def run() -> list[str]:
            return [chunk async for chunk in response]

        with pytest.raises(llm.ModelError, match="cut off before it finished") as caught:
            asyncio.run(run())
    else:
        response = llm.get_model("fake-cutoff").prompt("hi")
        with pytest.raises(llm.ModelError, match="cut off before it finished") as caught:
            list(response)
    assert "partial response was kept" in str(caught.value)
    assert "".join(response._chunks) == "The first half"
    assert response.response_json["content"] == "The first half"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_network_failure(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_RETRIES", "1")
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    write_extra_models(environment, url)
    with pytest.raises(llm.ModelError) as caught:
        llm.get_model("fake-chat").prompt("hi").text()
    assert str(caught.value).startswith(f"Could not connect to {url}")
    assert str(caught.value).endswith("gave up after 2 attempts")


def test_timeout(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "0.3")
    with pytest.raises(llm.ModelError, match=f"^Request to {fake.url} timed out$"):
        llm.get_model("fake-slow").prompt("hi").text()
    assert len(fake.requests) == 1  # a timeout is not retried


def test_other_client_errors_name_the_status(fake: FakeOpenAI, environment: Path) -> None:
    write_extra_models(environment, fake.url + "/nowhere")
    with pytest.raises(llm.ModelError, match=r"error \(404\): No route /v1/nowhere/chat"):
        llm.get_model("fake-chat").prompt("hi").text()


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert (
        retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480) == 10
    )
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_retry_delays() -> None:
    policy = RetryPolicy(max_retries=3, base_delay=1, max_delay=5)
    assert 0.75 <= policy.delay(1) <= 1.25
    assert 1.5 <= policy.delay(2) <= 2.5
    assert policy.delay(10) == 5  # capped
    assert policy.delay(1, {"Retry-After": "4"}) == 4
    assert policy.delay(1, {"Retry-After": "400"}) == 5

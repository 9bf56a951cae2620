"""One retry policy and fallback models (llm.resilience), for every provider.

A scripted provider on 127.0.0.1 (flaky_provider.py) answers 429 with Retry-After, 503,
a three-day Retry-After, a context-length error, a timeout and a stream cut part-way; it
counts the requests it received. Models reach it two ways: a plugin model of its own that
knows nothing of llm's errors (httpx2's raise_for_status), through the Python API, sync and
async; and our OpenAI provider, through the real executable.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flaky_provider import AsyncRawHttpModel, FlakyProvider, RawHttpModel

import llm
from llm.errors import ContextTooLong, RateLimited, TimedOut, Unavailable
from llm.resilience import classify, with_fallbacks


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyProvider]:
    monkeypatch.setenv("LLM_RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("LLM_RETRIES", "2")
    monkeypatch.delenv("LLM_MAX_RETRY_DELAY", raising=False)
    with FlakyProvider() as server:
        yield server


def model(provider: FlakyProvider, remote: str) -> RawHttpModel:
    return RawHttpModel(f"raw-{remote}", remote, provider.url)


def amodel(provider: FlakyProvider, remote: str) -> AsyncRawHttpModel:
    return AsyncRawHttpModel(f"raw-{remote}", remote, provider.url)


def test_rate_limit_waits_as_told_then_answers(provider: FlakyProvider) -> None:
    start = time.monotonic()
    response = model(provider, "429-once").prompt("hi")
    assert response.text() == "Hello from 429-once"
    assert time.monotonic() - start >= 0.2  # the provider's Retry-After
    assert provider.counts["429-once"] == 2
    assert (
        len(response.attempts) == 1 and "retrying in 0.2 s (attempt 2 of 3)" in response.attempts[0]
    )


def test_unavailable_retried_then_given_up(provider: FlakyProvider) -> None:
    with pytest.raises(Unavailable) as caught:
        model(provider, "503").prompt("hi").text()
    assert provider.counts["503"] == 3  # the first attempt and LLM_RETRIES=2
    assert str(caught.value).endswith("gave up after 3 attempts")
    assert caught.value.status == 503


def test_a_three_day_retry_after_is_an_error_not_a_wait(provider: FlakyProvider) -> None:
    start = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        model(provider, "429-days").prompt("hi").text()
    assert time.monotonic() - start < 5
    assert provider.counts["429-days"] == 1
    assert "asked to wait 3 days" in str(caught.value)


def test_fallback_answers_when_the_model_is_down(provider: FlakyProvider) -> None:
    down, up = model(provider, "503"), model(provider, "ok")
    response = with_fallbacks(down, [up]).prompt("hi")
    assert response.text() == "Hello from ok"
    assert response.model.model_id == "raw-503"  # logged under the model asked for
    assert response.resolved_model == "raw-ok"
    assert provider.counts == {"503": 3, "ok": 1}
    assert response.attempts[-1] == "Answered by raw-ok"


def test_context_too_long_moves_on_without_retrying(provider: FlakyProvider) -> None:
    response = with_fallbacks(model(provider, "context"), [model(provider, "ok")]).prompt("hi")
    assert response.text() == "Hello from ok"
    assert provider.counts == {"context": 1, "ok": 1}


def test_timeout_is_not_retried_but_falls_back(provider: FlakyProvider) -> None:
    response = with_fallbacks(model(provider, "slow"), [model(provider, "ok")]).prompt("hi")
    assert response.text() == "Hello from ok"
    assert provider.counts == {"slow": 1, "ok": 1}
    import httpx2

    with pytest.raises(httpx2.ReadTimeout) as caught:  # the plugin's own error, unchanged
        model(provider, "slow").prompt("hi").text()
    assert isinstance(classify(caught.value), TimedOut)


def test_nothing_is_sent_twice_once_output_started(provider: FlakyProvider) -> None:
    response = with_fallbacks(model(provider, "cut"), [model(provider, "ok")]).prompt("hi")
    seen = []
    with pytest.raises(Exception):  # noqa: B017 - the plugin's own error, unchanged
        for chunk in response:
            seen.append(chunk)
    assert seen == ["Hello ", "from "]
    assert provider.counts == {"cut": 1}
    assert response.text_or_raise() == "Hello from "  # what arrived is kept


def test_errors_no_model_can_help_with_are_raised_as_they_were(provider: FlakyProvider) -> None:
    import httpx2

    with pytest.raises(httpx2.HTTPStatusError):
        with_fallbacks(model(provider, "401"), [model(provider, "ok")]).prompt("hi").text()
    assert provider.counts == {"401": 1}


def test_async_models_retry_and_fall_back_alike(provider: FlakyProvider) -> None:
    async def run() -> tuple[str, str | None]:
        response = with_fallbacks(amodel(provider, "503"), [amodel(provider, "429-once")]).prompt(
            "hi"
        )
        return await response.text(), response.resolved_model

    assert asyncio.run(run()) == ("Hello from 429-once", "raw-429-once")
    assert provider.counts == {"503": 3, "429-once": 2}


def test_classify_reads_status_and_headers_of_any_http_library() -> None:
    import httpx2

    request = httpx2.Request("POST", "http://127.0.0.1/")
    answer = httpx2.Response(429, headers={"retry-after-ms": "1500"}, request=request)
    error = httpx2.HTTPStatusError("429", request=request, response=answer)
    meaning = classify(error)
    assert isinstance(meaning, RateLimited) and meaning.retry_after == 1.5
    wrapped = llm.ModelError("the plugin's words")
    wrapped.__cause__ = error
    assert isinstance(classify(wrapped), RateLimited)
    context = httpx2.Response(400, request=request)
    assert isinstance(
        classify(
            httpx2.HTTPStatusError(
                "prompt is too long: 300000 tokens", request=request, response=context
            )
        ),
        ContextTooLong,
    )
    assert classify(ValueError("maximum context length")) is None
    assert classify(KeyboardInterrupt()) is None


# ---------------------------------------------------------------- the real executable


def _configure(user_dir: Path, provider: FlakyProvider) -> None:
    import yaml

    entries = [
        {
            "model_id": f"oa-{name}",
            "model_name": name,
            "api_base": provider.url,
            "api_key_name": "flaky",
        }
        for name in ("ok", "503", "429-once", "context", "cut")
    ]
    (user_dir / "extra-openai-models.yaml").write_text(yaml.safe_dump(entries))
    (user_dir / "keys.json").write_text(json.dumps({"flaky": "sk-test"}))


FAST = {"LLM_RETRY_BASE_DELAY": "0.01", "LLM_RETRIES": "2"}


def test_cli_falls_back_says_so_and_logs_the_model_asked_for(
    run_llm, user_dir: Path, provider: FlakyProvider
) -> None:
    _configure(user_dir, provider)
    result = run_llm("-m", "oa-503", "--fallback", "oa-ok", "hi", env=FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from ok\n"
    lines = result.stderr.splitlines()
    assert [line.split(" - ")[-1] for line in lines] == [
        "retrying in 0.0 s (attempt 2 of 3)",
        "retrying in 0.0 s (attempt 3 of 3)",
        "trying the next fallback model",
        "Answered by oa-ok",
    ]
    assert provider.counts == {"503": 3, "ok": 1}
    with sqlite3.connect(user_dir / "logs.db") as db:
        assert db.execute("select model, response from responses").fetchall() == [
            ("oa-503", "Hello from ok")
        ]
        resolved, attempts = db.execute(
            "select resolved_model, attempts from response_extras"
        ).fetchone()
    assert resolved == "oa-ok"
    assert json.loads(attempts) == lines
    logged = json.loads(run_llm("logs", "--json").stdout)[0]
    assert (logged["model"], logged["resolved_model"]) == ("oa-503", "oa-ok")
    assert "Model: **oa-503** (resolved: **oa-ok**)" in run_llm("logs").stdout
    # -c goes back to the model asked for: down, and with no fallback this time.
    again = run_llm("-c", "again", "--retries", "0", env=FAST)
    assert again.returncode == 1
    assert provider.counts["503"] == 4
    assert "Error:" in again.stderr and "Traceback" not in again.stderr


def test_cli_retries_option_and_template_and_alias_fallbacks(
    run_llm, user_dir: Path, provider: FlakyProvider
) -> None:
    _configure(user_dir, provider)
    result = run_llm("-m", "oa-503", "--retries", "0", "hi", env=FAST)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error:")
    assert provider.counts["503"] == 1
    (user_dir / "templates").mkdir()
    (user_dir / "templates" / "sturdy.yaml").write_text(
        "model: oa-context\nfallback: [oa-429-once]\nprompt: $input\n"
    )
    result = run_llm("-t", "sturdy", "hi", env=FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from 429-once\n"
    assert provider.counts["context"] == 1 and provider.counts["429-once"] == 2
    set_alias = run_llm("aliases", "set", "sturdy", "oa-503", "--fallback", "oa-ok")
    assert set_alias.returncode == 0, set_alias.stderr
    assert json.loads((user_dir / "aliases.json").read_text()) == {"sturdy": "oa-503"}
    result = run_llm("-m", "sturdy", "hi", env={**FAST, "LLM_RETRIES": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from ok\n"


def test_cli_never_resends_after_output_started(
    run_llm, user_dir: Path, provider: FlakyProvider
) -> None:
    _configure(user_dir, provider)
    result = run_llm("-m", "oa-cut", "--fallback", "oa-ok", "hi", env=FAST)
    assert result.returncode == 1
    assert result.stdout.startswith("Hello from ")
    assert provider.counts == {"cut": 1}


def test_cli_unknown_fallback_is_an_error_before_sending(
    run_llm, user_dir: Path, provider: FlakyProvider
) -> None:
    _configure(user_dir, provider)
    result = run_llm("-m", "oa-ok", "--fallback", "no-such-model", "hi", env=FAST)
    assert result.returncode == 1
    assert "no-such-model" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert provider.counts == {}


def test_reasoning_is_logged_and_shown_by_llm_logs(run_llm, user_dir: Path) -> None:
    result = run_llm("-m", "echo", "-o", "thinking", "1", "hi")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(user_dir / "logs.db") as db:
        (reasoning,) = db.execute("select reasoning from response_extras").fetchone()
    assert reasoning and reasoning in result.stderr  # what was shown is what was kept
    assert reasoning not in result.stdout
    logged = json.loads(run_llm("logs", "--json").stdout)[0]
    assert logged["reasoning"] == reasoning
    assert list(logged).index("reasoning") == list(logged).index("response") + 1
    assert f"## Reasoning\n\n{reasoning}\n" in run_llm("logs").stdout
    # A response with no extras shows the keys as llm 0.36 does: present, null.
    run_llm("-m", "echo", "plain")
    plain = json.loads(run_llm("logs", "--json", "-n", "1").stdout)[0]
    assert (plain["reasoning"], plain["resolved_model"]) == (None, None)

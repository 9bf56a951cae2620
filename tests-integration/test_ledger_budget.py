"""Budgets checked before paying, against the fake OpenAI server on 127.0.0.1 (which
reports known usage and counts requests): a refused prompt, chat turn or tool-chain step
sends nothing."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages" / "llm-openai" / "tests"))

from fake_openai import FakeOpenAI
from helpers import write_extra_models

#: A dollar a token: the fake's 10 input + 5 output tokens cost $15 a call.
PRICES = {
    "fake-chat": {"input": 1_000_000, "output": 1_000_000},
    "fake-tools": {"input": 1_000_000, "output": 1_000_000},
}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeOpenAI, user_dir: Path) -> FakeOpenAI:
    fake_server.reset()
    write_extra_models(user_dir, fake_server.url)
    (user_dir / "keys.json").write_text(json.dumps({"fake": "sk-good"}))
    (user_dir / "prices.json").write_text(json.dumps(PRICES))
    return fake_server


def _requests(fake: FakeOpenAI) -> int:
    return sum(fake.counts.values())


def _worst(invoke_llm: Any, *args: str) -> float:
    shown = invoke_llm(*args, "--estimate")
    assert shown.returncode == 0, shown.stderr
    found = re.search(r"Worst case: up to \$([\d,.]+):", shown.stdout)
    assert found, shown.stdout
    return float(found.group(1).replace(",", ""))


def test_estimate_and_max_cost_refuse_before_sending(invoke_llm, fake: FakeOpenAI) -> None:
    prompt = ("-m", "fake-chat", "hello", "-o", "max_tokens", "5")
    worst = _worst(invoke_llm, *prompt)
    assert _requests(fake) == 0  # --estimate sends nothing
    # "hello" is 5 bytes, at most 5 tokens, plus the overheads; at most 5 tokens back.
    assert 5 + 5 < worst < 100
    refused = invoke_llm(*prompt, "--max-cost", str(worst - 0.01))
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "over --max-cost" in lines[0] and "nothing was sent" in lines[0]
    assert _requests(fake) == 0
    sent = invoke_llm(*prompt, "--max-cost", str(worst), "--cost")
    assert sent.returncode == 0, sent.stderr
    assert _requests(fake) == 1
    assert "Cost: $15.00 (user prices: fake-chat)" in sent.stderr
    # Without a bound on the output, --max-cost cannot be checked: refused, nothing sent.
    unbounded = invoke_llm("-m", "fake-chat", "hello", "--max-cost", "1000")
    assert unbounded.returncode == 1 and "max_tokens" in unbounded.stderr
    assert _requests(fake) == 1


def test_daily_budget_never_overshot(invoke_llm, fake: FakeOpenAI) -> None:
    prompt = ("-m", "fake-chat", "hello", "-o", "max_tokens", "5")
    worst = _worst(invoke_llm, *prompt)
    # Room for two calls at their worst case plus the $15 each really costs, not three.
    limit = 15 + 15 + worst - 0.01
    assert invoke_llm("budget", "set", "--daily", str(limit)).returncode == 0
    for expected in (1, 2):
        done = invoke_llm(*prompt)
        assert done.returncode == 0, done.stderr
        assert _requests(fake) == expected
    refused = invoke_llm(*prompt)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: Daily budget ${limit:,.2f}: $30.00 spent today, and this prompt could cost"
        f" up to ${worst:,.2f}: "
    )
    assert line.endswith("output tokens at most, on fake-chat; nothing was sent")
    assert _requests(fake) == 2
    costs = json.loads(invoke_llm("costs", "--json").stdout)
    assert costs[0]["cost_usd"] == pytest.approx(30.0)
    # A model with no known price cannot be checked against a budget: refused.
    unpriced = invoke_llm("-m", "fake-echo-request", "hi", "-o", "max_tokens", "5")
    assert unpriced.returncode == 1 and "no price is known" in unpriced.stderr
    assert _requests(fake) == 2
    # A monthly limit counts the same spending.
    invoke_llm("budget", "clear")
    invoke_llm("budget", "set", "--monthly", "40")
    monthly = invoke_llm(*prompt)
    assert monthly.returncode == 1 and "Monthly budget $40.00: $30.00 spent" in monthly.stderr
    assert _requests(fake) == 2


def test_chat_turn_refused_the_chat_goes_on(invoke_llm, fake: FakeOpenAI) -> None:
    invoke_llm("budget", "set", "--daily", "60")
    chat = invoke_llm(
        "chat", "-m", "fake-chat", "-o", "max_tokens", "5", input="hello\nhello again\nquit\n"
    )
    assert chat.returncode == 0, chat.stderr
    # The first turn's worst case (under $50) fits in $60; after it ($15 spent) the second,
    # which resends the first, does not.
    assert "Hello from fake: hello" in chat.stdout
    assert _requests(fake) == 1
    assert "Error: Daily budget $60.00: $15.00 spent today" in chat.stderr
    assert "this chat turn could cost" in chat.stderr


def test_tool_chain_next_step_refused_before_sending(invoke_llm, fake: FakeOpenAI) -> None:
    prompt = ("-m", "fake-tools", "add", "-T", "llm_version", "-o", "max_tokens", "10")
    first = _worst(invoke_llm, *prompt)
    # The first step fits; after it costs $27 (20 + 7 tokens), the next step cannot.
    invoke_llm("budget", "set", "--daily", str(first + 1))
    refused = invoke_llm(*prompt)
    assert refused.returncode == 1
    assert "the next step of the tool chain could cost" in refused.stderr
    assert _requests(fake) == 1
    # The step that was paid for is logged, with its cost.
    logged = json.loads(invoke_llm("logs", "--json").stdout)
    assert len(logged) == 1 and logged[0]["tool_calls"][0]["name"] == "llm_version"
    assert json.loads(invoke_llm("costs", "--json").stdout)[0]["cost_usd"] == 27.0

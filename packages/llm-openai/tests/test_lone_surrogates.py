"""Text UTF-8 cannot carry (a lone surrogate such as ``"\\ud800"``, which a Python tool may
return) is sent as U+FFFD, the replacement character, rather than failing the whole request in
the ``openai`` SDK; the logged request shows what was sent. Through the real SDK to the fake
server on 127.0.0.1 (which parses each body as UTF-8 JSON)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from helpers import write_extra_models

import llm
from llm_cli.testing import invoke
from llm_openai_provider.models.request import sendable

LONE = "\ud800"
REPLACED = "\ufffd"


@pytest.fixture
def configured(environment: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_extra_models(environment, fake.url)
    (environment / "keys.json").write_text(json.dumps({"fake": "sk-good"}))
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-good")
    return environment


def test_sendable_replaces_only_lone_surrogates() -> None:
    request = {"messages": [{"role": "user", "content": f"a{LONE}b é \U0001f600"}], "n": 1}
    assert sendable(request) == {
        "messages": [{"role": "user", "content": f"a{REPLACED}b é \U0001f600"}],
        "n": 1,
    }
    assert sendable(request)["messages"][0]["content"].encode("utf-8")
    clean = {"messages": [{"role": "user", "content": "plain é"}], "tools": ("x",)}
    assert sendable(clean) is clean  # nothing copied when nothing changes
    assert sendable(("\udcff",)) == (REPLACED,)


def test_chat_prompt_and_system(configured: Path, fake: FakeOpenAI) -> None:
    response = llm.get_model("fake-chat").prompt(f"hi {LONE}", system=f"be {LONE}")
    assert response.text() == f"Hello from fake: hi {REPLACED}"
    assert fake.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": f"be {REPLACED}"},
        {"role": "user", "content": f"hi {REPLACED}"},
    ]
    assert response.prompt_json == {"messages": fake.requests[-1]["body"]["messages"]}


def test_async_chat(configured: Path, fake: FakeOpenAI) -> None:
    async def run() -> str:
        return await llm.get_async_model("fake-chat").prompt(f"hi {LONE}").text()

    assert asyncio.run(run()) == f"Hello from fake: hi {REPLACED}"


def test_responses_api(configured: Path, fake: FakeOpenAI) -> None:
    response = llm.get_model("gpt-5.6-luna").prompt(f"hi {LONE}", system=f"s{LONE}")
    response.text()
    body = fake.requests[-1]["body"]
    assert fake.requests[-1]["path"] == "/v1/responses"
    assert body["instructions"] == f"s{REPLACED}"
    assert json.dumps(body["input"], ensure_ascii=False).count(REPLACED) == 1
    assert LONE not in json.dumps(response.prompt_json, ensure_ascii=False)


def test_completion_and_embeddings(configured: Path, fake: FakeOpenAI) -> None:
    llm.get_model("fake-instruct").prompt(f"x{LONE}", stream=False).text()
    assert fake.requests[-1]["body"]["prompt"] == f"x{REPLACED}"
    assert llm.get_embedding_model("3-small").embed(f"e{LONE}") == [2.0, 2.0, 2.0]
    assert fake.requests[-1]["body"]["input"] == [f"e{REPLACED}"]


def test_a_tool_result_from_the_cli(configured: Path, fake: FakeOpenAI) -> None:
    code = 'def add(a: int, b: int) -> str:\n    return "sum \\ud800 " + str(a + b)\n'
    result = invoke("-m", "fake-tools", "--functions", code, "add please")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"Result: sum {REPLACED} 5\n"
    sent = fake.requests[-1]["body"]["messages"][-1]
    assert sent == {"role": "tool", "tool_call_id": "call_fake_1", "content": f"sum {REPLACED} 5"}
    db = sqlite3.connect(configured / "logs.db")
    (logged,) = db.execute("SELECT prompt_json FROM responses ORDER BY id DESC LIMIT 1").fetchone()
    assert f"sum {REPLACED} 5" in json.loads(logged)["messages"][-1]["content"]
    # The tool's own result is logged as it returned it (llm_storage.storable).
    (output,) = db.execute("SELECT output FROM tool_results").fetchone()
    assert "\\ud800" in output

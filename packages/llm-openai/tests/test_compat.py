"""Plugins written for the original subclass ``llm.default_plugins.openai_models`` classes;
they must work unchanged. The plugins below are written the way published ones are."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import GOOD_KEY, FakeOpenAI
from pydantic import Field

import llm
import llm_openai_provider.compat
from llm.config import set_key
from llm.default_plugins.openai_models import (
    AsyncChat,
    AsyncCompletion,
    Chat,
    Completion,
    OpenAIEmbeddingModel,
    _attachment,
    combine_chunks,
    not_nulls,
    remove_dict_none_values,
)
from llm.plugins import pm

#: The fake server's URL, set before the plugin's models are built.
API_BASE = "http://localhost:8080/v1"

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


# ------------------------------------------------------------- plugins, as published


class LlamaServer(Chat):
    model_id = "llama-server"
    key = GOOD_KEY

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            model_name="llama-server", model_id=self.model_id, api_base=API_BASE, **kwargs
        )

    def __str__(self) -> str:
        return f"llama-server: {self.model_id}"


class AsyncLlamaServer(AsyncChat):
    model_id = "llama-server"
    key = GOOD_KEY

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            model_name="llama-server", model_id=self.model_id, api_base=API_BASE, **kwargs
        )

    def __str__(self) -> str:
        return f"llama-server async: {self.model_id}"


class SiliconFlowChat(Chat):
    needs_key = "siliconflow"

    def __init__(self, model_name: str, model_id: str) -> None:
        super().__init__(model_name=model_name, model_id=model_id, api_base=API_BASE)


class AsyncSiliconFlowChat(AsyncChat):
    needs_key = "siliconflow"

    def __init__(self, model_name: str, model_id: str) -> None:
        super().__init__(model_name=model_name, model_id=model_id, api_base=API_BASE)


class AnyscaleEndpointChat(Chat):
    needs_key = "anyscale-endpoints"


class _mixin:
    class Options(Chat.Options):
        online: bool | None = Field(description="Search the web first", default=None)

    def build_kwargs(self, prompt: llm.Prompt, stream: bool) -> dict[str, Any]:
        kwargs = super().build_kwargs(prompt, stream)  # type: ignore[misc]
        online = kwargs.pop("online", None)
        if online:
            kwargs["extra_body"] = {"plugins": [{"id": "web"}]}
        return kwargs


class RouterChat(_mixin, Chat):
    needs_key = "router"
    key_env_var = "ROUTER_KEY"
    can_stream = False


class CustomMessagesChat(Chat):
    needs_key = None

    def build_messages(self, prompt: llm.Prompt, conversation: Any) -> list[dict[str, Any]]:
        return [{"role": "user", "content": f"custom: {prompt.prompt}"}]


class InstructModel(Completion):
    needs_key = "instruct"


class AsyncInstructModel(AsyncCompletion):
    needs_key = "instruct"


class FakeEmbeddings(OpenAIEmbeddingModel):
    needs_key = "fake-embeddings"
    key_env_var = None


def _plugin() -> types.ModuleType:
    module = types.ModuleType("llm_compat_test_plugin")

    @llm.hookimpl
    def register_models(register: Callable[..., Any]) -> None:
        register(LlamaServer(), AsyncLlamaServer())
        register(
            SiliconFlowChat("Qwen/Qwen2.5-7B-Instruct", "siliconflow/qwen2.5-7b"),
            AsyncSiliconFlowChat("Qwen/Qwen2.5-7B-Instruct", "siliconflow/qwen2.5-7b"),
            aliases=("sf-qwen",),
        )
        register(
            AnyscaleEndpointChat(
                model_id="anyscale-endpoints/llama-70b",
                model_name="meta-llama/Llama-2-70b-chat-hf",
                api_base=API_BASE,
            )
        )
        register(
            RouterChat(model_id="router/echo", model_name="fake-echo-request", api_base=API_BASE)
        )
        register(CustomMessagesChat("custom", model_name="fake-keyless", api_base=API_BASE))
        register(
            InstructModel("instruct", model_name="instruct-model", api_base=API_BASE),
            AsyncInstructModel("instruct", model_name="instruct-model", api_base=API_BASE),
        )

    @llm.hookimpl
    def register_embedding_models(register: Callable[..., Any]) -> None:
        register(FakeEmbeddings("fake-embed-8", "text-embedding-3-small", dimensions=8))

    module.register_models = register_models  # type: ignore[attr-defined]
    module.register_embedding_models = register_embedding_models  # type: ignore[attr-defined]
    return module


@pytest.fixture(autouse=True)
def plugin(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys.modules[__name__], "API_BASE", fake.url)
    llm.get_models()  # load the installed plugins first, as the CLI would
    pm.register(_plugin(), name="llm-compat-test-plugin")
    try:
        yield
    finally:
        pm.unregister(name="llm-compat-test-plugin")


def last(fake: FakeOpenAI) -> dict[str, Any]:
    return fake.requests[-1]


# ------------------------------------------------------------- chat


def test_class_attribute_key_stream_and_not(fake: FakeOpenAI) -> None:
    model = llm.get_model("llama-server")
    assert isinstance(model, LlamaServer)
    assert str(model) == "llama-server: llama-server"
    assert model.needs_key == "openai"  # the original's default, kept
    assert model.key_env_var == "OPENAI_API_KEY"
    response = model.prompt("hi")
    chunks = list(response)
    assert len(chunks) == 2
    assert "".join(chunks) == "Hello from fake: hi"
    sent = last(fake)
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == f"Bearer {GOOD_KEY}"
    assert sent["body"]["model"] == "llama-server"
    assert sent["body"]["stream"] is True
    assert response.usage().input == 10

    assert model.prompt("again", stream=False).text() == "Hello from fake: again"
    assert last(fake)["body"]["stream"] is False


def test_needs_key_from_keys_json(fake: FakeOpenAI) -> None:
    model = llm.get_model("sf-qwen")
    assert model.model_id == "siliconflow/qwen2.5-7b"
    assert str(model) == "OpenAI Chat: siliconflow/qwen2.5-7b"
    with pytest.raises(llm.NeedsKeyException, match="llm keys set siliconflow"):
        model.prompt("hi").text()
    assert fake.requests == []
    set_key("openai", "sk-not-this-one")
    set_key("siliconflow", GOOD_KEY)
    assert model.prompt("hi").text() == "Hello from fake: hi"
    assert last(fake)["body"]["model"] == "Qwen/Qwen2.5-7B-Instruct"
    assert last(fake)["headers"]["authorization"] == f"Bearer {GOOD_KEY}"


def test_registered_with_keyword_arguments(fake: FakeOpenAI) -> None:
    set_key("anyscale-endpoints", GOOD_KEY)
    model = llm.get_model("anyscale-endpoints/llama-70b")
    assert model.needs_key == "anyscale-endpoints"
    assert model.key_env_var == "OPENAI_API_KEY"
    response = model.prompt("hello", system="be brief")
    assert response.text() == "Hello from fake: hello"
    assert last(fake)["body"]["model"] == "meta-llama/Llama-2-70b-chat-hf"
    assert last(fake)["body"]["messages"][0] == {"role": "system", "content": "be brief"}


def test_async(fake: FakeOpenAI) -> None:
    set_key("siliconflow", GOOD_KEY)

    async def run() -> tuple[list[str], str, str]:
        llama = llm.get_async_model("llama-server")
        chunks = [chunk async for chunk in llama.prompt("one")]
        whole = await llm.get_async_model("sf-qwen").prompt("two", stream=False).text()
        return chunks, whole, str(llama)

    chunks, whole, name = asyncio.run(run())
    assert "".join(chunks) == "Hello from fake: one"
    assert whole == "Hello from fake: two"
    assert name == "llama-server async: llama-server"
    assert [r["body"]["model"] for r in fake.requests] == [
        "llama-server",
        "Qwen/Qwen2.5-7B-Instruct",
    ]
    assert [r["body"]["stream"] for r in fake.requests] == [True, False]


def test_mixin_options_build_kwargs_and_class_attributes(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = llm.get_model("router/echo")
    assert model.Options is _mixin.Options
    assert model.can_stream is False  # the class attribute beats the constructor's default
    with pytest.raises(llm.NeedsKeyException, match="ROUTER_KEY"):
        model.get_key()
    monkeypatch.setenv("ROUTER_KEY", GOOD_KEY)
    response = model.prompt("hi", online=True, temperature=0.5)
    sent = json.loads(response.text())
    assert sent["model"] == "fake-echo-request"
    assert sent["stream"] is False
    assert sent["plugins"] == [{"id": "web"}]  # extra_body is merged into the request
    assert sent["temperature"] == 0.5
    assert "online" not in sent
    with pytest.raises(ValueError):
        model.prompt("hi", not_an_option=1)


def test_build_messages_override_and_no_key(fake: FakeOpenAI) -> None:
    response = llm.get_model("custom").prompt("hi")
    assert response.text() == "Hello from fake: custom: hi"
    assert last(fake)["headers"]["authorization"] == "Bearer no-key-needed"
    assert response.prompt_json == {"messages": [{"role": "user", "content": "custom: hi"}]}


def test_constructor_arguments() -> None:
    model = Chat(
        "my-model",
        key="sk-explicit",
        api_base="http://example.com/v1",
        headers={"X-Title": "t"},
        vision=True,
        reasoning=True,
        supports_tools=True,
        allows_system_prompt=False,
    )
    assert (model.key, model.get_key()) == ("sk-explicit", "sk-explicit")
    assert model.model_name == "my-model"
    assert model.needs_key == "openai"
    assert model.headers == {"X-Title": "t"}
    assert "image/png" in model.attachment_types
    assert "audio/wav" not in model.attachment_types
    assert model.supports_tools and not model.supports_schema
    assert "reasoning_effort" in model.Options.model_fields
    assert "reasoning_effort" not in Chat.Options.model_fields
    with pytest.raises(llm.ModelError, match="does not support system prompts"):
        model.prompt("x", system="no").text()
    assert str(model) == "OpenAI Chat: my-model"
    assert LlamaServer(key="sk-other").key == "sk-other"


def test_reasoning_and_default_max_tokens(fake: FakeOpenAI) -> None:
    class Reasoner(Chat):
        key = GOOD_KEY
        default_max_tokens = 99

    model = Reasoner("r", model_name="fake-echo-request", api_base=fake.url, reasoning=True)
    sent = json.loads(model.prompt("hi", reasoning_effort="low").text())
    assert sent["reasoning_effort"] == "low"
    assert sent["max_tokens"] == 99
    sent = json.loads(model.prompt("hi", max_tokens=5).text())
    assert sent["max_completion_tokens"] == 5
    assert "max_tokens" not in sent


def test_own_execute_with_the_original_helpers(fake: FakeOpenAI) -> None:
    class OwnExecute(Chat):
        key = GOOD_KEY

        def execute(
            self,
            prompt: Any,
            stream: bool,
            response: Any,
            conversation: Any = None,
            key: Any = None,
        ) -> Any:
            messages = self.build_messages(prompt, conversation)
            kwargs = self.build_kwargs(prompt, stream)
            client = self.get_client(key)
            completion = client.chat.completions.create(
                model=self.model_name, messages=messages, stream=False, **kwargs
            )
            self.set_usage(response, completion.usage.model_dump())
            yield completion.choices[0].message.content

    model = OwnExecute("own", model_name="fake-chat", api_base=fake.url)
    response = model.prompt("hi", stream=False, temperature=1)
    assert response.text() == "Hello from fake: hi"
    assert response.usage().output == 5
    assert last(fake)["body"]["temperature"] == 1


# ------------------------------------------------------------- completion and embeddings


def test_completion_subclass(fake: FakeOpenAI) -> None:
    set_key("instruct", GOOD_KEY)
    model = llm.get_model("instruct")
    assert str(model) == "OpenAI Completion: instruct"
    assert model.prompt("Hello", stream=False).text() == " there"
    assert last(fake)["path"] == "/v1/completions"
    assert last(fake)["body"]["model"] == "instruct-model"

    async def run() -> str:
        return await llm.get_async_model("instruct").prompt("Hi").text()

    assert asyncio.run(run()) == " there"
    assert last(fake)["body"]["stream"] is True
    limited = InstructModel("x", model_name="m", api_base=fake.url, default_max_tokens=7)
    assert limited.build_kwargs(limited.prompt("x").prompt, False) == {"max_tokens": 7}


def test_embedding_model_subclass(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    model = llm.get_embedding_model("fake-embed-8")
    assert isinstance(model, FakeEmbeddings)
    assert (model.needs_key, model.dimensions) == ("fake-embeddings", 8)
    with pytest.raises(llm.NeedsKeyException, match="llm keys set fake-embeddings"):
        model.embed("abc")
    set_key("fake-embeddings", GOOD_KEY)
    assert model.embed("abc") == [3.0] * 8
    sent = last(fake)
    assert sent["headers"]["authorization"] == f"Bearer {GOOD_KEY}"
    assert (sent["body"]["input"], sent["body"]["model"]) == (["abc"], "text-embedding-3-small")
    assert sent["body"]["dimensions"] == 8
    assert str(OpenAIEmbeddingModel("e", "text-embedding-ada-002")) == "OpenAIEmbeddingModel: e"


# ------------------------------------------------------------- helpers


def test_helpers() -> None:
    options = Chat.Options(temperature=0.5)
    assert not_nulls(options) == {"temperature": 0.5}
    assert not_nulls({"a": 1, "b": None}) == {"a": 1}
    assert remove_dict_none_values({"a": None, "b": {"c": None}, "d": 1}) == {"d": 1}
    part = _attachment(llm.Attachment(content=PNG))
    assert part["type"] == "image_url"
    assert part["image_url"]["url"].startswith("data:image/png;base64,")
    assert _attachment(llm.Attachment(url="https://example.com/a.jpg", type="image/jpeg")) == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/a.jpg"},
    }


def test_combine_chunks() -> None:
    from openai.types import Completion as CompletionChunk
    from openai.types.chat import ChatCompletionChunk

    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return ChatCompletionChunk.model_validate({**base, "choices": [choice]})

    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    chunks = [
        chunk({"role": "assistant", "content": "Hel"}),
        chunk({"content": "lo"}, "stop"),
        ChatCompletionChunk.model_validate({**base, "choices": [], "usage": usage}),
    ]
    combined = combine_chunks(chunks)
    assert remove_dict_none_values(combined) == {
        "content": "Hello",
        "finish_reason": "stop",
        "usage": usage,
        **base,
    }
    assert combined["role"] is None  # the original kept the last chunk's role

    text_chunk = CompletionChunk.model_validate(
        {
            "id": "t1",
            "object": "text_completion",
            "created": 2,
            "model": "i",
            "choices": [
                {
                    "index": 0,
                    "text": " there",
                    "finish_reason": "stop",
                    "logprobs": {"tokens": [" there"], "top_logprobs": [{" there": -0.1}]},
                }
            ],
        }
    )
    combined = combine_chunks([text_chunk])
    assert combined["content"] == " there"
    assert combined["finish_reason"] is None
    assert combined["logprobs"] == [{"text": " there", "top_logprobs": [{" there": -0.1}]}]
    assert combine_chunks([]) == {"content": "", "role": None, "finish_reason": None, "usage": {}}


def test_module_exposes_the_original_names() -> None:
    import llm.default_plugins.openai_models as openai_models

    for name in openai_models.__all__:
        assert getattr(openai_models, name) is getattr(llm_openai_provider.compat, name)
    assert issubclass(Chat, llm.KeyModel)
    assert issubclass(AsyncChat, llm.AsyncKeyModel)
    assert (Chat.needs_key, Chat.key_env_var, Chat.default_max_tokens) == (
        "openai",
        "OPENAI_API_KEY",
        None,
    )


_PROBE = """
import json, sys
import llm
after_llm = sorted(m for m in sys.modules if m.split(".")[0] in ("llm_openai_provider", "openai"))
import llm.default_plugins.openai_models
after_compat = sorted(m for m in sys.modules if m.split(".")[0] == "openai")
print(json.dumps([after_llm, after_compat]))
"""


def _run(code: str, user_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "LLM_USER_PATH": str(user_dir)},
        timeout=60,
    )


def test_import_llm_imports_neither_provider_nor_sdk(environment: Path) -> None:
    result = _run(_PROBE, environment)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[], []]


def test_missing_llm_openai_names_the_package(environment: Path) -> None:
    code = (
        "import sys; sys.modules['llm_openai_provider'] = None\n"
        "import llm.default_plugins.openai_models"
    )
    result = _run(code, environment)
    assert result.returncode == 1
    assert "ImportError: llm.default_plugins.openai_models needs the llm-openai package" in (
        result.stderr
    )
    assert "pip install llm-openai" in result.stderr

"""Names from ``llm.default_plugins.openai_models`` that published plugins found missing in a
scan of PyPI (docs/plugins-compatibility.md, "Other plugins checked by hand"): llm-hyperbolic
subclasses ``SharedOptions``; llm-azure mixes a subclass of ``_Shared`` with its own
``get_client`` into ``Chat``. Each plugin's class shape is copied here and run against the
fake OpenAI server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
from fake_openai import GOOD_KEY, FakeOpenAI
from pydantic import Field

import llm
from llm.default_plugins.openai_models import AsyncChat, Chat, Completion, SharedOptions, _Shared


def test_shared_options_are_the_options_every_openai_model_takes() -> None:
    # llm-hyperbolic: ``class Options(SharedOptions)`` adding fields of its own.
    class HyperbolicOptions(SharedOptions):
        steps: int | None = Field(default=None, description="image steps")

    options = HyperbolicOptions(temperature=0.5, max_tokens=10, steps=3)
    assert (options.temperature, options.max_tokens, options.steps) == (0.5, 10, 3)
    assert {"temperature", "max_tokens", "top_p", "stop", "logit_bias", "seed"} <= set(
        SharedOptions.model_fields
    )
    assert issubclass(Chat.Options, SharedOptions)
    assert issubclass(Completion.Options, SharedOptions)


class AzureShared(_Shared):
    """llm-azure's ``AzureOpenAIShared``: no key needed, its own client."""

    needs_key = None
    key_env_var = None
    made: list[tuple[str | None, bool]] = []

    def __init__(self, model_id: str, model_name: str, endpoint: str) -> None:
        super().__init__(
            model_id=model_id,
            model_name=model_name,
            api_base=endpoint,
            vision=True,
            supports_schema=True,
            supports_tools=True,
        )
        self.endpoint = endpoint

    def get_client(self, key: str | None = None, async_: bool = False) -> Any:
        self.made.append((key, async_))
        client_class = openai.AsyncOpenAI if async_ else openai.OpenAI
        # Where the plugin signs in (Entra ID), this stands in with the fake server's key.
        return client_class(api_key=GOOD_KEY, base_url=self.endpoint)


class AzureChat(AzureShared, Chat):
    model_type = "Azure OpenAI Chat"


class AsyncAzureChat(AzureShared, AsyncChat):
    pass


def test_a_shared_subclass_mixed_into_chat_makes_its_own_client(fake: FakeOpenAI) -> None:
    AzureShared.made.clear()
    model = AzureChat("azure/gpt", "fake-chat", fake.url)
    assert isinstance(model, llm.KeyModel) and model.needs_key is None
    assert model.supports_tools and model.supports_schema
    assert "image/png" in model.attachment_types
    assert model.prompt("hi").text() == "Hello from fake: hi"
    assert fake.requests[-1]["body"]["model"] == "fake-chat"
    # Without its client the request would carry no key at all and get a 401.
    assert fake.requests[-1]["headers"]["authorization"] == f"Bearer {GOOD_KEY}"
    assert AzureShared.made == [(None, False)]


def test_the_async_model_asks_for_an_async_client(fake: FakeOpenAI) -> None:
    AzureShared.made.clear()
    model = AsyncAzureChat("azure/gpt-async", "fake-chat", fake.url)

    async def run() -> str:
        return await model.prompt("async hi").text()

    assert asyncio.run(run()) == "Hello from fake: async hi"
    assert AzureShared.made == [(None, True)]


def test_without_an_override_the_client_is_ours(fake: FakeOpenAI) -> None:
    # A Chat that does not override get_client still sends the key it was given.
    model = Chat("plain", model_name="fake-chat", api_base=fake.url, key=GOOD_KEY)
    assert model.prompt("hi").text() == "Hello from fake: hi"
    assert fake.requests[-1]["headers"]["authorization"] == f"Bearer {GOOD_KEY}"

"""Models, options, prompts, responses and conversations through the public API."""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
from pydantic import Field, ValidationError

import llm

# ------------------------------------------------------------------ a test-defined plugin


class Words(llm.Model):
    """Streams the words of the prompt one chunk at a time and records every call."""

    model_id = "test-words"
    can_stream = True
    supports_tools = True
    supports_schema = True
    attachment_types = frozenset({"image/png"})

    class Options(llm.Options):
        repeat: int | None = Field(default=None, description="Times to repeat", ge=1)
        shout: bool | None = Field(default=None, description="Upper-case output")

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.events: list[str] = []

    def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
        self.calls.append({"prompt": prompt, "stream": stream, "conversation": conversation})
        words = (prompt.prompt or "").split() * (prompt.options.repeat or 1)
        response.response_json = {"words": words}
        for word in words:
            self.events.append(f"yield {word}")
            yield (word.upper() if prompt.options.shout else word) + " "
        response.set_usage(input=len(words), output=len(words), details={"cached": 1})


class Legacy(llm.Model):
    """An execute() without the conversation parameter, as some published plugins have."""

    model_id = "test-legacy"

    def execute(self, prompt, stream, response):  # type: ignore[no-untyped-def,override]
        yield f"legacy: {prompt.prompt}"


class Keyed(llm.KeyModel):
    model_id = "test-keyed"
    needs_key = "test-keyed"
    key_env_var = "LLM_TEST_KEY"

    def execute(self, prompt, stream, response, conversation=None, key=None):  # type: ignore[no-untyped-def]
        yield f"key={key}"


class AsyncWords(llm.AsyncModel):
    model_id = "test-words"
    can_stream = True

    async def execute(  # type: ignore[override]
        self, prompt, stream, response, conversation=None
    ) -> AsyncGenerator[str, None]:
        words = (prompt.prompt or "").split()
        for word in words:
            await asyncio.sleep(0)
            yield word + " "
        previous = len(conversation.responses) if conversation else 0
        response.response_json = {"previous": previous}
        response.set_usage(input=len(words), output=len(words))


class AsyncKeyed(llm.AsyncKeyModel):
    model_id = "test-keyed"
    needs_key = "test-keyed"
    key_env_var = "LLM_TEST_KEY"

    async def execute(  # type: ignore[override]
        self, prompt, stream, response, conversation=None, key=None
    ) -> AsyncGenerator[str, None]:
        yield f"key={key}"


class TestPlugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(Words(), AsyncWords(), aliases=("tw",))
        register(Legacy())
        register(Keyed(), AsyncKeyed())


@pytest.fixture(autouse=True)
def plugin(register_plugin: Any) -> None:
    register_plugin(TestPlugin(), name="test-models-plugin")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ------------------------------------------------------------------ lookup


def test_registered_models_are_found_by_id_and_alias() -> None:
    model = llm.get_model("test-words")
    assert isinstance(model, Words)
    assert isinstance(llm.get_model("tw"), Words)
    assert isinstance(llm.get_async_model("test-words"), AsyncWords)
    assert any(isinstance(m, Legacy) for m in llm.get_models())
    assert any(isinstance(m, AsyncKeyed) for m in llm.get_async_models())
    assert not any(isinstance(m, Legacy) for m in llm.get_async_models())
    entry = next(e for e in llm.get_models_with_aliases() if e.model.model_id == "test-words")
    assert entry.aliases == ["tw"]
    assert isinstance(entry.async_model, AsyncWords)
    assert str(model) == "Words: test-words"


def test_unknown_model_error() -> None:
    with pytest.raises(llm.UnknownModelError) as info:
        llm.get_model("no-such-model")
    assert str(info.value) == "Unknown model: no-such-model"
    assert isinstance(info.value, KeyError)  # code that catches KeyError keeps working
    with pytest.raises(llm.UnknownModelError, match="Unknown model: nope"):
        llm.get_async_model("nope")


def test_sync_only_model_is_not_an_async_model() -> None:
    with pytest.raises(llm.UnknownModelError):
        llm.get_async_model("test-legacy")


def test_get_model_without_name_uses_the_default() -> None:
    llm.set_default_model("test-words")
    assert isinstance(llm.get_model(), Words)
    assert isinstance(llm.get_async_model(), AsyncWords)


# ------------------------------------------------------------------ options


def test_options_are_validated_when_prompting() -> None:
    model = llm.get_model("test-words")
    with pytest.raises(ValidationError):
        model.prompt("hi", not_an_option=1)
    with pytest.raises(ValidationError):
        model.prompt("hi", repeat="many")
    with pytest.raises(ValidationError):
        model.prompt("hi", repeat=0)
    assert model.calls == []


def test_options_reach_execute_converted() -> None:
    model = llm.get_model("test-words")
    response = model.prompt("a b", repeat="2", shout=True)
    assert response.text() == "A B A B "
    assert response.prompt.options.repeat == 2
    assert response.prompt.options_json() == {"repeat": 2, "shout": True}


def test_options_base_class() -> None:
    class MyOptions(llm.Options):
        temperature: float | None = None

    assert MyOptions(temperature="0.5").temperature == 0.5
    assert MyOptions().set_values() == {}
    with pytest.raises(ValidationError):
        MyOptions(bogus=True)


# ------------------------------------------------------------------ prompt


def test_prompt_joins_fragments_and_keeps_typed_text() -> None:
    model = llm.get_model("test-words")
    response = model.prompt(
        "question",
        fragments=["frag one", llm.Fragment("frag two", "two.txt")],
        system="be brief",
        system_fragments=["sys one"],
    )
    prompt = response.prompt
    assert prompt.prompt == "frag one\nfrag two\nquestion"
    assert prompt.system == "sys one\n\nbe brief"
    assert prompt.prompt_text == "question"
    assert prompt.system_text == "be brief"
    assert response.text() == "frag one frag two question "


def test_prompt_without_text() -> None:
    prompt = llm.Prompt(None, llm.get_model("test-words"), fragments=["only fragment"])
    assert prompt.prompt == "only fragment"
    assert prompt.prompt_text is None
    assert prompt.system == ""
    assert llm.Prompt(None, llm.get_model("test-words")).prompt == ""


def test_prompt_direct_construction_with_options_dict() -> None:
    model = llm.get_model("test-words")
    prompt = llm.Prompt("hi", model, options={"repeat": 3})
    assert isinstance(prompt.options, Words.Options)
    assert prompt.options.repeat == 3
    assert prompt.tools == [] and prompt.tool_results == [] and prompt.attachments == []


def test_schema_from_pydantic_model_becomes_a_dict() -> None:
    from pydantic import BaseModel

    class Dog(BaseModel):
        name: str
        age: int

    response = llm.get_model("test-words").prompt("dog", schema=Dog)
    assert response.prompt.schema == Dog.model_json_schema()
    dsl = llm.schema_dsl("name, age int")
    assert llm.get_model("test-words").prompt("dog", schema=dsl).prompt.schema == dsl


def test_unsupported_features_are_refused() -> None:
    legacy = llm.get_model("test-legacy")
    with pytest.raises(ValueError, match="schemas"):
        legacy.prompt("x", schema={"type": "object"})
    with pytest.raises(ValueError, match="tools"):
        legacy.prompt("x", tools=[lambda_free_tool])
    with pytest.raises(ValueError, match="attachments"):
        legacy.prompt("x", attachments=[llm.Attachment(type="image/png", content=b"x")])
    words = llm.get_model("test-words")
    with pytest.raises(ValueError, match="image/jpeg"):
        words.prompt("x", attachments=[llm.Attachment(type="image/jpeg", content=b"x")])


def lambda_free_tool(text: str) -> str:
    """Upper-case text."""
    return text.upper()


def test_tools_are_normalised_on_the_prompt() -> None:
    response = llm.get_model("test-words").prompt("x", tools=[lambda_free_tool])
    (tool,) = response.prompt.tools
    assert tool.name == "lambda_free_tool"
    assert tool.implementation is lambda_free_tool


# ------------------------------------------------------------------ response


def test_response_is_lazy() -> None:
    model = llm.get_model("test-words")
    response = model.prompt("one two")
    assert model.calls == []
    assert repr(response) == "<Response prompt='one two' text='... not yet done ...'>"
    assert response.text() == "one two "
    assert repr(response) == "<Response prompt='one two' text='one two '>"
    assert len(model.calls) == 1
    # Asking again does not run the model again.
    assert response.text() == "one two "
    assert str(response) == "one two "
    assert list(response) == ["one ", "two "]
    assert len(model.calls) == 1


def test_iteration_streams_chunks_as_they_are_made() -> None:
    model = llm.get_model("test-words")
    response = model.prompt("a b c")
    for chunk in response:
        model.events.append(f"got {chunk.strip()}")
    assert model.events == ["yield a", "got a", "yield b", "got b", "yield c", "got c"]
    assert model.calls[0]["stream"] is True


def test_stream_false_is_passed_to_execute() -> None:
    model = llm.get_model("test-words")
    model.prompt("a", stream=False).text()
    assert model.calls[0]["stream"] is False


def test_json_usage_and_timing() -> None:
    before = datetime.datetime.now(datetime.UTC)
    response = llm.get_model("test-words").prompt("a b c")
    assert response.json() == {"words": ["a", "b", "c"]}
    usage = response.usage()
    assert usage == llm.Usage(input=3, output=3, details={"cached": 1})
    assert (response.input_tokens, response.output_tokens) == (3, 3)
    assert response.token_details == {"cached": 1}
    started = datetime.datetime.fromisoformat(response.datetime_utc())
    assert started.tzinfo is not None
    assert before - datetime.timedelta(seconds=1) <= started <= datetime.datetime.now(datetime.UTC)
    duration = response.duration_ms()
    assert isinstance(duration, int) and duration >= 0


def test_timing_methods_run_a_lazy_response() -> None:
    model = llm.get_model("test-words")
    response = model.prompt("x")
    assert isinstance(response.duration_ms(), int)
    assert len(model.calls) == 1
    assert llm.get_model("test-words").prompt("y").datetime_utc()


def test_usage_runs_a_lazy_response() -> None:
    model = llm.get_model("test-words")
    assert model.prompt("a b").usage().input == 2


def test_response_ids_are_unique_ulids() -> None:
    model = llm.get_model("test-words")
    first, second = model.prompt("a"), model.prompt("b")
    assert len(first.id) == 26 and first.id != second.id
    assert first.id < second.id


def test_forked_children_never_repeat_an_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """Children forked in the millisecond of their parent's last ID (the clock is held still
    here) each make an ID of their own, all greater than the parent's."""
    import os
    import types

    from llm import _ulid

    frozen = types.SimpleNamespace(time_ns=lambda: 1_750_000_000_000 * 1_000_000)
    monkeypatch.setattr(_ulid, "time", frozen)
    parent = _ulid.ulid()
    children = []
    for _ in range(3):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.write(write, (_ulid.ulid() + _ulid.ulid()).encode())
            os._exit(0)
        os.close(write)
        made = os.read(read, 100).decode()
        os.close(read)
        os.waitpid(pid, 0)
        children.extend([made[:26], made[26:]])
    assert len(set(children)) == 6
    assert all(child > parent for child in children)
    assert children[0] < children[1]  # still ordered within a process


def test_text_or_raise_before_and_after() -> None:
    response = llm.get_model("test-words").prompt("a")
    with pytest.raises(ValueError):
        response.text_or_raise()
    with pytest.raises(ValueError):
        response.tool_calls_or_raise()
    response.text()
    assert response.text_or_raise() == "a "
    assert response.tool_calls_or_raise() == []


def test_on_done_before_completion() -> None:
    seen: list[tuple[str, str]] = []
    response = llm.get_model("test-words").prompt("hello there")
    response.on_done(lambda r: seen.append(("first", r.text_or_raise())))
    response.on_done(lambda r: seen.append(("second", r.text_or_raise())))
    assert seen == []
    chunks = list(response)
    assert chunks == ["hello ", "there "]
    assert seen == [("first", "hello there "), ("second", "hello there ")]
    response.text()
    assert len(seen) == 2  # callbacks run once


def test_on_done_after_completion_runs_at_once() -> None:
    response = llm.get_model("test-words").prompt("x")
    response.text()
    seen: list[Any] = []
    response.on_done(seen.append)
    assert seen == [response]


def test_on_done_sees_usage() -> None:
    usages: list[llm.Usage] = []
    response = llm.get_model("test-words").prompt("a b")
    response.on_done(lambda r: usages.append(r.usage()))
    response.text()
    assert usages == [llm.Usage(2, 2, {"cached": 1})]


def test_response_fake_keyword_form() -> None:
    model = llm.get_model("test-words")
    fake = llm.Response.fake(model, "prompt 1", system="system 1", response="response 1")
    assert fake.text() == "response 1"
    assert fake.text_or_raise() == "response 1"
    assert fake.prompt.prompt == "prompt 1"
    assert fake.prompt.system == "system 1"
    assert model.calls == []


def test_response_fake_positional_form() -> None:
    model = llm.get_model("test-words")
    fake = llm.Response.fake(model, "prompt 2", None, "response 2")
    assert (fake.prompt.prompt, fake.prompt.system, fake.text()) == ("prompt 2", "", "response 2")
    fake = llm.Response.fake(model, "p", "s", "r")
    assert (fake.prompt.system, str(fake)) == ("s", "r")
    conversation = model.conversation()
    conversation.responses = [fake]
    model.calls.clear()
    conversation.prompt("next").text()
    assert model.calls[0]["conversation"].responses[0] is fake


def test_response_fake_with_attachments() -> None:
    model = llm.get_model("test-words")
    attachment = llm.Attachment(type="image/png", content=b"png")
    fake = llm.Response.fake(model, "look", attachment, response="a picture")
    assert fake.prompt.attachments == [attachment]
    assert fake.attachments == [attachment]
    assert fake.text() == "a picture"


def test_tool_calls() -> None:
    class Caller(llm.Model):
        model_id = "caller"
        supports_tools = True

        def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            for tool in prompt.tools:
                response.add_tool_call(llm.ToolCall(tool.name, {"text": "hi"}, "call-1"))
            yield "calling"

    response = Caller().prompt("go", tools=[lambda_free_tool])
    assert response.tool_calls() == [
        llm.ToolCall(name="lambda_free_tool", arguments={"text": "hi"}, tool_call_id="call-1")
    ]
    assert response.text() == "calling"


def test_tool_results_are_passed_on_the_prompt() -> None:
    result = llm.ToolResult(name="t", output="out", tool_call_id="c1")
    response = llm.get_model("test-words").prompt(None, tool_results=[result])
    assert response.prompt.tool_results == [result]
    assert response.text() == ""


def test_execute_without_conversation_parameter_still_works() -> None:
    model = llm.get_model("test-legacy")
    assert model.prompt("hi").text() == "legacy: hi"
    conversation = model.conversation()
    assert conversation.prompt("again").text() == "legacy: again"
    assert len(conversation.responses) == 1


def test_base_model_execute_must_be_implemented() -> None:
    class Lazy(llm.Model):
        model_id = "lazy"

    with pytest.raises(NotImplementedError):
        Lazy().prompt("x").text()


def test_a_failing_execute_propagates_model_error() -> None:
    class Broken(llm.Model):
        model_id = "broken"

        def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            yield "partial"
            raise llm.ModelError("the service is down")

    response = Broken().prompt("x")
    with pytest.raises(llm.ModelError, match="the service is down"):
        response.text()
    # What arrived before the failure is kept, so it can be shown and logged.
    assert isinstance(response.error, llm.ModelError)
    assert response.text_or_raise() == "partial"
    assert response.duration_ms() is not None


def test_a_failing_async_execute_keeps_what_arrived() -> None:
    class BrokenAsync(llm.AsyncModel):
        model_id = "broken-async"

        async def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def,override]
            yield "half "
            raise llm.ModelError("connection dropped")

    async def run() -> llm.AsyncResponse:
        response = BrokenAsync().prompt("x")
        with pytest.raises(llm.ModelError):
            await response.text()
        return response

    response = asyncio.run(run())
    assert response.text_or_raise() == "half "
    assert str(response.error) == "connection dropped"


def test_a_response_that_finished_has_no_error() -> None:
    response = llm.get_model("test-words").prompt("fine")
    response.text()
    assert response.error is None


# ------------------------------------------------------------------ keys


def test_key_model_needs_a_key() -> None:
    model = llm.get_model("test-keyed")
    with pytest.raises(llm.NeedsKeyException) as info:
        model.prompt("x").text()
    message = str(info.value)
    assert "llm keys set test-keyed" in message
    assert "LLM_TEST_KEY" in message
    assert isinstance(info.value, llm.ModelError)


def test_key_model_key_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.config import set_key

    model = Keyed()
    monkeypatch.setenv("LLM_TEST_KEY", "from-env")
    assert model.get_key() == "from-env"
    assert model.prompt("x").text() == "key=from-env"
    set_key("test-keyed", "from-keys-json")
    assert model.get_key() == "from-keys-json"
    model.key = "from-model-key"
    assert model.get_key() == "from-model-key"
    assert model.get_key("explicit") == "explicit"
    assert model.prompt("x", key="explicit").text() == "key=explicit"
    assert model.prompt("x").text() == "key=from-model-key"
    # An explicit key may name a stored key.
    set_key("personal", "personal-secret")
    assert model.get_key("personal") == "personal-secret"
    assert model.prompt("x", key="personal").text() == "key=personal-secret"


def test_model_without_needs_key_has_no_key() -> None:
    assert llm.get_model("test-words").get_key() is None


def test_model_without_needs_key_still_takes_an_explicit_key() -> None:
    """A keyless endpoint (say a local server) may still be given an optional key."""
    from llm.config import set_key

    model = llm.get_model("test-words")
    assert model.get_key("sk-optional") == "sk-optional"
    set_key("local", "stored-secret")
    assert model.get_key("local") == "stored-secret"


def test_async_key_model() -> None:
    model = llm.get_async_model("test-keyed")
    assert run(model.prompt("x", key="async-key").text()) == "key=async-key"
    with pytest.raises(llm.NeedsKeyException):
        run(model.prompt("x").text())


# ------------------------------------------------------------------ conversations


def test_conversation_passes_previous_responses() -> None:
    model = llm.get_model("test-words")
    conversation = model.conversation()
    assert isinstance(conversation, llm.Conversation)
    assert conversation.model is model
    first = conversation.prompt("one")
    assert first.text() == "one "
    second = conversation.prompt("two")
    second.text()
    assert conversation.responses == [first, second]
    assert model.calls[1]["conversation"] is conversation
    assert second.conversation is conversation
    assert len(conversation.id) == 26


def test_conversation_responses_only_after_completion() -> None:
    conversation = llm.get_model("test-words").conversation()
    response = conversation.prompt("x")
    assert conversation.responses == []
    response.text()
    assert conversation.responses == [response]


def test_conversation_tools_are_used_by_default() -> None:
    conversation = llm.get_model("test-words").conversation(tools=[lambda_free_tool])
    response = conversation.prompt("x")
    assert [tool.name for tool in response.prompt.tools] == ["lambda_free_tool"]


def test_prompt_without_conversation_has_none() -> None:
    model = llm.get_model("test-words")
    model.prompt("x").text()
    assert model.calls[0]["conversation"] is None


# ------------------------------------------------------------------ async


def test_async_response_await_and_text() -> None:
    async def go() -> tuple[Any, str, llm.Usage, Any]:
        model = llm.get_async_model("test-words")
        response = model.prompt("a b")
        assert isinstance(response, llm.AsyncResponse)
        assert repr(response) == "<AsyncResponse prompt='a b' text='... not yet done ...'>"
        awaited = await response
        return awaited, await response.text(), await response.usage(), await response.json()

    awaited, text, usage, data = run(go())
    assert isinstance(awaited, llm.AsyncResponse)
    assert text == "a b "
    assert usage == llm.Usage(input=2, output=2, details=None)
    assert data == {"previous": 0}


def test_async_for_streams_chunks() -> None:
    async def go() -> tuple[list[str], str]:
        response = llm.get_async_model("test-words").prompt("x y z")
        chunks = [chunk async for chunk in response]
        again = [chunk async for chunk in response]
        assert again == chunks
        return chunks, await response.text()

    chunks, text = run(go())
    assert chunks == ["x ", "y ", "z "]
    assert text == "x y z "


def test_async_text_or_raise_needs_await() -> None:
    async def go() -> None:
        response = llm.get_async_model("test-words").prompt("x")
        with pytest.raises(ValueError):
            response.text_or_raise()
        await response
        assert response.text_or_raise() == "x "

    run(go())


def test_async_on_done_callbacks() -> None:
    seen: list[str] = []

    async def go() -> None:
        response = llm.get_async_model("test-words").prompt("a b")

        async def async_done(r: llm.AsyncResponse) -> None:
            seen.append("async " + await r.text())

        await response.on_done(async_done)
        await response.on_done(lambda r: seen.append("sync " + r.text_or_raise()))
        assert seen == []
        await response.text()
        assert seen == ["async a b ", "sync a b "]
        # After completion a callback runs straight away.
        await response.on_done(async_done)
        assert seen[-1] == "async a b "

    run(go())
    assert len(seen) == 3


def test_async_conversation() -> None:
    async def go() -> Any:
        model = llm.get_async_model("test-words")
        conversation = model.conversation()
        assert isinstance(conversation, llm.AsyncConversation)
        first = await conversation.prompt("one").text()
        second = conversation.prompt("two")
        await second
        return conversation, first, await second.json()

    conversation, first, data = run(go())
    assert first == "one "
    assert len(conversation.responses) == 2
    assert data == {"previous": 1}


def test_async_to_sync_response() -> None:
    # Awaitable, as in the original: it awaits the response first.
    response = llm.get_async_model("test-words").prompt("a")
    sync = run(response.to_sync_response())
    assert isinstance(sync, llm.Response)
    assert sync.text() == "a "
    assert sync.id == response.id
    assert sync.usage() == llm.Usage(1, 1, None)
    assert sync.duration_ms() == response.duration_ms()
    assert sync.datetime_utc() == response.datetime_utc()
    assert sync.conversation_id_for_log() == response.conversation_id_for_log()


def test_async_fake() -> None:
    model = llm.get_async_model("test-words")
    fake = llm.AsyncResponse.fake(model, "p", "s", "r")
    assert run(fake.text()) == "r"


def test_usage_is_json_friendly() -> None:
    response = llm.get_model("test-words").prompt("a")
    assert json.loads(json.dumps(response.usage().__dict__)) == {
        "input": 1,
        "output": 1,
        "details": {"cached": 1},
    }


def test_streaming_generator_is_consumed_once_for_iterators() -> None:
    def gen() -> Iterator[str]:
        yield "only once"

    class Once(llm.Model):
        model_id = "once"

        def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            return gen()

    response = Once().prompt("x")
    assert response.text() == "only once"
    assert list(response) == ["only once"]

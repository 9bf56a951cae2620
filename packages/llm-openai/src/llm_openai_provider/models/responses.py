"""Models driven through ``/responses``, streaming or not, sync and async; ``-o
chat_completions 1`` sends the same prompt to ``/chat/completions`` instead."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import llm

from ..catalog import ModelSpec, attachment_types
from ..messages import redact_data
from ..options import PlainResponsesOptions, ReasoningResponsesOptions, VerbosityResponsesOptions
from . import responses_api
from .chat import AsyncChat, AsyncReasoningChat, Chat, ReasoningChat

if TYPE_CHECKING:
    from .driver import Chunk
from .driver import AsyncDrivenModel, DrivenModel, SpecModel, arun, run


class _SharedResponses(SpecModel):
    """The ``/responses`` request and its result, shared by the sync and async models."""

    spec: ModelSpec
    attachment_types: Collection[str]

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        self.supports_schema = spec.supports_schema
        self.supports_tools = spec.supports_tools
        self.attachment_types = attachment_types(spec.vision, spec.audio)

    def __str__(self) -> str:
        return f"OpenAI Responses: {self.model_id}"

    @property
    def supported_server_side_tools(self) -> tuple[type[llm.ServerSideTool], ...]:
        from ..server_tools import SUPPORTED

        return SUPPORTED

    def _build_responses_kwargs(self, prompt: Any, stream: bool) -> dict[str, Any]:
        """Every request parameter except ``input`` and ``instructions``."""
        kwargs: dict[str, Any] = {"model": self.model_name, "store": False}
        kwargs.update(responses_api.options_kwargs(prompt, self.spec, self))
        kwargs["stream"] = stream
        return kwargs

    def _finalize_responses_kwargs(
        self, prompt: Any, stream: bool, instructions: str | None = None
    ) -> dict[str, Any]:
        """The request without its ``input``: then each server-side tool adds what it needs
        (``include`` entries, say), in the order the tools were given."""
        kwargs = self._build_responses_kwargs(prompt, stream)
        if instructions:
            kwargs["instructions"] = instructions
        _, server_side = responses_api.server_side_split(self, prompt.tools or [])
        for tool in server_side:
            tool.prepare_request(self, kwargs)
        return kwargs

    def _build_responses_input(
        self, prompt: Any, conversation: Any = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        return responses_api.build_input(prompt, conversation)

    def request(
        self, prompt: llm.Prompt, stream: bool, conversation: Any, response: Any
    ) -> dict[str, Any]:
        items, instructions = self._build_responses_input(prompt, conversation)
        kwargs = self._finalize_responses_kwargs(prompt, stream, instructions)
        kwargs["input"] = items
        logged: dict[str, Any] = {"input": redact_data(items)}
        if instructions:
            logged["instructions"] = instructions
        response.prompt_json = logged
        return kwargs

    def create(self, client: Any, kwargs: dict[str, Any]) -> Any:
        return client.responses.create(**kwargs)

    def new_summary(self) -> Any:
        return responses_api.ResponsesStreamSummary()

    def record(self, result: Any, response: Any) -> list[Any]:
        return responses_api.record_result(result, response)

    def _wants_chat_completions(self, prompt: llm.Prompt) -> bool:
        """``-o chat_completions 1``; refused with a server-side tool, which only
        ``/responses`` can carry."""
        if not getattr(prompt.options, "chat_completions", None):
            return False
        _, server_side = responses_api.server_side_split(self, prompt.tools or [])
        if server_side:
            raise ValueError(
                f"Server-side tools ({', '.join(t.name for t in server_side)}) need the"
                f" Responses API, not chat_completions. Run: llm tools -m {self.model_id}"
            )
        return True


class Responses(_SharedResponses, DrivenModel):
    Options: ClassVar[type[llm.Options]] = PlainResponsesOptions

    def execute(  # type: ignore[override]  # StreamEvents too
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None = None,
        key: str | None = None,
    ) -> Iterator[Chunk]:
        if self._wants_chat_completions(prompt):
            fallback = (ReasoningChat if self.spec.reasoning else Chat)(self.spec)
            yield from run(fallback, prompt, stream, response, conversation, key)
            return
        yield from super().execute(prompt, stream, response, conversation, key)


class AsyncResponses(_SharedResponses, AsyncDrivenModel):
    Options: ClassVar[type[llm.Options]] = PlainResponsesOptions

    async def execute(  # type: ignore[override]  # StreamEvents too
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.AsyncResponse,
        conversation: llm.AsyncConversation | None = None,
        key: str | None = None,
    ) -> AsyncGenerator[Chunk, None]:
        if self._wants_chat_completions(prompt):
            fallback = (AsyncReasoningChat if self.spec.reasoning else AsyncChat)(self.spec)
            async for text in arun(fallback, prompt, stream, response, conversation, key):
                yield text
            return
        async for text in super().execute(prompt, stream, response, conversation, key):
            yield text


class ReasoningResponses(Responses):
    Options = ReasoningResponsesOptions


class AsyncReasoningResponses(AsyncResponses):
    Options = ReasoningResponsesOptions


class VerbosityResponses(Responses):
    """The GPT-5 family: reasoning options and ``verbosity``."""

    Options = VerbosityResponsesOptions


class AsyncVerbosityResponses(AsyncResponses):
    Options = VerbosityResponsesOptions


def responses_classes(spec: ModelSpec) -> tuple[type[Responses], type[AsyncResponses]]:
    if spec.verbosity:
        return VerbosityResponses, AsyncVerbosityResponses
    if spec.reasoning:
        return ReasoningResponses, AsyncReasoningResponses
    return Responses, AsyncResponses

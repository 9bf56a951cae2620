"""The ASGI application: OpenAI's endpoints, the page, and the log browser's JSON.

Imported only by ``llm serve`` (it imports starlette).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import struct
import time
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import browse
from .catalog import Catalog
from .chat_request import read_chat_request
from .completions import (
    ChunkWriter,
    assign_tool_call_ids,
    completion_json,
    events,
    start_response,
    tool_calls_json,
)
from .errors import APIError, bad_request, from_model_error, unknown_model
from .security import Guard
from .storage import Storage

#: Requests with this header are logged in that conversation (the answer names it back, so
#: a client can send it with its next request); without it each request starts one.
CONVERSATION_HEADER = "X-LLM-Conversation-Id"
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
#: Largest request body accepted (images and documents come inline, base64-encoded).
MAX_BODY = 64 * 1024 * 1024


@dataclass
class Settings:
    catalog: Catalog
    storage: Storage
    token: str | None
    allowed_hosts: list[str]
    allowed_origins: list[str]
    #: Sync-only models run here, one thread per request in flight.
    model_threads: int = 64
    started: int = field(default_factory=lambda: int(time.time()))


class Server:
    """What the request handlers share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = settings.catalog
        self.storage = settings.storage
        self.executor = ThreadPoolExecutor(
            settings.model_threads, thread_name_prefix="llm-serve-model"
        )
        self._background: set[asyncio.Task[Any]] = set()

    def in_background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``work`` to its end even if the request that started it is cancelled (a
        client that went away still gets what it received logged)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def drain(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def error_response(error: APIError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as ex:
        raise bad_request(f"the request body is not valid JSON: {ex}") from ex
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _conversation_id(request: Request) -> str | None:
    given = request.headers.get(CONVERSATION_HEADER)
    if given is None or not given.strip():
        return None
    if not _CONVERSATION_ID.match(given.strip()):
        raise bad_request(f"{CONVERSATION_HEADER} must be 1-100 letters, digits or _.:-")
    return given.strip()


# ------------------------------------------------------------------ OpenAI's endpoints


def _model_json(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "llm"}


async def list_models(request: Request) -> Response:
    server: Server = request.app.state.server
    created = server.settings.started
    data = [_model_json(name, created) for name, _ in server.catalog.names]
    return JSONResponse({"object": "list", "data": data})


async def get_model(request: Request) -> Response:
    server: Server = request.app.state.server
    name = request.path_params["name"]
    if not any(name == served for served, _ in server.catalog.names):
        raise unknown_model(name)
    return JSONResponse(_model_json(name, server.settings.started))


async def chat_completions(request: Request) -> Response:
    server: Server = request.app.state.server
    body = await _json_body(request)
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise bad_request("model is required", "model")
    entry = server.catalog.chat_model(name)
    if entry is None:
        raise unknown_model(name)
    chat = read_chat_request(body, entry.any.Options)
    conversation_id = _conversation_id(request)
    try:
        response = start_response(entry, chat, conversation_id)
    except ValueError as ex:  # pydantic's ValidationError is one: a bad option value
        raise bad_request(str(ex)) from ex
    headers = {CONVERSATION_HEADER: response.conversation.id}
    pieces = events(response, server.executor).__aiter__()
    # The first piece is awaited before answering, so a model that fails at once (a
    # provider's 429, a missing key) gets its own status, streamed or not.
    try:
        first: tuple[str, str] | None = await pieces.__anext__()
    except StopAsyncIteration:
        first = None
    except Exception as ex:
        await _settle(server, response)
        raise from_model_error(ex) from ex
    if chat.stream:
        stream = _stream(server, response, name, first, pieces, chat.include_usage)
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
    reasoning: list[str] = []
    try:
        piece = first
        while piece is not None:
            if piece[0] == "reasoning":
                reasoning.append(piece[1])
            piece = await anext(pieces, None)
    except Exception as ex:
        await _settle(server, response)
        raise from_model_error(ex) from ex
    except BaseException:
        _settle(server, response)  # cancelled: logged in the background
        raise
    await _settle(server, response)
    return JSONResponse(completion_json(response, name, "".join(reasoning)), headers=headers)


def _settle(server: Server, response: Any) -> asyncio.Future[Any]:
    """Whatever happened, the response is done (what arrived is kept), its tool calls have
    the IDs the client gets, and it is logged: await the result to wait for the log (it
    goes on if the request is cancelled)."""
    if not response._done:
        response.finish_early()
    assign_tool_call_ids(response)
    return asyncio.shield(server.in_background(server.storage.log_response(response)))


async def _stream(
    server: Server,
    response: Any,
    name: str,
    first: tuple[str, str] | None,
    pieces: AsyncIterator[tuple[str, str]],
    include_usage: bool,
) -> AsyncIterator[bytes]:
    writer = ChunkWriter(name)
    failure: APIError | None = None
    try:
        piece = first
        delta: dict[str, Any] = {"role": "assistant", "content": ""}
        while piece is not None:
            kind, text = piece
            delta["reasoning_content" if kind == "reasoning" else "content"] = text
            yield writer.delta(delta)
            delta = {}
            piece = await anext(pieces, None)
        if delta:
            yield writer.delta(delta)
    except Exception as ex:
        failure = from_model_error(ex)
    except BaseException:
        _settle(server, response)  # the client went away: log what arrived, in the background
        raise
    await _settle(server, response)
    if failure is not None:
        yield ChunkWriter.error(failure.body())
        yield ChunkWriter.DONE
        return
    calls = tool_calls_json(response)
    if calls:
        yield writer.delta({"tool_calls": [{"index": i, **call} for i, call in enumerate(calls)]})
    yield writer.delta({}, "tool_calls" if calls else "stop")
    if include_usage:
        yield writer.usage(response)
    yield ChunkWriter.DONE


def _embedding_inputs(body: dict[str, Any]) -> list[str]:
    given = body.get("input")
    if isinstance(given, str):
        return [given]
    if isinstance(given, list) and given and all(isinstance(item, str) for item in given):
        return given
    if isinstance(given, list) and given:
        raise bad_request("input must be a string or a list of strings (not tokens)", "input")
    raise bad_request("input must be a non-empty string or list of strings", "input")


def _encode(vector: list[float], encoding: str) -> Any:
    if encoding == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return list(vector)


async def embeddings(request: Request) -> Response:
    server: Server = request.app.state.server
    body = await _json_body(request)
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise bad_request("model is required", "model")
    model = server.catalog.embedding_model(name)
    if model is None:
        raise unknown_model(name)
    inputs = _embedding_inputs(body)
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise bad_request("encoding_format must be float or base64", "encoding_format")
    if body.get("dimensions") is not None:
        raise bad_request("dimensions is not supported: choose a model of that size", "dimensions")
    loop = asyncio.get_running_loop()
    try:
        vectors = await loop.run_in_executor(
            server.executor, lambda: list(model.embed_multi(inputs))
        )
    except Exception as ex:
        raise from_model_error(ex) from ex
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(vector, encoding)}
        for i, vector in enumerate(vectors)
    ]
    usage = {"prompt_tokens": 0, "total_tokens": 0}  # embedding models report no usage
    return JSONResponse({"object": "list", "data": data, "model": name, "usage": usage})


async def health(request: Request) -> Response:
    server: Server = request.app.state.server
    chat = len({id(m) for m in server.catalog.chat.values()})
    return JSONResponse(
        {"status": "ok", "chat_models": chat, "embedding_models": len(server.catalog.embedding)}
    )


# ------------------------------------------------------------------ the page


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


async def page(request: Request) -> Response:
    return Response(_static("index.html"), media_type=_STATIC_TYPES[".html"], headers=_NO_STORE)


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    suffix = name[name.rfind(".") :] if "." in name else ""
    if "/" in name or suffix not in _STATIC_TYPES:
        raise HTTPException(404)
    try:
        content = _static(name)
    except FileNotFoundError as ex:
        raise HTTPException(404) from ex
    return Response(content, media_type=_STATIC_TYPES[suffix], headers=_NO_STORE)


#: The page and its scripts change with the installed version; the token never reaches them.
_NO_STORE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


# ------------------------------------------------------------------ errors


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
    error = APIError(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}")
    error.code = code
    return error_response(error)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(from_model_error(exc))


def create_app(settings: Settings) -> Starlette:
    routes = [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{name:path}", get_model, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/embeddings", embeddings, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", static_file, methods=["GET"]),
        *browse.routes(),
    ]
    middleware = []
    if settings.allowed_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=[CONVERSATION_HEADER],
            )
        )
    middleware.append(
        Middleware(
            Guard,
            token=settings.token,
            allowed_hosts=settings.allowed_hosts,
            allowed_origins=settings.allowed_origins,
        )
    )
    server = Server(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await server.drain()  # responses still being logged are written before exit

    app = Starlette(
        lifespan=lifespan,
        routes=routes,
        middleware=middleware,
        exception_handlers={
            APIError: _api_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        max_body_size=MAX_BODY,
    )
    app.state.server = server
    return app

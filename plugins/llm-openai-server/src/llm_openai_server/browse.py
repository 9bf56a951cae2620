"""The log browser's JSON: recent conversations, full-text search, one exchange in full.

Read with the queries ``llm logs`` runs (``llm_storage.read``, through the storage thread).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import APIError, bad_request

if TYPE_CHECKING:
    from .app import Server

#: How many recent responses the conversation list is gathered from.
RECENT_RESPONSES = 500
_OMIT_FOR_LISTS = ("prompt_json", "response_json", "attachments.content", "fragments.content")


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def exchange(record: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """One logged response as the page shows it; a list entry is cut short."""

    def cut(text: Any, size: int = 300) -> Any:
        if full or not isinstance(text, str) or len(text) <= size:
            return text
        return text[:size] + "…"

    found: dict[str, Any] = {
        "id": record["id"],
        "model": record["model"],
        "conversation_id": record.get("conversation_id"),
        "conversation_name": record.get("conversation_name"),
        "datetime_utc": record.get("datetime_utc"),
        "prompt": cut(record.get("prompt")),
        "system": cut(record.get("system")),
        "response": cut(record.get("response")),
        "input_tokens": record.get("input_tokens"),
        "output_tokens": record.get("output_tokens"),
        "duration_ms": record.get("duration_ms"),
    }
    if full:
        found.update(
            options=_json_or_text(record.get("options_json")),
            token_details=_json_or_text(record.get("token_details")),
            schema=_json_or_text(record.get("schema_json")),
            attachments=[
                {key: a.get(key) for key in ("id", "type", "url", "path", "content_length")}
                for a in record.get("attachments", [])
            ],
            tool_calls=[
                {
                    "name": c.get("name"),
                    "arguments": _json_or_text(c.get("arguments")),
                    "tool_call_id": c.get("tool_call_id"),
                }
                for c in record.get("tool_calls", [])
            ],
            tool_results=[
                {k: r.get(k) for k in ("name", "output", "tool_call_id")}
                for r in record.get("tool_results", [])
            ],
            tools=[t.get("name") for t in record.get("tools", [])],
        )
    return found


def _limit(request: Request, default: int = 50) -> int:
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise bad_request("limit must be a number from 1 to 1000", "limit")
    return int(raw)


async def _read(request: Request, work: Any) -> Any:
    """``work(reader)`` on the storage thread; ``None`` when there is no log database yet."""
    import llm_storage

    server: Server = request.app.state.server

    def run() -> Any:
        reader = server.storage.reader()
        return None if reader is None else work(reader)

    try:
        return await server.storage.run(run)
    except llm_storage.StoreError as ex:
        raise APIError(500, str(ex), "server_error", "log_store_error") from ex


def _conversations(records: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Newest first, from newest-last responses."""
    found: dict[str, dict[str, Any]] = {}
    for record in reversed(records):
        key = record.get("conversation_id") or record["id"]
        entry = found.get(key)
        if entry is None:
            if len(found) == limit:
                continue
            found[key] = {
                "id": key,
                "name": record.get("conversation_name"),
                "model": record.get("conversation_model") or record["model"],
                "latest": record.get("datetime_utc"),
                "responses": 1,
                "preview": (record.get("prompt") or "")[:200],
            }
        else:
            entry["responses"] += 1
            entry["preview"] = (record.get("prompt") or "")[:200]
    return list(found.values())


async def conversations(request: Request) -> Response:
    limit = _limit(request)
    records = await _read(
        request, lambda r: list(r.iter_responses(RECENT_RESPONSES, omit=_OMIT_FOR_LISTS))
    )
    return JSONResponse({"conversations": _conversations(records or [], limit)})


async def conversation(request: Request) -> Response:
    conversation_id = request.path_params["id"]
    records = await _read(request, lambda r: r.conversation_responses(conversation_id))
    if not records:
        raise APIError(404, f"No conversation {conversation_id}", code="not_found")
    return JSONResponse(
        {
            "id": conversation_id,
            "name": records[0].get("conversation_name"),
            "responses": [exchange(r, full=True) for r in records],
        }
    )


async def search(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    if not query:
        raise bad_request("q is required", "q")
    limit = _limit(request)
    records = await _read(
        request, lambda r: list(r.iter_responses(limit, query=query, omit=_OMIT_FOR_LISTS))
    )
    # Best match first (they come best last).
    return JSONResponse({"results": [exchange(r, full=False) for r in reversed(records or [])]})


async def response(request: Request) -> Response:
    response_id = request.path_params["id"]
    record = await _read(request, lambda r: r.get_response(response_id))
    if record is None:
        raise APIError(404, f"No response {response_id}", code="not_found")
    return JSONResponse(exchange(record, full=True))


async def chat_models(request: Request) -> Response:
    """The chat models for the page's picker, with what each accepts."""
    server: Server = request.app.state.server
    models = []
    for name, kind in server.catalog.names:
        if kind != "chat":
            continue
        entry = server.catalog.chat[name]
        model = entry.any
        models.append(
            {
                "name": name,
                "model_id": entry.model_id,
                "attachment_types": sorted(getattr(model, "attachment_types", ()) or ()),
            }
        )
    return JSONResponse({"models": models})


def routes() -> list[Route]:
    return [
        Route("/api/models", chat_models, methods=["GET"]),
        Route("/api/logs/conversations", conversations, methods=["GET"]),
        Route("/api/logs/conversations/{id}", conversation, methods=["GET"]),
        Route("/api/logs/search", search, methods=["GET"]),
        Route("/api/logs/responses/{id}", response, methods=["GET"]),
    ]

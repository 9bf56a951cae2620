"""``llm openai ...``: commands that talk to the OpenAI API directly."""

from __future__ import annotations

import datetime
import json
from typing import Any

import click

import llm


@click.group(name="openai")
def openai_group() -> None:
    """Commands for working directly with the OpenAI API"""


def table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """Left-aligned columns, each padded to its widest cell, four spaces apart (as the
    original printed them, trailing spaces included)."""
    cells = [columns] + [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "    ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in cells
    )


@openai_group.command(name="models")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@click.option("--key", help="OpenAI API key (or the name of a stored key)")
def models_command(json_: bool, key: str | None) -> None:
    """List models available to you from the OpenAI API"""
    from llm.resilience import call_with_retries

    from .client import sync_client, where
    from .errors import model_errors

    api_key = llm.get_key(key, "openai", "OPENAI_API_KEY")
    if not api_key:
        raise click.ClickException(
            "No key found - add one using 'llm keys set openai'"
            " or set the OPENAI_API_KEY environment variable"
        )
    client = sync_client(api_key)
    try:
        with model_errors(where(None), "openai"):
            # The server's JSON as it came (the SDK's models reorder and add keys).
            raw = call_with_retries(lambda: client.models.with_raw_response.list())
            models = raw.http_response.json().get("data") or []
    except llm.ModelError as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        client.close()
    if json_:
        click.echo(json.dumps(models, indent=4))
        return
    rows = [
        {
            "id": model.get("id", ""),
            "owned_by": model.get("owned_by", ""),
            "created": _iso(model.get("created")),
        }
        for model in models
    ]
    click.echo(table(["id", "owned_by", "created"], rows))


def _iso(timestamp: Any) -> str:
    if not isinstance(timestamp, int | float):
        return ""
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).isoformat()


#: The key sent to an endpoint when none is given (servers that need none still want one).
ENDPOINT_PLACEHOLDER_KEY = "DUMMY_KEY"


def _endpoint_model(
    url: str, model_id: str, headers: dict[str, str], responses: bool
) -> llm.KeyModel:
    """A model for ``url`` made for this run: chat, or the Responses API, taking images,
    PDFs, schemas, tools and the reasoning options, since nothing says what it cannot do."""
    from .catalog import ModelSpec
    from .compat import Chat, Responses

    spec = ModelSpec(
        model_id,
        vision=True,
        audio=not responses,
        reasoning=True,
        supports_schema=True,
        supports_tools=True,
        api_base=url.rstrip("/"),
        headers=headers,
        responses=responses,
        verbosity=True,
        image_detail_original=True,
        reasoning_summary=False,
    )
    return Responses.from_spec(spec) if responses else Chat.from_spec(spec)


def _list_endpoint_models(url: str, key: str, headers: dict[str, str]) -> None:
    from llm.resilience import call_with_retries

    from .client import sync_client
    from .errors import model_errors

    client = sync_client(llm.get_key(key) or key, url.rstrip("/"), headers)
    try:
        with model_errors(url, None):
            raw = call_with_retries(lambda: client.models.with_raw_response.list())
            data = raw.http_response.json()
    except llm.ModelError as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        client.close()
    error = data.get("error") if isinstance(data, dict) else None
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise click.ClickException(str(message))
    for model in (data.get("data") if isinstance(data, dict) else None) or []:
        click.echo(model.get("id", ""))


@openai_group.command(name="endpoint")
@click.argument("url")
@click.argument("prompt", required=False)
@click.option(
    "model_id", "-m", "--model", help="Model ID (required unless --models or provided by template)"
)
@click.option("-s", "--system", help="System prompt to use")
@click.option("-t", "--template", multiple=True, help="Template to use")
@click.option(
    "params", "-p", "--param", type=(str, str), multiple=True, help="Parameters for template"
)
@click.option(
    "options",
    "-o",
    "--option",
    type=(str, str),
    multiple=True,
    help="key/value options for the model",
)
@click.option("schema_input", "--schema", help="Schema DSL, JSON schema, filepath or ID")
@click.option("--schema-multi", help="JSON schema to use for multiple results")
@click.option(
    "attachments", "-a", "--attachment", multiple=True, help="Attachment path or URL or -"
)
@click.option(
    "attachment_types",
    "--at",
    "--attachment-type",
    type=(str, str),
    multiple=True,
    help="Attachment with explicit mimetype, --at image.jpg image/jpeg",
)
@click.option(
    "tools", "-T", "--tool", multiple=True, help="Name of a tool to make available to the model"
)
@click.option(
    "python_tools",
    "--functions",
    multiple=True,
    help="Python code block or file path defining functions to register as tools",
)
@click.option(
    "tools_debug",
    "--td",
    "--tools-debug",
    is_flag=True,
    help="Show full details of tool executions",
)
@click.option(
    "tools_approve",
    "--ta",
    "--tools-approve",
    is_flag=True,
    help="Manually approve every tool execution",
)
@click.option(
    "chain_limit",
    "--cl",
    "--chain-limit",
    type=int,
    default=5,
    help="How many chained tool responses to allow, default 5, set 0 for unlimited",
)
@click.option("--key", help="API key or stored key alias to send")
@click.option(
    "headers", "-H", "--header", type=(str, str), multiple=True, help="Additional HTTP header"
)
@click.option("--responses", is_flag=True, help="Use the Responses API instead of Chat Completions")
@click.option("--chat", is_flag=True, help="Start an interactive chat")
@click.option(
    "list_models", "--models", is_flag=True, help="List model IDs from the endpoint and exit"
)
@click.option("--no-stream", is_flag=True, help="Do not stream output")
@click.option(
    "hide_reasoning", "-R", "--hide-reasoning", is_flag=True, help="Hide reasoning output"
)
@click.option("no_log", "-n", "--no-log", is_flag=True, help="Don't log to database")
@click.option("-d", "--database", help="Path to log database (or a database URL)")
@click.pass_context
def endpoint_command(
    ctx: click.Context,
    url: str,
    prompt: str | None,
    model_id: str | None,
    system: str | None,
    template: tuple[str, ...],
    params: tuple[tuple[str, str], ...],
    options: tuple[tuple[str, str], ...],
    schema_input: str | None,
    schema_multi: str | None,
    attachments: tuple[str, ...],
    attachment_types: tuple[tuple[str, str], ...],
    tools: tuple[str, ...],
    python_tools: tuple[str, ...],
    tools_debug: bool,
    tools_approve: bool,
    chain_limit: int,
    key: str | None,
    headers: tuple[tuple[str, str], ...],
    responses: bool,
    chat: bool,
    list_models: bool,
    no_stream: bool,
    hide_reasoning: bool,
    no_log: bool,
    database: str | None,
) -> None:
    """Run against an OpenAI-compatible endpoint, with no configuration.

    PROMPT or stdin is executed once. If neither is provided, wait for input on
    stdin. Use --chat to start an interactive chat. Templates run once by
    default; use --chat to apply one interactively. Use --models to list the
    available model IDs without running a prompt. The exchange is logged like
    any other prompt unless -n/--no-log.

    \b
    Examples:
        llm openai endpoint http://localhost:8080/v1 'Hello' -m my-model
        llm openai endpoint https://api.example.com/v1 --models --key sk-...
        llm openai endpoint http://localhost:8000/v1 -m qwen --chat
    """
    # The CLI's own prompt and chat commands do the rest: templates, schemas, tools,
    # attachments, streaming, reasoning and logging all behave as they do for any model.
    from llm_cli.attachments import AttachmentType, attachment_with_type
    from llm_cli.commands.chat import chat as chat_command
    from llm_cli.commands.prompt import prompt as prompt_command
    from llm_cli.prepare import GIVEN_ATTACHMENTS, GIVEN_LOGGING, GIVEN_MODEL
    from llm_cli.templates import load_template

    sent_headers = dict(headers)
    sent_key = key or ENDPOINT_PLACEHOLDER_KEY
    if list_models:
        _list_endpoint_models(url, sent_key, sent_headers)
        return
    if not model_id:
        for name in template:
            model_id = load_template(name).model or model_id
    if not model_id:
        raise click.UsageError("-m/--model is required (or a template that names a model)")
    ctx.meta[GIVEN_MODEL] = _endpoint_model(url, model_id, sent_headers, responses)
    shared: dict[str, Any] = {
        "model_id": model_id,
        "system": system,
        "template": template,
        "param": params,
        "options": options,
        "tools": tools,
        "python_tools": python_tools,
        "tools_debug": tools_debug,
        "tools_approve": tools_approve,
        "chain_limit": chain_limit,
        "key": sent_key,
        "no_stream": no_stream,
        "hide_reasoning": hide_reasoning,
        "database": database,
    }
    converter = AttachmentType()
    if chat:
        # -a/--at open the chat: they go with its first message (the chat reads its messages
        # from standard input, so none can come from there).
        if "-" in attachments or any(value == "-" for value, _ in attachment_types):
            raise click.UsageError("--chat reads standard input: an attachment cannot be '-'")
        ctx.meta[GIVEN_LOGGING] = not no_log
        ctx.meta[GIVEN_ATTACHMENTS] = [
            *(converter.convert(value, None, ctx) for value in attachments),
            *(attachment_with_type(value, mimetype) for value, mimetype in attachment_types),
        ]
        ctx.invoke(chat_command, **shared)
        return
    ctx.invoke(
        prompt_command,
        prompt=prompt,
        attachments=tuple(converter.convert(value, None, ctx) for value in attachments),
        attachment_types=attachment_types,
        schema_input=schema_input,
        schema_multi=schema_multi,
        no_log=no_log,
        **shared,
    )

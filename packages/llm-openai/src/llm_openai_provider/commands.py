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

"""Rendering logged responses: Markdown (the default), JSON, short YAML, plain text."""

from __future__ import annotations

import json
from typing import Any

from llm.utils import extract_fenced_code_block, truncate_string

JSON_COLUMNS = ("prompt_json", "options_json", "response_json", "token_details")


def _decode(record: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(record)
    for column in JSON_COLUMNS:
        value = decoded.get(column)
        if isinstance(value, str):
            try:
                decoded[column] = json.loads(value)
            except ValueError:
                pass
    return decoded


def _fragment_list(fragments: list[dict[str, Any]], expand: bool) -> list[Any]:
    return [f.get("content") if expand else f.get("hash") for f in fragments]


def as_json(records: list[dict[str, Any]], truncate: bool, expand: bool = False) -> str:
    rows = []
    for record in records:
        row = _decode(record)
        row["fragments"] = _fragment_list(row.pop("prompt_fragments", []), expand)
        row["system_fragments"] = _fragment_list(row.get("system_fragments", []), expand)
        for child in row.get("attachments", []):
            child.pop("content", None)  # binary; the attachment's id identifies it
        if truncate:
            for column in ("prompt", "system", "response"):
                if row.get(column):
                    row[column] = truncate_string(row[column])
        rows.append(row)
    return json.dumps(rows, indent=2, default=str)


def _usage_line(record: dict[str, Any]) -> str | None:
    if record.get("input_tokens") is None and record.get("output_tokens") is None:
        return None
    line = f"{record.get('input_tokens') or 0} input, {record.get('output_tokens') or 0} output"
    if record.get("token_details"):
        line += f", {record['token_details']}"
    return line


def as_markdown(
    records: list[dict[str, Any]], truncate: bool, usage: bool, expand: bool = False
) -> str:
    blocks = []
    previous_conversation = None
    for record in records:
        when = (record.get("datetime_utc") or "").split(".")[0]
        header = f"# {when}"
        if record.get("conversation_id") != previous_conversation:
            header += f"    conversation: {record.get('conversation_id')}"
        header += f" id: {record['id']}"
        previous_conversation = record.get("conversation_id")
        parts = [header, f"Model: **{record.get('model')}**"]

        def text(value: str | None) -> str:
            value = value or ""
            return truncate_string(value) if truncate else value

        parts.append("## Prompt\n\n" + text(record.get("prompt")))
        if record.get("prompt_fragments"):
            parts.append(_fragments_block("Prompt fragments", record["prompt_fragments"], expand))
        if record.get("system"):
            parts.append("## System\n\n" + text(record.get("system")))
        if record.get("system_fragments"):
            parts.append(_fragments_block("System fragments", record["system_fragments"], expand))
        if record.get("attachments"):
            lines = ["### Attachments", ""]
            for index, attachment in enumerate(record["attachments"], start=1):
                where = attachment.get("path") or attachment.get("url") or "<binary content>"
                lines.append(f"{index}. **{attachment.get('type')}**: `{where}`")
            parts.append("\n".join(lines))
        parts.append("## Response\n\n" + text(record.get("response")))
        if usage and (line := _usage_line(record)):
            parts.append(f"## Token usage\n\n{line}")
        blocks.append("\n\n".join(parts) + "\n")
    return "\n".join(blocks)


def _fragments_block(title: str, fragments: list[dict[str, Any]], expand: bool) -> str:
    if not expand:
        return f"### {title}\n\n" + "\n".join(f"- {f.get('hash')}" for f in fragments)
    blocks = [f"### {title}"]
    for fragment in fragments:
        source = f" ({fragment['source']})" if fragment.get("source") else ""
        blocks.append(f"#### {fragment.get('hash')}{source}\n\n{fragment.get('content')}")
    return "\n\n".join(blocks)


def _yaml_scalar(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def as_short(records: list[dict[str, Any]], usage: bool) -> str:
    """A YAML list: model, datetime, conversation, system and prompt (truncated)."""
    lines = []
    for record in records:
        lines.append(f"- model: {record.get('model')}")
        lines.append(f"  datetime: '{(record.get('datetime_utc') or '').split('.')[0]}'")
        lines.append(f"  conversation: {record.get('conversation_id')}")
        if record.get("system"):
            lines.append(f"  system: {_yaml_scalar(_short(record['system']))}")
        lines.append(f"  prompt: {_yaml_scalar(_short(record.get('prompt') or ''))}")
        if usage and record.get("input_tokens") is not None:
            lines.append("  usage:")
            lines.append(f"    input: {record.get('input_tokens')}")
            lines.append(f"    output: {record.get('output_tokens')}")
    return "\n".join(lines)


def _short(text: str, length: int = 120) -> str:
    """Whitespace collapsed; long text keeps its beginning and its end."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    half = (length - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


def extract(record: dict[str, Any], last: bool) -> str:
    response = record.get("response") or ""
    return extract_fenced_code_block(response, last=last) or response

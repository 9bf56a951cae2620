"""Rendering logged responses as the original's ``llm logs`` does: Markdown (the default),
JSON, short YAML. Input records come from ``llm_storage`` (see ``llm_storage.read``)."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

from llm.utils import find_unused_key, maybe_fenced_code, token_usage_string, truncate_string
from llm_storage.storable import MARK, restore

# The keys of a ``--json`` row in llm 0.36's order: 0.26's columns (the schema's ID replaced
# by what the reader joins in) with 0.27+'s ``resolved_model`` and ``reasoning``, present
# (null) even when nothing was logged, as 0.36 shows them.
RESPONSE_KEYS = (
    "id",
    "model",
    "resolved_model",
    "options_json",
    "conversation_id",
    "duration_ms",
    "datetime_utc",
    "input_tokens",
    "output_tokens",
    "token_details",
    "conversation_name",
    "conversation_model",
    "schema_json",
    "prompt",
    "system",
    "response",
    "reasoning",
    "prompt_json",
    "response_json",
)
TOOL_KEYS = ("id", "hash", "name", "description", "input_schema")
TOOL_CALL_KEYS = ("id", "tool_id", "name", "arguments", "tool_call_id")
TOOL_RESULT_KEYS = ("id", "tool_id", "name", "output", "tool_call_id")
ATTACHMENT_KEYS = ("id", "type", "path", "url", "content_length")


def _loads(value: Any) -> Any:
    """Stored JSON text decoded; text that is not JSON stays as it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _pick(record: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: record.get(key) for key in keys}


def _tool(record: dict[str, Any]) -> dict[str, Any]:
    """A tool as ``--json`` shows it (0.32+): with the configured instance that provided it
    (``name``, ``arguments``), or ``None``."""
    tool = {**_pick(record, TOOL_KEYS), "input_schema": _loads(record.get("input_schema"))}
    tool["instance"] = record.get("instance")
    return tool


def _tool_call(record: dict[str, Any]) -> dict[str, Any]:
    """A tool call as ``--json`` shows it: ``server_executed`` only for a call the provider
    ran itself (0.36 always writes the key; 0.32 never)."""
    call = {**_pick(record, TOOL_CALL_KEYS), "arguments": _loads(record.get("arguments"))}
    if record.get("server_executed"):
        call["server_executed"] = True
    return call


def _tool_result(record: dict[str, Any]) -> dict[str, Any]:
    """A tool result as ``--json`` shows it, as 0.32+ does: its ``exception`` (or null),
    the configured ``instance`` that ran it (or null) and its ``attachments``;
    ``server_executed`` only for a result the provider produced itself (0.36 always writes
    the key; 0.32's suite pins results without it)."""
    result = _pick(record, TOOL_RESULT_KEYS)
    result["exception"] = record.get("exception")
    if record.get("server_executed"):
        result["server_executed"] = True
    instance = record.get("instance")
    if instance is None and record.get("instance_name") is not None:
        instance = {
            "name": record["instance_name"],
            "plugin": record.get("instance_plugin"),
            "arguments": record.get("instance_arguments"),
        }
    result["instance"] = instance
    result["attachments"] = [_pick(a, ATTACHMENT_KEYS) for a in record.get("attachments") or []]
    return result


def _with_attempts(row: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Ours: the attempts a ``--retries`` / fallback exchange made, after ``reasoning``, only
    when there were some."""
    if record.get("attempts") is None:
        return row
    keys = list(row)
    at = keys.index("reasoning") + 1
    items = list(row.items())
    return {**dict(items[:at]), "attempts": _loads(record["attempts"]), **dict(items[at:])}


def restored(value: Any) -> Any:
    """``value`` (a record, a list, a string) with every text the writers stored escaped
    (``llm_storage.storable``: a lone surrogate, NUL on PostgreSQL) given back as it was."""
    if isinstance(value, str):
        return restore(value) if value.startswith(MARK) else value
    if isinstance(value, dict):
        return {key: restored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restored(item) for item in value]
    return value


def prepare(record: dict[str, Any], *, truncate: bool, expand: bool) -> dict[str, Any]:
    """One stored response as the original presents it: its texts as they were before being
    stored (``restored``), ``*_json`` columns decoded (or, with ``truncate``, dropped when
    set), fragments with their content and aliases, tools."""
    record = restored(record)
    row = _with_attempts(_pick(record, RESPONSE_KEYS), record)
    if truncate:
        row["prompt"] = truncate_string(row["prompt"] or "")
        row["response"] = truncate_string(row["response"] or "")
    for key in ("prompt_fragments", "system_fragments"):
        row[key] = [
            {
                "hash": fragment["hash"],
                "content": fragment["content"]
                if expand
                else truncate_string(fragment["content"] or ""),
                "aliases": list(fragment.get("aliases", [])),
            }
            for fragment in record.get(key, [])
        ]
    for key in [k for k in row if k.endswith("_json") and row[k] is not None]:
        if truncate:
            del row[key]
        else:
            row[key] = _loads(row[key])
    row["tools"] = [_tool(tool) for tool in record.get("tools", [])]
    row["tool_calls"] = [_tool_call(call) for call in record.get("tool_calls", [])]
    row["tool_results"] = [_tool_result(result) for result in record.get("tool_results", [])]
    row["attachments"] = [_pick(a, ATTACHMENT_KEYS) for a in record.get("attachments", [])]
    return row


def data_items(
    records: list[dict[str, Any]], key: str | None, with_ids: bool
) -> list[dict[str, Any]]:
    """The JSON each response holds (responses that are not JSON are skipped); with ``key``,
    the objects listed under that key instead; ``with_ids`` adds the response's and its
    conversation's IDs under keys the object does not use yet."""
    items: list[Any] = []
    for record in records:
        try:
            decoded = json.loads(restored(record["response"]) or "")
        except ValueError:
            continue
        found = decoded.get(key) if isinstance(decoded, dict) and key in decoded else None
        if isinstance(found, list) and all(isinstance(item, dict) for item in found):
            new = list(found)
        else:
            new = [decoded]
        if with_ids:
            for item in new:
                if isinstance(item, dict):
                    item[find_unused_key(item, "response_id")] = record["id"]
                    item[find_unused_key(item, "conversation_id")] = record["conversation_id"]
        items.extend(new)
    return items


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2)


def json_pieces(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``as_json(rows)`` in pieces (the same text, joined), a value at a time, so that
    output streams and a huge prompt is never part of a bigger string.

    ``json.dumps`` indents a nested value as it indents the value alone, a level deeper
    for each level of nesting; JSON text holds no raw newline but those of its layout."""
    first = True
    for row in rows:
        yield "[" if first else ","
        first = False
        if not row:
            yield "\n  {}"
            continue
        separator = "\n  {"
        for key, value in row.items():
            text = json.dumps(value, indent=2)
            if "\n" in text:
                text = text.replace("\n", "\n    ")
            yield f"{separator}\n    {json.dumps(key)}: "
            yield text
            separator = ","
        yield "\n  }"
    yield "[]" if first else "\n]"


def duration_text(duration_ms: int) -> str:
    """``83456ms (1m 23s)``: milliseconds as logged, then hours, minutes and seconds."""
    minutes, seconds = divmod(duration_ms // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{duration_ms}ms ({hours}h {minutes}m {seconds}s)"
    if minutes:
        return f"{duration_ms}ms ({minutes}m {seconds}s)"
    return f"{duration_ms}ms ({seconds}s)"


def _when(row: dict[str, Any]) -> str:
    return (row["datetime_utc"] or "").split(".")[0]


def as_short(row: dict[str, Any], usage: bool) -> str:
    """One response as a one-item YAML list: model, time, conversation, the truncated
    system and prompt, tool calls and results, attachments, fragment hashes."""
    import yaml

    item: dict[str, Any] = {
        "model": row["model"],
        "datetime": _when(row),
    }
    if row.get("duration_ms") is not None:
        item["duration_ms"] = row["duration_ms"]
    item["conversation"] = row["conversation_id"]
    if row["tool_calls"]:
        item["tool_calls"] = [
            f"{call['name']}({json.dumps(call['arguments'])})" for call in row["tool_calls"]
        ]
    if row["tool_results"]:
        item["tool_results"] = [
            f"{result['name']}: {truncate_string(result['output'] or '')}"
            for result in row["tool_results"]
        ]
    system = _short_text(row["system"] or "", keep_end=False)
    prompt = _short_text(row["prompt"] or "", keep_end=True)
    if system:
        item["system"] = system
    if prompt:
        item["prompt"] = prompt
    if row["attachments"]:
        item["attachments"] = [
            {"type": a["type"], **{k: a[k] for k in ("path", "url") if a.get(k)}}
            for a in row["attachments"]
        ]
    for key in ("prompt_fragments", "system_fragments"):
        item[key] = [fragment["hash"] for fragment in row[key]]
    if usage and (row["input_tokens"] or row["output_tokens"]):
        tokens: dict[str, Any] = {"input": row["input_tokens"], "output": row["output_tokens"]}
        if row["token_details"]:
            tokens["details"] = _loads(row["token_details"])
        item["usage"] = tokens
    if "cost_usd" in row:  # llm logs --cost
        item["cost_usd"] = row["cost_usd"]
    return str(yaml.dump([item], sort_keys=False)).strip()


SHORT = 120
_WINDOW = 4 * SHORT


def _short_text(text: str, keep_end: bool) -> str:
    """``truncate_string(text, SHORT, normalize_whitespace=True, keep_end=keep_end)``,
    normalizing only the ends of a long text: the start of the normalized text is the
    normalized start of the text (a cut through a run of whitespace still gives one space),
    and likewise its end."""
    if len(text) <= 2 * _WINDOW:
        return truncate_string(text, SHORT, normalize_whitespace=True, keep_end=keep_end)
    head = re.sub(r"\s+", " ", text[:_WINDOW])
    tail = re.sub(r"\s+", " ", text[-_WINDOW:])
    if len(head) <= SHORT or len(tail) <= SHORT:  # mostly whitespace: normalize it all
        return truncate_string(text, SHORT, normalize_whitespace=True, keep_end=keep_end)
    # The normalized text is longer than SHORT: it gets cut.
    return truncate_string(head + tail, SHORT, keep_end=keep_end)


def _inline_code(text: str) -> str:
    """``text`` as Markdown inline code: fenced by one backtick more than its longest run,
    with a space inside the fence where the text starts or ends with a backtick."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


def _fenced_block(text: str) -> str:
    """``text`` as a fenced code block (a fence longer than any run of backticks in it),
    indented to sit inside a list item."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return textwrap.indent(f"{fence}\n{text}\n{fence}", "    ")


def _call_arguments(arguments: Any) -> list[str]:
    """A tool call's arguments as 0.32+ lists them: a string as a code block, any other
    value as inline JSON; arguments that are not a non-empty object, on one line."""
    if not isinstance(arguments, dict) or not arguments:
        return [f"    Arguments: {_inline_code(json.dumps(arguments))}"]
    lines = []
    for key, value in arguments.items():
        if isinstance(value, str):
            lines += [f"    {key}:", _fenced_block(value)]
        else:
            lines.append(f"    {key}: {_inline_code(json.dumps(value))}")
    return lines


def _tool_results(results: list[dict[str, Any]]) -> list[str]:
    """Each result: its name and call id, its output as a code block, the exception it
    raised, the attachments it returned."""
    out = []
    for result in results:
        block = _fenced_block(result["output"] or "")
        if result.get("exception"):
            block += f"  \n    **Error**: {result['exception']}\n"
        for attachment in result.get("attachments") or []:
            where = attachment.get("path") or attachment.get("url")
            if not where and attachment.get("content_length"):
                where = f"<{attachment['content_length']:,} bytes>"
            kind = f"{attachment['type']}: " if attachment.get("type") else ""
            block += f"\n    - {kind}{where or ''}"
        out.append(f"- **{result['name']}**: `{result['tool_call_id']}`  \n{block}")
    return out


def _fragments_section(fragments: list[dict[str, Any]], title: str, expand: bool) -> list[str]:
    if not fragments:
        return []
    if expand:
        body = "\n".join(
            f"<details><summary>{f['hash']}</summary>\n"
            f"{maybe_fenced_code(f['content'] or '')}\n</details>"
            for f in fragments
        )
    else:
        body = "\n".join(f"- {f['hash']}" for f in fragments)
    return [f"\n### {title}\n\n{body}"]


class MarkdownWriter:
    """The Markdown log, one response at a time. A system prompt is shown only when it
    differs from the previous response's; for one conversation, its heading shows once."""

    def __init__(self, *, single_conversation: bool, usage: bool, expand: bool) -> None:
        self.single_conversation = single_conversation
        self.usage = usage
        self.expand = expand
        self.current_system: str | None = None
        self.show_conversation = True
        #: Tools already described: shown again by their short hash alone, as 0.32+ does.
        self.tools_shown: set[str] = set()

    def _tool(self, tool: dict[str, Any]) -> str:
        """A tool: described the first time, by its short hash after that (as 0.32+)."""
        if tool["hash"] in self.tools_shown:
            return f"- **{tool['name']}**: `{tool['hash'][:7]}`"
        self.tools_shown.add(tool["hash"])
        schema = tool["input_schema"]
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        lines = [f"- **{tool['name']}**: `{tool['hash']}`"]
        # A tool without a description leaves an empty line, as 0.32+ lays it out.
        lines.append(textwrap.indent((tool["description"] or "").rstrip(), "    "))
        lines.append(f"    Arguments: {_inline_code(json.dumps(properties))}")
        return "  \n".join(lines)

    def render(self, row: dict[str, Any]) -> str:
        """The lines (each as click.echo would end it) for ``row``."""
        return "".join(self.pieces(row))

    def pieces(self, row: dict[str, Any]) -> Iterator[str]:
        """``render(row)`` in pieces: a prompt, system prompt or response is a piece of its
        own, never copied into a bigger string."""
        for line in self._lines(row):
            if isinstance(line, tuple):
                yield from line
            else:
                yield line
            yield "\n"

    def _lines(self, row: dict[str, Any]) -> list[str | tuple[str, ...]]:
        """The lines (a tuple: one line in pieces), each to be ended by a newline."""
        out: list[str | tuple[str, ...]] = []
        conversation = model = ""
        if self.show_conversation:
            conversation = f"    conversation: {row['conversation_id']} id: {row['id']}"
            model = f"\nModel: **{row['model']}**\n"
            if row.get("resolved_model"):
                model = f"\nModel: **{row['model']}** (resolved: **{row['resolved_model']}**)\n"
        out.append(f"# {_when(row)}{conversation}\n{model}")
        if self.single_conversation:
            self.show_conversation = False
        out.append(("## Prompt\n\n", row["prompt"] or "-- none --"))
        out += _fragments_section(row["prompt_fragments"], "Prompt fragments", self.expand)
        options = _loads(row["options_json"]) if row.get("options_json") else None
        if options and isinstance(options, dict):  # as 0.32+ shows them
            out.append(("\n## Options\n\n", "\n".join(f"- {k}: {v}" for k, v in options.items())))
        if row["system"] != self.current_system:
            if row["system"] is not None:
                out.append(("\n## System\n\n", row["system"]))
            self.current_system = row["system"]
        out += _fragments_section(row["system_fragments"], "System fragments", self.expand)
        schema = row.get("schema_json")
        if schema:
            out.append(f"\n## Schema\n\n```json\n{json.dumps(schema, indent=2)}\n```")
        # Tools, their results and calls as 0.32+ lays them out: a Markdown line break (two
        # spaces) after each heading line, values as inline code, a result as a code block.
        if row["tools"]:
            out.append("\n### Tools\n")
            # Tools a configured instance provided (a toolbox, a server-side tool), nested
            # under that instance's spec, after the others, as 0.32+ lists them.
            by_instance: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
            for tool in row["tools"]:
                instance = tool.get("instance")
                if instance:
                    key = (instance["name"], instance.get("arguments"))
                    by_instance.setdefault(key, []).append(tool)
                else:
                    out.append(self._tool(tool))
            for (name, arguments), tools in by_instance.items():
                out.append(f"- `{name}({arguments if arguments and arguments != '{}' else ''})`:")
                out += [textwrap.indent(self._tool(tool), "    ") for tool in tools]
        # Results the model was sent came with the prompt; those a provider's own tools
        # produced came with the response, and show there.
        sent = [r for r in row["tool_results"] if not r.get("server_executed")]
        produced = [r for r in row["tool_results"] if r.get("server_executed")]
        if sent:
            out.append("\n### Tool results\n")
            out += _tool_results(sent)
        if row["attachments"]:
            out.append("\n### Attachments\n")
            for number, attachment in enumerate(row["attachments"], 1):
                kind = attachment["type"]
                if attachment["path"]:
                    out.append(f"{number}. **{kind}**: `{attachment['path']}`")
                elif attachment["url"]:
                    out.append(f"{number}. **{kind}**: {attachment['url']}")
                elif attachment["content_length"]:
                    out.append(f"{number}. **{kind}**: `<{attachment['content_length']:,} bytes>`")
        response = row["response"]
        if schema:
            try:
                response = f"```json\n{json.dumps(json.loads(response), indent=2)}\n```"
            except (TypeError, ValueError):
                pass
        if row.get("attempts"):
            out.append("\n## Attempts\n\n" + "".join(f"- {line}\n" for line in row["attempts"]))
        if row.get("reasoning"):
            out.append(("\n## Reasoning\n\n", row["reasoning"], "\n"))
        out.append("\n## Response\n")
        if row["tool_calls"]:
            out.append("### Tool calls\n")
            for call in row["tool_calls"]:
                heading = f"- **{call['name']}**: `{call['tool_call_id']}`  "
                out.append("\n".join([heading, *_call_arguments(call["arguments"])]))
            out.append("")
        if produced:
            out.append("### Tool results\n")
            out += _tool_results(produced)
            out.append("")
        if response:
            out.append((response, "\n"))
        if self.usage:
            details = _loads(row["token_details"]) if row["token_details"] else None
            found = token_usage_string(row["input_tokens"], row["output_tokens"], None)
            if details:  # as 0.32+ shows them: Markdown code, never read as Markdown
                found = ", ".join(filter(None, (found, _inline_code(json.dumps(details)))))
            lines = [found] if found else []
            if row.get("duration_ms") is not None:
                lines.append(f"Duration: {duration_text(row['duration_ms'])}")
            if lines:
                out.append("## Token usage\n\n" + "\n\n".join(lines) + "\n")
        if "cost_usd" in row:  # llm logs --cost: llm_cli/ledger_access.with_costs
            from .pricing import format_usd

            out.append(f"## Cost\n\n{format_usd(row['cost_usd'])}\n")
        return out


#: A piece of output this long is written on its own; shorter ones are gathered up to it.
BIG = 1 << 16


def gathered(pieces: Iterable[str]) -> Iterator[str]:
    """The same text in fewer pieces (each write costs a flush), none copied into a bigger
    one once it reaches BIG characters."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        if len(piece) >= BIG:
            if buffer:
                yield "".join(buffer)
                buffer, size = [], 0
            yield piece
            continue
        buffer.append(piece)
        size += len(piece)
        if size >= BIG:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)

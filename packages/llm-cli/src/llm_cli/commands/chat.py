"""``llm chat``: an interactive session with a model, every turn logged as it completes."""

from __future__ import annotations

import sys
from typing import Any

import click

import llm

from ..errors import Interrupted, exit_code_for, friendly_errors, signal_name, stop_on_signals
from ..fallbacks import fallback_options
from ..prepare import GIVEN_LOGGING, GIVEN_MODEL, PromptRequest, prepare
from ..shared_options import (
    continue_options,
    database_option,
    fragment_options,
    hide_reasoning_option,
    model_option_pairs,
    template_options,
)
from ..store import log_to, logging_enabled
from ..streaming import StreamWriter, events_of
from ..tool_options import ToolSettings, chain_kwargs, describe_tools, tool_options

EXIT_WORDS = {"exit", "quit"}


def _enable_line_editing() -> None:
    """Arrow keys, editing and in-session history for input(), where readline exists."""
    try:
        import readline  # noqa: F401  (importing it is what turns line editing on)
    except ImportError:  # Windows without pyreadline
        pass


def _read_line(suffix: str) -> str | None:
    """One line of input after ``suffix``; None at end of input. click.prompt, as the
    original: a blank line asks again, and a test runner sees the input echoed."""
    try:
        return str(click.prompt("", prompt_suffix=suffix))
    except click.exceptions.Abort:  # end of input or Ctrl-C
        return None


def _take_fragment_lines(text: str) -> tuple[str, list[str]]:
    """``text`` without its ``!fragment ref ...`` lines, and the references those named."""
    kept: list[str] = []
    references: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == "!fragment":
            references.extend(words[1:])
        else:
            kept.append(line)
    return "\n".join(kept), references


def _read_multi(end_marker: str) -> str | None:
    lines: list[str] = []
    while True:
        line = _read_line("")
        if line is None:
            return None
        if line.strip() == end_marker:
            return "\n".join(lines)
        lines.append(line)


@click.command(name="chat")
@click.option("-s", "--system", help="System prompt to use")
@click.option("model_id", "-m", "--model", help="Model to use")
@continue_options
@fragment_options
@template_options
@model_option_pairs
@database_option
@click.option("--no-stream", is_flag=True, help="Do not stream output")
@click.option("--key", help="API key to use")
@tool_options
@hide_reasoning_option
@fallback_options
def chat(
    system: str | None,
    model_id: str | None,
    _continue: bool,
    conversation_id: str | None,
    fragments: tuple[str, ...],
    system_fragments: tuple[str, ...],
    template: tuple[str, ...],
    params: tuple[tuple[str, str], ...],
    options: tuple[tuple[str, str], ...],
    database: str | None,
    no_stream: bool,
    key: str | None,
    tools: tuple[str, ...],
    python_tools: tuple[str, ...],
    tools_debug: bool,
    tools_approve: bool,
    chain_limit: int,
    hide_reasoning: bool,
) -> None:
    """Hold an ongoing chat with a model."""
    meta = click.get_current_context().meta
    request = PromptRequest(
        model_id=model_id,
        system=system,
        templates=template,
        params=dict(params),
        options=options,
        fragments=fragments,
        system_fragments=system_fragments,
        continue_latest=_continue,
        conversation_id=conversation_id,
        database=database,
        key=key,
        log=meta.get(GIVEN_LOGGING, logging_enabled()),
        tools=tools,
        functions=python_tools,
        model=meta.get(GIVEN_MODEL),
    )
    prepared = prepare(request)
    click.get_current_context().call_on_close(prepared.close)
    model = prepared.model
    conversation = prepared.conversation or model.conversation()
    log_store = prepared.log_store
    # Fragments and attachments given on the command line open the chat: they go with the
    # first message.
    opening_fragments = prepared.fragments
    opening_attachments = prepared.attachments
    # With tools, every turn is a chain: the tools the model calls run, then it answers.
    tool_kwargs: dict[str, Any] = {}
    if prepared.tools:
        settings = ToolSettings(tools, python_tools, tools_debug, tools_approve, chain_limit)
        tool_kwargs = {"tools": prepared.tools, **chain_kwargs(settings)}

    _enable_line_editing()
    click.echo(f"Chatting with {model.model_id}")
    click.echo("Type 'exit' or 'quit' to exit")
    click.echo("Type '!multi' to enter multiple lines, then '!end' to finish")
    click.echo("Type '!edit' to open your default editor and modify the prompt")
    click.echo(
        "Type '!fragment <my_fragment> [<another_fragment> ...]' to insert one or more fragments"
    )
    first = True
    while True:
        read = _read_line("> ")
        if read is None:
            click.echo("")
            return
        line = read
        stripped = line.strip()
        if stripped.startswith("!multi"):
            marker = stripped[len("!multi") :].strip()
            text = _read_multi(f"!end {marker}".strip())
            if text is None:
                return
            line = text
        elif stripped == "!edit":
            edited = click.edit()
            if edited is None:
                click.echo("Editor closed without saving.", err=True)
                continue
            line = edited.strip()
        elif stripped in EXIT_WORDS:
            return
        elif stripped == "!tools":
            # Not in the banner: the original's banner text is matched exactly.
            for description in describe_tools(prepared.tools) or ["No tools are enabled"]:
                click.echo(description)
            continue
        # "!fragment" lines, typed or in a !multi block or the editor, add fragments.
        line, references = _take_fragment_lines(line)
        try:
            found = prepared.resolve_fragments(references) if references else []
        except click.ClickException as ex:
            click.echo(f"Error: {ex.message}", err=True)
            continue
        turn_fragments = [f for f in found if isinstance(f, llm.Fragment)]
        turn_attachments = [a for a in found if isinstance(a, llm.Attachment)]
        if not line.strip() and not turn_fragments and not turn_attachments:
            continue
        response = None
        prompt_text, turn_system = prepared.render(line)
        try:
            with friendly_errors():
                start = conversation.chain if tool_kwargs else conversation.prompt
                response = start(
                    prompt_text,
                    fragments=[*opening_fragments, *turn_fragments] if first else turn_fragments,
                    attachments=(
                        [*opening_attachments, *turn_attachments] if first else turn_attachments
                    ),
                    system=turn_system if first else None,
                    system_fragments=prepared.system_fragments if first else [],
                    stream=not no_stream,
                    key=prepared.key,
                    **({"hide_reasoning": True} if hide_reasoning else {}),
                    **prepared.options,
                    **tool_kwargs,
                )
                try:
                    with stop_on_signals():
                        writer = StreamWriter(show_reasoning=not hide_reasoning)
                        for event in events_of(response):
                            writer.event(event)
                        writer.end_reasoning()
                except Interrupted as interrupt:
                    # SIGTERM or SIGHUP (the terminal closed) ends the session; what
                    # arrived of this turn is kept, as for Ctrl-C.
                    response.finish_early()
                    click.echo("")
                    log_to(log_store, response)
                    click.echo(
                        f"Interrupted ({signal_name(interrupt)}): the partial response was kept",
                        err=True,
                    )
                    sys.exit(exit_code_for(interrupt))
                except KeyboardInterrupt:
                    response.finish_early()
                    click.echo("\nInterrupted")
                click.echo("")
        except click.ClickException as ex:
            # One failed turn (a network error, say) does not end the session; what arrived
            # before it is kept in the log.
            click.echo(f"Error: {ex.message}", err=True)
            if response is None or response.error is None or not response.text_or_raise():
                continue
        log_to(log_store, response)
        first = False

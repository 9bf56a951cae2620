"""``llm chat``: an interactive session with a model, every turn logged as it completes."""

from __future__ import annotations

import sys

import click

import llm

from .. import model_options
from ..conversations import load_conversation
from ..errors import friendly_errors
from ..fragments import resolve_fragment
from ..models_lookup import find_model_id, load_model, validate_options
from ..shared_options import (
    continue_options,
    database_option,
    fragment_options,
    model_option_pairs,
    template_options,
)
from ..store import log_to, logging_enabled, open_for_logging, open_store
from ..templates import apply_template, load_template

EXIT_WORDS = {"exit", "quit"}


def _enable_line_editing() -> None:
    """Arrow keys, editing and in-session history for input(), where readline exists."""
    try:
        import readline  # noqa: F401  (importing it is what turns line editing on)
    except ImportError:  # Windows without pyreadline
        pass


def _read_multi(end_marker: str) -> str | None:
    lines: list[str] = []
    while True:
        try:
            line = input("")
        except EOFError:
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
def chat(
    system: str | None,
    model_id: str | None,
    _continue: bool,
    conversation_id: str | None,
    fragments: tuple[str, ...],
    system_fragments: tuple[str, ...],
    template: str | None,
    params: tuple[tuple[str, str], ...],
    options: tuple[tuple[str, str], ...],
    database: str | None,
    no_stream: bool,
    key: str | None,
) -> None:
    """Hold an ongoing chat with a model."""
    should_log = logging_enabled()
    store = open_store(database) if (_continue or conversation_id) else None
    log_store = (store or open_for_logging(database)) if should_log else None
    loaded = load_template(template) if template else None
    if loaded is not None:
        if system:
            raise click.ClickException("Cannot use -t/--template and --system together")
        model_id = model_id or loaded.model
        fragments = (*(loaded.fragments or []), *fragments)
        system_fragments = (*(loaded.system_fragments or []), *system_fragments)
    if _continue or conversation_id:
        conversation, model = load_conversation(store, conversation_id, model_id)
    else:
        model = load_model(find_model_id(model_id))
        conversation = model.conversation()
    defaults = {**model_options.defaults_for(model.model_id), **((loaded and loaded.options) or {})}
    validated = validate_options(model, options, defaults)
    if fragments or system_fragments:
        store = store or open_store(database)
    # Fragments given on the command line open the chat: they go with the first message.
    opening_fragments = [resolve_fragment(store, f) for f in fragments]
    opening_system_fragments = [resolve_fragment(store, f) for f in system_fragments]

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
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return
        turn_fragments: list[llm.Fragment] = []
        stripped = line.strip()
        if stripped.startswith("!multi"):
            marker = stripped[len("!multi") :].strip()
            text = _read_multi(f"!end {marker}".strip())
            if text is None:
                return
            line = text
        elif stripped == "!edit":
            edited = click.edit()
            if not edited:
                continue
            line = edited.strip()
        elif stripped.startswith("!fragment"):
            references = stripped.split()[1:]
            try:
                store = store or open_store(database)
                turn_fragments = [resolve_fragment(store, r) for r in references]
            except click.ClickException as ex:
                click.echo(f"Error: {ex.message}", err=True)
                continue
            line = ""
        elif stripped in EXIT_WORDS:
            return
        if not line.strip() and not turn_fragments:
            continue
        response = None
        prompt_text: str | None = line
        turn_system = system
        if loaded is not None:
            prompt_text, turn_system = apply_template(loaded, line, dict(params))
        try:
            with friendly_errors():
                response = conversation.prompt(
                    prompt_text,
                    fragments=[*opening_fragments, *turn_fragments] if first else turn_fragments,
                    system=turn_system if first else None,
                    system_fragments=opening_system_fragments if first else [],
                    stream=not no_stream,
                    key=key,
                    **validated,
                )
                try:
                    for chunk in response:
                        sys.stdout.write(chunk)
                        sys.stdout.flush()
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

"""``llm prompt``: run a prompt, stream the answer, log it."""

from __future__ import annotations

import sys
from typing import Any

import click

import llm
from llm.utils import extract_fenced_code_block, token_usage_string

from ..attachments import STDIN_TAKEN, AttachmentType, attachment_with_type, means_stdin
from ..budget import BudgetRefused, after_log, before_send, budget_options, guard_chain
from ..errors import exit_code_for, friendly_errors, signal_name, stop_on_signals
from ..fallbacks import fallback_options
from ..prepare import GIVEN_MODEL, PreparedPrompt, PromptRequest, check_text, prepare
from ..render_output import end_answer, open_answer, should_render
from ..shared_options import (
    continue_options,
    database_option,
    fragment_options,
    hide_reasoning_option,
    model_option_pairs,
    render_option,
    schema_options,
    template_options,
)
from ..store import log_paid, log_to, logging_enabled
from ..streaming import consume, consume_async, silence_stdout
from ..tool_options import ToolSettings, start_prompt, tool_options


def read_prompt(prompt: str | None, stdin_taken: bool, wait_for_input: bool = True) -> str | None:
    """Join piped standard input and the argument, as ``stdin + " " + argument``. With no
    argument at a terminal, read what the user types until EOF (``wait_for_input``: not when
    attachments or fragments make up the prompt)."""
    if stdin_taken:
        return _utf8(prompt)
    stdin = sys.stdin
    if stdin.isatty():
        if prompt is None and wait_for_input:
            return _utf8(_read(stdin))
        return _utf8(prompt)
    piped = _read(stdin)
    if piped:
        return _utf8(f"{piped} {prompt}" if prompt else piped)
    return _utf8(prompt)


def stdin_limit() -> int:
    """The byte limit for standard input (``LLM_MAX_STDIN_BYTES``; 0: none)."""
    from llm import limits

    try:
        return limits.max_stdin_bytes() or sys.maxsize
    except limits.LimitError as ex:
        raise click.ClickException(str(ex)) from None


def _read(stdin: Any) -> str:
    """All of standard input, up to ``stdin_limit()`` bytes (more is an error that names
    the setting), decoded strictly: bytes that are not UTF-8 could not be logged (nor sent
    as text), so they are refused before anything is sent to the model. Read in chunks
    into one buffer, so the peak is the input and its text, not more copies."""
    limit = stdin_limit()
    source = getattr(stdin, "buffer", None)
    if source is None:  # a text stream without bytes underneath (an in-memory one)
        text = str(stdin.read())
        if len(text.encode("utf-8", "surrogatepass")) > limit:
            _too_large(limit)
        return text
    data = bytearray()
    # read1: one read at a time, so the first Ctrl-D typed at a terminal ends the input
    # (read() would carry on past it and wait for a second).
    read = getattr(source, "read1", source.read)
    while True:
        chunk = read(min(1024 * 1024, limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            _too_large(limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise click.ClickException(f"Input on stdin is not UTF-8 text: {ex.reason}") from None


def _too_large(limit: int) -> None:
    from llm.limits import MAX_STDIN_BYTES_ENV, describe_size

    raise click.ClickException(
        f"Input on stdin is larger than the limit of {describe_size(limit)}; set "
        f"{MAX_STDIN_BYTES_ENV} to allow more (such as {MAX_STDIN_BYTES_ENV}=1G, or 0 for"
        " no limit)"
    )


def _utf8(text: str | None) -> str | None:
    """``text``, unless it holds bytes that were not UTF-8 (arguments decoded by Python with
    surrogate escapes under a C or non-UTF-8 locale)."""
    check_text(text, None)
    return text


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@click.command(name="prompt")
@click.argument("prompt", required=False)
@click.option("-s", "--system", help="System prompt to use")
@click.option("model_id", "-m", "--model", help="Model to use", envvar=None)
@database_option
@click.option(
    "queries", "-q", "--query", multiple=True, help="Use first model matching these strings"
)
@click.option(
    "attachments",
    "-a",
    "--attachment",
    type=AttachmentType(),
    multiple=True,
    help="Attachment path or URL or -",
)
@click.option(
    "attachment_types",
    "--at",
    "--attachment-type",
    type=(str, str),
    multiple=True,
    help="Attachment with explicit mimetype, --at image.jpg image/jpeg",
)
@tool_options
@fragment_options
@template_options
@model_option_pairs
@schema_options
@click.option("--no-stream", is_flag=True, help="Do not stream output")
@click.option("no_log", "-n", "--no-log", is_flag=True, help="Don't log to database")
@click.option("--log", is_flag=True, help="Log prompt and response to the database")
@continue_options
@click.option("--key", help="API key to use")
@click.option("--save", help="Save prompt with this template name")
@click.option("async_", "--async", is_flag=True, help="Run prompt asynchronously")
@click.option("-u", "--usage", is_flag=True, help="Show token usage")
@click.option("-x", "--extract", is_flag=True, help="Extract first fenced code block")
@click.option(
    "extract_last", "--xl", "--extract-last", is_flag=True, help="Extract last fenced code block"
)
@click.option(
    "show_model_options", "--options", is_flag=True, help="Show options for the selected model"
)
@hide_reasoning_option
@click.option(
    "json_output",
    "--json",
    is_flag=True,
    help="Output the response as JSON, same format as llm logs --json",
)
@fallback_options
@budget_options
@render_option
def prompt(
    prompt: str | None,
    system: str | None,
    model_id: str | None,
    database: str | None,
    queries: tuple[str, ...],
    attachments: tuple[llm.Attachment, ...],
    attachment_types: tuple[tuple[str, str], ...],
    tools: tuple[str, ...],
    python_tools: tuple[str, ...],
    tools_debug: bool,
    tools_approve: bool,
    chain_limit: int,
    fragments: tuple[str, ...],
    system_fragments: tuple[str, ...],
    template: tuple[str, ...],
    param: tuple[tuple[str, str], ...],
    trust_template: bool,
    options: tuple[tuple[str, str], ...],
    schema_input: str | None,
    schema_multi: str | None,
    schema_retries: int,
    no_stream: bool,
    no_log: bool,
    log: bool,
    _continue: bool,
    conversation_id: str | None,
    key: str | None,
    save: str | None,
    async_: bool,
    usage: bool,
    extract: bool,
    extract_last: bool,
    show_model_options: bool,
    hide_reasoning: bool,
    json_output: bool,
    render: bool | None = None,
) -> None:
    """Execute a prompt

    \b
    Examples:
        llm 'Capital of France?'
        llm 'Capital of France?' -m gpt-4o
        llm 'Capital of France?' -s 'answer in Spanish'
        cat notes.txt | llm 'summarise'
        llm 'describe this' -a image.png

    The -x/--extract option returns just the content of the first ``` fenced code
    block, if one is present. If none are present it returns the full response.
    """
    if show_model_options:
        from .models import echo_model_options

        echo_model_options(model_id, queries, async_)
        return
    if no_log and log:
        raise click.ClickException("--log and --no-log are mutually exclusive")
    ctx = click.get_current_context()
    stdin_taken = ctx.meta.get(STDIN_TAKEN, False) or any(
        means_stdin(v) for v, _ in attachment_types
    )
    typed_attachments = [attachment_with_type(v, t) for v, t in attachment_types]
    request = PromptRequest(
        model_id=model_id,
        queries=queries,
        system=system,
        templates=template,
        params=dict(param),
        trust_templates=trust_template,
        options=options,
        fragments=fragments,
        system_fragments=system_fragments,
        attachments=[*attachments, *typed_attachments],
        continue_latest=_continue,
        conversation_id=conversation_id,
        database=database,
        key=key,
        use_async=async_,
        log=(logging_enabled() or log) and not no_log,
        extract=extract,
        extract_last=extract_last,
        tools=tools,
        functions=python_tools,
        schema=schema_input,
        schema_multi=schema_multi,
        schema_retries=schema_retries,
        model=ctx.meta.get(GIVEN_MODEL),
    )
    wait = not (request.attachments or fragments or schema_input or schema_multi or save)
    if save is not None:  # --save "" included: an invalid name, not "no --save"
        from ..save import save_template

        save_template(save, request, read_prompt(prompt, stdin_taken, wait), typed_attachments)
        return
    prepared = prepare(request, read_input=lambda: read_prompt(prompt, stdin_taken, wait))
    click.get_current_context().call_on_close(prepared.close)
    log_store = prepared.log_store
    extract, extract_last = prepared.extract, prepared.extract_last
    guard = before_send(prepared, prepared.prompt)  # --max-cost, budgets, --estimate, --name

    # Only the extracted block (or the JSON) is shown, so the model is not asked to stream
    # (as the original).
    extracting = extract or extract_last or json_output
    with friendly_errors():
        settings = ToolSettings(tools, python_tools, tools_debug, tools_approve, chain_limit)
        response = start_prompt(
            prepared,
            settings,
            prepared.prompt,
            system=prepared.system,
            fragments=prepared.fragments,
            system_fragments=prepared.system_fragments,
            schema=prepared.schema,
            attachments=prepared.attachments,
            stream=not no_stream and not extracting,
            key=prepared.key,
            **({"hide_reasoning": True} if hide_reasoning else {}),
            **prepared.options,
        )
        guard_chain(guard, response, prepared.options)
        # A structured answer is shown once it has been checked against the schema.
        repairing = prepared.schema is not None and prepared.schema_retries > 0
        streaming = not no_stream and not extracting and not repairing
        # Markdown on a terminal; never for an extracted block or a structured answer.
        rendering = not extracting and prepared.schema is None and should_render(render)
        try:
            with stop_on_signals():
                if async_:
                    import asyncio

                    reader_gone = asyncio.run(
                        consume_async(response, streaming, not hide_reasoning, render=rendering)
                    )
                else:
                    reader_gone = consume(response, streaming, not hide_reasoning, render=rendering)
        except KeyboardInterrupt as interrupt:
            # Ctrl-C, SIGTERM or SIGHUP: stop cleanly, keep and log what arrived, then exit
            # as interrupted (128 + the signal's number).
            response.finish_early()
            end_answer()
            log_to(log_store, response)
            click.echo(
                f"Interrupted ({signal_name(interrupt)}): the partial response was kept",
                err=True,
            )
            sys.exit(exit_code_for(interrupt))
        except BudgetRefused:
            log_to(log_store, response)  # the steps of a tool chain already paid for
            raise
        except llm.ModelError as ex:
            # A stream cut off part-way: what arrived was shown; keep it in the log too.
            partial = response.text_or_raise() if response.error is not None else ""
            if not partial:
                log_paid(log_store, response)  # the earlier steps of a tool chain
                raise
            if streaming:
                end_answer()
            log_to(log_store, response)
            raise click.ClickException(f"{ex} (the partial response was kept)") from ex
        except SystemExit as ex:
            # A tool (or plugin) called sys.exit(): what the model answered is kept.
            log_paid(log_store, response)
            if streaming:
                end_answer()
            raise click.ClickException(
                f"A tool or plugin ended the run (sys.exit({ex.code!r})); what the model"
                " answered so far was logged"
            ) from None
        except BaseException:
            # Anything else that stops the run part-way (no answer at an approval prompt,
            # an error in a later step of a tool chain): log what was paid for first.
            log_paid(log_store, response)
            raise
        text = response.text_or_raise()
        if repairing:
            response, text = _repair(prepared, response, text, stream=not no_stream)
        try:
            if json_output:
                pass  # written below, once logged
            elif extracting:
                _write((extract_fenced_code_block(text, last=extract_last) or text) + "\n")
            elif not streaming:
                _show(text, rendering)
        except BrokenPipeError:
            silence_stdout()
            reader_gone = True

    log_to(log_store, response)
    if reader_gone:
        # `llm ... | head`: the answer was read to its end and logged. A reader that went
        # away is not an error (as for every command: see DefaultGroup.invoke).
        sys.exit(0)
    if json_output:
        from ..exchange_json import write_exchange_json

        write_exchange_json(response, database, logged=log_store is not None)
    if usage:
        # A tool chain shows one line for each of its responses, as the original.
        made = getattr(response, "responses_made", None)
        for one in made() if made is not None else [response]:
            found = token_usage_string(one.input_tokens, one.output_tokens, one.token_details)
            found = found or "not reported by this model"
            click.echo(
                click.style(f"Token usage: {found}", fg="yellow", bold=True),
                err=True,
            )
    after_log(guard, prepared, response, logged=log_store is not None)


def _repair(prepared: PreparedPrompt, response: Any, text: str, stream: bool) -> tuple[Any, str]:
    """Check the answer against the schema; while it does not match and retries are left,
    log it and ask the model to fix it. The answer that matches (or the last) is returned;
    when none matched, it is shown and logged and the command fails with the errors."""
    from ..repair import conversation_for, repair_prompt, validation_errors

    schema = prepared.schema
    errors = validation_errors(text, schema)
    for _ in range(prepared.schema_retries):
        if not errors:
            break
        click.echo(
            "Answer does not match the schema, asking the model to fix it: " + "; ".join(errors),
            err=True,
        )
        conversation = conversation_for(response)
        log_to(prepared.log_store, response)
        response = conversation.prompt(
            repair_prompt(errors),
            schema=schema,
            stream=stream,
            key=prepared.key,
            **prepared.options,
        )
        if isinstance(response, llm.AsyncResponse):
            import asyncio

            asyncio.run(consume_async(response, echo=False))
        else:
            consume(response, echo=False)
        text = response.text_or_raise()
        errors = validation_errors(text, schema)
    if errors:
        _write(text + "\n")
        log_to(prepared.log_store, response)
        raise click.ClickException("The answer does not match the schema: " + "; ".join(errors))
    return response, text


def _show(text: str, render: bool) -> None:
    """A whole answer at once (``--no-stream``)."""
    output = open_answer(render)
    output.write(text)
    output.finish()

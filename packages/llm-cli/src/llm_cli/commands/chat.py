"""``llm chat``: an interactive session with a model, every turn logged as it completes."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

import llm

from ..budget import BudgetRefused, after_log, before_send, budget_options, guard_chain
from ..errors import (
    Interrupted,
    error_line,
    exit_code_for,
    friendly_errors,
    signal_name,
    stop_on_signals,
)
from ..fallbacks import fallback_options
from ..prepare import (
    GIVEN_ATTACHMENTS,
    GIVEN_LOGGING,
    GIVEN_MODEL,
    PromptRequest,
    check_text,
    prepare,
)
from ..render_output import should_render
from ..shared_options import (
    continue_options,
    database_option,
    fragment_options,
    hide_reasoning_option,
    model_option_pairs,
    render_option,
    template_options,
)
from ..store import log_paid, log_to, logging_enabled
from ..streaming import StreamWriter, events_of
from ..tool_options import ToolSettings, chain_kwargs, describe_tools, tool_options

EXIT_WORDS = {"exit", "quit"}


def _enable_line_editing() -> None:
    """Arrow keys, editing and in-session history for input(), where readline exists."""
    try:
        import readline  # noqa: F401  (importing it is what turns line editing on)
    except ImportError:  # Windows without pyreadline
        pass


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
@budget_options
@render_option
def chat(
    system: str | None,
    model_id: str | None,
    _continue: bool,
    conversation_id: str | None,
    fragments: tuple[str, ...],
    system_fragments: tuple[str, ...],
    template: tuple[str, ...],
    param: tuple[tuple[str, str], ...],
    trust_template: bool,
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
    render: bool | None = None,
) -> None:
    """Hold an ongoing chat with a model."""
    meta = click.get_current_context().meta
    request = PromptRequest(
        model_id=model_id,
        system=system,
        templates=template,
        params=dict(param),
        trust_templates=trust_template,
        options=options,
        fragments=fragments,
        system_fragments=system_fragments,
        continue_latest=_continue,
        conversation_id=conversation_id,
        database=database,
        key=key,
        log=meta.get(GIVEN_LOGGING, logging_enabled()),
        attachments=list(meta.get(GIVEN_ATTACHMENTS, ())),
        tools=tools,
        functions=python_tools,
        model=meta.get(GIVEN_MODEL),
    )
    prepared = prepare(request)
    click.get_current_context().call_on_close(prepared.close)
    model = prepared.model
    conversation = prepared.conversation or model.conversation()
    guard = before_send(prepared, None)  # --name, --estimate; each turn is checked below
    # Fragments and attachments given on the command line open the chat: they go with the
    # first message.
    opening_fragments = prepared.fragments
    opening_attachments = prepared.attachments
    # With tools, every turn is a chain: the tools the model calls run, then it answers.
    tool_kwargs: dict[str, Any] = {}
    if prepared.tools:
        settings = ToolSettings(tools, python_tools, tools_debug, tools_approve, chain_limit)
        tool_kwargs = {"tools": prepared.tools, **chain_kwargs(settings)}

    at_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    # A model given by its URL (``llm openai endpoint URL --chat``) says where, as in 0.36.
    given_base = getattr(meta.get(GIVEN_MODEL), "api_base", None)
    where = f" at {given_base}" if given_base else ""
    loop = ChatLoop(
        prepared,
        conversation,
        tool_kwargs,
        stream=not no_stream,
        rendering=should_render(render),
        hide_reasoning=hide_reasoning,
        guard=guard,
        opening_fragments=opening_fragments,
        opening_attachments=opening_attachments,
    )
    if at_terminal:
        from ..chat_terminal import TerminalInput

        reader: Any = TerminalInput(llm.user_dir(), COMMANDS, loop.toolbar)
        click.echo(f"Chatting with {model.model_id}{where}")
        click.echo("Type !help for commands, 'exit' or Ctrl-D to quit, Alt-Enter for a new line")
    else:
        reader = PipedInput()
        click.echo(f"Chatting with {model.model_id}{where}")
        click.echo("Type 'exit' or 'quit' to exit")
        click.echo("Type '!multi' to enter multiple lines, then '!end' to finish")
        click.echo("Type '!edit' to open your default editor and modify the prompt")
        click.echo(
            "Type '!fragment <my_fragment> [<another_fragment> ...]' to insert one or more"
            " fragments"
        )
    loop.run(reader)


#: The chat's ``!`` commands, for !help and Tab.
COMMANDS = {
    "!help": "this list",
    "!multi": "several lines, up to !end (!multi NAME ends at !end NAME)",
    "!edit": "write the message in your editor",
    "!fragment": "!fragment NAME|PATH|URL ... adds fragments to the message",
    "!attach": "!attach PATH|URL attaches a file to the next message",
    "!system": "!system TEXT sets the system prompt for the next message (no text: show it)",
    "!model": "!model ID switches model (no ID: show it)",
    "!tools": "the tools the model can call",
    "!retry": "ask for the last answer again",
    "!copy": "copy the last answer to the clipboard",
    "!save": "!save NAME saves this chat's model, system prompt and options as a template",
}


class LineCancelled(Exception):
    """Ctrl-C at the prompt: the line is dropped, the chat goes on."""


class PipedInput:
    """Lines from standard input when it is not a terminal (or in a test runner)."""

    def __init__(self) -> None:
        _enable_line_editing()

    def read(self, prompt: str = "> ") -> str | None:
        """One line of input after ``prompt``; None at end of input. click.prompt, as the
        original: a blank line asks again, and a test runner sees the input echoed."""
        try:
            return str(click.prompt("", prompt_suffix=prompt))
        except click.exceptions.Abort as ex:  # end of input, or Ctrl-C (click hides which)
            if isinstance(ex.__context__, KeyboardInterrupt):
                click.echo("")
                raise LineCancelled() from None
            return None


class ChatLoop:
    """One chat: reads messages and commands, sends each message, logs each answer."""

    def __init__(
        self,
        prepared: Any,
        conversation: Any,
        tool_kwargs: dict[str, Any],
        *,
        stream: bool,
        rendering: bool,
        hide_reasoning: bool = False,
        guard: Any = None,
        opening_fragments: list[Any],
        opening_attachments: list[Any],
    ) -> None:
        self.prepared = prepared
        self.hide_reasoning = hide_reasoning
        #: Budgets and --max-cost (llm_cli/budget.py), checked before each message is sent.
        self.guard = guard
        self.conversation = conversation
        self.tool_kwargs = tool_kwargs
        self.stream = stream
        self.rendering = rendering
        self.options = dict(prepared.options)
        # Fragments and attachments given on the command line open the chat: they go with
        # the first message, as does the system prompt; !attach and !system add to the next.
        self.fragments: list[Any] = list(opening_fragments)
        self.attachments: list[Any] = list(opening_attachments)
        self.first = True
        self.system: str | None = None
        self.last_turn: dict[str, Any] | None = None
        self.last_text = ""
        self.tokens = [0, 0]

    @property
    def model(self) -> Any:
        return self.conversation.model

    def toolbar(self) -> str:
        used = f"{self.tokens[0]:,} in, {self.tokens[1]:,} out"
        return f" {self.model.model_id} | tokens: {used} | !help, Alt-Enter: new line, Ctrl-D: quit"

    def run(self, reader: Any) -> None:
        # Ctrl-C while typing: prompt_toolkit raises KeyboardInterrupt, click.prompt Abort.
        cancelled = (LineCancelled, KeyboardInterrupt)
        while True:
            try:
                line = reader.read("> ")
            except cancelled:
                click.echo("Cancelled: type 'exit' or press Ctrl-D to end the chat", err=True)
                continue
            if line is None:
                click.echo("")
                return
            stripped = line.strip()
            command, _, argument = stripped.partition(" ")
            argument = argument.strip()
            if command == "!multi":
                try:
                    text = self._read_multi(reader, f"!end {argument}".strip())
                except cancelled:
                    click.echo("Cancelled the !multi block", err=True)
                    continue
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
            elif command in COMMANDS and command != "!fragment":
                try:
                    self._command(command, argument)
                except click.ClickException as ex:
                    click.echo(error_line(ex.message), err=True)
                continue
            self._message(line)

    def _read_multi(self, reader: Any, end_marker: str) -> str | None:
        lines: list[str] = []
        while True:
            line = reader.read("")
            if line is None:
                return None
            if line.strip() == end_marker:
                return "\n".join(lines)
            lines.append(line)

    # -- commands

    def _command(self, command: str, argument: str) -> None:
        if command == "!help":
            for name, description in COMMANDS.items():
                click.echo(f"{name:10} {description}")
            click.echo("exit, quit  end the chat (or Ctrl-D on an empty line)")
        elif command == "!tools":
            # Not in the banner: the original's banner text is matched exactly.
            for description in describe_tools(self.prepared.tools) or ["No tools are enabled"]:
                click.echo(description)
        elif command == "!model":
            self._switch_model(argument)
        elif command == "!system":
            if argument:
                self.system = argument
                click.echo("The next message goes with this system prompt")
            else:
                click.echo(self.system or self.prepared.system or "No system prompt")
        elif command == "!attach":
            self._attach(argument)
        elif command == "!retry":
            self._retry()
        elif command == "!copy":
            self._copy()
        elif command == "!save":
            self._save(argument)

    def _switch_model(self, model_id: str) -> None:
        if not model_id:
            click.echo(self.model.model_id)
            return
        from ..models_lookup import load_model

        with friendly_errors():
            model = load_model(model_id)
        self.conversation.model = model
        if self.options:
            click.echo("The -o options were for the previous model: dropped", err=True)
            self.options = {}
        click.echo(f"Chatting with {model.model_id}")

    def _attach(self, where: str) -> None:
        from ..attachments import AttachmentType

        if not where:
            raise click.ClickException("!attach needs a path or a URL")
        try:
            attachment = AttachmentType().convert(os.path.expanduser(where), None, None)
        except click.BadParameter as ex:
            raise click.ClickException(ex.message) from None
        self.attachments.append(attachment)
        click.echo(f"Attached {where} to the next message")

    def _retry(self) -> None:
        if self.last_turn is None:
            raise click.ClickException("Nothing to retry yet")
        responses = self.conversation.responses
        if responses and responses[-1] is self.last_turn["response"]:
            responses.pop()
        self._send(self.last_turn["text"], self.last_turn["kwargs"])

    def _copy(self) -> None:
        import base64

        if not self.last_text:
            raise click.ClickException("No answer to copy yet")
        # OSC 52: the terminal puts it on the clipboard, over SSH too.
        encoded = base64.b64encode(self.last_text.encode("utf-8")).decode("ascii")
        sys.stdout.write(f"\x1b]52;c;{encoded}\x07")
        sys.stdout.flush()
        click.echo(f"Copied the last answer ({len(self.last_text):,} characters)")

    def _save(self, name: str) -> None:
        from ..save import save_template

        if not name:
            raise click.ClickException("!save needs a template name")
        request = PromptRequest(
            model_id=self.model.model_id,
            system=self.system or self.prepared.system,
            options=tuple((key, str(value)) for key, value in self.options.items()),
        )
        save_template(name, request, None, [])
        click.echo(f"Saved template {name}")

    # -- messages

    def _message(self, line: str) -> None:
        # "!fragment" lines, typed or in a !multi block or the editor, add fragments.
        line, references = _take_fragment_lines(line)
        try:
            found = self.prepared.resolve_fragments(references) if references else []
        except click.ClickException as ex:
            click.echo(error_line(ex.message), err=True)
            return
        fragments = [*self.fragments, *(f for f in found if isinstance(f, llm.Fragment))]
        attachments = [*self.attachments, *(a for a in found if isinstance(a, llm.Attachment))]
        if not line.strip() and not fragments and not attachments:
            return
        prompt_text, turn_system = self.prepared.render(line)
        first = self.first
        kwargs = {
            "fragments": fragments,
            "attachments": attachments,
            "system": self.system or (turn_system if first else None),
            "system_fragments": self.prepared.system_fragments if first else [],
        }
        try:
            check_text(prompt_text, kwargs["system"], fragments, kwargs["system_fragments"])
        except click.ClickException as ex:
            click.echo(f"Error: {ex.message}", err=True)
            return
        if self._send(prompt_text, kwargs):
            self.fragments, self.attachments, self.system = [], [], None
            self.first = False

    def _send(self, prompt_text: str | None, kwargs: dict[str, Any]) -> bool:
        """Send one message and show the answer; whether it was logged."""
        prepared = self.prepared
        response = None
        output: StreamWriter | None = None
        try:
            with friendly_errors():
                try:
                    # From the line being sent to the answer's end: a Ctrl-C anywhere in it
                    # (even before the first word arrives) stops this turn, not the chat.
                    with stop_on_signals():
                        self.guard.check_turn(
                            prepared,
                            self.conversation,
                            prompt_text,
                            kwargs["fragments"],
                            self.first,
                        )
                        chat = self.conversation
                        start = chat.chain if self.tool_kwargs else chat.prompt
                        response = start(
                            prompt_text,
                            **kwargs,
                            stream=self.stream,
                            key=prepared.key,
                            **({"hide_reasoning": True} if self.hide_reasoning else {}),
                            **self.options,
                            **self.tool_kwargs,
                        )
                        guard_chain(self.guard, response, self.options)
                        output = StreamWriter(
                            show_reasoning=not self.hide_reasoning, render=self.rendering
                        )
                        for event in events_of(response):
                            output.event(event)
                except Interrupted as interrupt:
                    # SIGTERM or SIGHUP (the terminal closed) ends the session; what
                    # arrived of this turn is kept, as for Ctrl-C.
                    if response is not None:
                        response.finish_early()
                        log_to(prepared.log_store, response)
                    if output is not None:
                        output.finish()
                    click.echo(
                        f"Interrupted ({signal_name(interrupt)}): the partial response was kept",
                        err=True,
                    )
                    sys.exit(exit_code_for(interrupt))
                except SystemExit as ex:
                    # A tool (or plugin) called sys.exit(): the session ends, what the
                    # model answered in this turn is kept.
                    log_paid(prepared.log_store, response)
                    if output is not None:
                        output.finish()
                    click.echo(
                        f"Error: a tool or plugin ended the chat (sys.exit({ex.code!r})); what"
                        " the model answered so far was logged",
                        err=True,
                    )
                    sys.exit(1)
                except KeyboardInterrupt:
                    # Ctrl-C: this answer stops, the chat goes on; what arrived is logged.
                    if output is not None:
                        output.finish()
                    click.echo("Interrupted")
                    if response is None:
                        return False
                    response.finish_early()
                else:
                    output.finish()
        except click.ClickException as ex:
            # One failed turn (a network error, say) does not end the session; what arrived
            # before it is kept in the log.
            click.echo(error_line(ex.message), err=True)
            refused_chain = isinstance(ex, BudgetRefused) and response is not None
            if not refused_chain and (
                response is None or response.error is None or not response.text_or_raise()
            ):
                # What was answered before the failure (the earlier steps of a tool chain,
                # say, before an approval prompt met the end of input) is still logged.
                log_paid(prepared.log_store, response)
                return False
        log_to(prepared.log_store, response)
        if output is not None and output.closed:
            sys.exit(0)  # standard output's reader went away (not an error): this turn is logged
        after_log(self.guard, prepared, response, logged=prepared.log_store is not None)
        self.guard.name = None  # named with the first turn
        self._count(response)
        self.last_turn = {"text": prompt_text, "kwargs": kwargs, "response": response}
        return True

    def _count(self, response: Any) -> None:
        made = getattr(response, "responses_made", None)
        for one in made() if made is not None else [response]:
            self.tokens[0] += one.input_tokens or 0
            self.tokens[1] += one.output_tokens or 0
        try:
            self.last_text = response.text_or_raise()
        except Exception:
            self.last_text = ""

"""Preparing a prompt: the one step ``llm prompt`` and ``llm chat`` share.

From what the user typed (a model, options, a template, fragments, attachments, a conversation
to continue) to what the model is called with. Bad input is refused here, before the log store
is opened for writing and before any model runs. Schemas, tools and ``--save`` plug in here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

import llm

from . import model_options
from .attachments import AttachmentType, attachment_with_type
from .conversations import conversation_records, load_conversation
from .fallbacks import attach as attach_fallbacks
from .fragments import resolve_fragments
from .models_lookup import find_model_id, load_model, validate_options
from .schema_input import resolve_schema_input
from .shared_options import SCHEMA_RETRIES_DEFAULT
from .store import check_writable, open_for_logging, open_for_reading
from .templates import TRUST_OPTION, apply_templates, check_template_trust, load_template
from .tool_options import conversation_tools, gather_tools

#: ``click`` context meta key: a model object that ``prompt`` and ``chat`` use instead of
#: looking one up by ID (set by commands such as ``llm openai endpoint``).
GIVEN_MODEL = "llm.given_model"
#: ... and whether ``chat`` logs (it has no ``--no-log`` of its own).
GIVEN_LOGGING = "llm.given_logging"
#: ... and attachments that open a ``chat`` (it has no ``-a``/``--at`` of its own).
GIVEN_ATTACHMENTS = "llm.given_attachments"


@dataclass
class PromptRequest:
    """The options ``prompt`` and ``chat`` share, as given on the command line."""

    model_id: str | None = None
    queries: tuple[str, ...] = ()
    system: str | None = None
    template: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()
    fragments: tuple[str, ...] = ()
    system_fragments: tuple[str, ...] = ()
    attachments: list[llm.Attachment] = field(default_factory=list)
    continue_latest: bool = False
    conversation_id: str | None = None
    database: str | None = None
    key: str | None = None
    use_async: bool = False
    #: Whether the response is logged (``logs on/off``, ``--log``, ``--no-log``).
    log: bool = True
    extract: bool = False
    extract_last: bool = False
    #: ``-T/--tool`` specs and ``--functions`` code (see ``tool_options``).
    tools: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    #: More templates after ``template``: repeated ``-t`` composes them left to right.
    templates: tuple[str, ...] = ()
    #: ``--schema`` / ``--schema-multi`` as typed (JSON, a file, an ID, ``t:name`` or the DSL).
    schema: str | None = None
    schema_multi: str | None = None
    #: How often a structured answer that fails validation is sent back to be repaired.
    schema_retries: int = SCHEMA_RETRIES_DEFAULT
    #: A model made for this run rather than looked up by ID (``llm openai endpoint``).
    model: Any = None
    #: ``--trust-template``: templates from URLs and loaders may read local files and run
    #: their functions, as the user's own templates may.
    trust_templates: bool = False

    @property
    def continuing(self) -> bool:
        return self.continue_latest or self.conversation_id is not None

    @property
    def template_names(self) -> tuple[str, ...]:
        return (*((self.template,) if self.template else ()), *self.templates)


@dataclass
class PreparedPrompt:
    """What the model is called with. ``conversation`` is None for a one-off prompt."""

    model: Any  # llm.Model / llm.KeyModel, or their async versions with ``use_async``
    conversation: Any
    options: dict[str, Any]
    #: The last of ``templates`` (None without one).
    template: llm.Template | None
    #: The prompt text and system prompt after the template (if any) was applied.
    prompt: str | None
    system: str | None
    fragments: list[llm.Fragment]
    system_fragments: list[llm.Fragment]
    attachments: list[llm.Attachment]
    schema: Any
    key: str | None
    extract: bool
    extract_last: bool
    params: dict[str, str]
    database: str | None
    #: Where the response is logged; None when logging is off.
    log_store: Any
    #: The log read for fragments and conversations (``open_for_reading``), once opened.
    _reader: Any = None
    _reader_opened: bool = False
    #: The tools and toolbox instances the model may call; empty: a plain prompt, no chain.
    tools: list[Any] = field(default_factory=list)
    #: Every template given, applied in order.
    templates: list[llm.Template] = field(default_factory=list)
    schema_retries: int = SCHEMA_RETRIES_DEFAULT

    def reader(self) -> Any:
        """The log to read stored fragments from, opened on first use (None: no database)."""
        if not self._reader_opened:
            self._reader = open_for_reading(self.database)
            self._reader_opened = True
        return self._reader

    def close(self) -> None:
        """Close the log this prompt writes to and the one it read from."""
        for store in (self.log_store, self._reader):
            if store is not None:
                store.close()
        self.log_store = self._reader = None

    def render(self, text: str | None) -> tuple[str | None, str | None]:
        """The prompt and system prompt for ``text``: the template applied when there is one."""
        if not self.templates:
            return text, self.system
        return apply_templates(self.templates, text, self.params)

    def resolve_fragments(self, references: list[str]) -> list[llm.Fragment | llm.Attachment]:
        """Fragments (and loaders' attachments) named later, e.g. by ``!fragment`` in a chat."""
        return resolve_fragments(self.reader(), references, allow_attachments=True)


def prepare(
    request: PromptRequest, read_input: Callable[[], str | None] | None = None
) -> PreparedPrompt:
    """Check and resolve ``request``. ``read_input`` gives the prompt text (``llm prompt``
    reads its argument and standard input); without it the text comes later (``llm chat``)."""
    templates = [load_template(name) for name in request.template_names]
    # Checked before anything a template names is read: one from a URL or a loader may not
    # reach local files, nor run its functions (said on stderr; the original skips them).
    template_functions: list[str] = []
    for given, each in zip(request.template_names, templates, strict=True):
        trusted = check_template_trust(given, each, trust=request.trust_templates)
        if each.functions and trusted:
            template_functions.append(each.functions)
        elif each.functions:
            click.echo(
                f"Warning: template {given} is not one of your own files, so its functions"
                f" were not made tools (if you trust it, add {TRUST_OPTION})",
                err=True,
            )
    template = templates[-1] if templates else None
    model_id = request.model_id
    extract, extract_last = request.extract, request.extract_last
    # Templates' lists come first, in the order the templates were given, then the command
    # line's; a later template's model, options and schema win over an earlier one's.
    template_attachments: list[llm.Attachment] = []
    template_fragments: list[str] = []
    template_system_fragments: list[str] = []
    template_options: dict[str, Any] = {}
    template_tools: list[str] = []
    template_model: str | None = None
    template_schema: dict[str, Any] | None = None
    for each in templates:
        template_model = each.model or template_model
        template_schema = each.schema_object or template_schema
        extract = extract or bool(each.extract)
        extract_last = extract_last or bool(each.extract_last)
        template_attachments += [
            AttachmentType().convert(a, None, None) for a in each.attachments or []
        ]
        template_attachments += [
            attachment_with_type(a["value"], a["type"]) for a in each.attachment_types or []
        ]
        template_fragments += each.fragments or []
        template_system_fragments += each.system_fragments or []
        template_tools += each.tools or []
        template_options = {**template_options, **(each.options or {})}
    if template_model and not (model_id or request.queries):
        model_id = template_model
    attachments = [*template_attachments, *request.attachments]
    fragments = (*template_fragments, *request.fragments)
    system_fragments = (*template_system_fragments, *request.system_fragments)
    # --schema on the command line wins over a template's schema, as -o wins over its options.
    schema = (
        resolve_schema_input(
            request.schema_multi or request.schema,
            request.database,
            multi=bool(request.schema_multi),
        )
        or template_schema
    )

    # The model, its options and the template are checked before the log store is opened;
    # a continued conversation names its model in the store, so that check comes after.
    model = None
    options: dict[str, Any] = {}
    if request.model is not None:
        model = request.model
        options = _options_for(model, request.options, template_options)
        _check_schema_support(model, schema)
    elif not request.continuing:
        model = load_model(find_model_id(model_id, request.queries), use_async=request.use_async)
        options = _options_for(model, request.options, template_options)
        _check_schema_support(model, schema)
    text = read_input() if read_input is not None else None
    prompt_text, system = text, request.system
    if templates and read_input is not None:
        prompt_text, template_system = apply_templates(templates, text, request.params)
        system = request.system or template_system  # -s wins over the template's system

    # Every prompt is logged by the one writer ``open_for_logging`` chooses, whatever it
    # reads first; reading goes through ``open_for_reading`` (opened after the writer,
    # which creates a new database; never for a prompt that reads nothing).
    log_store = open_for_logging(request.database) if request.log else None
    reader = None
    try:
        if log_store is not None:
            check_writable(log_store)
        if request.continuing or fragments or system_fragments:
            reader = open_for_reading(request.database)
        conversation = None
        records = None
        if request.continuing and request.model is None:
            records = conversation_records(reader, request.conversation_id)
            conversation, model = load_conversation(records, model_id, use_async=request.use_async)
            options = _options_for(model, request.options, template_options)
            _check_schema_support(model, schema)
        # -T may name the model's server-side tools too, so the model comes first.
        tools = gather_tools(
            (*template_tools, *request.tools),
            (*template_functions, *request.functions),
            model=model,
        )
        if records is not None and not request.tools:
            tools.extend(conversation_tools(records, model))
        model = attach_fallbacks(
            model, conversation, templates, model_id, use_async=request.use_async
        )
        resolved = resolve_fragments(reader, fragments, allow_attachments=True)
        resolved_system = resolve_fragments(reader, system_fragments)
        check_text(prompt_text, system, resolved, resolved_system)
    except BaseException:
        for store in (log_store, reader):
            if store is not None:
                store.close()
        raise
    return PreparedPrompt(
        model=model,
        conversation=conversation,
        options=options,
        template=template,
        prompt=prompt_text,
        system=system,
        fragments=[f for f in resolved if isinstance(f, llm.Fragment)],
        system_fragments=[f for f in resolved_system if isinstance(f, llm.Fragment)],
        attachments=attachments + [a for a in resolved if isinstance(a, llm.Attachment)],
        schema=schema,
        key=request.key,
        extract=extract,
        extract_last=extract_last,
        params=request.params,
        database=request.database,
        log_store=log_store,
        _reader=reader,
        _reader_opened=reader is not None,
        tools=tools,
        templates=templates,
        schema_retries=request.schema_retries,
    )


def check_text(
    prompt: str | None,
    system: str | None,
    fragments: Sequence[Any] = (),
    system_fragments: Sequence[Any] = (),
) -> None:
    """Check before paying: refuse, before the model is called, input that is not text
    (bytes that were not UTF-8, which Python decodes to lone surrogates: an argument under
    any locale, a chat line or a loader's fragment). It could be neither sent as text nor
    logged; everything else is logged as it is (``llm_storage.storable``)."""
    named: list[tuple[str, Any]] = [("The prompt", prompt), ("The system prompt", system)]
    named += [(_fragment_label("Fragment", f), f) for f in fragments]
    named += [(_fragment_label("System fragment", f), f) for f in system_fragments]
    for label, value in named:
        if not isinstance(value, str) or value.isascii():
            continue  # an attachment (bytes), nothing, or ASCII (text, at no cost)
        from llm_storage.storable import describe_undecodable, undecodable_at

        position = undecodable_at(value)
        if position is not None:
            raise click.ClickException(
                f"{label} is not UTF-8 text ({describe_undecodable(value, position)}):"
                " nothing was sent"
            )


def _fragment_label(kind: str, fragment: Any) -> str:
    source = getattr(fragment, "source", "") or ""
    return f"{kind} {source!a}" if source else kind


def _check_schema_support(model: Any, schema: dict[str, Any] | None) -> None:
    if schema and not model.supports_schema:
        raise click.ClickException(f"{model} does not support schemas")


def _options_for(
    model: Any, given: tuple[tuple[str, str], ...], template_options: dict[str, Any]
) -> dict[str, Any]:
    """``-o`` options over the template's, over the defaults set with ``llm models options``
    (a stored default this model refuses is an error naming model_options.json)."""
    stored = model_options.defaults_for(model.model_id)
    overridden = {name for name, _ in given} | set(template_options)
    kept = {name: value for name, value in stored.items() if name not in overridden}
    if kept:
        try:
            validate_options(model, (), kept)
        except click.ClickException as ex:
            raise click.ClickException(
                f"{model_options.path()} holds a default option {model.model_id} does not"
                f" accept (change it with 'llm models options set', or 'llm models options"
                f" clear {model.model_id}'):\n{ex.message}"
            ) from ex
    return validate_options(model, given, {**stored, **template_options})

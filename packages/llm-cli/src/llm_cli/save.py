"""``llm prompt --save NAME``: write what was typed as a template instead of running it."""

from __future__ import annotations

from typing import Any

import click

import llm

from .prepare import PromptRequest
from .schema_input import resolve_schema_input
from .templates import stored_template_path


def save_template(
    name: str, request: PromptRequest, prompt: str | None, attachment_types: list[llm.Attachment]
) -> None:
    """Save ``request`` as template ``name``. ``attachment_types`` are the ``--at`` attachments
    (the rest of ``request.attachments`` came from ``-a``). Nothing runs, nothing is logged."""
    refused = [
        option
        for option, given in (
            ("--template", request.template_names),
            ("--continue", request.continue_latest),
            ("--cid", request.conversation_id),
        )
        if given
    ]
    if refused:
        raise click.ClickException(f"--save cannot be used with {', '.join(refused)}")
    path = stored_template_path(name, new=True)
    data: dict[str, Any] = {}
    if request.model_id:
        try:
            data["model"] = llm.get_model(request.model_id).model_id
        except llm.UnknownModelError as ex:
            raise click.ClickException(f"'{request.model_id}' is not a known model") from ex
    if prompt:
        data["prompt"] = prompt
    if request.system:
        data["system"] = request.system
    if request.params:
        data["defaults"] = dict(request.params)
    if request.extract:
        data["extract"] = True
    if request.extract_last:
        data["extract_last"] = True
    schema = resolve_schema_input(
        request.schema_multi or request.schema, request.database, multi=bool(request.schema_multi)
    )
    if schema:
        data["schema_object"] = schema
    if request.fragments:
        data["fragments"] = list(request.fragments)
    if request.system_fragments:
        data["system_fragments"] = list(request.system_fragments)
    typed = {id(a) for a in attachment_types}
    # Only attachments with a path or URL can be saved; piped content has neither.
    plain = [a.path or a.url for a in request.attachments if id(a) not in typed]
    if any(plain):
        data["attachments"] = [where for where in plain if where]
    with_type = [{"type": a.type, "value": a.path or a.url} for a in attachment_types]
    if any(item["value"] for item in with_type):
        data["attachment_types"] = [item for item in with_type if item["value"]]
    if request.options:
        data["options"] = _typed_options(request)
    _write_yaml(path, data)


def _typed_options(request: PromptRequest) -> dict[str, Any]:
    """``-o`` values converted to the types the model's options declare (an option with a
    fixed set of values, such as ``reasoning_effort``, saved as its plain value)."""
    import enum

    from .models_lookup import find_model_id, load_model, validate_options

    model = load_model(find_model_id(request.model_id, request.queries))
    return {
        name: value.value if isinstance(value, enum.Enum) else value
        for name, value in validate_options(model, request.options).items()
    }


def _write_yaml(path: Any, data: dict[str, Any]) -> None:
    import yaml

    from llm.config import ConfigFileError, write_atomic

    text = yaml.dump(data, indent=4, default_flow_style=False, sort_keys=False, allow_unicode=True)
    try:
        write_atomic(path, text)  # all of it or, on a full disk, nothing
    except ConfigFileError as ex:
        raise click.ClickException(str(ex)) from ex

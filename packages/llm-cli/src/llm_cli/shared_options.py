"""Options that ``prompt`` and ``chat`` share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def stack_options(*decorators: _Decorator) -> _Decorator:
    """One decorator applying several click options, in the order written."""

    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


fragment_options = stack_options(
    click.option(
        "fragments",
        "-f",
        "--fragment",
        multiple=True,
        help="Fragment (alias, URL, hash or file path) to add to the prompt",
    ),
    click.option(
        "system_fragments",
        "--sf",
        "--system-fragment",
        multiple=True,
        help="Fragment to add to system prompt",
    ),
)

template_options = stack_options(
    click.option("-t", "--template", multiple=True, help="Template to use"),
    click.option(
        "param", "-p", "--param", type=(str, str), multiple=True, help="Parameters for template"
    ),
    click.option(
        "trust_template",
        "--trust-template",
        is_flag=True,
        help="Let templates from URLs and plugin loaders read local files and run their"
        " functions, as your own templates may",
    ),
)

model_option_pairs = click.option(
    "options",
    "-o",
    "--option",
    type=(str, str),
    multiple=True,
    help="key/value options for the model",
)

continue_options = stack_options(
    click.option(
        "_continue", "-c", "--continue", is_flag=True, help="Continue the most recent conversation."
    ),
    click.option(
        "conversation_id",
        "--cid",
        "--conversation",
        help="Continue the conversation with the given ID.",
    ),
)

database_option = click.option("-d", "--database", help="Path to log database (or a database URL)")

#: Answers that do not match the schema are sent back this many times unless
#: ``--schema-retries`` says otherwise (0 would behave as the original: no checking).
SCHEMA_RETRIES_DEFAULT = 1
#: Each retry is a paid call: a model that has not matched the schema in ten more tries is
#: not going to, and a typo (``--schema-retries 1000000``) must not become a thousand calls.
SCHEMA_RETRIES_MAX = 10

schema_options = stack_options(
    click.option("schema_input", "--schema", help="JSON schema, filepath or ID"),
    click.option("--schema-multi", help="JSON schema to use for multiple results"),
    click.option(
        "--schema-retries",
        type=click.IntRange(min=0, max=SCHEMA_RETRIES_MAX),
        default=SCHEMA_RETRIES_DEFAULT,
        show_default=True,
        help="Re-ask the model this many times when its answer does not match the schema",
    ),
)

hide_reasoning_option = click.option(
    "hide_reasoning", "-R", "--hide-reasoning", is_flag=True, help="Hide reasoning output"
)

render_option = click.option(
    "--render/--no-render",
    default=None,
    help="Show the answer as formatted Markdown (default: on a terminal; LLM_RENDER=0/1)",
)

"""The plugin hooks: names and signatures match the original, so its plugins work unchanged."""

from typing import Any

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("llm")
hookimpl = HookimplMarker("llm")


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the click group of the ``llm`` CLI."""


@hookspec
def register_models(register: Any, model_aliases: Any) -> None:
    """Call ``register(model, async_model=None, aliases=None)`` for each model.
    ``model_aliases`` lists the models registered so far (``ModelWithAliases``); a plugin
    may leave it out of its hook's parameters."""


@hookspec
def register_embedding_models(register: Any) -> None:
    """Call ``register(model, aliases=None)`` for each embedding model."""


@hookspec
def register_tools(register: Any) -> None:
    """Call ``register(function_or_toolbox_class, name=None)`` for each tool."""


@hookspec
def register_template_loaders(register: Any) -> None:
    """Call ``register(prefix, loader)``; ``loader(name)`` returns a template."""


@hookspec
def register_fragment_loaders(register: Any) -> None:
    """Call ``register(prefix, loader)``; ``loader(argument)`` returns fragments/attachments."""

"""Exceptions that models, plugins and applications raise and catch."""


class ModelError(Exception):
    """An error a model wants shown to the user as a plain message."""


class NeedsKeyException(ModelError):
    """The model needs an API key and none was supplied or configured."""


class UnknownModelError(KeyError):
    """No installed model has this ID or alias."""

    def __str__(self) -> str:
        # KeyError quotes its argument; users should see the message as written.
        return str(self.args[0]) if self.args else ""


class ConversationNotSupported(ValueError):
    """The model answers single prompts only: it cannot be sent a history with assistant or
    tool messages (``supports_conversation = False``)."""

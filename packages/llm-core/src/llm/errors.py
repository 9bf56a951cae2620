"""Exceptions that models, plugins and applications raise and catch."""

from __future__ import annotations


class ModelError(Exception):
    """An error a model wants shown to the user as a plain message."""


class NeedsKeyException(ModelError):
    """The model needs an API key and none was supplied or configured."""


class UnknownModelError(KeyError):
    """No installed model has this ID or alias."""

    def __str__(self) -> str:
        # KeyError quotes its argument; users should see the message as written.
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------- provider-neutral errors
#
# What a provider's failure means for the caller, whatever the provider: the CLI, the Python
# API and ``llm serve`` decide to wait, retry, fall back or give up from the class alone.
# Providers may raise these; errors they raise of their own are mapped by
# ``llm.resilience.classify`` from the status code and headers that the common HTTP
# libraries (httpx, httpx2, requests, the openai and anthropic SDKs) attach to them.


class ProviderError(ModelError):
    """A model provider refused or failed a request. ``status`` is the HTTP status, if any."""

    #: Worth sending the same request again after a wait.
    transient = False
    #: Another model may be able to answer where this one cannot.
    another_model_may_help = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    def reworded(self, message: str) -> ProviderError:
        """The same error (class, status, wait asked for) with another message."""
        copy = type(self)(message, status=self.status)
        copy.__dict__.update({k: v for k, v in self.__dict__.items() if k != "args"})
        return copy


class RateLimited(ProviderError):
    """Too many requests (429). ``retry_after`` is the wait the provider asked for, in seconds."""

    transient = True
    another_model_may_help = True

    def __init__(
        self, message: str, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unavailable(ProviderError):
    """The provider is overloaded, down or unreachable (5xx, 529, a refused connection)."""

    transient = True
    another_model_may_help = True


class TimedOut(Unavailable):
    """No answer within the timeout. Not retried (the user has already waited the whole
    timeout), but another model may answer."""

    transient = False


class AuthenticationFailed(ProviderError):
    """The key was missing, wrong or not allowed this model (401, 403)."""


class ContextTooLong(ProviderError):
    """The prompt is longer than the model's context window."""

    another_model_may_help = True


class BadRequest(ProviderError):
    """The provider rejected the request as malformed (400, 404, 422): sending it again fails."""


class ConversationNotSupported(ValueError):
    """The model answers single prompts only: it cannot be sent a history with assistant or
    tool messages (``supports_conversation = False``)."""

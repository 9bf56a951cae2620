"""The one exception class the log store raises."""


class StoreError(Exception):
    """A log store problem, described in one line fit to show a user.

    Raised for unreadable or corrupt databases, unwritable locations, locks held past the
    timeout, bad database URLs and unreachable servers. The underlying driver exception, if
    any, is chained as ``__cause__`` for debugging.
    """

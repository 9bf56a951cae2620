"""The version of the whole llm family: the one line a release changes."""

__version__ = "1.0.0"

"""llm-cli: the ``llm`` command-line tool."""

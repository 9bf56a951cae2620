"""One module per top-level command."""

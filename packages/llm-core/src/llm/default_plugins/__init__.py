"""Module paths of the original's built-in plugins, kept for plugins that import from them."""

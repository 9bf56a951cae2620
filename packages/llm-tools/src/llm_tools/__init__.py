"""llm_tools: see the README of the llm-tools distribution for what this package will hold."""

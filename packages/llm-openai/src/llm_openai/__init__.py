"""llm_openai: see the README of the llm-openai distribution for what this package will hold."""

"""llm_tools: see the llm-tools README for what this package will hold."""

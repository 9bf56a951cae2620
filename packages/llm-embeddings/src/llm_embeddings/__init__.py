"""llm_embeddings: see the llm-embeddings README for what this package will hold."""

"""llm_embeddings: see the README of the llm-embeddings distribution for what this package will hold."""

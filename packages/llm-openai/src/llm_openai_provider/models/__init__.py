"""The model classes: chat, completion and embedding models, each sync and async."""

"""Model options: a pydantic model per model class, validated before any request."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Options(BaseModel):
    """Base class for a model's options. Unknown options are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    def set_values(self) -> dict[str, Any]:
        """The options that have a value (``None`` means "not set")."""
        return {k: v for k, v in self.model_dump().items() if v is not None}

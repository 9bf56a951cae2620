"""``extra-openai-models.yaml``: more OpenAI models, and OpenAI-compatible endpoints.

The file lives in ``llm.user_dir()`` and holds a list of mappings, one per model::

    - model_id: orca-openai-compat
      model_name: orca-mini-3b.ggmlv3
      api_base: "http://localhost:8080"
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import llm

from .catalog import ModelSpec

FILENAME = "extra-openai-models.yaml"

_BOOLEAN_KEYS = (
    "vision",
    "audio",
    "reasoning",
    "supports_schema",
    "supports_tools",
    "completion",
    "responses",
    "verbosity",
)


class ConfigError(ValueError):
    """An entry of extra-openai-models.yaml that cannot be used."""


def config_path() -> Path:
    return llm.user_dir() / FILENAME


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


def _as_bool(entry: dict[str, Any], key: str, default: bool) -> bool:
    """YAML booleans, and the 1/0 (or "true"/"false") that files written for the original use."""
    value = entry.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigError(f"'{key}' must be true or false, not {value!r}")


def _optional_str(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise ConfigError(f"'{key}' must be a string, not {value!r}")
    return str(value)


def spec_from_entry(entry: Any) -> ModelSpec:
    """A ModelSpec from one YAML entry; ``ConfigError`` says what is wrong with it."""
    if not isinstance(entry, dict):
        raise ConfigError(f"each entry must be a mapping, not {entry!r}")
    model_id = _optional_str(entry, "model_id")
    if not model_id:
        raise ConfigError("an entry has no 'model_id'")
    aliases = entry.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list):
        raise ConfigError(f"{model_id}: 'aliases' must be a list")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict):
        raise ConfigError(f"{model_id}: 'headers' must be a mapping")
    try:
        return ModelSpec(
            model_id=model_id,
            aliases=tuple(str(alias) for alias in aliases),
            model_name=_optional_str(entry, "model_name"),
            api_base=_optional_str(entry, "api_base"),
            api_key_name=_optional_str(entry, "api_key_name"),
            headers={str(k): str(v) for k, v in headers.items()},
            can_stream=_as_bool(entry, "can_stream", True),
            **{key: _as_bool(entry, key, False) for key in _BOOLEAN_KEYS},
        )
    except ConfigError as ex:
        raise ConfigError(f"{model_id}: {ex}") from None


def load_extra_models(path: Path | None = None) -> list[ModelSpec]:
    """The models in extra-openai-models.yaml; problems are reported on stderr and the
    offending entries skipped, so a typo does not break every ``llm`` command."""
    path = path or config_path()
    if not path.exists():
        return []
    import yaml

    from llm import limits

    try:
        # Bounded as templates are: a few hundred bytes of nested YAML aliases ("billion
        # laughs") would otherwise expand to gigabytes as the entries are read.
        limit = limits.max_fragment_bytes()
        data = limits.load_yaml_within(_read_text(path, limit), limit)
    except UnicodeDecodeError as ex:
        _warn(f"could not read {path}: not UTF-8 text (invalid byte at position {ex.start})")
        return []
    except limits.YAMLExpansionError as ex:
        _warn(f"{path} {ex}; its models are not loaded")
        return []
    except limits.LimitError as ex:  # too large, or LLM_MAX_FRAGMENT_BYTES is not valid
        _warn(f"{ex}; the models of {path} are not loaded")
        return []
    except (OSError, yaml.YAMLError) as ex:
        _warn(f"could not read {path}: {' '.join(str(ex).split())}")
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        _warn(f"{path} must contain a list of models")
        return []
    specs = []
    for entry in data:
        try:
            specs.append(spec_from_entry(entry))
        except ConfigError as ex:
            _warn(f"{path}: {ex}")
    return specs


def _read_text(path: Path, limit: int) -> str:
    """The file's text; past ``limit`` bytes (0: no limit) a ``LimitError``."""
    from llm import limits

    with path.open("rb") as file:
        data = file.read(limit + 1) if limit else file.read()
    if limit and len(data) > limit:
        raise limits.too_large(str(path), limit, limits.MAX_FRAGMENT_BYTES_ENV)
    return data.decode("utf-8-sig")


_warned: set[str] = set()


def _warn(message: str) -> None:
    """Say it once per process: the file is read each time the models are registered, which
    one command (``llm models list``) may ask for more than once."""
    from llm.redact import redact  # a YAML error may quote an api_base with its password

    if message in _warned:
        return
    _warned.add(message)
    print(f"Warning: {redact(message)}", file=sys.stderr)

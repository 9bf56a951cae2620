"""pydantic's plugin lookup answered by the plugin cache (``llm/pydantic_plugins.py``).

Each case runs in a fresh process, as a command does: the stand-in lives in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llm import pydantic_plugins

#: The plugin cache read as the CLI reads it, then a model's options built and validated.
PROBE = """
import json, sys
from llm import plugin_cache
plugin_cache.current(lambda hook: [])
import llm

class Options(llm.Options):
    size: int = 1

print(json.dumps({
    "size": Options(size="3").size,
    "metadata_imported": "importlib.metadata" in sys.modules,
    "loader": type(sys.modules["pydantic.plugin._loader"]).__name__,
}))
"""

#: A pydantic plugin that writes the name of every model it sees to a file.
MARKER_PLUGIN = """
import os

class Plugin:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        with open(os.environ["MARKER_FILE"], "a") as f:
            f.write(path.name + "\\n")
        return None, None, None

plugin = Plugin()
"""


def _run(user_path: Path, site: Path, marker: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "PYDANTIC_"))}
    env.update(LLM_USER_PATH=str(user_path), PYTHONPATH=str(site), MARKER_FILE=str(marker))
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    return site


def test_with_no_pydantic_plugins_a_current_cache_spares_the_scan(
    user_path: Path, site: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    first = _run(user_path, site, marker)  # builds the cache: it scans
    assert first["size"] == 3
    second = _run(user_path, site, marker)
    assert second == {"size": 3, "metadata_imported": False, "loader": "_Loader"}


def test_an_installed_pydantic_plugin_still_sees_every_model(
    user_path: Path, site: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    _run(user_path, site, marker)  # builds the cache
    assert _run(user_path, site, marker)["loader"] == "_Loader"  # which says: none
    # Installing a pydantic plugin changes the environment: the record is taken again.
    (site / "marker_plugin.py").write_text(MARKER_PLUGIN)
    info = site / "pydantic_marker-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pydantic-marker\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nmarker = marker_plugin:plugin\n")
    for _ in range(2):  # while the cache is rebuilt, and from the rebuilt cache
        marker.unlink(missing_ok=True)
        report = _run(user_path, site, marker)
        assert report["size"] == 3 and report["loader"] == "module"
        assert "Options" in marker.read_text().split()


def test_the_stand_in_defers_to_pydantic_once_the_record_is_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, pydantic_plugins.LOADER, raising=False)
    stand_in = pydantic_plugins._Loader(lambda: False)
    monkeypatch.setitem(sys.modules, pydantic_plugins.LOADER, stand_in)
    found = stand_in.get_plugins()
    real = sys.modules[pydantic_plugins.LOADER]
    assert real is not stand_in and list(found) == list(real.get_plugins())
    # A name the stand-in does not define is pydantic's own.
    assert pydantic_plugins._Loader(lambda: True).PYDANTIC_ENTRY_POINT_GROUP == "pydantic"
    assert pydantic_plugins._Loader(lambda: True)._plugins is real._plugins

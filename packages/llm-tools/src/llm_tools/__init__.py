"""llm_tools: the built-in tools, ``llm_version`` and ``llm_time``.

They reach ``llm`` the way any plugin's tools do: ``llm_tools.plugin`` implements the
``register_tools`` hook and is listed in the ``llm`` entry-point group. ``llm.tools`` re-exports
both functions, where the original's plugins and tests import them from.
"""

import datetime
import time
from importlib import metadata

__all__ = ["llm_time", "llm_version"]


def llm_version() -> str:
    "Return the installed version of llm"
    for distribution in ("llm", "llm-core"):  # the meta-package, else the core library
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    import llm

    return llm.__version__


def _utc_offset(seconds: int) -> str:
    """Like the original: ``UTC+05:30``, ``UTC+00:00``, ``UTC-5:00`` (its layout, kept for
    whatever reads it), but with the right minutes west of UTC (St John's is ``UTC-3:30``)."""
    sign = "+" if seconds >= 0 else "-"
    hours, remainder = divmod(abs(seconds), 3600)
    hours_text = f"{hours:02d}" if sign == "+" else str(hours)
    return f"UTC{sign}{hours_text}:{remainder // 60:02d}"


def llm_time() -> dict:  # bare `dict`: the signature `llm tools list` shows
    "Returns the current time, as local time and UTC"
    utc = datetime.datetime.now(datetime.UTC)
    local = utc.astimezone()
    is_dst = time.localtime(utc.timestamp()).tm_isdst > 0
    offset = local.utcoffset() or datetime.timedelta(0)
    return {
        "utc_time": utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "utc_time_iso": utc.isoformat(),
        "local_timezone": local.tzname() or time.tzname[int(is_dst)],
        "local_time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "timezone_offset": _utc_offset(int(offset.total_seconds())),
        "is_dst": is_dst,
    }

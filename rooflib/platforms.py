"""The hardware catalogue: real machines with cited figures, loaded from ``data/platforms.toml``. Notebook 02.

Every figure is a dense peak from a vendor datasheet (never the "with sparsity" figure, which
is twice the dense one) or a derivation spelled out in the data file, with its source URL.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from ._validate import unknown_name
from .core import Ceiling, Platform, _normalise_dtype

__all__ = ["get", "names", "all_platforms", "records", "table"]

_DATA = "platforms.toml"


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    text = resources.files("rooflib").joinpath("data", _DATA).read_text(encoding="utf-8")
    entries = tomllib.loads(text)["platform"]
    by_name: dict[str, dict[str, Any]] = {}
    index: dict[str, str] = {}
    for entry in entries:
        name = entry["name"]
        by_name[name] = entry
        for spelling in [name, *entry.get("aliases", [])]:
            index[_compact(spelling)] = name
    return by_name, index


def names() -> list[str]:
    """Canonical catalogue names, lowercase and hyphenated, in catalogue order."""
    return list(_load()[0])


def records() -> list[dict[str, Any]]:
    """The raw catalogue entries as dicts (a copy), sources included."""
    import copy

    return copy.deepcopy(list(_load()[0].values()))


def _resolve(name: str) -> str:
    if isinstance(name, Platform):
        return name.name
    by_name, index = _load()
    if not isinstance(name, str):
        raise KeyError(f"platform name must be a string, got {name!r}")
    key = _compact(name)
    if key in index:
        return index[key]
    raise unknown_name("platform", name, by_name)


def get(name: str | Platform, dtype: str | None = None) -> Platform:
    """A catalogue Platform by name (``"gtx-1080-ti"``, ``"1080Ti"``, ``"H100"``), roof at ``dtype``'s dense peak.

    ``dtype=None`` uses the entry's default dtype (fp32 for most; bf16 for accelerators that only
    quote tensor figures). A Platform passed in is returned as it is (re-rooted if ``dtype`` is given).
    """
    if isinstance(name, Platform):
        return name if dtype is None else name.for_dtype(dtype)
    entry = _load()[0][_resolve(name)]
    default = entry.get("dtype", "fp32")
    key = _normalise_dtype(dtype) if dtype is not None else default
    peaks = dict(entry["peaks"])
    if key not in peaks:
        raise unknown_name(f"dtype for platform {entry['name']!r}", dtype, peaks)
    ceilings = tuple(Ceiling(c["name"], c["value"], c["kind"]) for c in entry.get("ceilings", []))
    return Platform(
        name=entry["name"],
        peak_flops=peaks[key],
        bandwidth=entry["bandwidth"],
        ceilings=ceilings,
        memory_bytes=entry.get("memory_bytes"),
        peaks=peaks,
        dtype=key,
        display_name=entry.get("display_name", entry["name"]),
        sources=entry.get("sources", {}),
        notes=entry.get("notes", ""),
    )


def all_platforms(dtype: str | None = None) -> list[Platform]:
    """Every catalogue entry as a Platform (entries lacking ``dtype`` are skipped when it is given)."""
    out = []
    for n in names():
        if dtype is None or _normalise_dtype(dtype) in _load()[0][n]["peaks"]:
            out.append(get(n, dtype))
    return out


def table(dtype: str | None = None) -> list[dict[str, Any]]:
    """One row per platform: name, dtype, peak_flops (FLOP/s), bandwidth (bytes/s), ridge point, memory."""
    return [
        {"name": p.name, "display_name": p.display_name, "dtype": p.dtype, "peak_flops": p.peak_flops,
         "bandwidth": p.bandwidth, "ridge_point": p.ridge_point, "memory_bytes": p.memory_bytes}
        for p in all_platforms(dtype)
    ]

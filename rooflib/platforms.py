"""The hardware catalogue: real machines with cited figures, loaded from ``data/platforms.toml``. Notebook 02.

Every figure is a dense peak from a vendor datasheet (never the "with sparsity" figure, which
is twice the dense one) or a derivation spelled out in the entry's ``notes``, with its source URL
under ``sources`` (same key as the figure; ceilings as ``"ceiling:NAME"``, memory levels as
``"level:NAME"``). Peaks are in FLOP/s (OP/s for integer dtypes, an FMA counts as 2), bandwidth in
bytes/s, memory in bytes: ``memory_stated`` is the datasheet's wording ("80 GB") and ``memory_means``
the unit it means ("GiB" for binary, "GB" for decimal); the loader checks that they give ``memory_bytes``.

Names are lowercase-hyphenated (``"h100-sxm"``); lookups also accept the spellings people type
(``"H100"``, ``"1080Ti"``, ``"TPU v5e"``, ``"Pi 5"``), ignoring case, spaces, hyphens and dots.
``"A100"`` alone means ``"a100-80gb"``. ``interconnect`` names the machine's usual device-to-device
link in ``data/interconnects.toml`` (``rl.comm.get``; notebook 07), or is absent.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from ._validate import CATALOGUE_NAME, index_catalogue, is_url, lookup_key, unknown_name
from .core import Ceiling, MemoryLevel, Platform
from .units import normalise_dtype

__all__ = ["get", "names", "all_platforms", "records", "table"]

_DATA = "platforms.toml"


def _check_entry(entry: dict[str, Any]) -> None:
    """Raise ValueError if a catalogue entry breaks the file's conventions (caught at load time)."""
    name = entry.get("name")
    if not isinstance(name, str) or not CATALOGUE_NAME.match(name):
        raise ValueError(f"catalogue name must be lowercase-hyphenated, got {name!r}")
    peaks = entry.get("peaks")
    if not isinstance(peaks, dict) or not peaks:
        raise ValueError(f"platform {name!r}: peaks must be a non-empty table of dtype -> FLOP/s")
    default = entry.get("dtype", "fp32")
    if default not in peaks:
        raise ValueError(f"platform {name!r}: default dtype {default!r} has no peak (have {sorted(peaks)})")
    link = entry.get("interconnect")
    if link is not None and (not isinstance(link, str) or not CATALOGUE_NAME.match(link)):
        raise ValueError(f"platform {name!r}: interconnect must be a link catalogue name such as 'nvlink4', "
                         f"got {link!r}")
    _check_memory(name, entry)
    _check_ceilings(name, entry, peaks[default])
    sources = entry.get("sources", {})
    figures = [*peaks, "bandwidth", "memory_bytes", *(f"ceiling:{c['name']}" for c in entry.get("ceilings", [])),
               *(f"level:{lv['name']}" for lv in entry.get("levels", []))]
    for key in figures:
        if key == "memory_bytes" and "memory_bytes" not in entry:
            continue
        if not is_url(sources.get(key)):
            raise ValueError(f"platform {name!r}: figure {key!r} needs a source URL under sources.{key}")


_UNITS = {"GiB": 2**30, "GB": 1e9}


def _check_memory(name: str, entry: dict[str, Any]) -> None:
    """memory_bytes must be what the datasheet states ("80 GB") in the unit it means ("GiB" or "GB")."""
    if "memory_bytes" not in entry:
        return
    stated, means = entry.get("memory_stated"), entry.get("memory_means")
    if means not in _UNITS or not isinstance(stated, str) or not re.fullmatch(r"\d+(\.\d+)? ?GB", stated):
        raise ValueError(f"platform {name!r}: memory_bytes needs memory_stated (the datasheet's words, e.g. '80 GB') "
                         f"and memory_means ('GiB' if those GB are binary, 'GB' if decimal), got {stated!r}, {means!r}")
    want = float(stated.rstrip("GB").strip()) * _UNITS[means]
    if entry["memory_bytes"] != want:
        raise ValueError(f"platform {name!r}: memory_bytes {entry['memory_bytes']!r} is not {stated} read as {means} "
                         f"({want:.0f} bytes)")


def _check_ceilings(name: str, entry: dict[str, Any], peak: float) -> None:
    """Ceilings lie under the roof (at the default dtype); memory levels are faster than main memory."""
    for c in entry.get("ceilings", []):
        roof = peak if c["kind"] == "compute" else entry["bandwidth"]
        if not c["value"] < roof:
            raise ValueError(f"platform {name!r}: ceiling {c['name']!r} ({c['value']!r}) is not under the roof "
                             f"({roof!r}); a faster memory level belongs under levels")
    for lv in entry.get("levels", []):
        if not lv["bandwidth"] > entry["bandwidth"]:
            raise ValueError(f"platform {name!r}: level {lv['name']!r} must be faster than main memory")


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(entries by canonical name, lookup key -> canonical name), validated once per process."""
    text = resources.files("rooflib").joinpath("data", _DATA).read_text(encoding="utf-8")
    entries = tomllib.loads(text)["platform"]
    return index_catalogue(entries, "platform", _check_entry)


def names() -> list[str]:
    """Canonical catalogue names, lowercase and hyphenated, in catalogue order."""
    return list(_load()[0])


def records() -> list[dict[str, Any]]:
    """The raw catalogue entries as dicts (a deep copy: changing it leaves the catalogue alone), sources included."""
    return copy.deepcopy(list(_load()[0].values()))


def _unknown(name: object) -> KeyError:
    """KeyError for an unknown platform, naming the closest canonical names (aliases count as spellings)."""
    by_name, index = _load()
    close_keys = difflib.get_close_matches(lookup_key(name), list(index), n=6, cutoff=0.5)
    close = list(dict.fromkeys(index[k] for k in close_keys))[:3]
    return unknown_name("platform", name, by_name, suggestions=close or None)


def _resolve(name: str) -> str:
    """Canonical name for any accepted spelling; KeyError with close matches otherwise."""
    if isinstance(name, Platform):
        return name.name
    if not isinstance(name, str):
        raise KeyError(f"platform name must be a string such as 'h100-sxm', got {name!r}")
    key = lookup_key(name)
    index = _load()[1]
    if key in index:
        return index[key]
    raise _unknown(name)


def get(name: str | Platform, dtype: str | None = None) -> Platform:
    """A catalogue Platform by name (``"gtx-1080-ti"``, ``"1080Ti"``, ``"H100"``), roof at ``dtype``'s dense peak.

    ``peak_flops_per_s`` is in FLOP/s, ``bandwidth`` in bytes/s. ``dtype=None`` uses the entry's default
    dtype (fp32 for GPUs and CPUs; bf16 for the TPU, which quotes no fp32 figure). A dtype the
    machine does not list raises KeyError naming the ones it does. A Platform passed in is
    returned as it is (re-rooted if ``dtype`` is given).
    """
    if isinstance(name, Platform):
        return name if dtype is None else name.for_dtype(dtype)
    entry = _load()[0][_resolve(name)]
    default = entry.get("dtype", "fp32")
    key = normalise_dtype(dtype) if dtype is not None else default
    peaks = dict(entry["peaks"])
    if key not in peaks:
        raise unknown_name(f"dtype for platform {entry['name']!r}", dtype, peaks)
    ceilings = tuple(Ceiling(c["name"], c["value"], c["kind"]) for c in entry.get("ceilings", []))
    plat = Platform(
        name=entry["name"],
        peak_flops_per_s=peaks[key],
        bandwidth=entry["bandwidth"],
        ceilings=ceilings,
        memory_bytes=entry.get("memory_bytes"),
        peaks=peaks,
        dtype=key,
        display_name=entry.get("display_name", entry["name"]),
        sources=dict(entry.get("sources", {})),
        notes=entry.get("notes", ""),
        interconnect=entry.get("interconnect"),
        levels=tuple(MemoryLevel(lv["name"], lv["bandwidth"]) for lv in entry.get("levels", [])),
    )
    return plat if dtype is None else plat.for_dtype(key)


def all_platforms(dtype: str | None = None) -> list[Platform]:
    """Every catalogue entry as a Platform, in catalogue order (entries lacking ``dtype`` are skipped when it is given)."""
    key = None if dtype is None else normalise_dtype(dtype)
    return [get(n, key) for n in names() if key is None or key in _load()[0][n]["peaks"]]


def table(dtype: str | None = None):
    """The catalogue as a pandas DataFrame indexed by name: display_name, dtype, peak_flops_per_s (FLOP/s),
    bandwidth (bytes/s), ridge_point (FLOP/byte), memory_bytes (bytes), interconnect (a link name or None)."""
    import pandas as pd

    return pd.DataFrame([
        {"name": p.name, "display_name": p.display_name, "dtype": p.dtype, "peak_flops_per_s": p.peak_flops_per_s,
         "bandwidth": p.bandwidth, "ridge_point": p.ridge_point, "memory_bytes": p.memory_bytes,
         "interconnect": p.interconnect}
        for p in all_platforms(dtype)
    ]).set_index("name")

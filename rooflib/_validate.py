"""Input checks shared by every module: clear errors that name the parameter and the value."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from numbers import Real
from urllib.parse import urlparse

import numpy as np

__all__ = ["positive", "nonnegative", "positive_int", "intensity_array", "unknown_name", "lookup_key", "is_url",
           "CATALOGUE_NAME", "index_catalogue"]

CATALOGUE_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""How a catalogue entry is named: lowercase letters and digits in hyphenated words (``"h100-sxm"``)."""


def lookup_key(name: object) -> str:
    """The key every catalogue looks a spelling up by: lowercase letters and digits only
    (``"H100 SXM"`` -> ``"h100sxm"``, ``"NVLink 4"`` -> ``"nvlink4"``, ``"Llama-2-7B"`` -> ``"llama27b"``)."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def index_catalogue(entries: Iterable[dict], kind: str, check: Callable[[dict], None]):
    """(entries by canonical name, lookup key -> canonical name) for a catalogue's entries, each checked by
    ``check``; a name given twice, or an alias that collides with another entry's spelling, is a ValueError."""
    by_name: dict[str, dict] = {}
    index: dict[str, str] = {}
    for entry in entries:
        check(entry)
        name = entry["name"]
        if name in by_name:
            raise ValueError(f"{kind} name {name!r} appears twice")
        by_name[name] = entry
        for spelling in [name, *entry.get("aliases", [])]:
            key = lookup_key(spelling)
            if index.get(key, name) != name:
                raise ValueError(f"alias {spelling!r} of {name!r} collides with {kind} {index[key]!r}")
            index[key] = name
    return by_name, index


def is_url(value: object) -> bool:
    """True for an http(s) URL with a host and no spaces: what a catalogue accepts as a source."""
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in value


def _as_float(name: str, value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):  # np.floating, np.integer are Real; complex is not
        raise ValueError(f"{name} must be {what}, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return x


def positive(name: str, value: object, unit: str = "") -> float:
    """Return ``value`` as a float, or raise ValueError unless it is a positive finite number."""
    what = f"a positive finite number{' of ' + unit if unit else ''}"
    x = _as_float(name, value, what)
    if x <= 0:
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return x


def nonnegative(name: str, value: object, unit: str = "") -> float:
    """Return ``value`` as a float, or raise ValueError unless it is a finite number >= 0."""
    what = f"a finite number >= 0{' of ' + unit if unit else ''}"
    x = _as_float(name, value, what)
    if x < 0:
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return x


def positive_int(name: str, value: object) -> int:
    """Return ``value`` as an int, or raise ValueError unless it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def intensity_array(name: str, value: object) -> np.ndarray:
    """Validate an intensity (FLOP/byte), scalar or array, as finite and >= 0; return a float array."""
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iufO":  # bool, complex, str, bytes, datetime: not an intensity ("5", True, 1j)
            raise TypeError
        arr = raw.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0 FLOP/byte (or an array of them), got {value!r}") from None
    if arr.dtype == object or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        bad = value if arr.ndim == 0 else arr[~(np.isfinite(arr) & (arr >= 0))][:3].tolist()
        raise ValueError(f"{name} must be a finite number >= 0 FLOP/byte (or an array of them), got {bad!r}")
    return arr


def unknown_name(kind: str, name: object, known: Iterable[str], suggestions: Iterable[str] | None = None) -> KeyError:
    """The one unknown-name error of the library: a KeyError naming what was asked for, the closest
    known names (``suggestions`` when the caller knows better ones, e.g. through aliases) and all of them."""
    known = list(known)
    close = (list(suggestions) if suggestions is not None
             else difflib.get_close_matches(str(name).lower(), known, n=3, cutoff=0.4))
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return KeyError(f"unknown {kind} {name!r}{hint} (known: {', '.join(sorted(known))})")

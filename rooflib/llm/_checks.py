"""Input checks for rl.llm: flags are real bools, counts are whole numbers that a float holds exactly, bit widths
come from a short list. Every error is a ValueError naming the parameter and the value."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["BITS", "MAX_COUNT", "flag", "count", "counts", "past_counts", "optional_count", "bits", "scalar", "show"]

#: Bit widths accepted for weights, activations and KV-cache entries.
BITS = (1, 2, 3, 4, 8, 16, 32)
#: The largest count accepted: 2**53, the last whole number a float64 holds exactly (the sweeps run in floats).
MAX_COUNT = 2**53
_COUNT = "a whole number from 1 to 2**53"


def show(value: object) -> str:
    """``repr(value)``, shortened when it is long (a 400-digit integer, a big array)."""
    r = repr(value)
    return r if len(r) <= 60 else f"{r[:24]}...{r[-12:]} ({len(r)} characters)"


def flag(name: str, value: object) -> bool:
    """``value`` as a bool, or ValueError unless it is True or False (numpy bools too; not "False", not 0)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {show(value)}")


def count(name: str, value: object) -> int:
    """``value`` as an int, or ValueError unless it is a whole number from 1 to 2**53 (int or numpy integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= MAX_COUNT:
        raise ValueError(f"{name} must be {_COUNT}, got {show(value)}")
    return int(value)


def counts(name: str, value: object) -> np.ndarray:
    """A count or an array of them (whole numbers from 1 to 2**53; whole floats such as 4.0 pass) as a float array."""
    return _whole(name, value, 1)


def past_counts(name: str, value: object) -> np.ndarray:
    """Like :func:`counts` but 0 is allowed (tokens already cached before a prefill): a float array >= 0."""
    return _whole(name, value, 0)


def _whole(name: str, value: object, low: int) -> np.ndarray:
    what = f"a whole number from {low} to 2**53 (or an array of them)"
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iufO":  # bool, str, complex, ...: not a count
            raise TypeError
        arr = raw.astype(float)       # an int past float range raises OverflowError here
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be {what}, got {show(value)}") from None
    ok = np.isfinite(arr) & (arr >= low) & (arr <= MAX_COUNT) & (arr == np.floor(arr))
    if raw.dtype.kind in "iuO":       # 2**53 + 1 rounds to 2**53 as a float: compare the integers themselves
        ok &= np.asarray(raw <= MAX_COUNT, dtype=bool)
    if arr.size == 0 or not np.all(ok):
        bad = value if arr.ndim == 0 else arr[~ok][:3].tolist()
        raise ValueError(f"{name} must be {what}, got {show(bad)}")
    return arr


def optional_count(name: str, value: object) -> int | None:
    """None, or ``value`` as a count (:func:`count`)."""
    return None if value is None else count(name, value)


def bits(name: str, value: object) -> int:
    """``value`` as an int, or ValueError unless it is one of :data:`BITS`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in BITS:
        raise ValueError(f"{name} must be one of {', '.join(map(str, BITS))} bits, got {show(value)}")
    return int(value)


def scalar(x: Any) -> Any:
    """A 0-d array as a Python scalar; anything else unchanged."""
    return np.asarray(x).item() if np.ndim(x) == 0 else x

"""Units and formatting. SI throughout: 1 GB = 1e9 bytes, 1 GiB = 2**30 bytes, 1 TFLOP/s = 1e12 FLOP/s."""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "dtype_bytes", "eng", "fmt_flops",
           "fmt_bandwidth", "fmt_bytes", "fmt_time", "fmt_intensity"]

KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12
KiB, MiB, GiB, TiB = 2**10, 2**20, 2**30, 2**40

_DTYPE_BYTES = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "int4": 0.5,
                "int32": 4, "int16": 2}

_PREFIXES = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""),
             (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")]


def dtype_bytes(dtype: str | int | float) -> float:
    """Bytes per element for a dtype name (``"fp32"`` -> 4) or a number of bytes passed through."""
    from .core import _normalise_dtype

    if isinstance(dtype, Real) and not isinstance(dtype, bool):  # 2, 0.5, np.int64(2), arr.itemsize
        if not math.isfinite(dtype) or dtype <= 0:
            raise ValueError(f"dtype_bytes must be a positive number of bytes per element, got {dtype!r}")
        return dtype if isinstance(dtype, (int, float)) else float(dtype)
    key = _normalise_dtype(str(dtype))
    if key not in _DTYPE_BYTES:
        from ._validate import unknown_name

        raise unknown_name("dtype", dtype, _DTYPE_BYTES)
    return _DTYPE_BYTES[key]


def eng(value: float, unit: str = "", digits: int = 3) -> str:
    """Engineering notation with an SI prefix: ``eng(1.13e13, "FLOP/s") -> '11.3 TFLOP/s'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    value = float(f"{value:.{digits}g}")  # round first: 999.6 -> 1000 -> "1 k", for any digits
    mag = abs(value)
    for scale, prefix in _PREFIXES:
        if mag >= scale:
            return f"{value / scale:.{max(digits, 3)}g} {prefix}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


def fmt_flops(flops_per_s: float) -> str:
    """A rate in FLOP/s, e.g. ``'11.3 TFLOP/s'``."""
    return eng(flops_per_s, "FLOP/s")


def fmt_bandwidth(bytes_per_s: float) -> str:
    """A bandwidth in bytes/s with decimal prefixes, e.g. ``'484 GB/s'``."""
    return eng(bytes_per_s, "B/s")


def fmt_bytes(n: float) -> str:
    """A byte count with decimal prefixes, e.g. ``'13.5 GB'``."""
    return eng(n, "B")


def fmt_time(seconds: float) -> str:
    """A duration, e.g. ``'12.4 ms'``."""
    return eng(seconds, "s")


def fmt_intensity(flop_per_byte: float) -> str:
    """An arithmetic intensity, e.g. ``'23.3 FLOP/byte'``."""
    return f"{flop_per_byte:.3g} FLOP/byte"

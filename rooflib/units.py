"""Units and formatting. SI throughout: 1 GB = 1e9 bytes, 1 GiB = 2**30 bytes, 1 TFLOP/s = 1e12 FLOP/s."""

from __future__ import annotations

import math
from numbers import Real

from ._validate import unknown_name

__all__ = ["KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "DTYPE_BYTES", "normalise_dtype", "dtype_bytes", "eng", "fmt_flops",
           "fmt_bandwidth", "fmt_bytes", "fmt_time", "fmt_intensity"]

KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12
KiB, MiB, GiB, TiB = 2**10, 2**20, 2**30, 2**40

# Bytes per element of every dtype the library knows: the one place these sizes live.
DTYPE_BYTES = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "int4": 0.5,
               "int32": 4, "int16": 2}

_DTYPE_ALIASES = {
    "float64": "fp64", "double": "fp64", "f64": "fp64",
    "float32": "fp32", "float": "fp32", "single": "fp32", "f32": "fp32",
    "float16": "fp16", "half": "fp16", "f16": "fp16",
    "bfloat16": "bf16",
    "float8": "fp8",
    "int8": "int8", "i8": "int8",
}

_PREFIXES = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""),
             (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")]


def normalise_dtype(dtype: str) -> str:
    """The canonical dtype name for a spelling: ``"float32"`` -> ``"fp32"``, ``"BF16"`` -> ``"bf16"``."""
    if not isinstance(dtype, str):
        raise ValueError(f"dtype must be a string such as 'fp32' or 'bf16', got {dtype!r}")
    key = dtype.strip().lower()
    return _DTYPE_ALIASES.get(key, key)


def dtype_bytes(dtype: str | int | float) -> float:
    """Bytes per element for a dtype name (``"fp32"`` -> 4) or a number of bytes passed through."""

    if isinstance(dtype, Real) and not isinstance(dtype, bool):  # 2, 0.5, np.int64(2), arr.itemsize
        if not math.isfinite(dtype) or dtype <= 0:
            raise ValueError(f"dtype_bytes must be a positive number of bytes per element, got {dtype!r}")
        return dtype if isinstance(dtype, (int, float)) else float(dtype)
    key = normalise_dtype(str(dtype))
    if key not in DTYPE_BYTES:
        raise unknown_name("dtype", dtype, DTYPE_BYTES)
    return DTYPE_BYTES[key]


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

"""rooflib.units: SI constants, bytes per dtype, engineering-notation formatting.

Oracles: the SI / IEC definitions (1 GB = 1e9 bytes, 1 GiB = 2**30 bytes), the IEEE 754 and
OCP FP8 storage sizes, and the definition of engineering notation (a mantissa in [1, 1000) times a
power of 1000 named by its SI prefix).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import rooflib as rl
from rooflib import units as U


def test_si_and_binary_constants():
    assert (U.KB, U.MB, U.GB, U.TB) == (1e3, 1e6, 1e9, 1e12)
    assert (U.KiB, U.MiB, U.GiB, U.TiB) == (1024, 1024**2, 1024**3, 1024**4)
    assert U.GiB / U.GB == pytest.approx(1.073741824)


@pytest.mark.parametrize("name, size", [
    ("fp64", 8), ("fp32", 4), ("tf32", 4), ("fp16", 2), ("bf16", 2), ("fp8", 1), ("int8", 1), ("int4", 0.5),
    ("int32", 4), ("int16", 2),
    # aliases, any case, surrounding space
    ("float64", 8), ("double", 8), ("float32", 4), ("single", 4), ("half", 2), ("bfloat16", 2),
    ("FP16", 2), (" bf16 ", 2), ("float8", 1),
])
def test_dtype_bytes_names(name, size):
    assert U.dtype_bytes(name) == size


def test_dtype_bytes_agree_with_numpy_itemsize():
    for name, np_dtype in [("fp64", np.float64), ("fp32", np.float32), ("fp16", np.float16), ("int8", np.int8),
                           ("int16", np.int16), ("int32", np.int32)]:
        assert U.dtype_bytes(name) == np.dtype(np_dtype).itemsize


@pytest.mark.parametrize("size", [1, 2, 4, 3, 0.5, 16.0, np.int64(2), np.float64(4.0)], ids=repr)
def test_dtype_bytes_passes_numbers_through(size):
    # a number of bytes per element, e.g. arr.itemsize or np.dtype(...).itemsize
    assert U.dtype_bytes(size) == size


@pytest.mark.parametrize("bad", [0, -1, -0.5, math.nan, math.inf, np.int64(0), np.float64(-2.0)], ids=repr)
def test_dtype_bytes_rejects_bad_numbers(bad):
    with pytest.raises(ValueError) as info:
        U.dtype_bytes(bad)
    assert repr(bad) in str(info.value)


def test_dtype_bytes_unknown_name_suggests_close_matches():
    with pytest.raises(KeyError) as info:
        U.dtype_bytes("fp31")
    msg = str(info.value)
    assert "'fp31'" in msg and "fp32" in msg and "did you mean" in msg
    with pytest.raises(KeyError):
        U.dtype_bytes(True)  # a bool is not a size


@pytest.mark.parametrize("value, unit, text", [
    (1.13e13, "FLOP/s", "11.3 TFLOP/s"),
    (484e9, "B/s", "484 GB/s"),
    (1.0, "s", "1 s"),
    (0.0124, "s", "12.4 ms"),
    (2.5e-6, "s", "2.5 µs"),
    (3e-9, "s", "3 ns"),
    (1e15, "FLOP/s", "1 PFLOP/s"),
    (1.98e18, "FLOP/s", "1.98 EFLOP/s"),
    (999.4, "", "999"),
    (999.6, "", "1 k"),          # rounds to 1000: next prefix, never "1e+03"
    (999_600_000, "B", "1 GB"),
    (-5e9, "B", "-5 GB"),
    (0, "B", "0 B"),
    (12345, "", "12.3 k"),
])
def test_eng_examples(value, unit, text):
    assert U.eng(value, unit) == text


def test_fmt_helpers():
    assert U.fmt_flops(11.3e12) == "11.3 TFLOP/s"
    assert U.fmt_bandwidth(3.35e12) == "3.35 TB/s"
    assert U.fmt_bytes(13.5e9) == "13.5 GB"
    assert U.fmt_time(0.0124) == "12.4 ms"
    assert U.fmt_intensity(11.3e12 / 484e9) == "23.3 FLOP/byte"


_PREFIX_POWER = {"p": -12, "n": -9, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_ENG = re.compile(r"^(-?\d+(?:\.\d+)?) ([pnµmkMGTPE]?)X$")


@given(st.floats(min_value=1e-12, max_value=9e20), st.integers(min_value=1, max_value=6),
       st.booleans())
@example(0.0009995, 3, False)  # a tie just below a prefix boundary: once printed '1e+03 µB'
@example(995.0, 2, False)      # digits=2 rounds up to the next prefix: once printed '1e+03'
@example(10.0, 1, False)
def test_eng_is_engineering_notation(value, digits, negative):
    """Mantissa in [1, 1000) with at most `digits` significant digits, value recovered to that precision."""
    value = -value if negative else value
    text = U.eng(value, "X", digits=digits)
    m = _ENG.match(text)
    assert m, f"eng({value!r}, digits={digits}) = {text!r} is not engineering notation"
    mantissa, prefix = float(m.group(1)), m.group(2)
    assert 1 <= abs(mantissa) < 1000, text
    assert len(m.group(1).lstrip("-").replace(".", "").lstrip("0")) <= max(digits, 3), text
    recovered = mantissa * 10.0 ** _PREFIX_POWER[prefix]
    assert recovered == pytest.approx(value, rel=10.0 ** (1 - digits))


def test_units_public_api():
    assert {"dtype_bytes", "eng", "fmt_flops", "fmt_bandwidth", "fmt_bytes", "fmt_time", "GB", "GiB"} <= set(
        U.__all__)
    assert rl.units is U

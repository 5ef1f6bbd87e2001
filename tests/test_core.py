"""rl.Platform, rl.Workload, rl.Ceiling and the module-level helpers against the roofline's closed form.

Oracle: the roofline model itself, P(I) = min(pi, beta * I) with ridge I* = pi / beta (Williams,
Waterman & Patterson, "Roofline: an insightful visual performance model", CACM 52(4), 2009),
evaluated here independently of the library, plus published datasheet figures.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import rooflib as rl

# --- strategies ------------------------------------------------------------------------------
# Peaks from a microcontroller (1 MFLOP/s) to beyond an exascale machine; bandwidths from 1 MB/s
# to 1 PB/s; intensities from 0 to 1e6 FLOP/byte.
peaks = st.floats(min_value=1e6, max_value=1e19, allow_nan=False, allow_infinity=False)
bandwidths = st.floats(min_value=1e6, max_value=1e15, allow_nan=False, allow_infinity=False)
intensities = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
counts = st.floats(min_value=1.0, max_value=1e18, allow_nan=False, allow_infinity=False)
REL = 1e-12  # a few ulps: pi / beta is rounded once, beta * I once


@st.composite
def platforms(draw):
    return rl.Platform("p", draw(peaks), draw(bandwidths))


def gtx_1080_ti() -> rl.Platform:
    # NVIDIA GeForce GTX 1080 Ti datasheet: 11.3 TFLOP/s fp32 (3584 cores x 1582 MHz x 2 = 11.34),
    # 484 GB/s (11 Gbps GDDR5X x 352 bit / 8).
    # https://www.nvidia.com/en-gb/geforce/products/10series/geforce-gtx-1080-ti/
    return rl.Platform("gtx-1080-ti", 11.3e12, 484e9)


# --- closed-form checks ----------------------------------------------------------------------


def test_1080ti_ridge_point_is_23_35_flop_per_byte():
    p = gtx_1080_ti()
    assert p.ridge_point == pytest.approx(23.35, abs=0.005)
    assert p.ridge_point == pytest.approx(11.3e12 / 484e9, rel=1e-15)
    # the catalogue entry agrees with the datasheet figures
    cat = rl.platforms.get("gtx-1080-ti")
    assert (cat.peak_flops_per_s, cat.bandwidth) == (11.3e12, 484e9)
    assert cat.ridge_point == pytest.approx(23.35, abs=0.005)


def test_1080ti_worked_numbers():
    p = gtx_1080_ti()
    # I = 1 FLOP/byte: memory-bound at 484 GFLOP/s; I = 100: compute-bound at the peak
    assert p.attainable(1.0) == pytest.approx(484e9)
    assert p.bound(1.0) == "memory"
    assert p.attainable(100.0) == 11.3e12
    assert p.bound(100.0) == "compute"
    # 1 TFLOP and 100 GB: bytes / beta = 0.2066 s > flops / pi = 0.0885 s
    assert p.time(1e12, 100e9) == pytest.approx(100e9 / 484e9)
    assert p.time(1e13, 1e9) == pytest.approx(1e13 / 11.3e12)


def test_module_level_helpers_agree_with_platform():
    p = gtx_1080_ti()
    assert rl.ridge_point(11.3e12, 484e9) == p.ridge_point
    xs = np.array([0.0, 0.5, 23.0, 24.0, 1e4])
    np.testing.assert_array_equal(rl.attainable(xs, 11.3e12, 484e9), p.attainable(xs))
    assert rl.attainable(2.0, 11.3e12, 484e9) == p.attainable(2.0)
    with pytest.raises(ValueError, match="bandwidth.*-1"):
        rl.ridge_point(1e12, -1)
    with pytest.raises(ValueError, match="peak_flops_per_s.*0"):
        rl.attainable(1.0, 0, 1e9)


# --- properties --------------------------------------------------------------------------------


@given(platforms(), intensities)
@example(gtx_1080_ti(), 11.3e12 / 484e9)
def test_attainable_never_exceeds_the_peak(p, i):
    assert p.attainable(i) <= p.peak_flops_per_s


@given(platforms(), intensities, intensities)
def test_attainable_never_decreases_with_intensity(p, a, b):
    lo, hi = min(a, b), max(a, b)
    assert p.attainable(lo) <= p.attainable(hi)


@given(platforms(), st.lists(intensities, min_size=1, max_size=30))
def test_attainable_array_is_monotone_and_elementwise(p, xs):
    xs = np.sort(np.array(xs))
    ys = p.attainable(xs)
    assert isinstance(ys, np.ndarray) and ys.shape == xs.shape
    assert np.all(np.diff(ys) >= 0)
    assert ys.tolist() == [p.attainable(float(x)) for x in xs]


@given(platforms(), st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_attainable_is_bandwidth_times_intensity_left_of_the_ridge(p, frac):
    i = frac * p.ridge_point
    assume(i < p.ridge_point)
    assert p.bound(i) == "memory"
    assert p.attainable(i) == pytest.approx(p.bandwidth * i, rel=REL, abs=0)


@given(platforms(), st.floats(min_value=1.0, max_value=1e6))
def test_attainable_is_the_peak_right_of_the_ridge(p, factor):
    i = factor * p.ridge_point
    assume(math.isfinite(i))
    assert p.bound(i) == "compute"
    assert p.attainable(i) == pytest.approx(p.peak_flops_per_s, rel=REL)


@given(platforms(), st.floats(min_value=1e-9, max_value=1e-3))
def test_attainable_is_continuous_at_the_ridge(p, eps):
    r = p.ridge_point
    left, at, right = p.attainable(r * (1 - eps)), p.attainable(r), p.attainable(r * (1 + eps))
    assert at == pytest.approx(p.peak_flops_per_s, rel=REL)
    # both sides approach the peak, each within a relative step of eps
    assert p.peak_flops_per_s * (1 - eps) * (1 - REL) <= left <= at
    assert right == pytest.approx(at, rel=REL)


@given(platforms())
def test_bound_switches_exactly_at_the_ridge(p):
    r = p.ridge_point
    assert p.bound(r) == "compute"
    assert p.bound(math.nextafter(r, 0.0)) == "memory"
    assert p.bound(math.nextafter(r, math.inf)) == "compute"
    assert p.bound(0.0) == "memory"


@given(platforms(), counts, counts)
def test_time_equals_flops_over_attainable(p, flops, nbytes):
    t = p.time(flops, nbytes)
    assert t == pytest.approx(flops / p.attainable(flops / nbytes), rel=REL)
    assert t == max(flops / p.peak_flops_per_s, nbytes / p.bandwidth)
    w = rl.Workload("w", flops, nbytes)
    assert p.time(w) == t
    assert p.attainable(w) == p.attainable(flops / nbytes)
    assert p.bound(w) == p.bound(flops / nbytes)


@settings(max_examples=50)
@given(platforms(), counts)
def test_time_of_pure_data_movement_and_of_nothing(p, nbytes):
    # zero FLOPs is a valid workload (a copy): time is bytes / beta, intensity 0
    assert p.time(0, nbytes) == nbytes / p.bandwidth
    assert p.time(0, 0) == 0.0
    assert p.attainable(rl.Workload("copy", 0, nbytes)) == 0.0


# --- scalar in, scalar out; array in, array out ---------------------------------------------------


def test_attainable_and_bound_return_types():
    p = gtx_1080_ti()
    for x in (2, 2.0, np.float64(2.0), np.int32(2), np.array(2.0)):
        y = p.attainable(x)
        assert type(y) is float, type(x)
        assert type(p.bound(x)) is str
    w = rl.Workload("w", 100.0, 10.0)
    assert type(p.attainable(w)) is float and p.bound(w) == "memory"
    ys = p.attainable([0.5, 30.0])
    assert isinstance(ys, np.ndarray) and ys.tolist() == [242e9, 11.3e12]
    grid = np.array([[1.0, 100.0], [0.0, 23.0]])
    assert p.attainable(grid).shape == (2, 2)
    assert p.bound(grid).tolist() == [["memory", "compute"], ["memory", "memory"]]
    assert p.bound(np.array([23.0, 24.0])).tolist() == ["memory", "compute"]


# --- Workload -----------------------------------------------------------------------------------


def test_workload_intensity_and_arithmetic():
    w = rl.Workload("gemm", 2e9, 1e8)
    assert w.intensity == 20.0
    both = w + rl.Workload("add", 1e6, 1.2e7)
    assert (both.flops, both.bytes) == (2e9 + 1e6, 1e8 + 1.2e7)
    assert "gemm" in both.name and "add" in both.name
    tripled = w.scaled(3)
    assert (tripled.flops, tripled.bytes, tripled.intensity) == (6e9, 3e8, 20.0)
    assert w.scaled(2, name="x2").name == "x2"
    with pytest.raises(ValueError, match="factor.*0"):
        w.scaled(0)


def test_dataclasses_are_frozen_and_hashable():
    p, w = gtx_1080_ti(), rl.Workload("w", 1, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.peak_flops_per_s = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.flops = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.peaks["fp32"] = 1.0  # type: ignore[index]
    assert hash(p) == hash(gtx_1080_ti()) and p == gtx_1080_ti()
    assert {w, rl.Workload("w", 1, 1)} == {w}
    assert dataclasses.is_dataclass(p) and dataclasses.is_dataclass(w)


def test_platform_survives_copy_pickle_and_asdict():
    # frozen dataclasses are values: deep copies, pickling (multiprocessing, caching) and
    # dataclasses.asdict (tables, JSON) must work on them
    p = rl.platforms.get("gtx-1080-ti").with_ceiling("fp32 no FMA", 5.65e12, "compute")
    assert copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(p)) == p
    d = dataclasses.asdict(p)
    assert d["peak_flops_per_s"] == 11.3e12 and d["bandwidth"] == 484e9
    assert d["ceilings"][0]["value"] == 5.65e12
    w = rl.Workload("w", 1, 2)
    assert pickle.loads(pickle.dumps(w)) == w


def test_values_are_stored_as_floats():
    p = rl.Platform("p", 10**13, np.int64(10**11), memory_bytes=8 * 2**30)
    assert type(p.peak_flops_per_s) is float and type(p.bandwidth) is float and type(p.memory_bytes) is float
    w = rl.Workload("w", np.float32(4), 2)
    assert type(w.flops) is float and type(w.bytes) is float


# --- Platform variants and ceilings ---------------------------------------------------------------


def test_replace_with_ceiling_and_dtypes():
    p = rl.Platform("gpu", 60e12, 3.35e12, peaks={"fp32": 60e12, "bf16": 990e12}, memory_bytes=80e9)
    assert p.display_name == "gpu"
    faster = p.replace(bandwidth=6.7e12)
    assert faster.ridge_point == pytest.approx(p.ridge_point / 2)
    assert p.bandwidth == 3.35e12  # the original is unchanged
    c = p.with_ceiling("no prefetch", 2e12, "memory").with_ceiling("no tensor cores", 30e12, "compute")
    assert [(x.name, x.kind, x.value) for x in c.ceilings] == [("no prefetch", "memory", 2e12),
                                                              ("no tensor cores", "compute", 30e12)]
    assert p.ceilings == ()
    # a cache is faster than beta: not a ceiling under the roof but a roof of its own (a memory level)
    with pytest.raises(ValueError, match="with_level"):
        p.with_ceiling("L2", 12e12, "memory")
    with pytest.raises(ValueError, match="under the roof"):
        p.with_ceiling("twice the peak", 120e12, "compute")
    l2 = p.with_level("L2", 12e12)
    assert [(lv.name, lv.bandwidth) for lv in l2.levels] == [("L2", 12e12)] and l2.ceilings == ()
    assert l2.for_level("L2").bandwidth == 12e12 and l2.for_level("L2").peak_flops_per_s == 60e12
    with pytest.raises(KeyError, match="L3"):
        l2.for_level("L3")
    assert p.peak("bf16") == 990e12 and p.peak("BFloat16") == 990e12
    b = p.for_dtype("bf16")
    assert (b.peak_flops_per_s, b.dtype) == (990e12, "bf16")
    assert b.ridge_point == pytest.approx(990e12 / 3.35e12)
    with pytest.raises(KeyError, match="fp8"):
        p.peak("fp8")
    with pytest.raises(ValueError, match="bandwidth.*-1"):
        p.replace(bandwidth=-1)


def test_str_states_units():
    s = str(gtx_1080_ti())
    assert "11.3 TFLOP/s" in s and "484 GB/s" in s and "23.3 FLOP/byte" in s


# --- bad input: ValueError naming the parameter and the value -----------------------------------

NON_NUMBERS = ["abc", "5", None, {"x": 1}, True, 1 + 2j, np.complex128(3 + 1j), np.bool_(True)]
NON_FINITE = [math.nan, math.inf, -math.inf, np.float64("nan")]
NEGATIVE = [-1, -1e-30, -math.inf]
ZERO = [0, 0.0, -0.0]


def _check(exc: pytest.ExceptionInfo, name: str, value: object) -> None:
    msg = str(exc.value)
    assert name in msg, msg
    assert repr(value) in msg, msg


# memory_bytes=None means "not known" and is allowed
PLATFORM_CASES = [(f, b) for f in ["peak_flops_per_s", "bandwidth", "memory_bytes"]
                  for b in NON_NUMBERS + [[1.0]] + NON_FINITE + NEGATIVE + ZERO
                  if not (f == "memory_bytes" and b is None)]


@pytest.mark.parametrize("field, bad", PLATFORM_CASES, ids=[f"{f}={b!r}" for f, b in PLATFORM_CASES])
def test_platform_rejects_bad_numbers(field, bad):
    args = {"peak_flops_per_s": 1e12, "bandwidth": 1e11, "memory_bytes": 1e9, field: bad}
    with pytest.raises(ValueError) as info:
        rl.Platform("p", **args)
    _check(info, field, bad)


@pytest.mark.parametrize("bad", ["", None, 3])
def test_platform_rejects_bad_name(bad):
    with pytest.raises(ValueError) as info:
        rl.Platform(bad, 1e12, 1e11)
    _check(info, "name", bad)


@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE + ZERO, ids=repr)
def test_platform_rejects_bad_peaks_entries(bad):
    with pytest.raises(ValueError) as info:
        rl.Platform("p", 1e12, 1e11, peaks={"bf16": bad})
    _check(info, "peaks['bf16']", bad)


@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE, ids=repr)
def test_workload_rejects_bad_flops(bad):
    with pytest.raises(ValueError) as info:
        rl.Workload("w", bad, 10)
    _check(info, "flops", bad)


@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE + ZERO, ids=repr)
def test_workload_rejects_bad_bytes(bad):
    # zero bytes is meaningless (intensity would be infinite); zero FLOPs is a copy and allowed
    with pytest.raises(ValueError) as info:
        rl.Workload("w", 10, bad)
    _check(info, "bytes", bad)


@pytest.mark.parametrize("method", ["attainable", "bound"])
@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE, ids=repr)
def test_intensity_rejects_bad_values(method, bad):
    p = gtx_1080_ti()
    with pytest.raises(ValueError) as info:
        getattr(p, method)(bad)
    _check(info, "intensity", bad)


@pytest.mark.parametrize("method", ["attainable", "bound"])
@pytest.mark.parametrize("bad", [[1.0, math.nan], np.array([2.0, -3.0, 4.0]), [1.0, "x"], ["1", "2"],
                                 np.array([1 + 1j])], ids=repr)
def test_intensity_arrays_with_a_bad_element_are_rejected(method, bad):
    with pytest.raises(ValueError, match="intensity"):
        getattr(gtx_1080_ti(), method)(bad)


@pytest.mark.parametrize("which", ["flops", "bytes"])
@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE, ids=repr)
def test_time_rejects_bad_values(which, bad):
    if which == "bytes" and bad is None:
        bad = "100"  # bytes=None means "not given" (test_time_argument_errors)
    args = {"flops": 1e9, "bytes": 1e9, which: bad}
    with pytest.raises(ValueError) as info:
        gtx_1080_ti().time(args["flops"], args["bytes"])
    _check(info, which, bad)


def test_time_argument_errors():
    p, w = gtx_1080_ti(), rl.Workload("w", 1, 1)
    with pytest.raises(ValueError, match="bytes"):
        p.time(1e9)
    with pytest.raises(ValueError, match="not both"):
        p.time(w, 10)


@pytest.mark.parametrize("bad", NON_NUMBERS + NON_FINITE + NEGATIVE + ZERO, ids=repr)
def test_ceiling_rejects_bad_value(bad):
    with pytest.raises(ValueError) as info:
        rl.Ceiling("L2", bad, "memory")
    _check(info, "value", bad)


def test_ceiling_rejects_unknown_kind_and_non_ceilings():
    with pytest.raises(ValueError, match="kind.*'cache'"):
        rl.Ceiling("L2", 1e12, "cache")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ceilings"):
        rl.Platform("p", 1e12, 1e11, ceilings=(("L2", 1e12, "memory"),))  # type: ignore[arg-type]


def test_public_api():
    for name in ["Platform", "Workload", "Ceiling", "attainable", "ridge_point", "kernels", "plot", "units",
                 "platforms"]:
        assert name in rl.__all__ and hasattr(rl, name)
    assert set(rl.core.__all__) == {"Ceiling", "MemoryLevel", "Platform", "Workload", "attainable", "ridge_point",
                                    "little_bandwidth"}

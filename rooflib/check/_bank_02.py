"""Exercise set 02, the roofline derived: ridge point, attainable performance, verdicts, units, a roof plot, both time
bounds, a wall against a ceiling, one core's bandwidth (Little's law).

Expected values come from the GTX 1080 Ti in ``rl.platforms`` and ``rl.kernels`` (notebook 02).
"""

from __future__ import annotations

from typing import Any

from .. import kernels, units
from ..core import Platform, little_bandwidth
from ..i18n import t
from ._bank_common import GTX1080TI_BANDWIDTH, GTX1080TI_PEAK, gtx1080ti, verdict_why
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_02", "H100_SPARSE_BF16", "H100_BANDWIDTH", "GEMV_N", "MEASURED_GIB_PER_S", "PLOT_INTENSITY",
           "BOUNDS_FLOPS", "BOUNDS_BYTES", "WALL_BYTES", "CORE_LINES", "LINE_BYTES", "LATENCY_S"]

_S = "02"
H100_SPARSE_BF16 = 1979e12  # FLOP/s, the H100 SXM datasheet's bf16 figure "with sparsity"
H100_BANDWIDTH = 3.35e12  # bytes/s, H100 SXM (HBM3)
GEMV_N = 8192
MEASURED_GIB_PER_S = 450.0  # a tool's reading, in GiB/s
PLOT_INTENSITY = 4.0  # FLOP/byte
PLOT_RANGE = (0.1, 1000.0)  # FLOP/byte: the intensities the roof plot must cover, as the question asks
BOUNDS_FLOPS = 2e9  # FLOPs of the kernel in the "both bounds" questions
BOUNDS_BYTES = 0.5e9  # bytes it moves by the compulsory count (I = 4 FLOP/byte)
WALL_BYTES = 1.5e9  # bytes it really reads when capacity misses make it re-read data
CORE_LINES, LINE_BYTES, LATENCY_S = 24, 64, 100e-9  # one core: cache-line misses in flight, line size, DRAM latency


def _h100_dense() -> Platform:
    """The H100 SXM's dense bf16 roof as the question derives it: half the 'with sparsity' datasheet peak."""
    return Platform("h100-sxm-bf16-dense", H100_SPARSE_BF16 / 2, H100_BANDWIDTH)


def _gemv_compute_over_memory() -> float:
    gemv = kernels.gemv(GEMV_N, GEMV_N)
    return gemv.flops / GTX1080TI_PEAK / (gemv.bytes / GTX1080TI_BANDWIDTH)


def _roof_plot_expected() -> dict[str, Any]:
    p = gtx1080ti()
    return {"platform": p, "points": [(PLOT_INTENSITY, float(p.attainable(PLOT_INTENSITY)))],
            "xmin": PLOT_RANGE[0], "xmax": PLOT_RANGE[1]}


def _bounds() -> tuple[float, float]:
    """(overlapped, no-overlap) time bounds in seconds of the BOUNDS kernel on the 1080 Ti."""
    p = gtx1080ti()
    return p.time(BOUNDS_FLOPS, BOUNDS_BYTES), p.time_no_overlap(BOUNDS_FLOPS, BOUNDS_BYTES)


def _one_core() -> Platform:
    """The 1080 Ti with one core's bandwidth by Little's law (bytes in flight / latency) in place of β."""
    return gtx1080ti().replace(bandwidth=little_bandwidth(CORE_LINES * LINE_BYTES, LATENCY_S))


def _wall_or_ceiling_why() -> str:
    return t("set02.wall_or_ceiling_why")


SET_02 = question_set(_S, "02_roofline_derived", (
    ask("ridge_1080ti", _S, "number", lambda: gtx1080ti().ridge_point, unit="FLOP/byte", quantity="intensity"),
    ask("attainable_at_4", _S, "number", lambda: gtx1080ti().attainable(4.0), unit="FLOP/s", quantity="rate",
        hints=((GTX1080TI_PEAK / (4.0 * GTX1080TI_BANDWIDTH),
                hint("set02.attainable_at_4")),)),
    ask("verdict_at_4", _S, "verdict", lambda: gtx1080ti().bound(4.0), why=verdict_why(gtx1080ti, lambda: 4.0)),
    ask("attainable_at_100", _S, "number", lambda: gtx1080ti().attainable(100.0), unit="FLOP/s",
        quantity="rate",
        hints=((100 * GTX1080TI_BANDWIDTH / GTX1080TI_PEAK,
                hint("set02.attainable_at_100")),)),
    ask("gemv_time_s", _S, "number", lambda: gtx1080ti().time(kernels.gemv(GEMV_N, GEMV_N, "fp32")), unit="s",
        quantity="time",
        hints=((_gemv_compute_over_memory(),
                hint("set02.gemv_time_s")),)),
    ask("h100_dense_bf16", _S, "number", lambda: _h100_dense().peak_flops_per_s, unit="FLOP/s",
        quantity="rate",
        hints=((2.0, hint("set02.h100_dense_bf16")),)),
    ask("h100_ridge_bf16", _S, "number", lambda: _h100_dense().ridge_point, unit="FLOP/byte",
        quantity="intensity",
        hints=((2.0, hint("set02.h100_ridge_bf16")),)),
    ask("measured_bandwidth", _S, "number", lambda: MEASURED_GIB_PER_S * units.GiB, unit="bytes/s",
        quantity="bandwidth"),
    ask("roof_ax", _S, "roof_plot", _roof_plot_expected, points=2),
    ask("no_overlap_time_s", _S, "number", lambda: _bounds()[1], unit="s", quantity="time",
        hints=((_bounds()[0] / _bounds()[1], hint("set02.no_overlap_time_s_1")),
               (BOUNDS_FLOPS / GTX1080TI_PEAK / _bounds()[1], hint("set02.no_overlap_time_s_2")))),
    ask("overlap_speedup", _S, "number", lambda: _bounds()[1] / _bounds()[0], unit="(a ratio)", quantity="ratio",
        hints=((2 / (_bounds()[1] / _bounds()[0]), hint("set02.overlap_speedup")),)),
    ask("wall_intensity", _S, "number", lambda: BOUNDS_FLOPS / WALL_BYTES, unit="FLOP/byte", quantity="intensity",
        hints=((WALL_BYTES / BOUNDS_BYTES, hint("set02.wall_intensity_1")),
               (WALL_BYTES / (BOUNDS_BYTES + WALL_BYTES), hint("set02.wall_intensity_2")))),
    ask("wall_or_ceiling", _S, "choice", lambda: "c", choices=("a", "b", "c"), why=_wall_or_ceiling_why),
    ask("one_core_attainable", _S, "number", lambda: _one_core().attainable(BOUNDS_FLOPS / BOUNDS_BYTES),
        unit="FLOP/s", quantity="rate",
        hints=((GTX1080TI_BANDWIDTH / _one_core().bandwidth, hint("set02.one_core_attainable_1")),
               (1 / (BOUNDS_FLOPS / BOUNDS_BYTES), hint("set02.one_core_attainable_2")))),
))

"""Exercise set 06, measure your machine: reasoning about measured points (given timings, no timing here).

Expected values build the measured roof with ``rl.Platform`` from the stated timings and the
STREAM / BLAS counts of ``rl.kernels`` (notebook 06).
"""

from __future__ import annotations

from .. import kernels
from ..core import Platform, Workload
from ._bank_common import verdict_why
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_06", "TRIAD_N", "TRIAD_TIME_S", "MEASURED_GEMM_N", "GEMM_TIME_S", "DOT_N", "DOT_TIME_S"]

_S = "06"
TRIAD_N = 20_000_000  # fp64 elements per array
TRIAD_TIME_S = 0.030
MEASURED_GEMM_N = 2048  # fp64
GEMM_TIME_S = 0.25
DOT_N = 10_000_000  # fp64
DOT_TIME_S = 0.012


def _measured() -> Platform:
    """The roof the stated timings give: STREAM triad bandwidth (3 arrays, no write-allocate) and GEMM peak."""
    bandwidth = kernels.triad(TRIAD_N, "fp64").bytes / TRIAD_TIME_S
    peak = kernels.gemm(MEASURED_GEMM_N, MEASURED_GEMM_N, MEASURED_GEMM_N, "fp64").flops / GEMM_TIME_S
    return Platform("measured", peak, bandwidth)


def _dot() -> Workload:
    return kernels.dot(DOT_N, "fp64")


def _dot_flops_per_s() -> float:
    return _dot().flops / DOT_TIME_S


SET_06 = question_set(_S, "06_measure_your_machine", (
    ask("triad_bandwidth", _S, "number", lambda: _measured().bandwidth, unit="bytes/s", quantity="bandwidth",
        hints=((4 / 3, hint("set06.triad_bandwidth_1")),
               (2.0 / 3.0, hint("set06.triad_bandwidth_2")))),
    ask("gemm_flops_per_s", _S, "number", lambda: _measured().peak_flops_per_s, unit="FLOP/s",
        quantity="rate"),
    ask("measured_ridge", _S, "number", lambda: _measured().ridge_point, unit="FLOP/byte",
        quantity="intensity"),
    ask("dot_flops_per_s", _S, "number", _dot_flops_per_s, unit="FLOP/s", quantity="rate"),
    ask("dot_fraction_of_roof", _S, "number", lambda: _dot_flops_per_s() / _measured().attainable(_dot()),
        unit="(a fraction)", quantity="ratio",
        hints=((_measured().attainable(_dot()) / _measured().peak_flops_per_s,
                hint("set06.dot_fraction_of_roof_1")),
               (100.0, hint("set06.dot_fraction_of_roof_2")))),
    ask("dot_verdict", _S, "verdict", lambda: _measured().bound(_dot()),
        why=verdict_why(_measured, lambda: _dot().intensity)),
))

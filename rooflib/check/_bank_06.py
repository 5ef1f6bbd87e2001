"""Exercise set 06, measure your machine: reasoning about measured points (given timings, no timing here).

Expected values build the measured roof with ``rl.Platform`` from the stated timings and the
STREAM / BLAS counts of ``rl.kernels`` (notebook 06).
"""

from __future__ import annotations

from .. import kernels
from ..core import MemoryLevel, Platform, Workload
from ..hierarchy import HierarchicalRoofline, blocked_gemm, hierarchical
from ..i18n import t
from ..units import fmt_flops
from ._bank_common import verdict_why
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_06", "TRIAD_N", "TRIAD_TIME_S", "MEASURED_GEMM_N", "GEMM_TIME_S", "DOT_N", "DOT_TIME_S", "HIER_N",
           "HIER_TILES", "HIER_PEAK", "HIER_ROOFS"]

_S = "06"
TRIAD_N = 20_000_000  # fp64 elements per array
TRIAD_TIME_S = 0.030
MEASURED_GEMM_N = 2048  # fp64
GEMM_TIME_S = 0.25
DOT_N = 10_000_000  # fp64
DOT_TIME_S = 0.012


# the hierarchical roofline questions: a laptop's measured roofs (fp64) and a blocked GEMM
HIER_N = 1024
HIER_TILES = {"register_tile": 2, "l1_tile": 32, "l2_tile": 128, "llc_tile": 512}
HIER_PEAK = 150e9  # FLOP/s, fp64
HIER_ROOFS = {"L1": 400e9, "L2": 200e9, "LLC": 100e9, "DRAM": 40e9}  # bytes/s


def _hier(register_tile: int | None = None) -> HierarchicalRoofline:
    """The stated blocked GEMM (with another register tile if given) under the stated per-level roofs."""
    laptop = Platform("laptop", HIER_PEAK, HIER_ROOFS["DRAM"], peaks={"fp64": HIER_PEAK}, dtype="fp64",
                      levels=tuple(MemoryLevel(lv, HIER_ROOFS[lv]) for lv in ("L1", "L2", "LLC")))
    tiles = {**HIER_TILES, **({"register_tile": register_tile} if register_tile else {})}
    return hierarchical(blocked_gemm(HIER_N, dtype="fp64", **tiles), laptop)


def _binding_why() -> str:
    h = _hier()
    roofs = ", ".join(f"{lv} {fmt_flops(h.roof(lv))}" for lv in h.traffic.levels)
    return t("set06.binding_level_why", roofs=roofs, peak=fmt_flops(HIER_PEAK))


def _min_register_tile() -> int:
    """The smallest register tile (a power of two dividing the L1 tile) with which no level binds."""
    r = 1
    while _hier(r).binding != "compute":
        r *= 2
    return r


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
    ask("l2_intensity", _S, "number", lambda: _hier().traffic.intensity("L2"), unit="FLOP/byte",
        quantity="intensity",
        hints=((1.25, hint("set06.l2_intensity_1")),     # A and B only, C forgotten: 4.0 against 3.2
               (4.0, hint("set06.l2_intensity_2")))),    # the L2 tile instead of the L1 tile: 12.8
    ask("binding_level", _S, "choice", lambda: _hier().binding.lower(),
        choices=("l1", "l2", "llc", "dram", "compute"), why=_binding_why),
    ask("min_register_tile", _S, "number", _min_register_tile, unit="(elements per side)", quantity="count", rtol=0.0,
        hints=((0.5, hint("set06.min_register_tile_1")),
               (2.0, hint("set06.min_register_tile_2")))),
))

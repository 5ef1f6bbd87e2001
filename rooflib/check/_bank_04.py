"""Exercise set 04, optimisation directions: fusion, which roof to raise, batching a weight matrix, where a move
stops paying (I_ridge / I_before).

Expected values come from the GTX 1080 Ti in ``rl.platforms`` and ``rl.kernels`` (notebook 04).
"""

from __future__ import annotations

from .. import kernels
from ..core import Workload
from ..i18n import t
from ._bank_common import GTX1080TI_BANDWIDTH, GTX1080TI_PEAK, gtx1080ti
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_04", "N_FUSE", "I_MEM_KERNEL", "GEMM_N", "W_N", "I_SATURATE", "K_FAR", "I_COMPUTE_KERNEL"]

_S = "04"
N_FUSE = 100_000_000
I_MEM_KERNEL = 2.0  # FLOP/byte
GEMM_N = 4096
W_N = 4096  # a 4096 x 4096 fp32 weight matrix applied to a batch of vectors
I_SATURATE = 0.5  # FLOP/byte: the memory-bound kernel whose bytes a move divides by k
K_FAR = 100  # a k past the ridge
I_COMPUTE_KERNEL = 100.0  # FLOP/byte: a compute-bound kernel under a faster chip


def _byte_cut(k: float) -> float:
    """Speed-up on the 1080 Ti of the I_SATURATE kernel when its bytes are divided by k (FLOPs kept): roofline times."""
    p = gtx1080ti()
    flops = 1e9                       # any size: the ratio depends on the intensity only
    before = Workload("before", flops, flops / I_SATURATE)
    return p.time(before) / p.time(Workload("after", flops, before.bytes / k))


def _saturation_k() -> int:
    """The smallest whole k that puts the kernel at or right of the ridge."""
    p = gtx1080ti()
    k = 1
    while p.bound(I_SATURATE * k) != "compute":
        k += 1
    return k


def _unfused() -> Workload:
    return kernels.scale(N_FUSE) + kernels.vector_add(N_FUSE)


def _fused() -> Workload:
    return kernels.triad(N_FUSE)


def _min_batch_compute_bound() -> int:
    p = gtx1080ti()
    b = 1
    while p.bound(kernels.gemm(W_N, b, W_N, "fp32")) != "compute":
        b += 1
    return b


def _speedup(**changes: float) -> float:
    """How much faster the I = 2 FLOP/byte kernel runs on the 1080 Ti with ``changes`` (old time / new time)."""
    p = gtx1080ti()
    return p.replace(**changes).attainable(I_MEM_KERNEL) / p.attainable(I_MEM_KERNEL)


def _gemm_memory_over_compute() -> float:
    g = kernels.gemm(GEMM_N, GEMM_N, GEMM_N)
    return g.bytes / GTX1080TI_BANDWIDTH / (g.flops / GTX1080TI_PEAK)


SET_04 = question_set(_S, "04_optimisation_directions", (
    ask("unfused_bytes", _S, "number", lambda: _unfused().bytes, unit="bytes", quantity="bytes",
        hints=((12 / 20, hint("set04.unfused_bytes")),)),
    ask("fused_bytes", _S, "number", lambda: _fused().bytes, unit="bytes", quantity="bytes",
        hints=((20 / 12, hint("set04.fused_bytes")),)),
    ask("fusion_speedup", _S, "number", lambda: gtx1080ti().time(_unfused()) / gtx1080ti().time(_fused()),
        unit="(a ratio)", quantity="ratio"),
    ask("memory_bound_choice", _S, "choice",
        lambda: "b" if gtx1080ti().bound(I_MEM_KERNEL) == "memory" else "a", choices=("a", "b", "c"),
        why=lambda: t("set04.memory_bound_choice_why", intensity=f"{I_MEM_KERNEL:g}",
                      ridge=f"{gtx1080ti().ridge_point:.3g}")),
    ask("speedup_double_peak", _S, "number",
        lambda: _speedup(peak_flops_per_s=2 * gtx1080ti().peak_flops_per_s), unit="(a ratio)",
        quantity="ratio", hints=((2.0, hint("set04.speedup_double_peak")),)),
    ask("speedup_double_bandwidth", _S, "number", lambda: _speedup(bandwidth=2 * gtx1080ti().bandwidth),
        unit="(a ratio)", quantity="ratio",
        hints=((0.25, hint("set04.speedup_double_bandwidth_1")),
               (0.5, hint("set04.speedup_double_bandwidth_2")))),
    ask("gemm_time_s", _S, "number", lambda: gtx1080ti().time(kernels.gemm(GEMM_N, GEMM_N, GEMM_N, "fp32")),
        unit="s", quantity="time",
        hints=((_gemm_memory_over_compute(),
                hint("set04.gemm_time_s")),)),
    ask("batched_intensity_64", _S, "number", lambda: kernels.gemm(W_N, 64, W_N, "fp32").intensity,
        unit="FLOP/byte", quantity="intensity",
        hints=(((W_N * W_N + 2 * W_N * 64) / (W_N * W_N),
                hint("set04.batched_intensity_64")),)),
    ask("min_batch_compute_bound", _S, "number", _min_batch_compute_bound, unit="vectors", quantity="count",
        rtol=0.0),
    ask("saturation_speedup", _S, "number", lambda: gtx1080ti().ridge_point / I_SATURATE, unit="(a ratio)",
        quantity="ratio"),
    ask("saturation_k", _S, "number", _saturation_k, unit="(a whole number)", quantity="count", rtol=0.0,
        hints=(((_saturation_k() - 1) / _saturation_k(), hint("set04.saturation_k"),
                1e-9),)),
    ask("speedup_at_k100", _S, "number", lambda: _byte_cut(K_FAR), unit="(a ratio)", quantity="ratio",
        hints=((K_FAR / _byte_cut(K_FAR), hint("set04.speedup_at_k100")),)),
    ask("compute_move_limit", _S, "number", lambda: I_COMPUTE_KERNEL / gtx1080ti().ridge_point, unit="(a ratio)",
        quantity="ratio"),
))

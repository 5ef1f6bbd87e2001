"""Optimisation moves on the roofline: each one a pure function that returns a :class:`Move`, the work
(FLOPs, bytes) and the machine before and after, with the roofline times and the speed-up. Notebook 04.

Compute-bound work (a 4096³ fp32 GEMM, a 3x3 conv layer) gains from a higher roof
(:func:`faster_chip`) or fewer FLOPs (:func:`prune`, :func:`winograd`). Memory-bound work gains from
more bandwidth (:func:`more_bandwidth`) or fewer bytes: on-chip reuse (:func:`tile`), operator
fusion (:func:`fuse`), weight reuse across a batch (:func:`batch`) and narrower weights
(:func:`quantise_weights`, :func:`weight_bits`). The workloads come from ``rl.kernels`` where one
exists; the traffic models a kernel there does not cover are here: :func:`elementwise_chain`,
:func:`gemm_traffic` and :func:`linear_layer`. :func:`examples` lists the eight moves notebook 04
opens with; :data:`DRIVES` and :func:`drive` are the moves its explorer drives with a slider.

Every move saturates: a memory-side move (fewer bytes, more β) cannot make the work faster than its
FLOPs allow, W/π, so its speed-up stops at I_ridge / I_before once the point crosses the ridge
(:attr:`Move.speedup_limit`); a compute-side move stops at I_before / I_ridge.

Conventions are rooflib's: a FLOP is one add or one multiply (an FMA is 2); bytes are bytes moved
to or from memory; times are roofline lower bounds, max(FLOPs / π, bytes / β), in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from . import kernels
from . import platforms as catalogue
from ._validate import positive, positive_int
from .core import Platform, Workload
from .units import dtype_bytes, normalise_dtype

__all__ = ["Move", "elementwise_chain", "gemm_traffic", "gemv_mixed", "linear_layer", "faster_chip", "more_bandwidth",
           "prune", "winograd", "tile", "fuse", "batch", "quantise_weights", "weight_bits", "examples", "DRIVES", "drive"]


@dataclass(frozen=True)
class Move:
    """One optimisation as a move on the roofline: the work and the platform before and after. Notebook 04.

    ``kind`` is the bound the move relieves (``"compute"`` or ``"memory"``); ``before`` / ``after`` are
    Workloads (FLOPs, bytes moved), ``platform_before`` / ``platform_after`` the roofs they run under
    (the same platform unless the move changes the machine).
    """

    name: str
    kind: Literal["compute", "memory"]
    before: Workload
    after: Workload
    platform_before: Platform
    platform_after: Platform
    explanation: str = ""

    @property
    def time_before_s(self) -> float:
        """Roofline lower bound on the time before, in seconds."""
        return self.platform_before.time(self.before)

    @property
    def time_after_s(self) -> float:
        """Roofline lower bound on the time after, in seconds."""
        return self.platform_after.time(self.after)

    @property
    def speedup(self) -> float:
        """time_before_s / time_after_s."""
        return self.time_before_s / self.time_after_s

    @property
    def bound_before(self) -> str:
        """"memory" or "compute": the verdict before the move."""
        return self.platform_before.bound(self.before)

    @property
    def bound_after(self) -> str:
        """"memory" or "compute": the verdict after the move."""
        return self.platform_after.bound(self.after)

    @property
    def speedup_limit(self) -> float:
        """The most a move of this kind can give, however far it goes: time before / the time of the term it leaves
        alone. A memory-side move leaves the FLOPs: the limit is time_before / (W / π), which is I_ridge / I_before
        for memory-bound work; a compute-side move leaves the bytes: time_before / (Q / β) = I_before / I_ridge."""
        if self.kind == "memory":
            floor = self.after.flops / self.platform_after.peak_flops_per_s
        else:
            floor = self.after.bytes / self.platform_after.bandwidth
        return self.time_before_s / floor if floor > 0 else math.inf

    @property
    def machine_changed(self) -> bool:
        """True when the move changes the roof (a faster chip, more bandwidth), not the work."""
        return self.platform_after != self.platform_before

    def summary(self) -> dict[str, Any]:
        """The numbers of the move as a dict (FLOPs, bytes, FLOP/byte, seconds)."""
        return {"name": self.name, "kind": self.kind,
                "flops_before": self.before.flops, "flops_after": self.after.flops,
                "bytes_before": self.before.bytes, "bytes_after": self.after.bytes,
                "intensity_before": self.before.intensity, "intensity_after": self.after.intensity,
                "bound_before": self.bound_before, "bound_after": self.bound_after,
                "time_before_s": self.time_before_s, "time_after_s": self.time_after_s, "speedup": self.speedup,
                "speedup_limit": self.speedup_limit}

    def __str__(self) -> str:
        return (f"{self.name}: I {self.before.intensity:.3g} -> {self.after.intensity:.3g} FLOP/byte, "
                f"{self.bound_before} -> {self.bound_after}, speedup {self.speedup:.2f}x")


# --- traffic models --------------------------------------------------------------------------------

def elementwise_chain(n: int, ops: int, fused: bool, dtype: str = "fp32") -> Workload:
    """``ops`` element-wise ops (1 FLOP per element each) on ``n`` elements: unfused, every op reads and
    writes its n elements (2n per op); fused, the chain reads n once and writes n once. Notebook 04."""
    n, ops = positive_int("n", n), positive_int("ops", ops)
    if not isinstance(fused, bool):
        raise ValueError(f"fused must be True or False, got {fused!r}")
    s = dtype_bytes(dtype)
    nbytes = (2 * n if fused else 2 * n * ops) * s
    return Workload(f"{ops} element-wise ops, {'fused' if fused else 'unfused'}", ops * n, nbytes)


def gemm_traffic(n: int, tile: int | None = None, dtype: str = "fp32") -> Workload:
    """A square n³ GEMM whose operands come from memory: without reuse (``tile=None``) every multiply-add
    reads one element of A and one of B (2n³ reads); with T x T tiles held on chip each element is
    read n/T times (2n³/T reads). C is written once (n²). FLOPs 2n³. Notebook 04."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    if tile is None:
        reads = 2 * n**3
    else:
        tile = positive_int("tile", tile)
        reads = 2 * n**3 / tile
    label = f"gemm {n}³ {'no reuse' if tile is None else f'tiled T={tile}'}"
    return Workload(label, 2 * n**3, (reads + n**2) * s)


def gemv_mixed(m: int, n: int, weight_dtype: str = "int8", dtype: str = "fp16") -> Workload:
    """y = A x with the m x n weights A stored in ``weight_dtype`` and the vectors x, y in ``dtype``:
    2mn FLOPs; bytes mn·s_w + (m + n)·s. Notebook 04."""
    m, n = positive_int("m", m), positive_int("n", n)
    return Workload(f"gemv {m}x{n} {normalise_dtype(weight_dtype)} weights, {normalise_dtype(dtype)} vectors",
                    2 * m * n, m * n * dtype_bytes(weight_dtype) + (m + n) * dtype_bytes(dtype))


def linear_layer(m: int, k: int, batch: int = 1, weight_bits: int = 16, dtype: str = "fp16") -> Workload:
    """``batch`` vectors through an m x k weight matrix stored at ``weight_bits`` bits per weight (the vectors in
    ``dtype``): 2·m·k·batch FLOPs; bytes m·k·bits/8 (weights, read once) + batch·(m + k)·s. Notebook 04."""
    m, k, b = positive_int("m", m), positive_int("k", k), positive_int("batch", batch)
    bits = positive_int("weight_bits", weight_bits)
    if bits > 32:
        raise ValueError(f"weight_bits must be a whole number from 1 to 32, got {weight_bits!r}")
    return Workload(f"{m}x{k} layer, batch {b}, {bits}-bit weights", 2 * m * k * b,
                    m * k * bits / 8 + b * (m + k) * dtype_bytes(dtype))


# --- moves -------------------------------------------------------------------------------------------

def faster_chip(platform: Platform | str, workload: Workload | None = None, factor: float = 2.0) -> Move:
    """A higher roof: π × ``factor`` (more cores, tensor units, a newer chip). Compute-bound work runs at π,
    so its time falls by the factor; memory-bound work does not move. Default work: a 4096³ fp32 GEMM."""
    p = catalogue.get(platform)
    factor = positive("factor", factor)
    w = workload if workload is not None else kernels.gemm(4096, 4096, 4096, "fp32")
    return Move(f"higher roof: a faster chip (π × {factor:g})", "compute", w, w, p,
                p.replace(peak_flops_per_s=factor * p.peak_flops_per_s, ceilings=()),
                "Compute-bound work runs at π, so a higher π (more cores, tensor units, a newer chip) lifts the "
                "point with the roof; a memory-bound point stays where it is.")


def more_bandwidth(platform: Platform | str, workload: Workload | None = None, factor: float = 2.0) -> Move:
    """More bandwidth: β × ``factor`` (HBM instead of GDDR). Memory-bound work runs at β·I, so it rises with
    the slanted roof (on log-log axes the roof moves up; its slope stays 1) and the ridge moves left.
    Default work: an fp16 4096 x 4096 GEMV."""
    p = catalogue.get(platform)
    factor = positive("factor", factor)
    w = workload if workload is not None else kernels.gemv(4096, 4096, "fp16")
    return Move(f"more bandwidth (β × {factor:g})", "memory", w, w, p,
                p.replace(bandwidth=factor * p.bandwidth, ceilings=()),
                "Memory-bound work runs at β·I: more β (HBM instead of GDDR) lifts the slanted part of the roof "
                "and the point with it, and moves the ridge left.")


def prune(platform: Platform | str, n: int = 4096, dtype: str = "fp32") -> Move:
    """Fewer FLOPs: structured pruning of half the rows of an n x n weight matrix, an n³ GEMM becoming
    an (n/2) x n x n GEMM (half the multiply-adds, weights and outputs)."""
    n = positive_int("n", n)
    return Move("fewer FLOPs: prune half the weights", "compute", kernels.gemm(n, n, n, dtype),
                kernels.gemm(n // 2, n, n, dtype), catalogue.get(platform), catalogue.get(platform),
                f"Structured pruning removes half the rows of the weight matrix: half the multiply-adds, half the "
                f"weights and half the outputs (a {n // 2}x{n}x{n} GEMM). The point moves left but stays on the "
                "flat roof, so the FLOP/s rate is unchanged and the time halves.")


def winograd(platform: Platform | str, h: int = 56, channels: int = 256, dtype: str = "fp32") -> Move:
    """Fewer FLOPs: a cheaper algorithm. Winograd F(2x2, 3x3) needs 16 multiplies per 2x2 output tile of a
    3x3 conv instead of 36, 2.25x fewer FLOPs for the same bytes (its transforms are not counted)."""
    conv = kernels.conv2d(h, h, channels, channels, 3, dtype=dtype)
    fast = Workload(f"{conv.name}, Winograd F(2x2,3x3)", conv.flops / 2.25, conv.bytes)
    p = catalogue.get(platform)
    return Move("fewer FLOPs: a cheaper algorithm (Winograd 3x3)", "compute", conv, fast, p, p,
                "Winograd F(2x2, 3x3) needs 16 multiplies per 2x2 output tile instead of 36: 2.25x fewer (the "
                "input and output transforms' own cost is ignored here). Intensity falls but the layer is still "
                "compute-bound: time falls 2.25x.")


def tile(platform: Platform | str, n: int = 1024, tile: int = 32, dtype: str = "fp32") -> Move:
    """On-chip reuse: an n³ GEMM without reuse (every multiply-add reads two elements: I ≈ 1/s FLOP/byte
    for s-byte elements) against T x T tiles held on chip (I grows about T times); see :func:`gemm_traffic`."""
    p = catalogue.get(platform)
    return Move(f"on-chip reuse: tile the GEMM (T = {tile})", "memory", gemm_traffic(n, None, dtype),
                gemm_traffic(n, tile, dtype), p, p,
                f"Without reuse each multiply-add fetches both operands from memory (I ≈ 0.25 in fp32). Keeping "
                f"{tile}x{tile} tiles in shared memory / cache reads each element n/T times instead of n: "
                f"I grows about {tile}x.")


def fuse(platform: Platform | str, n: int = 2**24, ops: int = 3, dtype: str = "fp32") -> Move:
    """Operator fusion: ``ops`` element-wise ops on n elements run as one kernel; the intermediates stay in
    registers, so ``ops - 1`` round trips to memory disappear (``ops`` times fewer bytes)."""
    p = catalogue.get(platform)
    return Move(f"operator fusion: {ops} element-wise ops in one kernel", "memory",
                elementwise_chain(n, ops, False, dtype), elementwise_chain(n, ops, True, dtype), p, p,
                f"Unfused, each op writes its result to memory and the next reads it back. Fused, the "
                f"intermediates stay in registers: {ops - 1} round trips disappear, {ops}x fewer bytes.")


def batch(platform: Platform | str, size: int = 16, m: int = 4096, k: int = 4096, dtype: str = "fp16") -> Move:
    """Weight reuse: ``size`` requests served as one GEMM instead of ``size`` GEMVs over the same m x k
    weights: the same FLOPs, the weights read once instead of ``size`` times. Throughput rises; each
    request waits for the whole batch."""
    size = positive_int("size", size)
    one = kernels.gemv(m, k, dtype)
    p = catalogue.get(platform)
    return Move(f"weight reuse: batch {size} requests (GEMV -> GEMM)", "memory",
                one.scaled(size, f"{size} x gemv {m}x{k} {normalise_dtype(dtype)}"), kernels.gemm(m, size, k, dtype),
                p, p,
                f"{size} separate GEMVs read the {m}x{k} weight matrix {size} times; one batched GEMM reads it "
                f"once for all {size} vectors: same FLOPs, about {size}x fewer bytes.")


def quantise_weights(platform: Platform | str, weight_dtype: str = "int8", m: int = 4096, n: int = 4096,
                     dtype: str = "fp16") -> Move:
    """Lower precision: a GEMV's weights stored in ``weight_dtype`` instead of ``dtype`` (the vectors stay in
    ``dtype``). A GEMV's traffic is almost all weights, so its bytes shrink by about s / s_w."""
    p = catalogue.get(platform)
    wd, d = normalise_dtype(weight_dtype), normalise_dtype(dtype)
    ratio = dtype_bytes(d) / dtype_bytes(wd)
    return Move(f"lower precision: {wd} weights in an {d} GEMV", "memory", kernels.gemv(m, n, d),
                gemv_mixed(m, n, wd, d), p, p,
                f"A GEMV's traffic is almost all weights; storing them in {wd} ({dtype_bytes(wd):g} bytes) instead "
                f"of {d} ({dtype_bytes(d):g} bytes) cuts the bytes about {ratio:g}x and raises the intensity as "
                "much, so the memory-bound time falls with them.")


def weight_bits(platform: Platform | str, bits: int = 8, batch: int = 1, m: int = 4096, k: int = 4096,
                dtype: str = "fp16") -> Move:
    """Lower precision, by the bit: a batch-``batch`` linear layer with 16-bit weights against the same layer with
    ``bits``-bit weights (the vectors stay in ``dtype``); see :func:`linear_layer`."""
    p = catalogue.get(platform)
    return Move(f"lower precision: {bits}-bit weights, batch {batch}", "memory", linear_layer(m, k, batch, 16, dtype),
                linear_layer(m, k, batch, bits, dtype), p, p,
                f"The weights are most of the bytes while the batch is small: {bits}-bit weights move {16 / bits:g}x "
                f"fewer weight bytes than 16-bit ones; the FLOPs stay, so the gain stops where the layer turns "
                "compute-bound.")


#: The moves notebook 04's explorer drives: name -> (label, control, slider options, default). The work each one
#: moves: tile, a 1024³ fp32 GEMM without reuse; batch, 4096 x 4096 fp16 GEMVs; fuse, a chain of element-wise ops
#: on 2**24 fp32 elements; weight_bits, a 4096 x 4096 layer at the batch control's value; bandwidth, a
#: 4096 x 4096 fp16 GEMV; peak, a 4096³ fp32 GEMM.
DRIVES: dict[str, tuple[str, str, tuple[float, ...], float]] = {
    "tile": ("tile size T: on-chip reuse", "tile", tuple(2**j for j in range(10)), 32),
    "batch": ("batch b: GEMVs into one GEMM", "batch", tuple(2**j for j in range(11)), 16),
    "fuse": ("fused element-wise ops", "ops", tuple(2**j for j in range(10)), 4),
    "weight_bits": ("bits per weight (at batch b)", "weight_bits", (16, 8, 4, 2), 8),
    "bandwidth": ("β × k: more bandwidth", "beta_factor", (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64), 2),
    "peak": ("π × k: a faster chip", "pi_factor", (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64), 2),
}


def drive(name: str, platform: Platform | str, amount: float, at_batch: int = 16) -> Move:
    """The move ``name`` of :data:`DRIVES` taken ``amount`` far (a tile size, a batch, a number of fused ops, bits
    per weight, or a factor on β or π) on ``platform``; ``at_batch`` is the batch of the weight-bits layer."""
    from ._validate import unknown_name

    p = catalogue.get(platform)
    if name == "tile":
        return tile(p, n=1024, tile=positive_int("tile", amount), dtype="fp32")
    if name == "batch":
        return batch(p, size=positive_int("batch", amount), m=4096, k=4096, dtype="fp16")
    if name == "fuse":
        return fuse(p, n=2**24, ops=positive_int("ops", amount), dtype="fp32")
    if name == "weight_bits":
        return weight_bits(p, bits=positive_int("weight_bits", amount), batch=at_batch)
    if name == "bandwidth":
        return more_bandwidth(p, kernels.gemv(4096, 4096, "fp16"), factor=amount)
    if name == "peak":
        return faster_chip(p, kernels.gemm(4096, 4096, 4096, "fp32"), factor=amount)
    raise unknown_name("move", name, DRIVES)


def examples(platform: Platform | str = "gtx-1080-ti") -> list[Move]:
    """The eight moves notebook 04 opens with, on ``platform``: three for compute-bound work (π × 2,
    pruning, Winograd), five for memory-bound work (β × 2, tiling T = 32, fusing 3 ops, batching 16
    GEMVs, int8 weights in an fp16 GEMV)."""
    p = catalogue.get(platform)
    return [faster_chip(p), prune(p), winograd(p), more_bandwidth(p), tile(p), fuse(p), batch(p),
            quantise_weights(p)]

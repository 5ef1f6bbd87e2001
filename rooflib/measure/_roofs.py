"""The roofs as the best of measured candidates: what :func:`machine` measures, and how. Notebook 06.

A roof is the best the machine does, so each one is the highest rate over several candidates:

- the **DRAM roof**: the STREAM triad (quick; all four STREAM kernels in a full run), an in-place
  update ``a = -a`` and a read-only BLAS dot product, on DRAM-sized working sets. Their STREAM counts
  differ in what they leave out: the triad's skips the write-allocate read of ``a`` (it moves 32
  bytes per element, counts 24), the update and the dot have none to skip, so they set the roof;
- the **cache roof**: the same triad, update and dot on working sets that fit in the cores' L2 and in
  the last-level cache;
- the **compute roof** of each precision: BLAS matmul.

Every candidate runs on every core and on one core (``thread_configs``): a quiet machine's best is
all cores, a busy one's can be one core. :func:`measurement_plan` lists the candidates without
timing anything (tests check it); :func:`run_candidate` times one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .. import kernels
from .._validate import positive_int
from ..units import dtype_bytes
from ._kernels import blas_limit, time_gemm
from ._stream import ARRAYS, STREAM_KERNELS, numpy_dtype, stream
from ._system import CacheInfo, cache_info, default_threads, dram_sized_bytes, memory_level, physical_memory_bytes
from ._timing import MeasuredPoint, time_kernel

__all__ = ["Candidate", "best_point", "measurement_plan", "roof_level", "run_candidate", "thread_configs"]

_ROOF_OF_PREFIX = {"dram": "DRAM", "cache": "cache"}


@dataclass(frozen=True)
class Candidate:
    """One measurement :func:`machine` makes; the best candidate of a ``measurement`` name is kept.

    ``kernel``: a STREAM kernel, ``"dot"`` (BLAS, read-only) or ``"gemm"`` (BLAS); ``size``: elements
    per array, or the matrix order n for gemm; ``threads``: Python threads (STREAM) or the BLAS thread
    limit (dot, gemm); ``working_set_bytes`` and its ``level`` (``"cache"`` or ``"DRAM"``); best of
    ``repeat`` repetitions after ``warmup`` calls, each at least ``min_time_s`` seconds. Notebook 06.
    """

    measurement: str
    kernel: str
    size: int
    threads: int
    dtype: str
    working_set_bytes: float
    level: str
    repeat: int
    warmup: int
    min_time_s: float


def thread_configs(threads: int | None = None) -> tuple[int, ...]:
    """The thread counts every roof candidate runs on: all ``threads`` (default: every usable core), then 1."""
    threads = default_threads() if threads is None else positive_int("threads", threads)
    return (threads, 1) if threads > 1 else (1,)


def _array_candidates(measurement: str, kernel: str, arrays: int, per_array_bytes: float, configs: Iterable[int],
                      repeat: int, min_time_s: float, caches: CacheInfo) -> list[Candidate]:
    n = max(1024, int(-(-per_array_bytes // 8)))   # rounded up: the arrays reach the size asked for
    ws = float(arrays * n * 8)
    return [Candidate(measurement, kernel, n, t, "fp64", ws, memory_level(ws, caches), repeat, 1, min_time_s)
            for t in configs]


def measurement_plan(quick: bool = False, threads: int | None = None,
                     caches: CacheInfo | None = None) -> tuple[Candidate, ...]:
    """Every candidate :func:`machine` times, in order (nothing is measured here). Notebook 06.

    DRAM: the triad, the in-place update and the dot (full: also copy, scale, add) on working sets of
    :func:`dram_sized_bytes` (quick) or twice that (full), best single pass of 10 (quick) or 20. Cache:
    the triad, the update and the dot on half of each core's L2 and on a quarter of the last-level cache.
    Matmul on all cores at n = 1536, 768 and 256 (quick) or 2048, 1024 and 256, on one core at n = 512
    (quick) or 2048. Quick and full use the same thread counts (:func:`thread_configs`).
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    caches = cache_info() if caches is None else caches
    configs = thread_configs(threads)
    dram_ws = min((1 if quick else 2) * dram_sized_bytes(caches),   # the full run doubles the arrays
                  physical_memory_bytes() / 4)                       # but never more than a quarter of the RAM
    rep_dram, rep_cache = (10, 8) if quick else (20, 10)
    plan: list[Candidate] = []
    for k in ("triad", "update") if quick else (*STREAM_KERNELS, "update"):
        arrays = len(ARRAYS[k])
        plan += _array_candidates(f"dram {k}", k, arrays, dram_ws / arrays, configs, rep_dram, 0.001, caches)
    plan += _array_candidates("dram dot", "dot", 2, dram_ws / 2, configs, rep_dram, 0.001, caches)
    for k, arrays in (("triad", 3), ("update", 1), ("dot", 2)):
        for t in configs:
            for ws in (t * caches.l2 / 2, caches.llc / 4):
                plan += _array_candidates(f"cache {k}", k, arrays, ws / arrays, (t,), rep_cache,
                                          0.002 if quick else 0.01, caches)
    # matmul: a large n (the BLAS's best rate) and smaller ones timed in many short repetitions (on a busy
    # machine one of them finds a quiet moment); on one core a small n already runs at that core's best
    gemms = {True: ((1536, 3, 0.0), (768, 8, 0.01), (256, 20, 0.005)),
             False: ((2048, 5, 0.0), (1024, 10, 0.02), (256, 40, 0.005))}
    for dt in ("fp64", "fp32"):
        for t in configs:
            sizes = gemms[quick] if t > 1 else (((512, 8, 0.0),) if quick else ((2048, 3, 0.0),))
            for n, rep, mt in sizes:
                ws = 3.0 * n * n * dtype_bytes(dt)
                plan.append(Candidate(f"gemm {dt}", "gemm", n, t, dt, ws, memory_level(ws, caches), rep, 1, mt))
    return tuple(plan)


def run_candidate(c: Candidate) -> MeasuredPoint:
    """Time one candidate; the point is named after its measurement and carries its threads and level."""
    if c.kernel == "gemm":
        p = time_gemm(c.size, dtype=c.dtype, blas_threads=c.threads, repeat=c.repeat, warmup=c.warmup,
                      min_time_s=c.min_time_s)
    elif c.kernel == "dot":
        p = _dot(c)
    else:
        p = stream(c.kernel, c.size, dtype=c.dtype, threads=c.threads, repeat=c.repeat, warmup=c.warmup,
                   min_time_s=c.min_time_s)
    return p.replace(name=c.measurement, notes=f"{p.name}: {p.notes}")


def _dot(c: Candidate) -> MeasuredPoint:
    """The read-only dot candidate: BLAS ``b @ c`` on constant arrays (cheap to fill), BLAS threads limited."""
    n = c.size
    b, d = np.full(n, 2.0, dtype=numpy_dtype(c.dtype)), np.full(n, 0.5, dtype=numpy_dtype(c.dtype))
    w = kernels.dot(n, c.dtype)
    limit, used = blas_limit(c.threads)
    with limit:
        return time_kernel(lambda: np.dot(b, d), w.flops, w.bytes, name=f"dot n={n}", repeat=c.repeat,
                           warmup=c.warmup, min_time_s=c.min_time_s, notes=f"{w.name}; {used} BLAS threads",
                           working_set_bytes=c.working_set_bytes, threads=used, dtype=c.dtype)


def best_point(points: Iterable[MeasuredPoint | None], by: str = "bandwidth") -> MeasuredPoint:
    """The candidate with the highest ``bandwidth`` (bytes/s; memory roofs) or ``flops_per_s`` (FLOP/s;
    compute roofs): the best attainable. ``None`` entries are skipped."""
    if by not in ("bandwidth", "flops_per_s"):
        raise ValueError(f"by must be 'bandwidth' or 'flops_per_s', got {by!r}")
    return max((p for p in points if p is not None), key=lambda p: getattr(p, by))


def roof_level(measurement: str) -> str | None:
    """The roof a measurement name competes for: ``"dram ..."`` -> ``"DRAM"``, ``"cache ..."`` -> ``"cache"``,
    anything else (``"gemm fp64"``) -> None."""
    return _ROOF_OF_PREFIX.get(measurement.split(" ", 1)[0])

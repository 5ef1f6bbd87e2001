"""The roof of each memory level, L1, L2, the last-level cache and DRAM, measured. Notebook 06.

A hierarchical roofline (``rl.hierarchy``) needs one bandwidth per level. Each is measured the same way:
dot products whose two vectors fit in that level, read over and over. One numpy call does the rereading:
``np.matmul`` on a batch of R copies of the same two vectors (a view with stride 0 over the batch, no
copy) makes R BLAS dot products, so a 16 KiB pair in L1 is read R times without a Python call per read.
Every core runs its own pair on its own Python thread (numpy releases the GIL; BLAS limited to one
thread each); then one pair as large as all of those runs on one Python thread with BLAS splitting each dot
product over every core (OpenBLAS does that for long vectors: in the last-level cache of this course's VM it
read about twice as fast as two Python threads); then one pair on one core. A level's roof is the best of
them (a roof is the best the machine does). Working sets per core: half of L1d, an eighth of L2; the
last-level cache: a quarter of it over all cores (at least twice L2 per core); DRAM: :func:`dram_sized_bytes`.

Counts: a dot product of length n is 2n FLOPs (n FMAs) and reads 2n elements; bytes are those reads, the
bytes the level serves (nothing is written). What numpy can reach is a lower bound on what a level can
deliver: a hand-written SIMD loop reads L1 faster still. ``bench/bench_levels.py`` on this course's 2-core VM
(AMD EPYC, 32 KiB L1d and 1 MiB L2 per core reported): numpy read about 300 GB/s in L1, 220 in L2, 185 in the
LLC and 30 from DRAM, a C loop 410, 236, 200 and 29 at the same working sets (numpy / C medians 0.73, 0.93,
0.97 and 1.04). Two Python threads at 256 KiB per core ran no faster than one (110 GB/s), so the VM's cores
get less L2 than reported: an eighth of it keeps the L2 read inside.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._validate import positive_int, unknown_name
from ..core import MemoryLevel, Platform
from ..units import MiB, dtype_bytes, fmt_bandwidth, fmt_bytes, fmt_time
from ._kernels import blas_limit
from ._roofs import best_point, thread_configs
from ._stream import numpy_dtype
from ._system import HIERARCHY, CacheInfo, cache_info, dram_sized_bytes
from ._timing import MeasuredPoint, best_time

__all__ = ["LevelRoofs", "level_roofs", "level_working_sets", "time_level_read"]

_PASS_BYTES = 64 * MiB   # bytes each thread reads per pass (R rereads of its pair)
_TITLE = "measured level roofs: the best dot-product read of each level (DRAM: or the base's DRAM roof)"


def level_working_sets(caches: CacheInfo, threads: int) -> dict[str, int]:
    """Bytes per thread (both vectors together) that put a read in each level when ``threads`` cores read
    at once: L1 half of L1d, L2 an eighth of L2 (four times L1d on most chips), LLC a quarter of the last-level cache over all threads (at
    least twice one L2), DRAM :func:`dram_sized_bytes` over all threads."""
    t = positive_int("threads", threads)
    return {"L1": int(caches.l1d // 2), "L2": int(caches.l2 // 8),
            "LLC": int(max(2 * caches.l2, caches.llc_total / 4 / t)),
            "DRAM": int(-(-dram_sized_bytes(caches) // t))}


def time_level_read(level: str, per_thread_bytes: float, threads: int = 1, *, blas_threads: int = 1,
                    dtype: str = "fp64", repeat: int = 5, warmup: int = 1, min_time_s: float = 0.005) -> MeasuredPoint:
    """Time dot products over vector pairs of ``per_thread_bytes`` (both vectors), one pair per Python thread on
    ``threads`` threads, each dot product on ``blas_threads`` BLAS threads, and return the point, named
    ``"read <level>"`` and carrying ``level``; its ``threads`` is the cores used. Bytes: 2n elements per dot
    product, R dot products per pass; FLOPs 2n per dot product. Notebook 06."""
    if level not in HIERARCHY:
        raise unknown_name("memory level", level, HIERARCHY)
    threads, blas_threads = positive_int("threads", threads), positive_int("blas_threads", blas_threads)
    s = dtype_bytes(dtype)
    n = max(64, int(per_thread_bytes // (2 * s)))
    reps = max(1, round(_PASS_BYTES / (2 * n * s)))
    pairs = []
    for _ in range(threads):
        a, b = np.full(n, 0.5, dtype=numpy_dtype(dtype)), np.full(n, 2.0, dtype=numpy_dtype(dtype))
        pairs.append((as_strided(a, (reps, 1, n), (0, n * s, s), writeable=False),
                      as_strided(b, (reps, n, 1), (0, s, s), writeable=False)))

    def body(pair: tuple[np.ndarray, np.ndarray], k: int) -> None:
        for _ in range(k):
            np.matmul(*pair)

    limit, _ = blas_limit(blas_threads)
    with limit, ThreadPoolExecutor(max_workers=threads) as pool:
        def run(k: int) -> None:
            for f in [pool.submit(body, p, k) for p in pairs]:
                f.result()

        best, times = best_time(run, repeat, warmup, min_time_s)
    count = 2.0 * n * reps * threads
    return MeasuredPoint(f"read {level}", count, count * s, best, times, threads=max(threads, blas_threads),
                         notes=f"{reps} dot products of n={n} per pass on each of {threads} Python threads "
                               f"({fmt_bytes(2 * n * s)} each), {blas_threads} BLAS threads per dot product",
                         working_set_bytes=2.0 * n * s * threads,
                         level=level, dtype=dtype)


@dataclass(frozen=True)
class LevelRoofs:
    """The measured roof of every memory level and the platform they make. Notebook 06.

    ``points``: the best read of each level (``"L1"``, ``"L2"``, ``"LLC"``, ``"DRAM"``), its ``threads`` say
    which thread count won; ``candidates``: every read timed. ``roofs``: bytes/s by level. ``platform``: the
    base platform (π and its DRAM roof) with L1, L2 and LLC as memory levels (``Platform.levels``) and the DRAM
    roof the better of the base's and the DRAM read (a roof is the best the machine does).
    ``to_dataframe()``: one row per level; ``summary()``: the roofs as a dict.
    """

    points: Mapping[str, MeasuredPoint]
    base: Platform
    caches: CacheInfo
    candidates: tuple[MeasuredPoint, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", MappingProxyType(dict(self.points)))
        object.__setattr__(self, "candidates", tuple(self.candidates))

    @property
    def roofs(self) -> Mapping[str, float]:
        """Measured bandwidth in bytes/s by level, fastest level first; DRAM also counts the base's DRAM roof."""
        out = {lv: p.bandwidth for lv, p in self.points.items()}
        out["DRAM"] = max(out.get("DRAM", 0.0), self.base.bandwidth)
        return MappingProxyType(out)

    @property
    def platform(self) -> Platform:
        """The base platform with a measured roof for L1, L2 and LLC, ready for ``rl.hierarchy.hierarchical``."""
        r = self.roofs
        return self.base.replace(bandwidth=r["DRAM"], levels=tuple(MemoryLevel(lv, r[lv]) for lv in HIERARCHY[:-1]))

    def to_dataframe(self):
        """One row per level: bandwidth (the roof, bytes/s), set_by (``"read"``, or ``"base"`` where the base
        platform's DRAM roof is higher), read_bandwidth (bytes/s), working_set_bytes (all threads), threads (cores)
        and time_s (best pass) of the level's best read."""
        import pandas as pd

        rows = [{"level": lv, "bandwidth": self.roofs[lv], "set_by": "read" if self.roofs[lv] == p.bandwidth else "base",
                 "read_bandwidth": p.bandwidth, "working_set_bytes": p.working_set_bytes, "threads": p.threads,
                 "time_s": p.time_s} for lv, p in self.points.items()]
        cols = ["level", "bandwidth", "set_by", "read_bandwidth", "working_set_bytes", "threads", "time_s"]
        return pd.DataFrame(rows, columns=cols).set_index("level")

    def summary(self) -> dict[str, Any]:
        """The roofs as a dict, ``bandwidth_<level>`` in bytes/s."""
        return {f"bandwidth_{lv}": bw for lv, bw in self.roofs.items()}

    def _display_frame(self):
        df = self.to_dataframe()
        return df.assign(bandwidth=df["bandwidth"].map(fmt_bandwidth), time_s=df["time_s"].map(fmt_time),
                         read_bandwidth=df["read_bandwidth"].map(fmt_bandwidth),
                         set_by=df["set_by"].map({"read": "read", "base": f"{self.base.name} DRAM roof"}),
                         working_set_bytes=df["working_set_bytes"].map(fmt_bytes)).rename(
            columns={"bandwidth": "roof (bytes/s)", "set_by": "set by", "read_bandwidth": "read (bytes/s)",
                     "working_set_bytes": "read's working set", "time_s": "best pass"}).rename_axis(None)

    def __str__(self) -> str:
        return f"{_TITLE}\n{self._display_frame().to_string()}"

    def _repr_html_(self) -> str:
        return f"<div><p>{html.escape(_TITLE)}</p>{self._display_frame().to_html()}</div>"


def level_roofs(base: Any, *, quick: bool | None = None, threads: int | None = None,
                caches: CacheInfo | None = None) -> LevelRoofs:
    """Measure the roof of L1, L2, the last-level cache and DRAM on this machine. Notebook 06.

    ``base``: an ``rl.measure.machine()`` result (its platform gives π and the DRAM roof, its ``quick`` flag
    the default) or an ``rl.Platform``. Each level is read three ways (a pair per core, one pair split by BLAS
    over every core, one core) and keeps the best; ``quick`` (default True, or the measurement's) takes one to
    two seconds, the full run a few.
    """
    from ._machine import MachineMeasurement

    if isinstance(base, MachineMeasurement):
        plat, quick = base.platform, base.quick if quick is None else quick
        caches = base.caches if caches is None else caches
    elif isinstance(base, Platform):
        plat = base
    else:
        raise ValueError(f"base must be an rl.measure.machine() result or an rl.Platform, got {base!r}")
    quick = True if quick is None else quick
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    caches = cache_info() if caches is None else caches
    repeat, min_time_s = (10, 0.005) if quick else (20, 0.02)   # many short passes: one finds a quiet moment
    # (Python threads, BLAS threads, pair size factor): a pair per core; one pair t times the size with each dot
    # product split by BLAS over the t cores; one core. The Python-thread runs go first, after a pause: OpenBLAS's
    # worker threads spin for about 0.1 s after a call (a matmul just before, say) and would take their cores.
    t = thread_configs(threads)[0]
    configs = [(t, 1, 1), (1, t, t), (1, 1, 1)] if t > 1 else [(1, 1, 1)]
    time.sleep(0.3)
    candidates = []
    for py, blas, factor in configs:
        sizes = level_working_sets(caches, py * blas)
        for lv in HIERARCHY:
            candidates.append(time_level_read(lv, sizes[lv] * factor, py, blas_threads=blas, min_time_s=min_time_s,
                                              repeat=repeat if lv != "DRAM" else 3 + repeat // 2))
    best = {lv: best_point((p for p in candidates if p.level == lv), "bandwidth") for lv in HIERARCHY}
    return LevelRoofs(best, plat, caches, tuple(candidates))


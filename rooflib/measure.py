"""Measure this machine: STREAM-style bandwidth, BLAS matmul peaks and any kernel's measured point. Notebook 06.

Conventions (the same as :mod:`rooflib.kernels`):

- a FLOP is one add or one multiply (a multiply-add is 2); ``max(x, 0)`` (ReLU) counts as 1 FLOP;
- bytes are the STREAM count of compulsory traffic: each input array element read once, each output
  element written once. **Write-allocate traffic is not counted** (a cache reads an output line
  before it overwrites it, so the hardware really moves one more array per output: pass
  ``write_allocate=True`` to :func:`stream_counts` for that figure). McCalpin's STREAM counts the
  same way, so the C benchmark in ``bench/`` and these numbers compare like with like;
- times are wall-clock seconds from :func:`time.perf_counter`, best of several repetitions after a
  warm-up, each repetition long enough (``min_time_s``) for the clock to be exact;
- a measured rate is the count divided by the best time: FLOP/s and bytes/s, SI units.

numpy evaluates ``a = b + q * c`` in two passes (``q * c`` then ``+ b``). Over a large array the
second pass would move ``a`` through memory again, so :func:`stream` runs the triad in cache-sized
blocks: within a block the second pass finds ``a`` in cache and DRAM sees the three arrays once,
which is what the byte count says. Element-wise work runs on ``threads`` Python threads (numpy
releases the GIL inside its loops), one contiguous slice each, like STREAM's OpenMP loop.

GPU: where PyTorch (with CUDA or ROCm) or CuPy can see a GPU, :func:`gpu` makes the same
measurements there; otherwise it returns ``None`` and says why (:func:`gpu_backend`).
"""

from __future__ import annotations

import math
import os
import platform as _platform
import re
import socket
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from . import kernels as _kernels
from ._validate import nonnegative, positive, positive_int, unknown_name
from .core import Ceiling, Platform, Workload
from .units import GiB, KiB, MiB, dtype_bytes, eng, fmt_bandwidth, fmt_bytes, fmt_flops, fmt_intensity, fmt_time

__all__ = ["MeasuredPoint", "BlasInfo", "CacheInfo", "MachineMeasurement", "STREAM_KERNELS", "kernel",
           "stream", "stream_counts", "blocked_triad", "triad_bandwidth", "gemm_peak", "blas_info", "cache_info",
           "default_threads", "machine", "triad", "dot", "gemv", "gemm", "elementwise_unfused",
           "elementwise_fused", "python_loop_triad", "standard_kernels", "gpu_backend", "gpu"]

_NP_DTYPES = {"fp64": np.float64, "fp32": np.float32}


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeasuredPoint:
    """A measured kernel: ``flops`` (FLOPs) and ``bytes`` (bytes moved, STREAM count) done in ``time_s`` seconds.

    ``intensity`` (FLOP/byte) = flops / bytes, ``flops_per_s`` (FLOP/s) = flops / time_s,
    ``bandwidth`` (bytes/s) = bytes / time_s. ``rl.plot.roofline`` draws it at its measured height.
    ``times_s`` holds every timed repetition (per call), ``time_s`` is their minimum. Notebook 06.
    """

    name: str
    flops: float
    bytes: float
    time_s: float
    times_s: tuple[float, ...] = ()
    threads: int = 1
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops", nonnegative("flops", self.flops, "FLOPs"))
        object.__setattr__(self, "bytes", positive("bytes", self.bytes, "bytes"))
        object.__setattr__(self, "time_s", positive("time_s", self.time_s, "seconds"))
        object.__setattr__(self, "times_s", tuple(float(t) for t in self.times_s) or (self.time_s,))

    @property
    def intensity(self) -> float:
        """Arithmetic intensity in FLOP/byte: flops / bytes (exactly; no timing involved)."""
        return self.flops / self.bytes

    @property
    def flops_per_s(self) -> float:
        """Measured performance in FLOP/s: flops / time_s."""
        return self.flops / self.time_s

    @property
    def bandwidth(self) -> float:
        """Measured traffic rate in bytes/s: bytes / time_s."""
        return self.bytes / self.time_s

    @property
    def spread(self) -> float:
        """Median repetition time over the best one (1.0 = perfectly steady; 1.3 = noisy)."""
        return float(np.median(self.times_s)) / self.time_s

    def workload(self) -> Workload:
        """The counted work as an rl.Workload (flops, bytes), without the timing."""
        return Workload(self.name, self.flops, self.bytes, self.notes)

    def __str__(self) -> str:
        return (f"{self.name}: {fmt_time(self.time_s)}, {fmt_flops(self.flops_per_s)}, "
                f"{fmt_bandwidth(self.bandwidth)}, {fmt_intensity(self.intensity)}")


@dataclass(frozen=True)
class BlasInfo:
    """The BLAS behind numpy's matmul, as threadpoolctl reports it: library, version, thread count."""

    library: str
    version: str
    num_threads: int
    architecture: str = ""
    threading_layer: str = ""

    def __str__(self) -> str:
        arch = f", kernels for {self.architecture}" if self.architecture else ""
        return f"{self.library} {self.version} ({self.num_threads} threads{arch})"


@dataclass(frozen=True)
class CacheInfo:
    """Cache sizes in bytes for one core's view: ``l1d``, ``l2`` and the last level ``llc`` (shared).

    ``detected`` is False when the sizes are fallbacks (32 KiB, 1 MiB, 32 MiB) because the operating
    system did not report them.
    """

    l1d: int
    l2: int
    llc: int
    detected: bool = True


@dataclass(frozen=True)
class MachineMeasurement:
    """What :func:`machine` measured. ``platform`` is an rl.Platform built from the measurements.

    - ``platform.peak_flops_per_s``: the best BLAS matmul rate, fp32 or fp64 (``platform.dtype`` says which;
      ``platform.peaks`` holds both); the other precision is a compute ceiling.
    - ``platform.bandwidth``: the DRAM triad bandwidth (STREAM count, write-allocate not counted).
    - a memory ceiling for the cache-sized triad: a second, higher bandwidth roof.
    - ``measurements``: every raw MeasuredPoint by name (``"dram triad"``, ``"cache triad"``,
      ``"gemm fp64"``, ...), each the faster of all cores and one core (its ``threads`` says which);
      ``blas``: the BLAS library and its threads; ``threads``: the cores used. Notebook 06.
    """

    platform: Platform
    measurements: Mapping[str, MeasuredPoint]
    blas: BlasInfo
    threads: int
    caches: CacheInfo
    quick: bool
    device: str = "cpu"
    elapsed_s: float = 0.0
    write_allocate_counted: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "measurements", MappingProxyType(dict(self.measurements)))

    @property
    def dram_bandwidth(self) -> float:
        """Measured DRAM triad bandwidth in bytes/s (the platform's memory roof)."""
        return self.measurements["dram triad"].bandwidth

    @property
    def cache_bandwidth(self) -> float:
        """Measured cache-sized triad bandwidth in bytes/s (the higher memory roof)."""
        return self.measurements["cache triad"].bandwidth

    def peak(self, dtype: str) -> float:
        """Measured matmul rate in FLOP/s for ``"fp64"`` or ``"fp32"`` (or ``"bf16"`` on a GPU)."""
        return self.platform.peak(dtype)

    def table(self) -> list[dict[str, Any]]:
        """One row per raw measurement: name, time_s, FLOP/s, bytes/s, intensity, threads, spread."""
        return [{"name": k, "time_s": m.time_s, "flops_per_s": m.flops_per_s, "bandwidth": m.bandwidth,
                 "intensity": m.intensity, "threads": m.threads, "spread": m.spread}
                for k, m in self.measurements.items()]

    def summary(self) -> str:
        """A short human-readable report with units."""
        lines = [f"{self.platform.display_name}  ({'quick' if self.quick else 'full'} run, "
                 f"{self.elapsed_s:.1f} s)", f"BLAS: {self.blas}; cores used: {self.threads}"]
        for k, m in self.measurements.items():
            rate = fmt_bandwidth(m.bandwidth) if m.intensity < 1 else fmt_flops(m.flops_per_s)
            lines.append(f"  {k:<14} {rate:>14}   ({m.threads} thread{'s' if m.threads > 1 else ''}, "
                         f"best of {len(m.times_s)}, spread {m.spread:.2f})")
        lines.append(f"  ridge point    {self.platform.ridge_point:.3g} FLOP/byte "
                     f"({self.platform.dtype} peak / DRAM triad)")
        lines.append("  bytes: STREAM count, write-allocate traffic not counted")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, workloads=(), ax=None, **kwargs):
        """Draw this machine's measured roofline (with its ceilings) and ``workloads``; returns the Axes."""
        from .plot import roofline

        return roofline(self.platform, workloads, ax=ax, **kwargs)


# --- machine facts ---------------------------------------------------------------------------

def default_threads() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)\s*B?\s*", text, re.IGNORECASE)
    if not m:
        return 0
    return int(m.group(1)) * {"": 1, "K": KiB, "M": MiB, "G": GiB}[m.group(2).upper()]


def cache_info() -> CacheInfo:
    """Cache sizes of CPU 0 from Linux sysfs (or glibc's sysconf); documented fallbacks elsewhere."""
    sizes: dict[int, int] = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for entry in sorted(os.listdir(base)):
            if not entry.startswith("index"):
                continue
            with open(f"{base}/{entry}/level") as f:
                level = int(f.read())
            with open(f"{base}/{entry}/type") as f:
                kind = f.read().strip()
            with open(f"{base}/{entry}/size") as f:
                size = _parse_size(f.read())
            if kind != "Instruction" and size > 0:
                sizes[level] = max(size, sizes.get(level, 0))
    except (OSError, ValueError):
        sizes = {}
    if not sizes:
        for level, key in ((1, "SC_LEVEL1_DCACHE_SIZE"), (2, "SC_LEVEL2_CACHE_SIZE"), (3, "SC_LEVEL3_CACHE_SIZE")):
            try:
                value = os.sysconf(key)
            except (ValueError, OSError, AttributeError):
                value = 0
            if value and value > 0:
                sizes[level] = int(value)
    detected = 1 in sizes and 2 in sizes
    l1 = sizes.get(1, 32 * KiB)
    l2 = sizes.get(2, 1 * MiB)
    llc = sizes[max(sizes)] if sizes else 32 * MiB
    return CacheInfo(l1d=l1, l2=l2, llc=max(llc, l2), detected=detected)


def blas_info() -> BlasInfo:
    """numpy's BLAS library, version and thread count, from threadpoolctl (``"unknown"`` without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return BlasInfo("unknown (threadpoolctl not installed)", "", 0)
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return BlasInfo(str(pool.get("internal_api", "unknown")), str(pool.get("version") or ""),
                            int(pool.get("num_threads") or 0), str(pool.get("architecture") or ""),
                            str(pool.get("threading_layer") or ""))
    return BlasInfo("unknown", "", 0)


def _physical_memory_bytes() -> float:
    """Installed memory in bytes (sysconf), or 8 GiB where the system does not say."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8.0 * GiB


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return _platform.processor() or _platform.machine() or "CPU"


# --- timing ----------------------------------------------------------------------------------

def _check_timing_args(repeat: object, warmup: object, min_time_s: object) -> tuple[int, int, float]:
    repeat = positive_int("repeat", repeat)
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ValueError(f"warmup must be a whole number >= 0, got {warmup!r}")
    return repeat, int(warmup), nonnegative("min_time_s", min_time_s, "seconds")


def _best_time(run: Callable[[int], None], repeat: int, warmup: int, min_time_s: float,
               number: int | None = None) -> tuple[float, tuple[float, ...]]:
    """Best per-call time of ``run(number)`` (which does ``number`` calls) and every repetition's per-call time."""
    for _ in range(warmup):
        run(1)
    if number is None:  # like timeit.autorange: grow until one repetition lasts min_time_s
        number = 1
        while True:
            t0 = time.perf_counter()
            run(number)
            dt = time.perf_counter() - t0
            if dt >= min_time_s or number >= 1 << 24:
                break
            number = number * 2 if dt <= 0 else max(number * 2, int(number * 1.2 * min_time_s / dt) + 1)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(number)
        times.append((time.perf_counter() - t0) / number)
    return min(times), tuple(times)


def kernel(fn: Callable[[], object], flops: float, bytes: float, *, name: str = "kernel", repeat: int = 5,
           warmup: int = 1, min_time_s: float = 0.02, number: int | None = None,
           sync: Callable[[], object] | None = None, notes: str = "") -> MeasuredPoint:
    """Time ``fn()`` and return its measured point: ``flops`` (FLOPs) and ``bytes`` (bytes) per call are yours.

    Best of ``repeat`` repetitions after ``warmup`` calls; each repetition runs ``fn`` ``number``
    times (by default enough calls to last ``min_time_s`` seconds). ``sync`` is called after each
    repetition before the clock stops (e.g. ``torch.cuda.synchronize`` for a GPU). The intensity is
    ``flops / bytes`` exactly; only the time is measured. Notebook 06.
    """
    if not callable(fn):
        raise ValueError(f"fn must be a callable taking no arguments, got {fn!r}")
    flops = nonnegative("flops", flops, "FLOPs")
    bytes = positive("bytes", bytes, "bytes")
    repeat, warmup, min_time_s = _check_timing_args(repeat, warmup, min_time_s)
    if number is not None:
        number = positive_int("number", number)
    if sync is not None and not callable(sync):
        raise ValueError(f"sync must be a callable or None, got {sync!r}")

    def run(k: int) -> None:
        for _ in range(k):
            fn()
        if sync is not None:
            sync()

    best, times = _best_time(run, repeat, warmup, min_time_s, number)
    if best <= 0:  # a clock too coarse for this machine; never a silent infinity
        best = time.get_clock_info("perf_counter").resolution
    return MeasuredPoint(str(name), flops, bytes, best, times, notes=notes)


# --- STREAM ----------------------------------------------------------------------------------

# kernel: (FLOPs per element, arrays read, arrays written), as in McCalpin's STREAM
STREAM_KERNELS: Mapping[str, tuple[int, int, int]] = MappingProxyType({
    "copy": (0, 1, 1),    # c = a
    "scale": (1, 1, 1),   # b = q * c
    "add": (1, 2, 1),     # c = a + b
    "triad": (2, 2, 1),   # a = b + q * c
})


def _stream_name(kernel: str) -> str:
    if not isinstance(kernel, str) or kernel not in STREAM_KERNELS:
        raise unknown_name("STREAM kernel", kernel, STREAM_KERNELS)
    return kernel


def _np_dtype(dtype: str) -> type:
    from .units import normalise_dtype

    key = normalise_dtype(dtype)
    if key not in _NP_DTYPES:
        raise unknown_name("dtype for measurement", dtype, _NP_DTYPES)
    return _NP_DTYPES[key]


def stream_counts(kernel: str, n: int, dtype: str = "fp64", write_allocate: bool = False) -> tuple[float, float]:
    """(FLOPs, bytes) of one STREAM ``kernel`` over ``n`` elements: copy 0 / 2n, scale n / 2n, add n / 3n,
    triad 2n / 3n, times the element size in bytes. ``write_allocate=True`` adds one read of the output
    array (n elements), the traffic a write-allocate cache really causes. Notebook 06.
    """
    kernel = _stream_name(kernel)
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    per_flop, reads, writes = STREAM_KERNELS[kernel]
    moved = reads + writes + (writes if write_allocate else 0)
    return float(per_flop * n), float(moved * n * s)


def _slices(n: int, parts: int) -> list[slice]:
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [slice(int(lo), int(hi)) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]


def blocked_triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, q: float, block: int) -> None:
    """STREAM triad ``a = b + q * c`` in place, ``block`` elements at a time (two numpy passes per block).

    Within a block the second pass (``+ b``) finds ``a`` in cache, so memory sees each array once
    (24 bytes per float64 element) instead of the 40 an unblocked two-pass triad moves. Notebook 06.
    """
    block = positive_int("block", block)
    mul, add = np.multiply, np.add
    for i in range(0, a.shape[0], block):
        ab = a[i:i + block]
        mul(c[i:i + block], q, out=ab)
        add(ab, b[i:i + block], out=ab)


def _stream_body(kernel: str, a: np.ndarray, b: np.ndarray, c: np.ndarray, q: float, block: int) -> Callable[[], None]:
    """One pass of ``kernel`` over these (slices of) arrays, in place, no temporaries."""
    if kernel == "copy":
        return lambda: np.copyto(c, a)
    if kernel == "scale":
        return lambda: np.multiply(c, q, out=b)
    if kernel == "add":
        return lambda: np.add(a, b, out=c)
    n = a.shape[0]
    blocks = [(a[i:i + block], b[i:i + block], c[i:i + block]) for i in range(0, n, block)]
    mul, add = np.multiply, np.add

    def triad() -> None:  # blocked_triad with the slices made once, outside the timed loop
        for ab, bb, cb in blocks:
            mul(cb, q, out=ab)
            add(ab, bb, out=ab)
    return triad


def _l2_block(caches: CacheInfo, itemsize: int) -> int:
    """Elements per block for in-cache passes: a quarter of L2 per array."""
    return max(1024, int(caches.l2 // (4 * itemsize)))


def _triad_block(caches: CacheInfo, itemsize: int, threads: int = 1) -> int:
    """Elements per triad block: the three blocks of every thread fill at most half the last-level
    cache (a power of two), and never less than a quarter of L2 per array. Large blocks keep
    numpy's per-call overhead small; the second pass still finds ``a`` in cache, not in DRAM.
    """
    share = caches.llc // (2 * 3 * max(1, threads) * itemsize)
    big = 1 << max(0, int(share).bit_length() - 1) if share > 0 else 0
    return max(_l2_block(caches, itemsize), big)


def stream(kernel: str = "triad", n: int | None = None, *, working_set_bytes: float | None = None,
           dtype: str = "fp64", threads: int | None = None, repeat: int = 5, warmup: int = 1,
           min_time_s: float = 0.05, block: int | None = None) -> MeasuredPoint:
    """Measure one STREAM kernel (copy, scale, add, triad) in numpy, in place, and return its point.

    Give ``n`` (elements per array) or ``working_set_bytes`` (all three arrays together, bytes).
    Bytes use the STREAM count (:func:`stream_counts`, write-allocate not counted); ``.bandwidth``
    is the measured bytes/s. ``threads`` Python threads (default: every core) each own a contiguous
    slice, first-touched by that thread. Notebook 06.
    """
    kernel = _stream_name(kernel)
    np_dtype = _np_dtype(dtype)
    itemsize = np.dtype(np_dtype).itemsize
    if (n is None) == (working_set_bytes is None):
        raise ValueError(f"give exactly one of n (elements per array) or working_set_bytes, got n={n!r}, "
                         f"working_set_bytes={working_set_bytes!r}")
    if n is None:
        ws = positive("working_set_bytes", working_set_bytes, "bytes")
        n = max(1, int(ws // (3 * itemsize)))
    n = positive_int("n", n)
    threads = default_threads() if threads is None else positive_int("threads", threads)
    threads = min(threads, n)
    repeat, warmup, min_time_s = _check_timing_args(repeat, warmup, min_time_s)
    block = _triad_block(cache_info(), itemsize, threads) if block is None else positive_int("block", block)
    flops, nbytes = stream_counts(kernel, n, "fp64" if itemsize == 8 else "fp32")

    a = np.empty(n, dtype=np_dtype)
    b = np.empty(n, dtype=np_dtype)
    c = np.empty(n, dtype=np_dtype)
    q = np_dtype(3.0)
    parts = _slices(n, threads)

    def first_touch(s: slice) -> None:
        a[s] = 1.0
        b[s] = 2.0
        c[s] = 0.5

    bodies = [_stream_body(kernel, a[s], b[s], c[s], q, block) for s in parts]

    def worker(body: Callable[[], None], k: int) -> None:
        for _ in range(k):
            body()

    if len(parts) == 1:
        first_touch(parts[0])

        def run(k: int) -> None:
            worker(bodies[0], k)

        best, times = _best_time(run, repeat, warmup, min_time_s)
    else:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            list(pool.map(first_touch, parts))

            def run(k: int) -> None:
                futures = [pool.submit(worker, body, k) for body in bodies]
                for f in futures:
                    f.result()

            best, times = _best_time(run, repeat, warmup, min_time_s)
    label = f"{kernel} {fmt_bytes(3 * n * itemsize)}"
    return MeasuredPoint(label, flops, nbytes, best, times, threads=len(parts),
                         notes=f"STREAM {kernel}, n={n} per array, {np.dtype(np_dtype).name}; "
                               "bytes: STREAM count, write-allocate not counted")


def triad_bandwidth(working_set_bytes: float, *, threads: int | None = None, repeat: int = 3,
                    min_time_s: float = 0.01) -> MeasuredPoint:
    """A quick triad at a given working set (bytes, three arrays together); used by the notebook 06 widget."""
    return stream("triad", working_set_bytes=working_set_bytes, threads=threads, repeat=repeat,
                  min_time_s=min_time_s)


# --- matmul peak -----------------------------------------------------------------------------

def gemm_peak(n: int = 2048, dtype: str = "fp64", *, repeat: int = 5, warmup: int = 1,
              min_time_s: float = 0.0) -> MeasuredPoint:
    """Measure C = A B with square n x n matrices through numpy's BLAS: 2 n^3 FLOPs per call. Notebook 06."""
    return gemm(n, dtype, repeat=repeat, warmup=warmup, min_time_s=min_time_s)


# --- ready-made measured kernels -------------------------------------------------------------

def _count(n: int) -> str:
    return eng(n, "", 3).replace(" ", "")


def _rng_array(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(_np_dtype(dtype))


def triad(n: int = 4_000_000, dtype: str = "fp64", *, threads: int | None = None, repeat: int = 5,
          min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured STREAM triad over ``n`` elements per array (FLOPs and bytes = rl.kernels.triad(n, dtype))."""
    point = stream("triad", n, dtype=dtype, threads=threads, repeat=repeat, min_time_s=min_time_s)
    w = _kernels.triad(n, dtype)
    return MeasuredPoint(f"triad n={_count(n)}", w.flops, w.bytes, point.time_s, point.times_s,
                         point.threads, point.notes)


def dot(n: int = 4_000_000, dtype: str = "fp64", *, repeat: int = 5, min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured dot product ``a @ b`` (BLAS); FLOPs and bytes = rl.kernels.dot(n, dtype)."""
    n = positive_int("n", n)
    a, b = _rng_array((n,), dtype, 1), _rng_array((n,), dtype, 2)
    w = _kernels.dot(n, dtype)
    return kernel(lambda: np.dot(a, b), w.flops, w.bytes, name=f"dot n={_count(n)}",
                  repeat=repeat, min_time_s=min_time_s, notes=w.name)


def gemv(m: int = 2048, n: int | None = None, dtype: str = "fp64", *, repeat: int = 5,
         min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured matrix-vector product y = A x (BLAS); FLOPs and bytes = rl.kernels.gemv(m, n, dtype)."""
    m = positive_int("m", m)
    n = m if n is None else positive_int("n", n)
    A, x = _rng_array((m, n), dtype, 3), _rng_array((n,), dtype, 4)
    y = np.empty(m, dtype=A.dtype)
    w = _kernels.gemv(m, n, dtype)
    return kernel(lambda: np.matmul(A, x, out=y), w.flops, w.bytes, name=f"gemv {m}x{n}", repeat=repeat,
                  min_time_s=min_time_s, notes=w.name)


def gemm(n: int = 1024, dtype: str = "fp64", *, repeat: int = 5, warmup: int = 1,
         min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured square matmul C = A B, n x n (BLAS); FLOPs and bytes = rl.kernels.gemm(n, n, n, dtype)."""
    n = positive_int("n", n)
    A, B = _rng_array((n, n), dtype, 5), _rng_array((n, n), dtype, 6)
    C = np.empty((n, n), dtype=A.dtype)
    w = _kernels.gemm(n, n, n, dtype)
    return kernel(lambda: np.matmul(A, B, out=C), w.flops, w.bytes, name=f"gemm {n} {w.name.split()[-1]}",
                  repeat=repeat, warmup=warmup, min_time_s=min_time_s, notes=w.name)


_CHAIN_FLOPS_PER_ELEMENT = 4  # y = s * max(a * x + b, 0): multiply, add, max, multiply


def _chain_arrays(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    x = _rng_array((n,), dtype, 7)
    return x, np.empty_like(x)


def elementwise_unfused(n: int = 4_000_000, dtype: str = "fp64", *, repeat: int = 5,
                        min_time_s: float = 0.02) -> MeasuredPoint:
    """y = s * relu(a * x + b) as four numpy passes (each in place with ``out=``), one thread.

    FLOPs: 4n. Bytes: each pass reads n and writes n elements, so 8n elements (the temporaries a
    naive expression would allocate are avoided; each pass still goes through memory).
    """
    n = positive_int("n", n)
    x, y = _chain_arrays(n, dtype)
    s = dtype_bytes(dtype)
    a, b, sc = y.dtype.type(1.5), y.dtype.type(-0.25), y.dtype.type(2.0)

    def run() -> None:
        np.multiply(x, a, out=y)
        np.add(y, b, out=y)
        np.maximum(y, 0, out=y)
        np.multiply(y, sc, out=y)

    return kernel(run, _CHAIN_FLOPS_PER_ELEMENT * n, 8 * n * s, name="chain unfused", repeat=repeat,
                  min_time_s=min_time_s, notes=f"4 passes over n={n}; 8n elements moved")


def elementwise_fused(n: int = 4_000_000, dtype: str = "fp64", *, block: int | None = None, repeat: int = 5,
                      min_time_s: float = 0.02) -> MeasuredPoint:
    """The same chain, fused by blocking: the four passes run on one cache-sized block at a time.

    FLOPs: 4n. Bytes: x read once and y written once, 2n elements (the inner passes hit cache).
    """
    n = positive_int("n", n)
    x, y = _chain_arrays(n, dtype)
    s = dtype_bytes(dtype)
    a, b, sc = y.dtype.type(1.5), y.dtype.type(-0.25), y.dtype.type(2.0)
    block = _l2_block(cache_info(), y.itemsize) if block is None else positive_int("block", block)
    blocks = [(x[i:i + block], y[i:i + block]) for i in range(0, n, block)]
    mul, add, mx = np.multiply, np.add, np.maximum

    def run() -> None:
        for xb, yb in blocks:
            mul(xb, a, out=yb)
            add(yb, b, out=yb)
            mx(yb, 0, out=yb)
            mul(yb, sc, out=yb)

    return kernel(run, _CHAIN_FLOPS_PER_ELEMENT * n, 2 * n * s, name="chain fused", repeat=repeat,
                  min_time_s=min_time_s, notes=f"blocks of {block}; x read once, y written once: 2n elements")


def python_loop_triad(n: int = 20_000, dtype: str = "fp64", *, repeat: int = 3, min_time_s: float = 0.0) -> MeasuredPoint:
    """The triad a[i] = b[i] + q * c[i] as a plain Python for-loop over numpy arrays (keep n small).

    FLOPs and bytes = rl.kernels.triad(n, dtype): the same work as the vectorised triad.
    """
    n = positive_int("n", n)
    b, c = _rng_array((n,), dtype, 8), _rng_array((n,), dtype, 9)
    a = np.empty_like(b)
    q = 3.0

    def run() -> None:
        for i in range(n):
            a[i] = b[i] + q * c[i]

    w = _kernels.triad(n, dtype)
    return kernel(run, w.flops, w.bytes, name="python loop", repeat=repeat, min_time_s=min_time_s, notes=w.name)


def standard_kernels(quick: bool = True, dtype: str = "fp64") -> list[MeasuredPoint]:
    """The measured kernels notebook 06 places on the roofline: triad, dot, gemv, gemm at three sizes,
    the unfused and fused element-wise chain, and a naive Python loop beside the vectorised triad.
    ``quick=True`` uses smaller arrays and fewer repetitions (about a second on 2 cores).
    """
    caches = cache_info()
    big = int(4 * caches.llc // 8) if not quick else int(caches.llc // 8)  # elements of 8 bytes
    big = max(big, 1 << 20)
    loop_n = 10_000 if quick else 50_000
    rep = 3 if quick else 5
    mt = 0.01 if quick else 0.05
    gemm_sizes = (64, 256, 768) if quick else (64, 256, 1024, 2048)
    points = [triad(big, dtype, repeat=rep, min_time_s=mt),
              dot(big, dtype, repeat=rep, min_time_s=mt),
              gemv(int(math.isqrt(big)), dtype=dtype, repeat=rep, min_time_s=mt)]
    points += [gemm(n, dtype, repeat=rep, min_time_s=mt) for n in gemm_sizes]
    points += [elementwise_unfused(big, dtype, repeat=rep, min_time_s=mt),
               elementwise_fused(big, dtype, repeat=rep, min_time_s=mt),
               python_loop_triad(loop_n, dtype, repeat=2 if quick else 3)]
    vec = triad(loop_n, dtype, threads=1, repeat=rep, min_time_s=mt)
    points.append(MeasuredPoint("vectorised", vec.flops, vec.bytes, vec.time_s, vec.times_s, vec.threads,
                                f"numpy triad, same n={loop_n} as the Python loop"))
    return points


# --- the whole machine -----------------------------------------------------------------------

def _progress(total: int, enabled: bool, desc: str):
    if enabled:
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, desc=desc, unit="step")
        except ImportError:
            pass

    class _Silent:
        def set_description(self, *_: object) -> None: ...
        def update(self, *_: object) -> None: ...
        def close(self) -> None: ...

    return _Silent()


def _machine_name() -> tuple[str, str]:
    host = socket.gethostname() or "localhost"
    slug = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "localhost"
    return f"measured-{slug}", f"{_cpu_model()} on {host} (measured)"


def _platform_from(measurements: Mapping[str, MeasuredPoint], name: str, display: str, device: str,
                   extra_peaks: Mapping[str, float] = MappingProxyType({})) -> Platform:
    peaks = {"fp64": measurements["gemm fp64"].flops_per_s, "fp32": measurements["gemm fp32"].flops_per_s}
    peaks.update(extra_peaks)
    best = max(peaks, key=peaks.__getitem__)
    ceilings = [Ceiling("cache triad", measurements["cache triad"].bandwidth, "memory")]
    ceilings += [Ceiling(f"{k} matmul", v, "compute") for k, v in peaks.items() if k != best]
    dram = measurements["dram triad"].bandwidth
    return Platform(name=name, peak_flops_per_s=peaks[best], bandwidth=dram, ceilings=tuple(ceilings), peaks=peaks,
                    dtype=best, display_name=display,
                    notes=f"Measured on the {device} by rl.measure: peak = best {best} matmul; bandwidth = DRAM triad "
                          "(STREAM byte count, write-allocate not counted); ceilings: cache-sized triad and "
                          "the other precisions' matmul rates.")


def _blas_gemm(n: int, dtype: str, blas_threads: int | None, repeat: int, min_time_s: float) -> MeasuredPoint | None:
    """gemm at the BLAS's own thread count (``None``) or limited to ``blas_threads`` (None if it cannot be limited)."""
    label = f"gemm {dtype}"
    if blas_threads is None:
        p = gemm(n, dtype, repeat=repeat, min_time_s=min_time_s)
        used = max(1, blas_info().num_threads)
    else:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            return None
        with threadpool_limits(limits=blas_threads, user_api="blas"):
            p = gemm(n, dtype, repeat=repeat, min_time_s=min_time_s)
        used = blas_threads
    return MeasuredPoint(label, p.flops, p.bytes, p.time_s, p.times_s, used, f"{p.notes}; {used} BLAS threads")


def _faster(*points: MeasuredPoint | None) -> MeasuredPoint:
    """The point with the shortest time (same work): the best attainable of several configurations."""
    return min((p for p in points if p is not None), key=lambda p: p.time_s)


def machine(quick: bool = False, *, threads: int | None = None, progress: bool | None = None) -> MachineMeasurement:
    """Measure this machine and return a MachineMeasurement whose ``.platform`` is its measured roof.

    Measures the four STREAM kernels on arrays 4x the last-level cache (full; quick: the triad on
    2x), a triad on a working set that fits in each core's L2 (the cache roof), and BLAS matmul at
    fp64 and fp32 (n = 2048 full, 512 quick). Each roof is the best attainable: the faster of
    ``threads`` threads (default: every core) and one thread, because on a busy machine a team that
    waits for a preempted member can lose to one thread; ``MeasuredPoint.threads`` says which won.
    ``quick=True`` takes a few seconds; the full run shows a progress bar (``progress`` overrides)
    and takes tens of seconds. Notebook 06.
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    threads = default_threads() if threads is None else positive_int("threads", threads)
    progress = (not quick) if progress is None else bool(progress)
    caches = cache_info()
    t_start = time.perf_counter()
    dram_ws = min((2 if quick else 4) * 3 * max(caches.llc, 16 * MiB),   # each array 2x / 4x the LLC
                  _physical_memory_bytes() / 4)                          # but never a quarter of the RAM
    rep = 3 if quick else 7
    mt = 0.02 if quick else 0.1
    kernels_ = ("triad",) if quick else ("copy", "scale", "add", "triad")
    gemm_n = 512 if quick else 2048
    configs = (threads, 1) if threads > 1 else (1,)
    steps = len(kernels_) + 1 + 2
    bar = _progress(steps, progress, "measuring")
    out: dict[str, MeasuredPoint] = {}
    try:
        for k in kernels_:
            bar.set_description(f"DRAM {k} ({fmt_bytes(dram_ws)})")
            out[f"dram {k}"] = _faster(*(stream(k, working_set_bytes=dram_ws, threads=t, repeat=rep, min_time_s=mt)
                                         for t in configs))
            bar.update(1)
        bar.set_description("cache triad")
        out["cache triad"] = _faster(*(stream("triad", working_set_bytes=t * caches.l2 // 2, threads=t, repeat=rep,
                                              min_time_s=mt) for t in configs))
        bar.update(1)
        for dt in ("fp64", "fp32"):
            bar.set_description(f"matmul {dt} n={gemm_n}")
            gm = 0.02 if quick else 0.0
            out[f"gemm {dt}"] = _faster(_blas_gemm(gemm_n, dt, None, rep, gm),
                                        _blas_gemm(gemm_n, dt, 1, rep, gm) if threads > 1 else None)
            bar.update(1)
    finally:
        bar.close()
    name, display = _machine_name()
    plat = _platform_from(out, name, display, "CPU")
    return MachineMeasurement(plat, out, blas_info(), threads, caches, quick, "cpu",
                              time.perf_counter() - t_start)


# --- GPU -------------------------------------------------------------------------------------

def gpu_backend() -> str | None:
    """``"torch"`` or ``"cupy"`` when that library is importable and sees a GPU, else None."""
    try:
        import torch  # type: ignore[import-not-found]

        if torch.cuda.is_available():
            return "torch"
    except Exception:  # ImportError, or a broken install: no GPU path either way
        pass
    try:
        import cupy  # type: ignore[import-not-found]

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy"
    except Exception:
        pass
    return None


def _gpu_ops(backend: str):
    """(empty(n, dtype), randn(shape, dtype), triad(a,b,c,q), copy, scale, add, matmul(A,B,C), sync, name, l2)."""
    if backend == "torch":
        import torch

        dev = torch.device("cuda")
        tdt = {"fp64": torch.float64, "fp32": torch.float32, "bf16": torch.bfloat16}
        props = torch.cuda.get_device_properties(dev)
        l2 = int(getattr(props, "L2_cache_size", 0) or 0) or 40 * MiB
        return dict(
            full=lambda n, dt, v: torch.full((n,), v, dtype=tdt[dt], device=dev),
            randn=lambda shape, dt: torch.randn(shape, device=dev).to(tdt[dt]),
            empty_like=torch.empty_like,
            triad=lambda a, b, c, q: torch.add(b, c, alpha=q, out=a),
            copy=lambda a, b, c, q: c.copy_(a),
            scale=lambda a, b, c, q: torch.mul(c, q, out=b),
            add=lambda a, b, c, q: torch.add(a, b, out=c),
            matmul=lambda A, B, C: torch.matmul(A, B, out=C),
            sync=torch.cuda.synchronize, name=torch.cuda.get_device_name(dev), l2=l2,
            dtypes=("fp64", "fp32", "bf16"))
    import cupy as cp

    cdt = {"fp64": cp.float64, "fp32": cp.float32}
    triad_k = cp.ElementwiseKernel("T b, T c, T q", "T a", "a = b + q * c", "rooflib_triad")
    attrs = cp.cuda.Device().attributes
    l2 = int(attrs.get("L2CacheSize", 0)) or 40 * MiB
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props.get("name", b"GPU")
    return dict(
        full=lambda n, dt, v: cp.full((n,), v, dtype=cdt[dt]),
        randn=lambda shape, dt: cp.random.standard_normal(shape).astype(cdt[dt]),
        empty_like=cp.empty_like,
        triad=lambda a, b, c, q: triad_k(b, c, a.dtype.type(q), a),
        copy=lambda a, b, c, q: cp.copyto(c, a),
        scale=lambda a, b, c, q: cp.multiply(c, q, out=b),
        add=lambda a, b, c, q: cp.add(a, b, out=c),
        matmul=lambda A, B, C: cp.matmul(A, B, out=C),
        sync=cp.cuda.runtime.deviceSynchronize, name=name.decode() if isinstance(name, bytes) else str(name), l2=l2,
        dtypes=("fp64", "fp32"))


def gpu(quick: bool = False, *, array_bytes: float | None = None, gemm_n: int | None = None,
        progress: bool | None = None) -> MachineMeasurement | None:
    """The same measurements on a GPU through PyTorch or CuPy; None (with a printed reason) without one.

    STREAM kernels on float64 arrays of ``array_bytes`` each (default 1 GiB; quick: 256 MiB), a triad
    over a quarter of the L2 cache, and matmul at fp64, fp32 (and bf16 with PyTorch) with
    ``gemm_n`` x ``gemm_n`` matrices (default 8192; quick: 4096). Notebook 06.
    """
    backend = gpu_backend()
    if backend is None:
        print("rl.measure.gpu: skipped, no GPU visible to PyTorch or CuPy")
        return None
    ops = _gpu_ops(backend)
    progress = (not quick) if progress is None else bool(progress)
    t_start = time.perf_counter()
    rep = 3 if quick else 10
    array_bytes = (256 if quick else 1024) * MiB if array_bytes is None else positive("array_bytes", array_bytes, "bytes")
    n_dram = max(1, int(array_bytes // 8))
    n_cache = max(1024, ops["l2"] // 4 // (3 * 8))
    gemm_n = (4096 if quick else 8192) if gemm_n is None else positive_int("gemm_n", gemm_n)
    kernels_ = ("triad",) if quick else ("copy", "scale", "add", "triad")
    bar = _progress(len(kernels_) + 1 + len(ops["dtypes"]), progress, "measuring GPU")
    out: dict[str, MeasuredPoint] = {}
    try:
        for label, n, names in (("dram", n_dram, kernels_), ("cache", n_cache, ("triad",))):
            a, b, c = ops["full"](n, "fp64", 1.0), ops["full"](n, "fp64", 2.0), ops["full"](n, "fp64", 0.5)
            for k in names:
                bar.set_description(f"GPU {label} {k}")
                flops, nbytes = stream_counts(k, n, "fp64")
                fn = ops[k]
                out[f"{label} {k}"] = kernel(lambda fn=fn: fn(a, b, c, 3.0), flops, nbytes, name=f"{label} {k}",
                                             repeat=rep, min_time_s=0.02, sync=ops["sync"])
                bar.update(1)
            del a, b, c
        for dt in ops["dtypes"]:
            bar.set_description(f"GPU matmul {dt}")
            A, B = ops["randn"]((gemm_n, gemm_n), dt), ops["randn"]((gemm_n, gemm_n), dt)
            C = ops["empty_like"](A)
            w = _kernels.gemm(gemm_n, gemm_n, gemm_n, dt)
            out[f"gemm {dt}"] = kernel(lambda A=A, B=B, C=C: ops["matmul"](A, B, C), w.flops, w.bytes,
                                       name=f"gemm {dt}", repeat=rep, min_time_s=0.05, sync=ops["sync"])
            bar.update(1)
            del A, B, C
    finally:
        bar.close()
    extra = {k[5:]: v.flops_per_s for k, v in out.items() if k.startswith("gemm ") and k[5:] not in ("fp64", "fp32")}
    slug = re.sub(r"[^a-z0-9]+", "-", ops["name"].lower()).strip("-") or "gpu"
    plat = _platform_from(out, f"measured-{slug}", f"{ops['name']} (measured)", "GPU", extra)
    return MachineMeasurement(plat, out, BlasInfo(backend, "", 0), 1, CacheInfo(0, ops["l2"], ops["l2"]), quick,
                              "gpu", time.perf_counter() - t_start)

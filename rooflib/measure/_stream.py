"""STREAM copy, scale, add and triad in numpy: their counts, the blocked triad, and the measurement. Notebook 06.

Bytes are McCalpin's STREAM count (each array read or written once; write-allocate not counted).
Beside STREAM's four, ``"update"`` (a = -a in place: one array read and written back) has no
write-allocate traffic at all, so its count is everything it moves; it is one of the DRAM roof's
candidates.
numpy evaluates ``a = b + q * c`` in two passes, so the triad runs in cache-sized blocks: the second
pass finds ``a`` in cache and DRAM sees the three arrays once, which is what the byte count says.
Work runs on ``threads`` Python threads (numpy releases the GIL), one contiguous slice each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

import numpy as np

from .._validate import positive, positive_int, unknown_name
from ..units import dtype_bytes, fmt_bytes, normalise_dtype
from ._system import CacheInfo, cache_info, default_threads, memory_level
from ._timing import MeasuredPoint, best_time, check_timing_args

__all__ = ["ARRAYS", "BANDWIDTH_KERNELS", "STREAM_KERNELS", "blocked_triad", "l2_block", "numpy_dtype", "stream", "stream_counts",
           "triad_bandwidth"]

_NP_DTYPES = {"fp64": np.float64, "fp32": np.float32}

# kernel: (FLOPs per element, arrays read, arrays written), as in McCalpin's STREAM
STREAM_KERNELS: Mapping[str, tuple[int, int, int]] = MappingProxyType({
    "copy": (0, 1, 1),    # c = a
    "scale": (1, 1, 1),   # b = q * c
    "add": (1, 2, 1),     # c = a + b
    "triad": (2, 2, 1),   # a = b + q * c
})


# STREAM's four and an in-place update, a = -a: one array read and written back. The update has no
# write-allocate traffic (its lines are read before they are written), so its count is all it moves.
BANDWIDTH_KERNELS: Mapping[str, tuple[int, int, int]] = MappingProxyType({**STREAM_KERNELS, "update": (1, 1, 1)})
ARRAYS = {"copy": "ac", "scale": "bc", "add": "abc", "triad": "abc", "update": "a"}   # the arrays each touches


def _stream_name(kernel: str) -> str:
    if not isinstance(kernel, str) or kernel not in BANDWIDTH_KERNELS:
        raise unknown_name("STREAM kernel", kernel, BANDWIDTH_KERNELS)
    return kernel


def numpy_dtype(dtype: str) -> type:
    """The numpy scalar type measurements use for ``"fp64"`` or ``"fp32"`` (any spelling rl.units knows)."""
    key = normalise_dtype(dtype)
    if key not in _NP_DTYPES:
        raise unknown_name("dtype for measurement", dtype, _NP_DTYPES)
    return _NP_DTYPES[key]


def stream_counts(kernel: str, n: int, dtype: str = "fp64", write_allocate: bool = False) -> tuple[float, float]:
    """(FLOPs, bytes) of one STREAM ``kernel`` over ``n`` elements: copy 0 / 2n, scale n / 2n, add n / 3n,
    triad 2n / 3n (and the in-place ``"update"`` n / 2n), times the element size in bytes.
    ``write_allocate=True`` adds one read of the output array (n elements), the traffic a write-allocate
    cache really causes (none for the update, which reads the line it writes). Notebook 06.
    """
    kernel = _stream_name(kernel)
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    per_flop, reads, writes = BANDWIDTH_KERNELS[kernel]
    allocated = 0 if kernel == "update" else writes   # update reads its line before writing it: no allocate
    moved = reads + writes + (allocated if write_allocate else 0)
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


def _stream_body(kernel: str, a: np.ndarray | None, b: np.ndarray | None, c: np.ndarray | None, q: float,
                 block: int) -> Callable[[], None]:
    """One pass of ``kernel`` over these (slices of) arrays, in place, no temporaries."""
    if kernel == "copy":
        return lambda: np.copyto(c, a)
    if kernel == "scale":
        return lambda: np.multiply(c, q, out=b)
    if kernel == "add":
        return lambda: np.add(a, b, out=c)
    if kernel == "update":
        return lambda: np.multiply(a, q, out=a)
    n = a.shape[0]
    blocks = [(a[i:i + block], b[i:i + block], c[i:i + block]) for i in range(0, n, block)]
    mul, add = np.multiply, np.add

    def triad() -> None:  # blocked_triad with the slices made once, outside the timed loop
        for ab, bb, cb in blocks:
            mul(cb, q, out=ab)
            add(ab, bb, out=ab)
    return triad


def l2_block(caches: CacheInfo, itemsize: int) -> int:
    """Elements per block for in-cache passes: a quarter of L2 per array (at least 1024)."""
    return max(1024, int(caches.l2 // (4 * itemsize)))


def _triad_block(caches: CacheInfo, itemsize: int, threads: int = 1) -> int:
    """Elements per triad block: the three blocks of every thread fill at most half the last-level
    cache (a power of two), and never less than a quarter of L2 per array. Large blocks keep
    numpy's per-call overhead small; the second pass still finds ``a`` in cache, not in DRAM.
    """
    share = caches.llc // (2 * 3 * max(1, threads) * itemsize)
    big = 1 << max(0, int(share).bit_length() - 1) if share > 0 else 0
    return max(l2_block(caches, itemsize), big)


def stream(kernel: str = "triad", n: int | None = None, *, working_set_bytes: float | None = None,
           dtype: str = "fp64", threads: int | None = None, repeat: int = 5, warmup: int = 1,
           min_time_s: float = 0.05, block: int | None = None) -> MeasuredPoint:
    """Measure one STREAM kernel (copy, scale, add, triad; or ``"update"``, a = -a in place) in numpy, in
    place, and return its point.

    Give ``n`` (elements per array) or ``working_set_bytes`` (the arrays the kernel touches together,
    bytes: three for add and triad, two for copy and scale, one for update). Bytes use the STREAM count
    (:func:`stream_counts`, write-allocate not counted); ``.bandwidth`` is the measured bytes/s. ``dtype``
    defaults to fp64, as in STREAM. ``threads`` Python threads (default: every core) each own a
    contiguous slice, first-touched by that thread. Notebook 06.
    """
    kernel = _stream_name(kernel)
    np_dtype = numpy_dtype(dtype)
    itemsize = np.dtype(np_dtype).itemsize
    used = ARRAYS[kernel]
    if (n is None) == (working_set_bytes is None):
        raise ValueError(f"give exactly one of n (elements per array) or working_set_bytes, got n={n!r}, "
                         f"working_set_bytes={working_set_bytes!r}")
    if n is None:
        ws = positive("working_set_bytes", working_set_bytes, "bytes")
        n = max(1, int(ws // (len(used) * itemsize)))
    n = positive_int("n", n)
    threads = default_threads() if threads is None else positive_int("threads", threads)
    threads = min(threads, n)
    repeat, warmup, min_time_s = check_timing_args(repeat, warmup, min_time_s)
    block = _triad_block(cache_info(), itemsize, threads) if block is None else positive_int("block", block)
    flops, nbytes = stream_counts(kernel, n, "fp64" if itemsize == 8 else "fp32")

    arrays = {x: np.empty(n, dtype=np_dtype) for x in used}     # only the arrays the kernel touches
    q = np_dtype(-1.0 if kernel == "update" else 3.0)
    parts = _slices(n, threads)

    def first_touch(s: slice) -> None:
        for x, v in zip("abc", (1.0, 2.0, 0.5)):
            if x in arrays:
                arrays[x][s] = v

    def part(x: str, s: slice) -> np.ndarray | None:
        return arrays[x][s] if x in arrays else None

    bodies = [_stream_body(kernel, part("a", s), part("b", s), part("c", s), q, block) for s in parts]

    def worker(body: Callable[[], None], k: int) -> None:
        for _ in range(k):
            body()

    if len(parts) == 1:
        first_touch(parts[0])

        def run(k: int) -> None:
            worker(bodies[0], k)

        best, times = best_time(run, repeat, warmup, min_time_s)
    else:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            list(pool.map(first_touch, parts))

            def run(k: int) -> None:
                futures = [pool.submit(worker, body, k) for body in bodies]
                for f in futures:
                    f.result()

            best, times = best_time(run, repeat, warmup, min_time_s)
    ws = len(used) * n * itemsize
    level = memory_level(ws)
    what = "an in-place update a = -a" if kernel == "update" else f"STREAM {kernel}"
    return MeasuredPoint(f"{kernel} {fmt_bytes(ws)}", flops, nbytes, best, times, threads=len(parts),
                         notes=f"{what}, n={n} per array, {np.dtype(np_dtype).name}, working set "
                               f"{fmt_bytes(ws)} ({level}); bytes: STREAM count, write-allocate not counted",
                         working_set_bytes=ws, level=level, dtype="fp64" if itemsize == 8 else "fp32")


def triad_bandwidth(working_set_bytes: float, *, threads: int | None = None, repeat: int = 3,
                    min_time_s: float = 0.01) -> MeasuredPoint:
    """A quick fp64 triad at a given working set (bytes, three arrays together); the notebook 06 widget uses it."""
    return stream("triad", working_set_bytes=working_set_bytes, threads=threads, repeat=repeat,
                  min_time_s=min_time_s)

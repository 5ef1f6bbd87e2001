"""Ready-made measured kernels: ``time_triad``, ``time_dot``, ``time_gemv``, ``time_gemm``, the element-wise
chain unfused and fused, and a Python-loop triad. Notebook 06.

Each returns a :class:`MeasuredPoint` whose FLOPs and bytes are the closed-form counts of the
matching counting kernel in :mod:`rooflib.kernels` (which returns a ``Workload``, untimed); only
the time is measured. ``dtype`` is keyword-only and defaults to fp64 (the STREAM / LINPACK
convention), where ``rl.kernels`` defaults to fp32.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np

from .. import kernels
from .._validate import positive_int
from ..units import dtype_bytes, eng
from ._system import blas_info, cache_info, cache_sized_bytes, dram_sized_bytes
from ._stream import l2_block, numpy_dtype, stream
from ._timing import MeasuredPoint, time_kernel

__all__ = ["blas_limit", "gemm_peak", "time_dot", "time_elementwise_fused", "time_elementwise_unfused", "time_gemm",
           "time_gemv", "time_python_loop_triad", "time_standard_kernels", "time_triad"]

_CHAIN_FLOPS_PER_ELEMENT = 4  # y = s * max(a * x + b, 0): multiply, add, max, multiply


def _count(n: int) -> str:
    return eng(n, "", 3).replace(" ", "")


def _rng_array(shape: int | tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    """Uniform values in [-1, 1), seeded (uniform draws are ten times cheaper than normal ones at DRAM sizes)."""
    np_dtype = numpy_dtype(dtype)
    x = np.random.default_rng(seed).random(shape, dtype=np_dtype)
    x *= 2
    x -= 1
    return x


def _dram_elements(arrays: int, dtype: str) -> int:
    """Elements per array so that ``arrays`` arrays together are DRAM-sized (:func:`dram_sized_bytes`)."""
    per = arrays * dtype_bytes(dtype)
    return int(-(-dram_sized_bytes() // per))   # rounded up: the arrays reach the DRAM size


def blas_limit(blas_threads: int | None):
    """A threadpoolctl limit on the BLAS threads (a no-op for None or without threadpoolctl) and the count used."""
    if blas_threads is None:
        return nullcontext(), max(1, blas_info().num_threads)
    blas_threads = positive_int("blas_threads", blas_threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext(), max(1, blas_info().num_threads)
    return threadpool_limits(limits=blas_threads, user_api="blas"), blas_threads


def _named(point: MeasuredPoint, name: str) -> MeasuredPoint:
    """The point renamed ``"<name> (<level>)"``: the name says which roof it is judged against."""
    return point.replace(name=f"{name} ({point.level})" if point.level else name)


def _time_blas(fn: Callable[[], object], flops: float, nbytes: float, ws: float, name: str, notes: str,
               dtype: str, blas_threads: int | None, repeat: int, warmup: int, min_time_s: float) -> MeasuredPoint:
    limit, used = blas_limit(blas_threads)
    with limit:
        p = time_kernel(fn, flops, nbytes, name=name, repeat=repeat, warmup=warmup, min_time_s=min_time_s,
                        notes=f"{notes}; {used} BLAS threads",
                        working_set_bytes=ws, threads=used, dtype=dtype)
    return _named(p, name)


def time_triad(n: int | None = None, *, dtype: str = "fp64", threads: int | None = None, repeat: int = 5,
               min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured STREAM triad over ``n`` elements per array (default: DRAM-sized, the three arrays together
    :func:`dram_sized_bytes`), fp64 by default (STREAM convention); FLOPs and bytes = rl.kernels.triad(n, dtype);
    the name ends with the memory level, ``(DRAM)`` or ``(cache)``. Notebook 06."""
    n = _dram_elements(3, dtype) if n is None else positive_int("n", n)
    point = stream("triad", n, dtype=dtype, threads=threads, repeat=repeat, min_time_s=min_time_s)
    w = kernels.triad(n, dtype)
    return _named(point.replace(flops=w.flops, bytes=w.bytes), f"triad n={_count(n)}")


def time_dot(n: int | None = None, *, dtype: str = "fp64", blas_threads: int | None = None, repeat: int = 5,
             warmup: int = 1, min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured dot product ``a @ b`` (BLAS, reads two arrays and writes none) over ``n`` elements (default:
    DRAM-sized, both arrays together :func:`dram_sized_bytes`), fp64 by default (STREAM / LINPACK convention);
    ``blas_threads`` limits the BLAS's threads (threadpoolctl). FLOPs and bytes = rl.kernels.dot(n, dtype).
    Notebook 06."""
    n = _dram_elements(2, dtype) if n is None else positive_int("n", n)
    a, b = _rng_array(n, dtype, 1), _rng_array(n, dtype, 2)
    w = kernels.dot(n, dtype)
    return _time_blas(lambda: np.dot(a, b), w.flops, w.bytes, 2 * n * a.itemsize, f"dot n={_count(n)}", w.name,
                      dtype, blas_threads, repeat, warmup, min_time_s)


def time_gemv(m: int | None = None, n: int | None = None, *, dtype: str = "fp64", blas_threads: int | None = None,
              repeat: int = 5, min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured matrix-vector product y = A x (BLAS), A m x n (default: square and DRAM-sized,
    :func:`dram_sized_bytes`), fp64 by default (LINPACK convention); FLOPs and bytes = rl.kernels.gemv(m, n, dtype).
    Notebook 06."""
    m = math.isqrt(_dram_elements(1, dtype) - 1) + 1 if m is None else positive_int("m", m)  # ceil(sqrt)
    n = m if n is None else positive_int("n", n)
    A, x = _rng_array((m, n), dtype, 3), _rng_array(n, dtype, 4)
    y = np.empty(m, dtype=A.dtype)
    w = kernels.gemv(m, n, dtype)
    return _time_blas(lambda: np.matmul(A, x, out=y), w.flops, w.bytes, (m * n + m + n) * A.itemsize,
                      f"gemv {m}x{n}", w.name, dtype, blas_threads, repeat, 1, min_time_s)


def time_gemm(n: int = 1024, *, dtype: str = "fp64", blas_threads: int | None = None, repeat: int = 5,
              warmup: int = 1, min_time_s: float = 0.02) -> MeasuredPoint:
    """Measured square matmul C = A B, n x n (BLAS), fp64 by default (LINPACK convention); ``blas_threads``
    limits the BLAS's threads (threadpoolctl). FLOPs and bytes = rl.kernels.gemm(n, n, n, dtype). Notebook 06."""
    n = positive_int("n", n)
    A, B = _rng_array((n, n), dtype, 5), _rng_array((n, n), dtype, 6)
    C = np.empty((n, n), dtype=A.dtype)
    w = kernels.gemm(n, n, n, dtype)
    return _time_blas(lambda: np.matmul(A, B, out=C), w.flops, w.bytes, 3 * n * n * A.itemsize,
                      f"gemm {n} {w.name.split()[-1]}", w.name, dtype, blas_threads, repeat, warmup, min_time_s)


def gemm_peak(n: int = 2048, *, dtype: str = "fp64", blas_threads: int | None = None, repeat: int = 5,
              warmup: int = 1, min_time_s: float = 0.0) -> MeasuredPoint:
    """Measure C = A B with square n x n matrices through numpy's BLAS, fp64 by default (LINPACK
    convention): 2 n^3 FLOPs per call, for the compute roof. Notebook 06."""
    return time_gemm(n, dtype=dtype, blas_threads=blas_threads, repeat=repeat, warmup=warmup, min_time_s=min_time_s)


def _chain_arrays(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    x = _rng_array(n, dtype, 7)
    return x, np.empty_like(x)


def time_elementwise_unfused(n: int | None = None, *, dtype: str = "fp64", repeat: int = 5,
                             min_time_s: float = 0.02) -> MeasuredPoint:
    """y = s * relu(a * x + b) as four numpy passes (each in place with ``out=``), one thread, fp64 by default;
    ``n`` elements per array (default: DRAM-sized, x and y together :func:`dram_sized_bytes`).

    FLOPs: 4n. Bytes: each pass reads n and writes n elements, so 8n elements (the temporaries a
    naive expression would allocate are avoided; each pass still goes through memory). Notebook 06.
    """
    n = _dram_elements(2, dtype) if n is None else positive_int("n", n)
    x, y = _chain_arrays(n, dtype)
    s = dtype_bytes(dtype)
    a, b, sc = y.dtype.type(1.5), y.dtype.type(-0.25), y.dtype.type(2.0)

    def run() -> None:
        np.multiply(x, a, out=y)
        np.add(y, b, out=y)
        np.maximum(y, 0, out=y)
        np.multiply(y, sc, out=y)

    ws = 2 * n * s
    p = time_kernel(run, _CHAIN_FLOPS_PER_ELEMENT * n, 8 * n * s, name="chain unfused", repeat=repeat,
                    min_time_s=min_time_s, working_set_bytes=ws, dtype=dtype,
                    notes=f"4 passes over n={n}; 8n elements moved")
    return _named(p, f"chain unfused n={_count(n)}")


def time_elementwise_fused(n: int | None = None, *, dtype: str = "fp64", block: int | None = None, repeat: int = 5,
                           min_time_s: float = 0.02) -> MeasuredPoint:
    """The same chain, fused by blocking: the four passes run on one cache-sized block at a time; fp64 by
    default; ``n`` elements per array (default: DRAM-sized, x and y together :func:`dram_sized_bytes`).

    FLOPs: 4n. Bytes: x read once and y written once, 2n elements (the inner passes hit cache). Notebook 06.
    """
    n = _dram_elements(2, dtype) if n is None else positive_int("n", n)
    x, y = _chain_arrays(n, dtype)
    s = dtype_bytes(dtype)
    a, b, sc = y.dtype.type(1.5), y.dtype.type(-0.25), y.dtype.type(2.0)
    block = l2_block(cache_info(), y.itemsize) if block is None else positive_int("block", block)
    blocks = [(x[i:i + block], y[i:i + block]) for i in range(0, n, block)]
    mul, add, mx = np.multiply, np.add, np.maximum

    def run() -> None:
        for xb, yb in blocks:
            mul(xb, a, out=yb)
            add(yb, b, out=yb)
            mx(yb, 0, out=yb)
            mul(yb, sc, out=yb)

    ws = 2 * n * s
    p = time_kernel(run, _CHAIN_FLOPS_PER_ELEMENT * n, 2 * n * s, name="chain fused", repeat=repeat,
                    min_time_s=min_time_s, working_set_bytes=ws, dtype=dtype,
                    notes=f"blocks of {block}; x read once, y written once: 2n elements")
    return _named(p, f"chain fused n={_count(n)}")


def time_python_loop_triad(n: int = 20_000, *, dtype: str = "fp64", repeat: int = 3,
                           min_time_s: float = 0.0) -> MeasuredPoint:
    """The triad a[i] = b[i] + q * c[i] as a plain Python for-loop over numpy arrays (keep n small), fp64 by default.

    FLOPs and bytes = rl.kernels.triad(n, dtype): the same work as the vectorised triad. Notebook 06.
    """
    n = positive_int("n", n)
    b, c = _rng_array(n, dtype, 8), _rng_array(n, dtype, 9)
    a = np.empty_like(b)
    q = 3.0

    def run() -> None:
        for i in range(n):
            a[i] = b[i] + q * c[i]

    w = kernels.triad(n, dtype)
    p = time_kernel(run, w.flops, w.bytes, name="python loop", repeat=repeat, min_time_s=min_time_s, notes=w.name,
                    working_set_bytes=3 * n * a.itemsize, dtype=dtype)
    return _named(p, f"python loop n={_count(n)}")


def time_standard_kernels(quick: bool = True, *, dtype: str = "fp64") -> list[MeasuredPoint]:
    """The measured kernels notebook 06 places on the roofline, fp64 by default (STREAM / LINPACK
    convention). DRAM-sized (working set >= :func:`dram_sized_bytes`, judged against the DRAM roof):
    triad, dot, gemv, the element-wise chain unfused and fused. Cache-sized (working set <= half of one
    core's L2, judged against the cache roof): a naive Python-loop triad and the vectorised triad of the
    same n. gemm at three or four sizes (compute-bound at every level). Each name ends with its level,
    ``(DRAM)`` or ``(cache)``. ``quick=True`` uses fewer repetitions and gemm sizes (about two seconds on
    2 cores). Notebook 06.
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    loop_n = min(10_000 if quick else 20_000, int(cache_sized_bytes() // (3 * dtype_bytes(dtype))))
    rep = 3 if quick else 5
    mt = 0.01 if quick else 0.05
    gemm_sizes = (64, 256, 768) if quick else (64, 256, 1024, 2048)
    points = [time_triad(dtype=dtype, repeat=rep, min_time_s=mt),
              time_dot(dtype=dtype, repeat=rep, min_time_s=mt),
              time_gemv(dtype=dtype, repeat=rep, min_time_s=mt)]
    points += [time_gemm(n, dtype=dtype, repeat=rep, min_time_s=mt) for n in gemm_sizes]
    points += [time_elementwise_unfused(dtype=dtype, repeat=rep, min_time_s=mt),
               time_elementwise_fused(dtype=dtype, repeat=rep, min_time_s=mt),
               time_python_loop_triad(loop_n, dtype=dtype, repeat=2 if quick else 3)]
    vec = time_triad(loop_n, dtype=dtype, threads=1, repeat=rep, min_time_s=mt)
    points.append(vec.replace(name=f"vectorised n={_count(loop_n)} ({vec.level})",
                              notes=f"numpy triad, same n={loop_n} as the Python loop; {vec.notes}"))
    return points

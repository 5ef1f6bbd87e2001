"""Measure this machine: STREAM-style bandwidth, BLAS matmul peaks and any kernel's measured point. Notebook 06.

Conventions (the same as :mod:`rooflib.kernels`):

- a FLOP is one add or one multiply (a multiply-add is 2); ``max(x, 0)`` (ReLU) counts as 1 FLOP;
- bytes are the STREAM count of compulsory traffic: each input array element read once, each output
  element written once. **Write-allocate traffic is not counted** (a cache reads an output line
  before it overwrites it, so the hardware really moves one more array per output: pass
  ``write_allocate=True`` to :func:`stream_counts` for that figure). McCalpin's STREAM counts the
  same way, so the C benchmark in ``bench/`` and these numbers compare like with like;
- times are wall-clock seconds from :func:`time.perf_counter`, best of several repetitions after a
  warm-up, each repetition long enough (``min_time_s``) for the clock to be exact; a roof's DRAM
  candidates keep the best single pass of ten or more, as STREAM does;
- a measured rate is the count divided by the best time: ``flops_per_s`` (FLOP/s) and ``bandwidth``
  (bytes/s), SI units;
- measurements default to **fp64** (the STREAM and LINPACK convention), where the counting kernels of
  :mod:`rooflib.kernels` default to fp32; ``dtype`` is a keyword argument of every measured kernel.

Measured kernels are named ``time_*`` (``time_triad``, ``time_gemm``, ``time_kernel``, ...) and return a
:class:`MeasuredPoint` (counts and a time; its ``level``, ``"cache"`` or ``"DRAM"``, says where its working
set lives); ``rl.kernels.triad`` and friends only count and return a ``Workload``. :func:`machine` measures
the roofs and returns a :class:`MachineMeasurement` (``.platform``, ``.roofs``, ``.attainable(point)``,
``.to_dataframe()``, ``.summary()`` dict, ``.plot()``).

A roof is the best the machine does: each is the highest rate over several candidates
(:func:`measurement_plan`): the DRAM roof over a STREAM triad, an in-place update ``a = -a`` and a
read-only dot product on DRAM-sized working sets (:func:`dram_sized_bytes`), the cache roof over the same
kernels in cache, the compute roof over BLAS matmul; every candidate on all cores and on one. The triad's
count leaves out its write-allocate traffic, the update's and the dot's leave out nothing, so on most
machines one of those two sets the DRAM roof and the triad sits below it. A measured point is judged
against the roof of the level its working set lives in (:func:`memory_level`,
:meth:`MachineMeasurement.attainable`).

numpy evaluates ``a = b + q * c`` in two passes (``q * c`` then ``+ b``). Over a large array the
second pass would move ``a`` through memory again, so :func:`stream` runs the triad in cache-sized
blocks: within a block the second pass finds ``a`` in cache and DRAM sees the three arrays once,
which is what the byte count says. Element-wise work runs on ``threads`` Python threads (numpy
releases the GIL inside its loops), one contiguous slice each, like STREAM's OpenMP loop.

GPU: where PyTorch (with CUDA or ROCm) or CuPy can see a GPU, :func:`gpu` makes the same
measurements there; otherwise it returns ``None`` and says why (:func:`gpu_backend`).

The roof of every level, L1, L2, the last-level cache and DRAM (a hierarchical roofline, ``rl.hierarchy``):
:func:`level_roofs` reads dot-product pairs sized for each level and returns a :class:`LevelRoofs` whose
``.platform`` carries them as ``Platform.levels``.

Layout: ``_system`` (machine facts, memory levels), ``_timing`` (the harness), ``_stream`` (STREAM),
``_kernels`` (ready-made measured kernels), ``_roofs`` (the candidates of each roof), ``_machine``
(:func:`machine`), ``_levels`` (the roof of every level), ``_gpu`` (the GPU path).
"""

from ._gpu import gpu, gpu_backend
from ._levels import LevelRoofs, level_roofs, level_working_sets, time_level_read
from ._kernels import (gemm_peak, time_dot, time_elementwise_fused, time_elementwise_unfused, time_gemm, time_gemv,
                       time_python_loop_triad, time_standard_kernels, time_triad)
from ._machine import MachineMeasurement, machine
from ._roofs import Candidate, measurement_plan, thread_configs
from ._stream import STREAM_KERNELS, blocked_triad, stream, stream_counts, triad_bandwidth
from ._system import (HIERARCHY, LEVELS, BlasInfo, CacheInfo, blas_info, cache_info, cache_sized_bytes, cpu_model,
                      default_threads, dram_sized_bytes, memory_level, physical_memory_bytes)
from ._timing import MeasuredPoint, time_kernel

__all__ = [
    # results
    "MeasuredPoint", "MachineMeasurement", "BlasInfo", "CacheInfo", "Candidate", "LevelRoofs",
    # machine facts and memory levels
    "cache_info", "blas_info", "cpu_model", "physical_memory_bytes", "default_threads",
    "LEVELS", "HIERARCHY", "memory_level", "dram_sized_bytes", "cache_sized_bytes",
    # timing harness
    "time_kernel",
    # STREAM
    "STREAM_KERNELS", "stream", "stream_counts", "blocked_triad", "triad_bandwidth",
    # ready-made measured kernels (fp64 by default)
    "time_triad", "time_dot", "time_gemv", "time_gemm", "gemm_peak", "time_elementwise_unfused",
    "time_elementwise_fused", "time_python_loop_triad", "time_standard_kernels",
    # the whole machine (its candidates and thread counts), and the GPU
    "machine", "measurement_plan", "thread_configs", "gpu_backend", "gpu",
    # the roof of every memory level (a hierarchical roofline, rl.hierarchy)
    "level_roofs", "level_working_sets", "time_level_read",
]

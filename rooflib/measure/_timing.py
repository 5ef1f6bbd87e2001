"""The timing harness: :class:`MeasuredPoint` (counts and a time) and :func:`time_kernel` (time any callable).

Times are wall-clock seconds from :func:`time.perf_counter`, best of several repetitions after a
warm-up, each repetition long enough (``min_time_s``) for the clock to be exact. Notebook 06.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._validate import nonnegative, positive, positive_int, unknown_name
from ..core import Workload
from ..units import fmt_bandwidth, fmt_bytes, fmt_flops, fmt_intensity, fmt_time, normalise_dtype
from ._system import HIERARCHY, LEVELS, memory_level

__all__ = ["MeasuredPoint", "best_time", "check_timing_args", "time_kernel"]


@dataclass(frozen=True)
class MeasuredPoint:
    """A measured kernel: ``flops`` (FLOPs) and ``bytes`` (bytes moved, STREAM count) done in ``time_s`` seconds.

    ``intensity`` (FLOP/byte) = flops / bytes, ``flops_per_s`` (FLOP/s) = flops / time_s,
    ``bandwidth`` (bytes/s) = bytes / time_s. ``rl.plot.roofline`` draws it at its measured height.
    ``times_s`` holds every timed repetition (per call), ``time_s`` is their minimum. ``threads``: the
    threads that ran it. ``working_set_bytes``: the bytes it touches (all arrays together; 0 = not
    given) and ``level``: the memory level they live in (``"cache"`` or ``"DRAM"``, see
    :func:`memory_level`; a level read, ``"L1"``, ``"L2"`` or ``"LLC"``; ``""`` = not given), which names the roof it is judged against.
    ``dtype``: its number format (``""`` = not given). Notebook 06.
    """

    name: str
    flops: float
    bytes: float
    time_s: float
    times_s: tuple[float, ...] = ()
    threads: int = 1
    notes: str = field(default="", compare=False)
    working_set_bytes: float = 0.0
    level: str = ""
    dtype: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops", nonnegative("flops", self.flops, "FLOPs"))
        object.__setattr__(self, "bytes", positive("bytes", self.bytes, "bytes"))
        object.__setattr__(self, "time_s", positive("time_s", self.time_s, "seconds"))
        object.__setattr__(self, "times_s", tuple(float(t) for t in self.times_s) or (self.time_s,))
        object.__setattr__(self, "threads", positive_int("threads", self.threads))
        object.__setattr__(self, "working_set_bytes",
                           nonnegative("working_set_bytes", self.working_set_bytes, "bytes"))
        if self.level not in ("", *LEVELS, *HIERARCHY):
            raise unknown_name("memory level", self.level, (*LEVELS, *HIERARCHY))
        if self.dtype:
            object.__setattr__(self, "dtype", normalise_dtype(self.dtype))

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

    def replace(self, **changes: object) -> MeasuredPoint:
        """A copy with some fields changed (``dataclasses.replace``), e.g. ``name=`` or ``notes=``."""
        return dataclasses.replace(self, **changes)

    def workload(self) -> Workload:
        """The counted work as an rl.Workload (flops, bytes), without the timing."""
        return Workload(self.name, self.flops, self.bytes, self.notes)

    def __str__(self) -> str:
        return (f"{self.name}: {fmt_time(self.time_s)}, {fmt_flops(self.flops_per_s)}, "
                f"{fmt_bandwidth(self.bandwidth)}, {fmt_intensity(self.intensity)}")


def check_timing_args(repeat: object, warmup: object, min_time_s: object) -> tuple[int, int, float]:
    """Validated (repeat >= 1, warmup >= 0, min_time_s >= 0 seconds); errors name the parameter."""
    repeat = positive_int("repeat", repeat)
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ValueError(f"warmup must be a whole number >= 0, got {warmup!r}")
    return repeat, int(warmup), nonnegative("min_time_s", min_time_s, "seconds")


def best_time(run: Callable[[int], None], repeat: int, warmup: int, min_time_s: float,
              number: int | None = None) -> tuple[float, tuple[float, ...]]:
    """Best per-call time in seconds of ``run(number)`` (which does ``number`` calls) and every repetition's.

    ``number=None`` grows the call count (like :func:`timeit.Timer.autorange`) until one
    repetition lasts ``min_time_s`` seconds.
    """
    for _ in range(warmup):
        run(1)
    if number is None:
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


def time_kernel(fn: Callable[[], object], flops: float, bytes: float, *, name: str = "kernel", repeat: int = 5,
                warmup: int = 1, min_time_s: float = 0.02, number: int | None = None,
                sync: Callable[[], object] | None = None, notes: str = "",
                working_set_bytes: float | None = None, threads: int = 1, dtype: str = "") -> MeasuredPoint:
    """Time ``fn()`` and return its measured point: ``flops`` (FLOPs) and ``bytes`` (bytes) per call are yours.

    Best of ``repeat`` repetitions after ``warmup`` calls; each repetition runs ``fn`` ``number``
    times (by default enough calls to last ``min_time_s`` seconds). ``sync`` is called after each
    repetition before the clock stops (e.g. ``torch.cuda.synchronize`` for a GPU). The intensity is
    ``flops / bytes`` exactly; only the time is measured. Give ``working_set_bytes`` (the bytes
    ``fn`` touches) and the point carries its memory ``level`` (``"cache"`` or ``"DRAM"``), the roof
    to judge it against; ``threads`` and ``dtype`` are recorded as given. Notebook 06.
    """
    if not callable(fn):
        raise ValueError(f"fn must be a callable taking no arguments, got {fn!r}")
    flops = nonnegative("flops", flops, "FLOPs")
    bytes = positive("bytes", bytes, "bytes")
    repeat, warmup, min_time_s = check_timing_args(repeat, warmup, min_time_s)
    if number is not None:
        number = positive_int("number", number)
    if sync is not None and not callable(sync):
        raise ValueError(f"sync must be a callable or None, got {sync!r}")

    def run(k: int) -> None:
        for _ in range(k):
            fn()
        if sync is not None:
            sync()

    best, times = best_time(run, repeat, warmup, min_time_s, number)
    if best <= 0:  # a clock too coarse for this machine; never a silent infinity
        best = time.get_clock_info("perf_counter").resolution
    ws, level = 0.0, ""
    if working_set_bytes is not None:
        ws = nonnegative("working_set_bytes", working_set_bytes, "bytes")
        level = memory_level(ws)
        notes = "; ".join(x for x in (notes, f"working set {fmt_bytes(ws)} ({level})") if x)
    return MeasuredPoint(str(name), flops, bytes, best, times, threads, notes, ws, level, dtype)

"""The roofline model itself: a Platform (the roof) and a Workload (the point). Introduced in notebook 02.

Conventions used everywhere in rooflib:
- a FLOP is one floating-point add or multiply; a fused multiply-add (FMA) counts as 2 FLOPs;
- bytes are bytes moved between the processor and the memory level the bandwidth describes
  (memory traffic, 访存量), not bytes stored;
- SI units in values: FLOP/s, bytes/s, seconds; 1 GB = 1e9 bytes, 1 GiB = 2**30 bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np

from ._validate import intensity_array, nonnegative, positive
from .units import fmt_bandwidth, fmt_flops, normalise_dtype

__all__ = ["Ceiling", "MemoryLevel", "Platform", "Workload", "attainable", "ridge_point", "little_bandwidth"]

Bound = Literal["memory", "compute"]


class _FrozenDict(dict):
    """A read-only dict. Unlike MappingProxyType it pickles, deep-copies and survives dataclasses.asdict."""

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("this mapping is read-only; use Platform.replace(...) for a changed copy")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __reduce__(self):
        return (_FrozenDict, (dict(self),))


@dataclass(frozen=True)
class Workload:
    """A piece of work: ``flops`` (FLOPs, a count) and ``bytes`` (bytes moved). Notebook 01."""

    name: str
    flops: float
    bytes: float
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops", nonnegative("flops", self.flops, "FLOPs"))
        object.__setattr__(self, "bytes", positive("bytes", self.bytes, "bytes"))

    @property
    def intensity(self) -> float:
        """Arithmetic intensity (计算强度) in FLOP/byte: flops / bytes."""
        return self.flops / self.bytes

    def __add__(self, other: Workload) -> Workload:
        """Two pieces of work run one after the other: FLOPs and bytes add."""
        if not isinstance(other, Workload):
            return NotImplemented
        return Workload(f"{self.name} + {other.name}", self.flops + other.flops, self.bytes + other.bytes)

    def scaled(self, factor: float, name: str | None = None) -> Workload:
        """The same work repeated ``factor`` times (FLOPs and bytes both scale; intensity does not)."""
        f = positive("factor", factor)
        return Workload(name or f"{f:g} x {self.name}", self.flops * f, self.bytes * f, self.notes)


def _intensity_of(x: object, name: str = "intensity") -> np.ndarray:
    if isinstance(x, Workload):
        return np.asarray(x.intensity)
    return intensity_array(name, x)


def _out(arr: np.ndarray, like: object) -> float | np.ndarray:
    """Scalar in, scalar out; array in, array out."""
    if isinstance(like, Workload) or np.ndim(like) == 0:
        return arr.item()
    return arr


@dataclass(frozen=True)
class Ceiling:
    """A lower roof under the platform's roof (Williams et al. 2009): what code reaches when it misses an
    optimisation. Notebook 02.

    ``kind="compute"``: an in-core ceiling under the flat roof, ``value`` in FLOP/s (no FMA: π/2; no SIMD;
    one thread). ``kind="memory"``: a bandwidth ceiling under the slope, ``value`` in bytes/s (no
    prefetch, data on one NUMA node, non-unit stride). A faster memory level (a cache) is not a ceiling
    but a roof of its own: :class:`MemoryLevel`. Re-read traffic is not a ceiling either: it moves the
    point left (the 3C walls), because it adds bytes.
    """

    name: str
    value: float
    kind: Literal["compute", "memory"]

    def __post_init__(self) -> None:
        if self.kind not in ("compute", "memory"):
            raise ValueError(f"kind must be 'compute' or 'memory', got {self.kind!r}")
        unit = "FLOP/s" if self.kind == "compute" else "bytes/s"
        object.__setattr__(self, "value", positive("value", self.value, unit))


@dataclass(frozen=True)
class MemoryLevel:
    """A memory level with its own roof: ``name`` ("L2", "LLC") and ``bandwidth`` in bytes/s. Notebook 02.

    A kernel whose data stays in that level is bounded by min(π, bandwidth · I_level), where I_level
    counts the bytes moved to and from that level: each level has its own intensity (notebook 06).
    """

    name: str
    bandwidth: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string such as 'L2', got {self.name!r}")
        object.__setattr__(self, "bandwidth", positive("bandwidth", self.bandwidth, "bytes/s"))


@dataclass(frozen=True)
class Platform:
    """A machine's roof: ``peak_flops_per_s`` (π, FLOP/s, 算力) and ``bandwidth`` (β, bytes/s, 带宽). Notebook 02.

    ``peaks`` optionally maps a dtype name (``"fp32"``, ``"bf16"``, ``"int8"``, ...) to its dense
    peak in FLOP/s (OP/s for integers); ``memory_bytes`` is the memory capacity in bytes;
    ``ceilings`` are lower roofs under this one (in-core and bandwidth ceilings, :class:`Ceiling`);
    ``levels`` are faster memory levels, each a roof of its own (:class:`MemoryLevel`; caches, whose
    bandwidth is above β). ``sources`` maps a figure's name to
    the URL it comes from. ``interconnect`` names the machine's usual device-to-device link in
    the link catalogue (``"nvlink4"``; ``rl.comm.get``), or is None (notebook 07).
    """

    name: str
    peak_flops_per_s: float
    bandwidth: float
    ceilings: tuple[Ceiling, ...] = ()
    memory_bytes: float | None = None
    peaks: Mapping[str, float] = field(default_factory=dict, hash=False)
    dtype: str = "fp32"
    display_name: str = ""
    sources: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False, repr=False)
    notes: str = field(default="", compare=False, repr=False)
    interconnect: str | None = None
    levels: tuple[MemoryLevel, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if self.interconnect is not None and (not isinstance(self.interconnect, str) or not self.interconnect):
            raise ValueError(f"interconnect must be None or a link catalogue name such as 'nvlink4', "
                             f"got {self.interconnect!r}")
        object.__setattr__(self, "peak_flops_per_s", positive("peak_flops_per_s", self.peak_flops_per_s, "FLOP/s"))
        object.__setattr__(self, "bandwidth", positive("bandwidth", self.bandwidth, "bytes/s"))
        if self.memory_bytes is not None:
            object.__setattr__(self, "memory_bytes", positive("memory_bytes", self.memory_bytes, "bytes"))
        peaks = {str(k): positive(f"peaks[{k!r}]", v, "FLOP/s") for k, v in dict(self.peaks).items()}
        object.__setattr__(self, "peaks", _FrozenDict(peaks))
        object.__setattr__(self, "sources", _FrozenDict(self.sources))
        ceilings = tuple(self.ceilings)
        for c in ceilings:
            if not isinstance(c, Ceiling):
                raise ValueError(f"ceilings must hold rl.Ceiling objects, got {c!r}")
        object.__setattr__(self, "ceilings", ceilings)
        levels = tuple(self.levels)
        for lv in levels:
            if not isinstance(lv, MemoryLevel):
                raise ValueError(f"levels must hold rl.core.MemoryLevel objects, got {lv!r}")
        if len({lv.name for lv in levels}) != len(levels):
            raise ValueError(f"levels must have distinct names, got {[lv.name for lv in levels]}")
        object.__setattr__(self, "levels", levels)
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)

    # --- the model -------------------------------------------------------------------------
    @property
    def ridge_point(self) -> float:
        """Ridge point I_max = π / β in FLOP/byte: the intensity where the two roofs meet."""
        return self.peak_flops_per_s / self.bandwidth

    @overload
    def attainable(self, intensity: float | Workload) -> float: ...
    @overload
    def attainable(self, intensity: np.ndarray) -> np.ndarray: ...
    def attainable(self, intensity):
        """Attainable performance in FLOP/s: min(π, β · I). Accepts a number, an array or a Workload."""
        arr = _intensity_of(intensity)
        return _out(np.minimum(self.peak_flops_per_s, self.bandwidth * arr), intensity)

    def bound(self, intensity):
        """``"memory"`` left of the ridge point (I < π/β), ``"compute"`` from it on. Array in, array out."""
        arr = _intensity_of(intensity)
        out = np.where(arr < self.ridge_point, "memory", "compute")
        return _out(out, intensity)

    def time(self, flops: float | Workload, bytes: float | None = None) -> float:
        """Roofline lower bound on run time in seconds: max(flops / π, bytes / β) (computing and moving data
        overlap perfectly; :meth:`time_no_overlap` is the other bound)."""
        f, b = self._counts(flops, bytes)
        return max(f / self.peak_flops_per_s, b / self.bandwidth)

    def time_no_overlap(self, flops: float | Workload, bytes: float | None = None) -> float:
        """The other bound, in seconds: W/π + Q/β, the time if computing and moving data never overlap.

        A kernel that overlaps nothing (and still runs at π and β) takes this long; full overlap gives
        :meth:`time`, max(W/π, Q/β). The two are at most 2x apart (a sum of two numbers is at most twice
        the larger), and exactly 2x apart at the ridge point. Notebook 02.
        """
        f, b = self._counts(flops, bytes)
        return f / self.peak_flops_per_s + b / self.bandwidth

    def _counts(self, flops: float | Workload, bytes: float | None) -> tuple[float, float]:
        if isinstance(flops, Workload):
            if bytes is not None:
                raise ValueError("pass either a Workload or flops and bytes, not both")
            flops, bytes = flops.flops, flops.bytes
        if bytes is None:
            raise ValueError("time() needs bytes (in bytes) as well as flops (in FLOPs)")
        return nonnegative("flops", flops, "FLOPs"), nonnegative("bytes", bytes, "bytes")

    # --- variants --------------------------------------------------------------------------
    def peak(self, dtype: str) -> float:
        """Dense peak in FLOP/s for ``dtype`` (``"fp32"``, ``"bf16"``, ...); KeyError if not listed."""
        key = normalise_dtype(dtype)
        if key in self.peaks:
            return self.peaks[key]
        if key == self.dtype:
            return self.peak_flops_per_s
        from ._validate import unknown_name

        raise unknown_name(f"dtype for platform {self.name!r}", dtype, self.peaks or {self.dtype: 0})

    def has_peak(self, dtype: str) -> bool:
        """True when the platform lists a dense peak for ``dtype`` (so :meth:`for_dtype` can draw its roof)."""
        key = normalise_dtype(dtype)
        return key in self.peaks or key == self.dtype

    def for_dtype(self, dtype: str) -> Platform:
        """The same machine with its roof set to the dense peak for ``dtype`` (KeyError if none is listed).

        Compute ceilings at or above the new roof are dropped: a ceiling lies under the roof it belongs to.
        """
        key = normalise_dtype(dtype)
        pi = self.peak(key)
        ceilings = tuple(c for c in self.ceilings if c.kind == "memory" or c.value < pi)
        return self.replace(peak_flops_per_s=pi, dtype=key, ceilings=ceilings)

    def for_level(self, name: str) -> Platform:
        """The roof of memory level ``name`` (a :class:`MemoryLevel`): the same π, that level's bandwidth.

        Use it with an intensity counted against that level's traffic (a per-level intensity, notebook 06).
        """
        for lv in self.levels:
            if lv.name == name:
                return self.replace(name=f"{self.name}-{lv.name.lower().replace(' ', '-')}", bandwidth=lv.bandwidth,
                                    ceilings=(), levels=(), display_name=f"{self.display_name} ({lv.name})")
        from ._validate import unknown_name

        raise unknown_name(f"memory level of platform {self.name!r}", name, [lv.name for lv in self.levels])

    def replace(self, **changes: object) -> Platform:
        """A copy with some fields changed (e.g. ``bandwidth=2e12``), validated like a new one."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    def with_ceiling(self, name: str, value: float, kind: Literal["compute", "memory"]) -> Platform:
        """A copy with one more ceiling under the roof: ``kind="compute"`` (FLOP/s, below π) or ``"memory"``
        (bytes/s, below β). A faster memory level is not a ceiling: use :meth:`with_level`."""
        c = Ceiling(name, value, kind)
        roof = self.peak_flops_per_s if kind == "compute" else self.bandwidth
        if c.value > roof:
            where = "β; a faster memory level is a roof of its own: with_level(name, bandwidth)" \
                if kind == "memory" else "π (the flat roof)"
            raise ValueError(f"a ceiling lies under the roof: {name!r} at {value!r} is above {where}")
        return self.replace(ceilings=(*self.ceilings, c))

    def with_level(self, name: str, bandwidth: float) -> Platform:
        """A copy with one more memory level (a cache) of ``bandwidth`` bytes/s: a roof of its own."""
        return self.replace(levels=(*self.levels, MemoryLevel(name, bandwidth)))

    def __str__(self) -> str:
        return (f"{self.display_name}: peak {fmt_flops(self.peak_flops_per_s)} ({self.dtype}), "
                f"bandwidth {fmt_bandwidth(self.bandwidth)}, ridge {self.ridge_point:.3g} FLOP/byte")


def ridge_point(peak_flops_per_s: float, bandwidth: float) -> float:
    """Ridge point π / β in FLOP/byte, from a peak in FLOP/s and a bandwidth in bytes/s."""
    return positive("peak_flops_per_s", peak_flops_per_s, "FLOP/s") / positive("bandwidth", bandwidth, "bytes/s")


def little_bandwidth(bytes_in_flight: float, latency_s: float) -> float:
    """Little's law for memory: the bandwidth (bytes/s) that ``bytes_in_flight`` outstanding bytes sustain when each
    request takes ``latency_s`` seconds. One core with 24 cache-line misses of 64 bytes in flight and 100 ns of
    DRAM latency sustains 24 x 64 / 100e-9 = 15.4 GB/s, far below a socket's β. Notebook 02."""
    return positive("bytes_in_flight", bytes_in_flight, "bytes") / positive("latency_s", latency_s, "seconds")


def attainable(intensity, peak_flops_per_s: float, bandwidth: float):
    """Attainable FLOP/s = min(π, β · I) without building a Platform. Scalar or array in and out."""
    return Platform("ad hoc", peak_flops_per_s, bandwidth).attainable(intensity)

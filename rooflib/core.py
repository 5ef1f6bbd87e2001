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

__all__ = ["Ceiling", "Platform", "Workload", "attainable", "ridge_point"]

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
    """An extra, lower roof drawn on a plot: a compute ceiling (FLOP/s) or a bandwidth ceiling (bytes/s).

    ``kind="compute"``: ``value`` is a peak in FLOP/s (e.g. fp32 without tensor cores).
    ``kind="memory"``: ``value`` is a bandwidth in bytes/s (e.g. L2 cache or a measured DRAM figure).
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
class Platform:
    """A machine's roof: ``peak_flops_per_s`` (π, FLOP/s, 算力) and ``bandwidth`` (β, bytes/s, 带宽). Notebook 02.

    ``peaks`` optionally maps a dtype name (``"fp32"``, ``"bf16"``, ``"int8"``, ...) to its dense
    peak in FLOP/s (OP/s for integers); ``memory_bytes`` is the memory capacity in bytes;
    ``ceilings`` are extra lower roofs that plots draw. ``sources`` maps a figure's name to
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
        """Roofline lower bound on run time in seconds: max(flops / π, bytes / β)."""
        if isinstance(flops, Workload):
            if bytes is not None:
                raise ValueError("pass either a Workload or flops and bytes, not both")
            flops, bytes = flops.flops, flops.bytes
        if bytes is None:
            raise ValueError("time() needs bytes (in bytes) as well as flops (in FLOPs)")
        f = nonnegative("flops", flops, "FLOPs")
        b = nonnegative("bytes", bytes, "bytes")
        return max(f / self.peak_flops_per_s, b / self.bandwidth)

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

    def for_dtype(self, dtype: str) -> Platform:
        """The same machine with its roof set to the dense peak for ``dtype``."""
        key = normalise_dtype(dtype)
        return self.replace(peak_flops_per_s=self.peak(key), dtype=key)

    def replace(self, **changes: object) -> Platform:
        """A copy with some fields changed (e.g. ``bandwidth=2e12``), validated like a new one."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    def with_ceiling(self, name: str, value: float, kind: Literal["compute", "memory"]) -> Platform:
        """A copy with one more ceiling (a lower compute peak or another bandwidth)."""
        return self.replace(ceilings=(*self.ceilings, Ceiling(name, value, kind)))

    def __str__(self) -> str:
        return (f"{self.display_name}: peak {fmt_flops(self.peak_flops_per_s)} ({self.dtype}), "
                f"bandwidth {fmt_bandwidth(self.bandwidth)}, ridge {self.ridge_point:.3g} FLOP/byte")


def ridge_point(peak_flops_per_s: float, bandwidth: float) -> float:
    """Ridge point π / β in FLOP/byte, from a peak in FLOP/s and a bandwidth in bytes/s."""
    return positive("peak_flops_per_s", peak_flops_per_s, "FLOP/s") / positive("bandwidth", bandwidth, "bytes/s")


def attainable(intensity, peak_flops_per_s: float, bandwidth: float):
    """Attainable FLOP/s = min(π, β · I) without building a Platform. Scalar or array in and out."""
    return Platform("ad hoc", peak_flops_per_s, bandwidth).attainable(intensity)

"""Measure the whole machine: :func:`machine` returns a :class:`MachineMeasurement` (measured Platform). Notebook 06."""

from __future__ import annotations

import html
import re
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._validate import positive_int
from ..core import Ceiling, MemoryLevel, Platform
from ..units import fmt_bandwidth, fmt_bytes, fmt_flops, fmt_time
from ._roofs import best_point, measurement_plan, roof_level, run_candidate
from ._system import LEVELS, BlasInfo, CacheInfo, blas_info, cache_info, cpu_model, default_threads
from ._timing import MeasuredPoint

__all__ = ["MachineMeasurement", "best_of_each", "machine", "platform_from", "progress_bar", "roofs_of"]

_COLUMNS = ("name", "flops", "bytes", "time_s", "flops_per_s", "bandwidth", "intensity", "threads", "repeats",
            "spread", "level", "working_set_bytes")


@dataclass(frozen=True)
class MachineMeasurement:
    """What :func:`machine` measured. ``platform`` is an rl.Platform built from the measurements.

    - ``roofs``: the measured memory roofs in bytes/s, ``{"cache": ..., "DRAM": ...}``; each is the best
      of its candidates (a STREAM triad and a read-only dot product, on every core and on one core).
    - ``platform.bandwidth``: the DRAM roof (STREAM byte count, write-allocate not counted); the memory
      level ``"cache"`` (``platform.levels``, a roof of its own; ``platform.for_level("cache")``): the cache roof.
    - ``platform.peak_flops_per_s``: the best BLAS matmul rate, fp32 or fp64 (``platform.dtype`` says
      which; ``platform.peaks`` holds both); the other precision is a compute ceiling.
    - ``measurements``: the best candidate of each name (``"dram triad"``, ``"dram dot"``, ``"cache triad"``,
      ``"cache dot"``, ``"gemm fp64"``, ...), its ``threads`` and ``level`` say which won; ``candidates``:
      every timed candidate. ``blas``: the BLAS library and its threads; ``threads``: the cores used.
    - ``attainable(point)`` and ``ratio_to_roof(point)`` judge a measured point against the roof of the
      level its working set lives in (``point.level``) and the peak of its ``dtype``.
    - ``to_dataframe()`` is one row per measurement, ``summary()`` the headline figures as a dict,
      ``plot()`` draws the measured roofline. Notebook 06.
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
    candidates: tuple[MeasuredPoint, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "measurements", MappingProxyType(dict(self.measurements)))
        object.__setattr__(self, "candidates", tuple(self.candidates))

    @property
    def roofs(self) -> Mapping[str, float]:
        """Measured memory roofs in bytes/s by level (``"cache"``, ``"DRAM"``): the best bandwidth among
        the measurements that compete for each (``"cache ..."``, ``"dram ..."``)."""
        return MappingProxyType(roofs_of(self.measurements))

    @property
    def dram_bandwidth(self) -> float:
        """The DRAM roof in bytes/s (the platform's memory roof): best of the DRAM-sized candidates."""
        return self.roofs.get("DRAM", self.platform.bandwidth)

    @property
    def cache_bandwidth(self) -> float:
        """The cache roof in bytes/s (the higher memory roof): best of the cache-sized candidates."""
        return self.roofs["cache"]

    def peak(self, dtype: str) -> float:
        """Measured matmul rate in FLOP/s for ``"fp64"`` or ``"fp32"`` (or ``"bf16"`` on a GPU)."""
        return self.platform.peak(dtype)

    def bandwidth_at(self, level: str) -> float:
        """The measured roof in bytes/s for a memory level, ``"cache"`` or ``"DRAM"`` (``""``: the DRAM roof)."""
        if level in ("", "DRAM"):
            return self.dram_bandwidth
        if level not in self.roofs:
            from .._validate import unknown_name

            raise unknown_name("memory level", level, self.roofs)
        return self.roofs[level]

    def attainable(self, point: MeasuredPoint) -> float:
        """The roof over a measured point in FLOP/s: min(peak of its dtype, roof of its level x its intensity).

        The level is ``point.level`` (``"cache"`` or ``"DRAM"``; none given: DRAM), the peak that of
        ``point.dtype`` where measured (else the platform's best). Notebook 06.
        """
        dtype = getattr(point, "dtype", "")
        peaks = self.platform.peaks
        peak = peaks[dtype] if dtype in peaks else self.platform.peak_flops_per_s
        return min(peak, self.bandwidth_at(getattr(point, "level", "")) * point.intensity)

    def ratio_to_roof(self, point: MeasuredPoint) -> float:
        """Measured FLOP/s over :meth:`attainable`: 1.0 on the roof, 0.5 at half of it, above 1 over it."""
        return point.flops_per_s / self.attainable(point)

    def best_with(self, other: MachineMeasurement) -> MachineMeasurement:
        """This measurement and ``other`` (another run on the same device) as one: every candidate of both,
        each roof the best of all of them. A roof is the best the machine does, so a second run can only
        raise it; a busy moment that slowed one run no longer lowers the roof. Notebook 06."""
        if not isinstance(other, MachineMeasurement) or other.device != self.device:
            raise ValueError(f"other must be a MachineMeasurement of the same device ({self.device!r}), got {other!r}")
        pool = [*(self.candidates or self.measurements.values()), *(other.candidates or other.measurements.values())]
        out = best_of_each(pool)
        plat = platform_from(out, self.platform.name, self.platform.display_name, self.device.upper())
        return MachineMeasurement(plat, out, self.blas, self.threads, self.caches, self.quick and other.quick,
                                  self.device, self.elapsed_s + other.elapsed_s, self.write_allocate_counted,
                                  tuple(pool))

    def to_dataframe(self):
        """One row per measurement (the best candidate of each name), indexed by name: flops (FLOPs), bytes,
        time_s (best, seconds), flops_per_s (FLOP/s), bandwidth (bytes/s), intensity (FLOP/byte), threads,
        repeats, spread, level (memory level) and working_set_bytes."""
        import pandas as pd

        rows = [{"name": k, "flops": m.flops, "bytes": m.bytes, "time_s": m.time_s, "flops_per_s": m.flops_per_s,
                 "bandwidth": m.bandwidth, "intensity": m.intensity, "threads": m.threads,
                 "repeats": len(m.times_s), "spread": m.spread, "level": m.level,
                 "working_set_bytes": m.working_set_bytes} for k, m in self.measurements.items()]
        return pd.DataFrame(rows, columns=list(_COLUMNS)).set_index("name")

    def summary(self) -> dict[str, Any]:
        """The headline figures as a dict, units in the key names: ``dram_bandwidth`` and ``cache_bandwidth``
        (bytes/s), ``peak_flops_per_s`` and ``peak_flops_per_s_<dtype>`` (FLOP/s), ``ridge_point`` (FLOP/byte), ..."""
        p = self.platform
        out: dict[str, Any] = {"platform": p.name, "device": self.device, "dram_bandwidth": p.bandwidth,
                               "cache_bandwidth": self.roofs.get("cache"),
                               "peak_flops_per_s": p.peak_flops_per_s, "dtype": p.dtype}
        for dt, v in (dict(p.peaks) or {p.dtype: p.peak_flops_per_s}).items():
            out[f"peak_flops_per_s_{dt}"] = v
        out.update(ridge_point=p.ridge_point, threads=self.threads, blas=str(self.blas), quick=self.quick,
                   elapsed_s=self.elapsed_s, write_allocate_counted=self.write_allocate_counted)
        return out

    def _header(self) -> list[str]:
        return [f"{self.platform.display_name or self.platform.name}  ({'quick' if self.quick else 'full'} run, "
                f"{self.elapsed_s:.1f} s)", f"BLAS: {self.blas}; cores used: {self.threads}"]

    def _footer(self) -> list[str]:
        wa = "counted" if self.write_allocate_counted else "not counted"
        lines = [f"ridge point {self.platform.ridge_point:.3g} FLOP/byte ({self.platform.dtype} peak / DRAM roof)"]
        for level, bw in self.roofs.items():
            names = [k for k in self.measurements if roof_level(k) == level]
            lines.append(f"{level} roof {fmt_bandwidth(bw)}: best of {', '.join(names)}")
        return [*lines, f"bytes: STREAM count, write-allocate traffic {wa}"]

    def _display_frame(self):
        """to_dataframe() with its numbers written with units, for text and HTML."""
        df = self.to_dataframe()
        return df.assign(flops_per_s=df["flops_per_s"].map(fmt_flops), bandwidth=df["bandwidth"].map(fmt_bandwidth),
                         time_s=df["time_s"].map(fmt_time), intensity=df["intensity"].map("{:.3g}".format),
                         spread=df["spread"].map("{:.2f}".format),
                         working_set_bytes=df["working_set_bytes"].map(lambda b: fmt_bytes(b) if b else ""))[
            ["flops_per_s", "bandwidth", "intensity", "time_s", "threads", "repeats", "spread", "level",
             "working_set_bytes"]].rename(
            columns={"flops_per_s": "FLOP/s", "bandwidth": "bytes/s", "intensity": "FLOP/byte",
                     "time_s": "best time", "repeats": "best of", "working_set_bytes": "working set"}).rename_axis(None)

    def __str__(self) -> str:
        return "\n".join([*self._header(), self._display_frame().to_string(), *self._footer()])

    def _repr_html_(self) -> str:
        head = "<br>".join(html.escape(s) for s in self._header())
        foot = "<br>".join(html.escape(s) for s in self._footer())
        return f"<div><p>{head}</p>{self._display_frame().to_html()}<p>{foot}</p></div>"

    def plot(self, workloads=(), ax=None, **kwargs):
        """Draw this machine's measured roofline (with its ceilings) and ``workloads``; returns the Axes."""
        from ..plot import roofline

        return roofline(self.platform, workloads, ax=ax, **kwargs)


def progress_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar of ``total`` steps when ``enabled`` and tqdm is installed, else a silent stand-in."""
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
    return f"measured-{slug}", f"{cpu_model()} on {host} (measured)"


def roofs_of(measurements: Mapping[str, MeasuredPoint]) -> dict[str, float]:
    """Memory roofs in bytes/s by level, fastest level first: the best bandwidth of the ``"cache ..."`` and
    of the ``"dram ..."`` measurements (levels with no measurement are left out)."""
    out: dict[str, float] = {}
    for k, m in measurements.items():
        level = roof_level(k)
        if level is not None:
            out[level] = max(out.get(level, 0.0), m.bandwidth)
    return {level: out[level] for level in LEVELS if level in out}


def platform_from(measurements: Mapping[str, MeasuredPoint], name: str, display: str, device: str,
                  extra_peaks: Mapping[str, float] = MappingProxyType({})) -> Platform:
    """The measured Platform: peak = best matmul (FLOP/s), bandwidth = DRAM roof (bytes/s), the cache roof as
    the memory level ``"cache"``, the other precisions' matmul rates as compute ceilings."""
    peaks = {k[5:]: m.flops_per_s for k, m in measurements.items() if k.startswith("gemm ")}
    peaks.update(extra_peaks)
    best = max(peaks, key=peaks.__getitem__)
    roofs = roofs_of(measurements)
    levels = (MemoryLevel("cache", roofs["cache"]),) if "cache" in roofs else ()
    ceilings = tuple(Ceiling(f"{k} matmul", v, "compute") for k, v in peaks.items() if k != best)
    dram = [k for k in measurements if roof_level(k) == "DRAM"]
    return Platform(name=name, peak_flops_per_s=peaks[best], bandwidth=roofs["DRAM"], ceilings=ceilings,
                    peaks=peaks, dtype=best, display_name=display, levels=levels,
                    notes=f"Measured on the {device} by rl.measure: peak = best {best} matmul; bandwidth = DRAM roof, "
                          f"the best of {', '.join(dram)} (STREAM byte count, write-allocate not counted); "
                          "level 'cache': the cache roof; ceilings: the other precisions' matmul rates.")


def best_of_each(candidates: Sequence[MeasuredPoint]) -> dict[str, MeasuredPoint]:
    """{name: best candidate of that name}, in first-seen order: memory roofs by bandwidth, matmul by FLOP/s."""
    out: dict[str, MeasuredPoint] = {}
    for name in dict.fromkeys(p.name for p in candidates):
        group = [p for p in candidates if p.name == name]
        out[name] = best_point(group, "bandwidth" if roof_level(name) else "flops_per_s")
    return out


def machine(quick: bool = False, *, threads: int | None = None, progress: bool | None = None) -> MachineMeasurement:
    """Measure this machine and return a MachineMeasurement whose ``.platform`` is its measured roof.

    Each roof is the best of its candidates (:func:`measurement_plan` lists them): DRAM, the STREAM triad
    (full: all four STREAM kernels), an in-place update a = -a and a read-only dot on DRAM-sized working
    sets (:func:`dram_sized_bytes`; full: twice that); cache, the same three in the cores' L2 and in the
    last-level cache; matmul through BLAS at fp64 and fp32. Every candidate runs on ``threads`` threads
    (default: every core) and on one, because on a busy machine a team that waits for a preempted member
    can lose to one thread; ``MeasuredPoint.threads`` says which won. ``quick=True`` takes a few seconds;
    the full run shows a progress bar (``progress`` overrides) and takes about fifteen seconds on 2 cores.
    A later run can only raise a roof: ``m.best_with(rl.measure.machine())``. Notebook 06.
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    threads = default_threads() if threads is None else positive_int("threads", threads)
    progress = (not quick) if progress is None else bool(progress)
    caches = cache_info()
    t_start = time.perf_counter()
    plan = measurement_plan(quick, threads, caches)
    bar = progress_bar(len(plan), progress, "measuring")
    candidates: list[MeasuredPoint] = []
    try:
        for c in plan:
            bar.set_description(f"{c.measurement}, {c.threads} thread{'s' * (c.threads > 1)}, "
                                f"{fmt_bytes(c.working_set_bytes)}")
            candidates.append(run_candidate(c))
            bar.update(1)
    finally:
        bar.close()
    out = best_of_each(candidates)
    name, display = _machine_name()
    plat = platform_from(out, name, display, "CPU")
    return MachineMeasurement(plat, out, blas_info(), threads, caches, quick, "cpu",
                              time.perf_counter() - t_start, candidates=tuple(candidates))

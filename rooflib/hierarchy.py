"""A hierarchical roofline: one kernel, one intensity per memory level, one roof per level. Notebook 06.

A kernel moves different amounts of data between different pairs of levels. Counting the bytes each
level serves to the level above it (L1 to the registers, L2 to L1, the last-level cache to L2, DRAM to
the last-level cache) gives one intensity per level, I_level = W / Q_level, and each level has its own
roof, min(π, β_level · I_level). The kernel can go no faster than the lowest of them: that level
**binds** (or π does, when every level's roof is above the peak). Williams, Waterman & Patterson,
"Roofline: an insightful visual performance model for multicore architectures", CACM 52(4), 2009,
https://doi.org/10.1145/1498765.1498785; per-level rooflines as in Yang, Kurth & Williams, "Hierarchical
Roofline analysis for GPUs", CCPE 32(20), 2020, https://doi.org/10.1002/cpe.5547.

Conventions: a FLOP is one add or one multiply (an FMA is 2); bytes are counted per level, in the dtype's
size per element (``rl.units``); a level's ``bandwidth`` is in bytes/s; the counts assume every cache line
brought in is used in full (tiles at least a cache line wide, walked with unit stride) and that each tile
stays in its level while it is reused (:attr:`LevelTraffic.held_bytes` says how much that takes).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ._validate import positive, positive_int, unknown_name
from .core import Platform, Workload
from .units import dtype_bytes, eng, fmt_bandwidth, fmt_bytes, fmt_flops, fmt_time, normalise_dtype

__all__ = ["LEVELS", "LevelTraffic", "HierarchicalRoofline", "blocked_gemm", "hierarchical", "tile_for"]

LEVELS = ("L1", "L2", "LLC", "DRAM")   # fastest first; each serves the level before it (L1 serves the registers)
_ABOVE = {"L1": "registers", "L2": "L1", "LLC": "L2", "DRAM": "LLC"}


@dataclass(frozen=True)
class LevelTraffic:
    """A kernel's FLOPs and the bytes each memory level serves to the level above it. Notebook 06.

    ``bytes`` maps a level (``"L1"``, ``"L2"``, ``"LLC"``, ``"DRAM"``) to the bytes it moves to and from the
    level above it (L1: to and from the registers); ``held_bytes`` maps a level to what the level *above* it
    must hold for that count to be right (registers for L1's count, L1 for L2's, ...). ``intensity(level)``
    is FLOPs / bytes at that level in FLOP/byte; ``workload(level)`` the same as an rl.Workload.
    """

    name: str
    flops: float
    bytes: Mapping[str, float]
    held_bytes: Mapping[str, float]
    dtype: str
    notes: str = ""

    def __post_init__(self) -> None:
        for field in ("bytes", "held_bytes"):
            m = dict(getattr(self, field))
            unknown = [k for k in m if k not in LEVELS]
            if unknown:
                raise ValueError(f"{field} keys must be memory levels {LEVELS}, got {unknown!r}")
            object.__setattr__(self, field, MappingProxyType({k: float(m[k]) for k in LEVELS if k in m}))
        positive("flops", self.flops, "FLOPs")

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels counted, fastest first."""
        return tuple(self.bytes)

    def intensity(self, level: str) -> float:
        """FLOP/byte at ``level``: FLOPs over the bytes that level serves."""
        return self.flops / self.bytes[_known(level, self.bytes)]

    def workload(self, level: str) -> Workload:
        """This kernel as seen from ``level``: its FLOPs and that level's bytes."""
        return Workload(f"{self.name} ({level})", self.flops, self.bytes[_known(level, self.bytes)])

    def to_dataframe(self):
        """One row per level: level, serves (the level above it), bytes, intensity (FLOP/byte), held_bytes."""
        import pandas as pd

        rows = [{"level": lv, "serves": _ABOVE[lv], "bytes": q, "intensity": self.flops / q,
                 "held_bytes": self.held_bytes.get(lv, math.nan)} for lv, q in self.bytes.items()]
        return pd.DataFrame(rows, columns=["level", "serves", "bytes", "intensity", "held_bytes"]).set_index("level")

    def _display_frame(self):
        df = self.to_dataframe()
        return df.assign(bytes=df["bytes"].map(fmt_bytes), intensity=df["intensity"].map("{:.3g}".format),
                         held_bytes=df["held_bytes"].map(fmt_bytes)).rename(
            columns={"intensity": "FLOP/byte", "held_bytes": "held above"}).rename_axis(None)

    def __str__(self) -> str:
        return f"{self.name}: {eng(self.flops, 'FLOP')}\n{self._display_frame().to_string()}"

    def _repr_html_(self) -> str:
        return (f"<div><p>{html.escape(self.name)}: {html.escape(eng(self.flops, 'FLOP'))}</p>"
                f"{self._display_frame().to_html()}</div>")


def _known(level: str, levels: Mapping[str, Any]) -> str:
    if level not in levels:
        raise unknown_name("memory level", level, list(levels))
    return level


def blocked_gemm(n: int, *, register_tile: int = 4, l1_tile: int = 16, l2_tile: int = 128, llc_tile: int = 512,
                 dtype: str = "fp64") -> LevelTraffic:
    """C += A·B for n x n matrices, blocked once per level; the bytes each level serves, counted. Notebook 06.

    The loop nest: C is cut into ``llc_tile`` blocks (held in the last-level cache), each into ``l2_tile``
    blocks (held in L2), each into ``l1_tile`` blocks (held in L1), each into ``register_tile`` blocks of C
    held in registers; at every level the k loop is innermost. A level that holds tiles of size b inside
    tiles of size B (the next level out; B = n outside the last-level tiles) is fed

        A and B:  2·n³ / b elements   (each b x b tile product reads a tile of A and one of B)
        C:        2·n² · n / B elements   (a C tile is read and written once per k-step of the outer tiles)

    so L1 serves 2n³/r + 2n³/t1 elements, L2 serves 2n³/t1 + 2n³/t2, the LLC 2n³/t2 + 2n³/t3 and DRAM
    2n³/t3 + 2n² (each tile size divides the next and ``llc_tile`` divides n). FLOPs: 2n³ (an FMA is 2).
    ``held_bytes``: the registers hold r² + 2r elements, L1 three t1 x t1 tiles, L2 three t2 tiles, the LLC
    three t3 tiles. The counts agree with a brute-force LRU cache simulation (tests/test_hierarchy.py).
    """
    n = positive_int("n", n)
    tiles = {"register_tile": positive_int("register_tile", register_tile),
             "l1_tile": positive_int("l1_tile", l1_tile), "l2_tile": positive_int("l2_tile", l2_tile),
             "llc_tile": positive_int("llc_tile", llc_tile)}
    names, sizes = list(tiles), [*tiles.values(), n]
    for (inner, b), outer, big in zip(tiles.items(), names[1:] + ["n"], sizes[1:]):
        if big % b:
            raise ValueError(f"{inner}={b} must divide {outer}={big} (each tile size divides the next one out)")
    s = dtype_bytes(dtype)
    r, t1, t2, t3 = sizes[:4]
    elements = {"L1": 2 * n**3 / r + 2 * n**3 / t1, "L2": 2 * n**3 / t1 + 2 * n**3 / t2,
                "LLC": 2 * n**3 / t2 + 2 * n**3 / t3, "DRAM": 2 * n**3 / t3 + 2 * n**2}
    held = {"L1": (r * r + 2 * r) * s, "L2": 3 * t1 * t1 * s, "LLC": 3 * t2 * t2 * s, "DRAM": 3 * t3 * t3 * s}
    return LevelTraffic(f"blocked gemm n={n} {normalise_dtype(dtype)} (tiles {r}/{t1}/{t2}/{t3})", 2 * n**3,
                        {k: v * s for k, v in elements.items()}, held, normalise_dtype(dtype),
                        notes="register/L1/L2/LLC tiles; C += A·B, k loop innermost at every level")


def tile_for(capacity_bytes: float, dtype: str = "fp64", fraction: float = 0.5, multiple_of: int = 1) -> int:
    """The largest power-of-two tile size b (a multiple of ``multiple_of``) whose three b x b tiles fit in
    ``fraction`` of ``capacity_bytes``: 3·b²·s ≤ fraction · capacity. The other half of a cache is left for
    everything else that passes through it (LRU is not an optimal replacement policy). Notebook 06."""
    cap = positive("capacity_bytes", capacity_bytes, "bytes")
    if not isinstance(fraction, (int, float)) or isinstance(fraction, bool) or not 0 < fraction <= 1:
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}")
    m = positive_int("multiple_of", multiple_of)
    b = m
    while 3 * (2 * b) ** 2 * dtype_bytes(dtype) <= fraction * cap:
        b *= 2
    if 3 * b * b * dtype_bytes(dtype) > fraction * cap:
        raise ValueError(f"capacity_bytes={capacity_bytes!r} cannot hold three {m} x {m} tiles of {dtype} "
                         f"in {fraction:g} of it")
    return b


@dataclass(frozen=True)
class HierarchicalRoofline:
    """A kernel's counted traffic (:class:`LevelTraffic`) under a platform with a roof per level. Notebook 06.

    ``platform`` carries π (``peak_flops_per_s``), the DRAM roof (``bandwidth``) and the caches' roofs
    (``levels`` named ``"L1"``, ``"L2"``, ``"LLC"``). Per level: the roof over the kernel,
    min(π, β_level · I_level) in FLOP/s, and the time that level needs, Q_level / β_level in seconds.
    ``binding`` is the level with the lowest roof over the kernel, or ``"compute"`` when π is lower than
    every level's; ``attainable_flops_per_s`` is that lowest roof and ``time_s`` = W / attainable.
    """

    traffic: LevelTraffic
    platform: Platform

    def bandwidth(self, level: str) -> float:
        """The roof of ``level`` in bytes/s (DRAM: the platform's bandwidth)."""
        return self.platform.bandwidth if level == "DRAM" else self.platform.for_level(level).bandwidth

    def roof(self, level: str) -> float:
        """min(π, β_level · I_level) in FLOP/s: the most the kernel can do if only this level limited it."""
        return min(self.platform.peak_flops_per_s, self.bandwidth(level) * self.traffic.intensity(level))

    @property
    def binding(self) -> str:
        """The level whose roof over the kernel is lowest, or ``"compute"`` when π is below all of them."""
        level = min(self.traffic.levels, key=lambda lv: self.bandwidth(lv) * self.traffic.intensity(lv))
        if self.bandwidth(level) * self.traffic.intensity(level) >= self.platform.peak_flops_per_s:
            return "compute"
        return level

    @property
    def attainable_flops_per_s(self) -> float:
        """The lowest roof over the kernel, in FLOP/s."""
        return min(self.roof(lv) for lv in self.traffic.levels)

    @property
    def time_s(self) -> float:
        """Roofline lower bound on the time in seconds: max(W/π, max over levels of Q_level/β_level)."""
        return self.traffic.flops / self.attainable_flops_per_s

    def to_dataframe(self):
        """One row per level: bytes, intensity (FLOP/byte), bandwidth (bytes/s), roof_flops_per_s (FLOP/s),
        time_s (Q/β, seconds), binds (True on the binding level)."""
        import pandas as pd

        tr, binding = self.traffic, self.binding
        rows = [{"level": lv, "bytes": tr.bytes[lv], "intensity": tr.intensity(lv), "bandwidth": self.bandwidth(lv),
                 "roof_flops_per_s": self.roof(lv), "time_s": tr.bytes[lv] / self.bandwidth(lv),
                 "binds": lv == binding} for lv in tr.levels]
        cols = ["level", "bytes", "intensity", "bandwidth", "roof_flops_per_s", "time_s", "binds"]
        return pd.DataFrame(rows, columns=cols).set_index("level")

    def summary(self) -> dict[str, Any]:
        """The headline figures as a dict: binding level, attainable_flops_per_s, time_s, peak_flops_per_s,
        and the intensity (FLOP/byte) at each level."""
        return {"kernel": self.traffic.name, "platform": self.platform.name, "binding": self.binding,
                "attainable_flops_per_s": self.attainable_flops_per_s, "time_s": self.time_s,
                "peak_flops_per_s": self.platform.peak_flops_per_s,
                **{f"intensity_{lv}": self.traffic.intensity(lv) for lv in self.traffic.levels}}

    def _display_frame(self):
        df = self.to_dataframe()
        return df.assign(bytes=df["bytes"].map(fmt_bytes), intensity=df["intensity"].map("{:.3g}".format),
                         bandwidth=df["bandwidth"].map(fmt_bandwidth), roof_flops_per_s=df["roof_flops_per_s"].map(
                             fmt_flops), time_s=df["time_s"].map(fmt_time),
                         binds=df["binds"].map({True: "◀ binds", False: ""})).rename(
            columns={"intensity": "FLOP/byte", "bandwidth": "roof (bytes/s)", "roof_flops_per_s": "roof (FLOP/s)",
                     "time_s": "Q/β"}).rename_axis(None)

    def _footer(self) -> str:
        p = self.platform
        who = "compute (π) binds" if self.binding == "compute" else f"{self.binding} binds"
        return (f"π = {fmt_flops(p.peak_flops_per_s)}: {who}; at most {fmt_flops(self.attainable_flops_per_s)}, "
                f"at least {fmt_time(self.time_s)}")

    def __str__(self) -> str:
        return f"{self.traffic.name} on {self.platform.display_name}\n{self._display_frame().to_string()}\n" \
               f"{self._footer()}"

    def _repr_html_(self) -> str:
        return (f"<div><p>{html.escape(self.traffic.name)} on {html.escape(self.platform.display_name)}</p>"
                f"{self._display_frame().to_html()}<p>{html.escape(self._footer())}</p></div>")

    def plot(self, ax=None, **kwargs):
        """Draw the hierarchical roofline (``rl.plot.hierarchical_roofline``); returns the Axes."""
        from .plot import hierarchical_roofline

        return hierarchical_roofline(self, ax=ax, **kwargs)


def hierarchical(traffic: LevelTraffic, platform: Platform | str) -> HierarchicalRoofline:
    """A kernel's per-level traffic against a platform's per-level roofs. The platform must have a memory level
    (``Platform.levels``) for every cache level the traffic counts (DRAM is its ``bandwidth``) and a peak for the
    kernel's dtype (π is that peak: ``Platform.for_dtype``). Notebook 06."""
    from . import platforms as catalogue

    if not isinstance(traffic, LevelTraffic):
        raise ValueError(f"traffic must be an rl.hierarchy.LevelTraffic (from rl.hierarchy.blocked_gemm), "
                         f"got {traffic!r}")
    plat = catalogue.get(platform)
    if not plat.has_peak(traffic.dtype):
        raise ValueError(f"platform {plat.name!r} lists no {traffic.dtype} peak (it has {sorted(plat.peaks) or [plat.dtype]}): "
                         f"count the kernel in one of those dtypes")
    plat = plat.for_dtype(traffic.dtype)
    have = {lv.name for lv in plat.levels}
    missing = [lv for lv in traffic.levels if lv != "DRAM" and lv not in have]
    if missing:
        raise ValueError(f"platform {plat.name!r} has no roof for memory level(s) {missing}; its levels are "
                         f"{sorted(have)} (rl.measure.level_roofs measures L1, L2 and LLC)")
    return HierarchicalRoofline(traffic, plat)

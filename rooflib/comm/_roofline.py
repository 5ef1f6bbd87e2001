"""The communication roofline: FLOPs per link byte, the ridge π / β_link, a three-roof time bound. Notebook 07.

Convention (jax-ml/scaling-book, "All About Rooflines"): a kernel on one device that does
``flops`` FLOPs, moves ``hbm_bytes`` to and from its memory and sends ``link_bytes`` over its link
(the bytes the device sends in one direction, e.g. ``all_reduce(...).bytes_sent_per_device``) needs
at least T_math = flops / π, T_memory = hbm_bytes / β and T_comms = link_bytes / β_link (β_link per
direction, ``Link.bandwidth``; the link's per-message latency is left out, as in the scaling book).
When communication overlaps computation and memory traffic (``overlap=True``, the default) the
bound is max(T_math, T_memory, T_comms); when nothing overlaps it is their sum, and the truth for
a well-overlapped kernel lies between the two (the sum is at most 3 times the max).
The link intensity is flops / link_bytes (FLOP per link byte); a kernel is communication-bound
when it is below the link ridge π / β_link, as it is memory-bound below π / β.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import intensity_array, nonnegative, positive
from ..core import Platform
from ..platforms import get as get_platform
from ..units import eng
from ._links import Link, get

__all__ = ["TimeBound", "RESOURCES", "link_intensity", "ridge_point", "attainable", "time_bound"]

RESOURCES = ("compute", "memory", "communication")


def _platform_and_link(platform: str | Platform, link: str | Link | None) -> tuple[Platform, Link]:
    """The Platform and its Link (``link=None``: the one the platform names in ``interconnect``)."""
    p = get_platform(platform)
    if link is None:
        if p.interconnect is None:
            raise ValueError(f"platform {p.name!r} names no interconnect; pass link= (a rl.comm.Link or one of "
                             f"rl.comm.names())")
        link = p.interconnect
    return p, get(link)


def link_intensity(flops: float, link_bytes: float) -> float:
    """Link intensity in FLOP per byte crossing the link: flops / link_bytes (x axis of the communication roofline)."""
    return nonnegative("flops", flops, "FLOPs") / positive("link_bytes", link_bytes, "bytes")


def ridge_point(platform: str | Platform, link: str | Link | None = None) -> float:
    """The communication ridge π / β_link in FLOP per link byte (β_link per direction; default: the platform's link)."""
    p, lk = _platform_and_link(platform, link)
    return p.peak_flops_per_s / lk.bandwidth


def attainable(intensity, platform: str | Platform, link: str | Link | None = None):
    """Attainable FLOP/s on the communication roofline: min(π, β_link · I_link). Scalar or array in and out."""
    p, lk = _platform_and_link(platform, link)
    arr = intensity_array("intensity", intensity)
    out = np.minimum(p.peak_flops_per_s, lk.bandwidth * arr)
    return out.item() if np.ndim(intensity) == 0 else out


@dataclass(frozen=True)
class TimeBound:
    """Lower bound on a kernel's time from three roofs: compute (π), memory (β) and link (β_link). Notebook 07.

    ``time_s`` is max of the three times with ``overlap=True``, their sum without; ``bound`` is the
    resource with the largest time (``"compute"``, ``"memory"`` or ``"communication"``; a tie goes to
    compute, then memory, as a kernel on the ridge counts as compute-bound).
    """

    flops: float
    hbm_bytes: float
    link_bytes: float
    platform: Platform
    link: Link
    overlap: bool = True

    @property
    def compute_time_s(self) -> float:
        """T_math in s: flops / π."""
        return self.flops / self.platform.peak_flops_per_s

    @property
    def memory_time_s(self) -> float:
        """T_memory in s: hbm_bytes / β."""
        return self.hbm_bytes / self.platform.bandwidth

    @property
    def communication_time_s(self) -> float:
        """T_comms in s: link_bytes / β_link (per direction)."""
        return self.link_bytes / self.link.bandwidth

    def times_s(self) -> dict[str, float]:
        """The three times in s by resource."""
        return {"compute": self.compute_time_s, "memory": self.memory_time_s,
                "communication": self.communication_time_s}

    @property
    def time_s(self) -> float:
        """The bound in s: max of the three times (overlap=True) or their sum (overlap=False)."""
        times = self.times_s().values()
        return max(times) if self.overlap else sum(times)

    @property
    def bound(self) -> str:
        """The binding resource, ``"compute"``, ``"memory"`` or ``"communication"`` (largest time; ties: the first)."""
        times = self.times_s()
        return max(RESOURCES, key=lambda r: (times[r], -RESOURCES.index(r)))

    @property
    def link_intensity(self) -> float:
        """FLOP per link byte: flops / link_bytes (``inf`` when nothing crosses the link)."""
        return self.flops / self.link_bytes if self.link_bytes > 0 else float("inf")

    @property
    def summary(self) -> dict[str, Any]:
        """The numbers as a dict (units in the key names; time_s is a lower bound)."""
        return {"platform": self.platform.name, "link": self.link.name, "overlap": self.overlap,
                "flops": self.flops, "hbm_bytes": self.hbm_bytes, "link_bytes": self.link_bytes,
                "compute_time_s": self.compute_time_s, "memory_time_s": self.memory_time_s,
                "communication_time_s": self.communication_time_s, "time_s": self.time_s, "bound": self.bound,
                "link_intensity": self.link_intensity, "link_ridge_point": self.platform.peak_flops_per_s
                / self.link.bandwidth}

    def to_dataframe(self):
        """One row per resource (index ``resource``): amount, unit, rate (FLOP/s or bytes/s), time_s, binding."""
        import pandas as pd

        rows = {"compute": (self.flops, "FLOP", self.platform.peak_flops_per_s, "FLOP/s"),
                "memory": (self.hbm_bytes, "bytes", self.platform.bandwidth, "bytes/s"),
                "communication": (self.link_bytes, "bytes", self.link.bandwidth, "bytes/s per direction")}
        times, bound = self.times_s(), self.bound
        return pd.DataFrame(
            {"amount": [rows[r][0] for r in RESOURCES], "unit": [rows[r][1] for r in RESOURCES],
             "rate": [rows[r][2] for r in RESOURCES], "rate_unit": [rows[r][3] for r in RESOURCES],
             "time_s": [times[r] for r in RESOURCES], "binding": [r == bound for r in RESOURCES]},
            index=pd.Index(list(RESOURCES), name="resource"))

    def _title(self) -> str:
        rule = ("time >= {t}: max of the three, perfect overlap (a lower bound)" if self.overlap else
                "time = {t}: sum of the three, nothing overlaps (each term a lower bound)")
        return (f"{self.platform.display_name} ({self.platform.dtype}) over {self.link.display_name}: "
                f"{rule.format(t=eng(self.time_s, 's'))}; {self.bound}-bound")

    def _shown(self):
        df = self.to_dataframe()
        shown = df[["time_s", "binding"]].copy()
        shown.insert(0, "amount", [eng(a, "FLOP" if u == "FLOP" else "B") for a, u in zip(df["amount"], df["unit"])])
        shown.insert(1, "rate", [eng(r, "FLOP/s" if u == "FLOP/s" else "B/s")
                                 for r, u in zip(df["rate"], df["rate_unit"])])
        shown["time_s"] = [eng(t, "s") for t in df["time_s"]]
        return shown.rename(columns={"time_s": "time"})

    def __str__(self) -> str:
        return "\n".join([self._title(), self._shown().to_string()])

    def _repr_html_(self) -> str:
        return f"<p>{self._title()}</p>" + self._shown().to_html()


def time_bound(flops: float, hbm_bytes: float, link_bytes: float, platform: str | Platform,
               link: str | Link | None = None, *, overlap: bool = True) -> TimeBound:
    """Three-roof bound on a kernel's time in s (T_math, T_memory, T_comms; max if ``overlap``, else sum). Notebook 07.

    ``flops`` in FLOPs, ``hbm_bytes`` moved to and from memory, ``link_bytes`` sent by the device in
    one direction; ``link=None`` takes the platform's ``interconnect``.
    """
    if not isinstance(overlap, bool):
        raise ValueError(f"overlap must be True or False, got {overlap!r}")
    p, lk = _platform_and_link(platform, link)
    return TimeBound(nonnegative("flops", flops, "FLOPs"), nonnegative("hbm_bytes", hbm_bytes, "bytes"),
                     nonnegative("link_bytes", link_bytes, "bytes"), p, lk, overlap)

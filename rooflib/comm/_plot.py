"""The communication roofline beside the memory roofline, with kernels placed on both. Notebook 07.

Left: the usual roofline, attainable FLOP/s = min(π, β · I) against I = FLOPs / memory byte. Right: the
communication roofline, min(π, β_link · I_link) against I_link = FLOPs / link byte (β_link per
direction), whose ridge is π / β_link (jax-ml/scaling-book, "All About Rooflines"). A kernel sits on
each at its own intensity; it is communication-bound when it is left of the right-hand ridge.
matplotlib is imported when a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import Platform, Workload
from ..i18n import figure_text, font_kwargs, legend_kwargs, t, verdict
from ..palette import HATCH_ALPHA, REGIONS
from ..platforms import get as get_platform
from ..units import eng
from ._links import Link
from ._links import get as get_link
from ._roofline import TimeBound, time_bound

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["comm_roofline"]


def _kernels(kernels: Iterable[Any], platform: str | Platform, link: str | Link | None) -> list[tuple[str, TimeBound]]:
    """(label, TimeBound) per kernel: a TimeBound as it is, or (label, flops, hbm_bytes, link_bytes)."""
    out = []
    for j, k in enumerate(kernels):
        if isinstance(k, TimeBound):
            out.append((figure_text("comm.kernel", n=j + 1), k))
        elif isinstance(k, Sequence) and len(k) == 4 and isinstance(k[0], str):
            out.append((k[0], time_bound(k[1], k[2], k[3], platform, link)))
        else:
            raise ValueError(f"kernels must hold rl.comm.TimeBound objects or (label, flops, hbm_bytes, link_bytes) "
                             f"tuples, got {k!r}")
    return out


def comm_roofline(platform: str | Platform, link: str | Link | None = None, kernels: Iterable[Any] = (),
                  axes: Sequence[Axes] | None = None, *, xlim: tuple[float, float] = (0.1, 1e5),
                  title: str | None = None) -> tuple[Axes, Axes]:
    """Draw the memory roofline (left) and the communication roofline (right) of ``platform`` and ``link``
    (default: the platform's ``interconnect``), each kernel a point on both. Returns the two Axes. Notebook 07.

    ``kernels``: ``rl.comm.time_bound(...)`` results or ``(label, flops, hbm_bytes, link_bytes)`` tuples. The
    right panel's x axis is FLOPs per byte sent over the link (one direction); its roof is min(π, β_link · I).
    """
    from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator

    from .. import plot

    p = get_platform(platform)
    if link is None and p.interconnect is None:
        raise ValueError(f"platform {p.name!r} names no interconnect; pass link= (a rl.comm.Link or a link name)")
    lk = get_link(link if link is not None else p.interconnect)
    ks = _kernels(kernels, p, lk)
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained", sharey=True)
    left, right = axes
    mem_points = [Workload(label, tb.flops, tb.hbm_bytes) for label, tb in ks if tb.hbm_bytes > 0]
    plot.roofline(p, mem_points, ax=left, xlim=xlim, ceilings=False, legend=False,
                  title=figure_text("comm.memory_title", bandwidth=eng(p.bandwidth, "B/s")))

    # the communication roofline: the same construction with β_link
    x = np.logspace(np.log10(xlim[0]), np.log10(xlim[1]), 400)
    ridge = p.peak_flops_per_s / lk.bandwidth
    roof = np.minimum(p.peak_flops_per_s, lk.bandwidth * x)
    floor = left.get_ylim()[0]
    below = x <= ridge
    from matplotlib.colors import to_rgba

    for r, xs, label, gid in ((REGIONS["memory"], np.append(x[below], ridge),
                               figure_text("comm.region_communication"), "communication"),
                              (REGIONS["compute"], np.insert(x[~below], 0, ridge), figure_text("plot.region_compute"),
                               "compute")):
        right.fill_between(xs, floor, np.minimum(p.peak_flops_per_s, lk.bandwidth * xs), lw=0, label=label,
                           facecolor=to_rgba(r.color, plot.REGION_ALPHA), hatch=r.hatch,
                           hatchcolor=to_rgba(r.color, HATCH_ALPHA), gid=f"region-{gid}")
    right.plot(x, roof, color="black", lw=2.2, gid="roof-link")
    right.plot([ridge], [p.peak_flops_per_s], "o", color="black", ms=6, gid="ridge-link")
    right.annotate(figure_text("comm.link_ridge", ridge=ridge), (ridge, p.peak_flops_per_s), textcoords="offset points",
                   xytext=(6, -14), fontsize="small", **font_kwargs())
    for j, (label, tb) in enumerate(ks):
        color = plot.PALETTE[j % len(plot.PALETTE)]
        if tb.link_bytes <= 0:
            continue
        i_link = tb.flops / tb.link_bytes
        y = float(min(p.peak_flops_per_s, lk.bandwidth * i_link))
        right.plot([i_link, i_link], [floor, y], ls=":", lw=1, color=color, gid=f"dropline-link-{j}")
        right.plot([i_link], [y], "o", ms=7, color=color, mec="black", mew=0.6, gid=f"point-link-{j}")
        right.annotate(label, (i_link, y), textcoords="offset points", xytext=(-6 if i_link < ridge else 6, 5),
                       ha="right" if i_link < ridge else "left", fontsize="small", color=color, **font_kwargs(label))
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlim(*xlim)
    right.xaxis.set_major_locator(LogLocator(base=10))
    right.xaxis.set_major_formatter(FuncFormatter(plot.fmt_intensity_tick))
    right.yaxis.set_major_formatter(EngFormatter(unit="FLOP/s"))
    right.set_xlabel(figure_text("axis.link_intensity"), **font_kwargs())
    right.grid(True, which="major", alpha=0.3)
    right.set_title(figure_text("comm.link_title", link=lk.display_name.split(" (")[0],
                                bandwidth=eng(lk.bandwidth, "B/s")), **font_kwargs())
    right.legend(loc="lower right", **legend_kwargs("small"))
    verdicts = t("plot.alt_sep").join(
        t("comm.alt_kernel", label=label, intensity=f"{tb.flops / tb.link_bytes:.3g}",
          verdict=verdict("communication" if tb.flops / tb.link_bytes < ridge else "compute"))
        for label, tb in ks if tb.link_bytes > 0)
    right.rl_alt = (t("comm.alt", title=right.get_title(), ridge=f"{ridge:,.0f}")
                    + (t("comm.alt_kernels", kernels=verdicts) if verdicts else ""))   # rl.plot.describe reads it
    if title is not None:
        left.figure.suptitle(title, **font_kwargs(title))
    return left, right

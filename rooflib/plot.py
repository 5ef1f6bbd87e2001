"""Roofline plots and the course's palette. Compute first (rooflib.core, kernels, cnn, llm), then plot here.
Notebook 02.

``roofline`` draws a static matplotlib figure; the live explorers (rooflib.widgets) draw SVG in the
browser with the same colours (from rl.palette, chosen for colour-blind learners) and tick labels: ``MEMORY_COLOR``,
``COMPUTE_COLOR``, ``PALETTE``, ``REGION_ALPHA``, ``BEFORE_COLOR`` / ``AFTER_COLOR`` (an optimisation's two points,
never the region colours), ``fmt_intensity_tick``. Ceilings are drawn under the roof, a faster memory level
(``Platform.levels``) as a roof of its own, and ``move_arrow`` draws a move or a wall as an arrow. matplotlib is imported
when a figure is drawn, not when this module is imported. Nothing here changes matplotlib's
global state: every style choice is passed to the artist. ``show(fig)`` displays a figure with its alt
text (``describe(fig)``: the platforms, ridge points and verdicts), which the site and the slides use.
``hierarchical_roofline`` draws one kernel against the roof of every memory level (notebook 06).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validate import positive
from .core import Platform, Workload
from .i18n import figure_text, font_kwargs, legend_kwargs, t, verdict
from .palette import COMPUTE_COLOR, HATCH_ALPHA, MEMORY_COLOR, PALETTE, REGION_ALPHA, REGIONS
from .units import eng, fmt_bandwidth, fmt_flops

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["roofline", "describe", "show", "move_arrow",
           "roof_curve", "intensity_range", "fmt_intensity_tick", "level_roofs", "hierarchical_roofline",
           "MEMORY_COLOR", "COMPUTE_COLOR", "PALETTE", "REGION_ALPHA", "BEFORE_COLOR", "AFTER_COLOR"]

# The course's colours live in rl.palette, chosen (and tested) to stay distinct for colour-blind learners;
# rl.plot (matplotlib) and rl.widgets (SVG) both take them from there.
# Before / after an optimisation are not verdicts: the two series colours furthest from the region colours.
BEFORE_COLOR, AFTER_COLOR = PALETTE[0], PALETTE[1]


def _as_platforms(platforms: Platform | str | Iterable[Platform | str]) -> list[Platform]:
    from . import platforms as catalogue

    if isinstance(platforms, (Platform, str)):
        platforms = [platforms]
    out = [catalogue.get(p) if isinstance(p, str) else p for p in platforms]
    for p in out:
        if not isinstance(p, Platform):
            raise ValueError(f"platforms must be rl.Platform objects or catalogue names, got {p!r}")
    if not out:
        raise ValueError("roofline() needs at least one platform")
    return out


def _point_of(w: Any) -> tuple[str, float, float | None]:
    """(label, intensity, measured FLOP/s or None) for a Workload, a measured point or a tuple."""
    if isinstance(w, Workload):
        return w.name, w.intensity, None
    if hasattr(w, "intensity") and hasattr(w, "flops_per_s"):
        return getattr(w, "name", ""), float(w.intensity), float(w.flops_per_s)
    if isinstance(w, tuple) and len(w) in (2, 3):
        return str(w[0]), float(w[1]), (float(w[2]) if len(w) == 3 else None)
    raise ValueError(f"workloads must be rl.Workload, measured points or (label, intensity[, flop/s]) tuples, got {w!r}")


def _check_xlim(xlim: object) -> tuple[float, float]:
    """(low, high) in FLOP/byte with 0 < low < high, as a log axis needs."""
    try:
        lo, hi = xlim  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"xlim must be a pair (low, high) in FLOP/byte, got {xlim!r}") from None
    lo, hi = positive("xlim[0]", lo, "FLOP/byte"), positive("xlim[1]", hi, "FLOP/byte")
    if lo >= hi:
        raise ValueError(f"xlim must have low < high, got {xlim!r}")
    return lo, hi


def fmt_intensity_tick(value: float, _pos: object = None) -> str:
    """A tick label on an intensity (or size) axis: plain numbers below 10 000 (0.01, 1, 100), then
    SI prefixes (10 k, 1 M); no milli prefixes for FLOP/byte. Usable as a matplotlib FuncFormatter."""
    return f"{value:g}" if value < 1e4 else eng(value, "")


def intensity_range(platforms: Sequence[Platform], intensities: Iterable[float] = ()) -> tuple[float, float]:
    """A log-scale x range (FLOP/byte) that shows every ridge point and every workload with margin."""
    xs = [p.ridge_point for p in platforms] + [i for i in intensities if i > 0]
    lo = min(min(xs) / 30, 0.1)
    hi = max(max(xs) * 30, 100.0)
    return 10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi))


def level_roofs(platform: Platform) -> list[tuple[str, float]]:
    """(name, bandwidth in bytes/s) of every faster memory level of ``platform``: its ``levels``, and any "memory
    ceiling" above β (an old way of passing a cache: a faster level is a roof of its own, not a ceiling)."""
    out = [(lv.name, lv.bandwidth) for lv in platform.levels]
    return out + [(c.name, c.value) for c in platform.ceilings if c.kind == "memory" and c.value > platform.bandwidth]


def _ceilings_under(platform: Platform) -> list[Any]:
    """The ceilings that lie under the roof: compute ones below π, memory ones below β."""
    return [c for c in platform.ceilings
            if c.value < (platform.peak_flops_per_s if c.kind == "compute" else platform.bandwidth)]


def roof_curve(platform: Platform, intensity: np.ndarray) -> np.ndarray:
    """The roof min(π, β·I) in FLOP/s over ``intensity`` (FLOP/byte), for drawing."""
    return platform.attainable(np.asarray(intensity, dtype=float))


def roofline(platforms: Platform | str | Iterable[Platform | str], workloads: Iterable[Any] = (),
             ax: Axes | None = None, *, xlim: tuple[float, float] | None = None, shade: bool = True,
             ceilings: bool = True, annotate: bool = True, title: str | None = None,
             legend: bool = True, scale: str = "log") -> Axes:
    """Draw a roofline of one or more platforms with workloads as labelled points. Notebooks 02-05.

    - The first platform's memory-bound region (left of its ridge) and compute-bound region are
      shaded in two colours; each platform's ridge point is marked and labelled.
    - ``ceilings=True`` draws each platform's ceilings (thin dashed lines) under its roof: in-core
      ceilings under the flat part, bandwidth ceilings under the slope (Williams et al. 2009), and each
      faster memory level (``Platform.levels``, a cache) as a roof of its own (dash-dot, "L2 roof"), above.
    - Each workload is drawn at its intensity on its attainable line (the roof of the first
      platform), with a dotted drop line; a measured point (an object with ``intensity`` and
      ``flops_per_s``, or a tuple ``(label, intensity, flop_per_s)``) is drawn at its measured height.
    - ``scale="log"`` (default): log-log axes, where the sloped roof has slope 1 for every β (more β
      lifts it). ``scale="linear"``: linear axes from 0, where the slope of the roof *is* β (the blog's
      picture). Axes use engineering notation: x in FLOP/byte, y in FLOP/s. Returns the Axes.
    """
    from matplotlib.colors import to_rgba

    if scale not in ("log", "linear"):
        raise ValueError(f"scale must be 'log' or 'linear', got {scale!r}")
    log = scale == "log"
    plats = _as_platforms(platforms)
    points = [_point_of(w) for w in workloads]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    if xlim is not None:
        lo, hi = _check_xlim(xlim) if log else (0.0, positive("xlim[1]", xlim[1], "FLOP/byte"))
    elif log:
        lo, hi = intensity_range(plats, [p[1] for p in points])
    else:
        lo, hi = 0.0, 3 * max([p.ridge_point for p in plats] + [p[1] for p in points])
    x = np.logspace(np.log10(lo), np.log10(hi), 400) if log else np.linspace(lo, hi, 400)
    first = plats[0]
    measured = [m for _, _, m in points if m is not None and m > 0]
    floor = min([p.bandwidth * lo for p in plats] + measured) / 3 if log else 0.0   # measured points stay in view

    if shade:
        left = x <= first.ridge_point
        xl = np.append(x[left], first.ridge_point)
        xr = np.insert(x[~left], 0, first.ridge_point)
        for r, xs in ((REGIONS["memory"], xl), (REGIONS["compute"], xr)):   # colour and a hatch: no colour needed
            ax.fill_between(xs, floor, first.attainable(xs), facecolor=to_rgba(r.color, REGION_ALPHA), lw=0,
                            hatch=r.hatch, hatchcolor=to_rgba(r.color, HATCH_ALPHA),
                            label=figure_text(f"plot.region_{r.verdict}"),
                            gid=f"region-{r.verdict}")

    for i, p in enumerate(plats):
        color = "black" if len(plats) == 1 else PALETTE[i % len(PALETTE)]
        ax.plot(x, p.attainable(x), color=color, lw=2.2, label=p.display_name, gid=f"roof-{p.name}")
        ax.plot([p.ridge_point], [p.peak_flops_per_s], "o", color=color, ms=6, gid=f"ridge-{p.name}")
        if annotate:
            ax.annotate(figure_text("plot.ridge", ridge=p.ridge_point), (p.ridge_point, p.peak_flops_per_s),
                        textcoords="offset points", xytext=(6, -14), fontsize="small", color=color,
                        gid=f"ridge-label-{p.name}", **font_kwargs())
        if ceilings:
            _draw_ceilings(ax, p, x, color, annotate)

    for j, (label, inten, measured) in enumerate(points):
        color = PALETTE[(j + (len(plats) if len(plats) > 1 else 0)) % len(PALETTE)]
        roof = float(first.attainable(inten))
        y = roof if measured is None else measured
        ax.plot([inten, inten], [floor, roof], ls=":", lw=1, color=color, gid=f"dropline-{j}")
        ax.plot([inten], [y], "o" if measured is None else "D", ms=7, color=color, mec="black", mew=0.6,
                gid=f"point-{j}", label=None)
        if annotate and label:
            # On the sloped roof the label goes up-left (above the line), on the flat roof up-right;
            # neighbouring labels step up in turn so they do not overlap.
            left = inten < first.ridge_point
            ax.annotate(label, (inten, y), textcoords="offset points", xytext=(-6 if left else 6, 5 + 10 * (j % 3)),
                        ha="right" if left else "left", fontsize="small", color=color, gid=f"point-label-{j}",
                        **font_kwargs(label))

    top = max([p.peak_flops_per_s for p in plats]) * (3 if log else 1.25)
    _finish_axes(ax, (lo, hi), (floor, top), log, "axis.intensity", title,
                 legend and legend_kwargs("small", *(p.display_name for p in plats)))
    ax.rl_alt = _roofline_alt(plats, points, title)     # what describe() says about this panel (alt text)
    return ax


def _finish_axes(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float], log: bool, xlabel: str,
                 title: str | None, legend: dict[str, Any] | bool) -> None:
    """Scales, limits, tick formats (x in FLOP/byte, y in FLOP/s), axis labels (``xlabel``: a message key), grid,
    title and legend (``legend``: legend_kwargs, or False for none) of a roofline panel."""
    from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator

    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(fmt_intensity_tick))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.yaxis.set_major_formatter(EngFormatter(unit="FLOP/s"))
    ax.set_xlabel(figure_text(xlabel), **font_kwargs())
    ax.set_ylabel(figure_text("axis.performance"), **font_kwargs())
    ax.grid(True, which="major", alpha=0.3)
    if title is not None:
        ax.set_title(title, **font_kwargs(title))
    if legend:
        ax.legend(loc="lower right", **legend)


def _roofline_alt(plats: list[Platform], points: list[tuple[str, float, float | None]], title: str | None) -> str:
    """A roofline in words (its alt text): each roof and its ridge point, each workload's verdict."""
    first, sep = plats[0], t("plot.alt_sep")
    roofs = sep.join(t("plot.alt_roof", platform=p.display_name, peak=fmt_flops(p.peak_flops_per_s),
                       bandwidth=fmt_bandwidth(p.bandwidth), ridge=f"{p.ridge_point:.3g}") for p in plats)
    text = (t("plot.alt_title", title=title) if title else "") + t(
        "plot.alt_rooflines" if len(plats) > 1 else "plot.alt_roofline", roofs=roofs)
    works = sep.join(t("plot.alt_point", label=label or t("plot.alt_workload", n=j + 1), intensity=f"{inten:.3g}",
                       verdict=verdict(first.bound(inten))) + (t("plot.alt_measured", rate=fmt_flops(m)) if m else "")
                     for j, (label, inten, m) in enumerate(points))
    return text + (t("plot.alt_under", platform=first.display_name, points=works) if works else "")


def describe(fig: Figure) -> str:
    """Alt text for a matplotlib figure: per panel, what roofline() drew there (roofs, ridge points, verdicts),
    else its title, axis labels and legend entries."""
    parts = []
    for ax in fig.axes:
        text = getattr(ax, "rl_alt", "")
        if not text:
            legend = ax.get_legend()
            bits = [ax.get_title(), *(f"{n}: {s}" for n, s in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if s),
                    t("plot.describe_legend", entries=", ".join(x.get_text() for x in legend.get_texts()))
                    if legend else ""]
            text = "; ".join(b for b in bits if b)
        if text:
            parts.append(text if text.endswith((".", "。")) else text + ".")    # a Chinese full stop ends one too
    return " ".join(parts)


def show(fig: Figure) -> None:
    """Display ``fig`` with its alt text (:func:`describe`) in the output's metadata (``"alt"``): the live figure
    under ``%matplotlib widget`` (ipympl), else the picture. The static site and the slides make that text
    the figure's accessible name (tools/alt_text.py). End a figure's cell with ``rl.plot.show(fig)``."""
    from IPython.display import display

    canvas = fig.canvas
    display(canvas if hasattr(canvas, "_repr_mimebundle_") else fig, metadata={"alt": describe(fig)})


def _draw_ceilings(ax: Axes, p: Platform, x: np.ndarray, color: str, annotate: bool) -> None:
    """Ceilings under ``p``'s roof (thin dashed) and its faster memory levels as roofs of their own (dash-dot)."""
    hi = x[-1]
    for c in _ceilings_under(p):
        if c.kind == "compute":       # an in-core ceiling: flat at c, under the slope
            y = np.minimum(c.value, p.bandwidth * x)
            xi, yi = hi, c.value
        else:                         # a bandwidth ceiling: a lower slope, under the flat roof
            y = np.minimum(p.peak_flops_per_s, c.value * x)
            xi = min(p.peak_flops_per_s / c.value, hi) / 10   # on the slope, a decade below the roof
            yi = c.value * xi
        ax.plot(x, y, color=color, lw=1, ls="--", alpha=0.8, gid=f"ceiling-{p.name}-{c.name}")
        if annotate:
            ax.annotate(c.name, (xi, yi), textcoords="offset points", xytext=(-4, 3), ha="right",
                        fontsize="small", color=color, gid=f"ceiling-label-{p.name}-{c.name}", **font_kwargs(c.name))
    for name, bw in level_roofs(p):   # a faster level: a roof of its own, above this one
        ax.plot(x, np.minimum(p.peak_flops_per_s, bw * x), color=color, lw=1.4, ls="-.", alpha=0.8,
                gid=f"level-{p.name}-{name}")
        if annotate:
            xi = min(p.peak_flops_per_s / bw, hi) / 3
            ax.annotate(figure_text("plot.level_roof", name=name), (xi, bw * xi), textcoords="offset points",
                        xytext=(-4, 3), ha="right", fontsize="small", color=color, gid=f"level-label-{p.name}-{name}",
                        **font_kwargs(name))


def move_arrow(ax: Axes, platform: Platform | str, before: Any, after: Any, *, label: str | None = None,
               platform_after: Platform | str | None = None) -> Axes:
    """An arrow on a roofline from workload ``before`` to ``after`` (each drawn on its roof: ``platform``, and
    ``platform_after`` if the machine changes), the two points in the before / after colours (never the
    region colours). For a wall (re-read traffic moving the point left) or an optimisation. Notebooks 02, 04."""
    from . import platforms as catalogue

    p0 = catalogue.get(platform)
    p1 = p0 if platform_after is None else catalogue.get(platform_after)
    (_, i0, m0), (_, i1, m1) = _point_of(before), _point_of(after)
    a = (i0, float(p0.attainable(i0)) if m0 is None else m0)
    b = (i1, float(p1.attainable(i1)) if m1 is None else m1)
    ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 2,
                                                "shrinkA": 6, "shrinkB": 6}, gid="move-arrow")
    ax.plot(*a, "o", ms=9, color=BEFORE_COLOR, mec="black", mew=0.6, gid="move-before")
    ax.plot(*b, "o", ms=9, color=AFTER_COLOR, mec="black", mew=0.6, gid="move-after")
    if label:
        ax.annotate(label, b, textcoords="offset points", xytext=(8, -14), fontsize="small", color="#444444",
                    gid="move-label", **font_kwargs(label))
    return ax


_LEVEL_STYLES = ("-", "--", "-.", ":")   # each level a line style as well as a colour


def hierarchical_roofline(result: Any, ax: Axes | None = None, *, title: str | None = None,
                          legend: bool = True) -> Axes:
    """Draw a hierarchical roofline (an ``rl.hierarchy.hierarchical`` result): the peak π, one roof per memory
    level (L1, L2, LLC, DRAM; each in its own colour and line style), and the kernel once per level, at that
    level's intensity on that level's roof. The lowest of those points binds: it is drawn larger and labelled,
    with a dashed line at its height. Notebook 06. Returns the Axes."""

    tr, plat = result.traffic, result.platform
    levels = list(tr.levels)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    intens = [tr.intensity(lv) for lv in levels]
    ridges = [plat.peak_flops_per_s / result.bandwidth(lv) for lv in levels]
    lo, hi = min(intens + ridges) / 4, max(intens + ridges) * 4
    x = np.logspace(np.log10(lo), np.log10(hi), 400)
    floor = min(result.bandwidth(lv) * lo for lv in levels) / 2
    ax.axhline(plat.peak_flops_per_s, color="black", lw=2.2, gid="peak",
               label=figure_text("plot.peak", peak=fmt_flops(plat.peak_flops_per_s)))
    binding = result.binding
    for i, (lv, inten) in enumerate(zip(levels, intens)):
        color, bw = PALETTE[i % len(PALETTE)], result.bandwidth(lv)
        ax.plot(x, np.minimum(plat.peak_flops_per_s, bw * x), color=color, lw=1.8, ls=_LEVEL_STYLES[i % 4],
                gid=f"level-roof-{lv}", label=figure_text("plot.level_roof_bw", name=lv, bandwidth=fmt_bandwidth(bw)))
        y = result.roof(lv)
        ax.plot([inten, inten], [floor, y], ls=":", lw=1, color=color, gid=f"dropline-{lv}")
        binds = lv == binding
        ax.plot([inten], [y], "o", ms=11 if binds else 7, color=color, mec="black", mew=1.6 if binds else 0.6,
                gid=f"point-{lv}")
        ax.annotate(f"I_{lv} = {inten:.3g}", (inten, y), textcoords="offset points", xytext=(6, -14 - 10 * (i % 2)),
                    fontsize="small", color=color, gid=f"point-label-{lv}")
    best = result.attainable_flops_per_s
    ax.axhline(best, color="#444444", lw=1, ls="--", gid="binding-line")
    who = figure_text("plot.compute_binds") if binding == "compute" else figure_text("plot.level_binds", level=binding)
    ax.annotate(f"{who}: {fmt_flops(best)}", (lo, best), textcoords="offset points", xytext=(4, -4), va="top",
                fontsize="small", color="#444444", gid="binding-label", **font_kwargs())
    _finish_axes(ax, (lo, hi), (floor, plat.peak_flops_per_s * 3), True, "axis.intensity_level", title,
                 legend and legend_kwargs("small"))
    sep = t("plot.alt_sep")
    ax.rl_alt = t("plot.alt_hierarchy", kernel=tr.name, peak=fmt_flops(plat.peak_flops_per_s), levels=sep.join(
        t("plot.alt_level", level=lv, intensity=f"{inten:.3g}", bandwidth=fmt_bandwidth(result.bandwidth(lv)),
          roof=fmt_flops(result.roof(lv))) for lv, inten in zip(levels, intens)), binds=who, best=fmt_flops(best))
    return ax

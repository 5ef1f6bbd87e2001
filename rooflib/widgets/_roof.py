"""The roofline drawn in SVG: a panel with log-log axes in FLOP/byte and FLOP/s, the memory- and
compute-bound regions under the roof, the roof min(π, β·I) and its ridge point, marked and labelled.
Shared by every explorer that shows a roof (notebooks 02-06). Colours and hatches come from rl.palette."""

from __future__ import annotations

import hashlib
import math

from ..core import Platform
from ..i18n import t
from ..palette import COMPUTE_COLOR, MEMORY_COLOR, REGION_ALPHA, svg_hatch_defs, svg_hatch_fill
from ..units import eng
from ._chart import LogAxes, SvgFigure, sig3

__all__ = ["roof_panel", "roof_corners", "draw_roof", "verdict_color", "headroom", "caption_spot"]


def verdict_color(bound: str) -> str:
    """The region colour of a verdict ("memory" or "compute")."""
    return MEMORY_COLOR if bound == "memory" else COMPUTE_COLOR


def headroom(fig: SvgFigure, floor: float, peak: float, above_px: float, title: bool = False) -> float:
    """The top of a y range from ``floor`` that puts ``peak`` at least ``above_px`` pixels below the panel's top
    (room for a caption above the flat roof), and at least 3x above ``peak``."""
    k = min(above_px / fig.panel_height(title), 0.8)
    top = 10 ** ((math.log10(peak) - k * math.log10(floor)) / (1 - k))
    return max(top, peak * 3)


def roof_corners(platform: Platform, xlim: tuple[float, float]) -> tuple[list[float], list[float]]:
    """The roof min(π, β·I) over ``xlim`` as its corner points (exact on log-log axes: two straight pieces)."""
    lo, hi = xlim
    xs = [lo] + ([platform.ridge_point] if lo < platform.ridge_point < hi else []) + [hi]
    return xs, [float(platform.attainable(x)) for x in xs]


def draw_roof(fig: SvgFigure, ax: LogAxes, platform: Platform, *, color: str = "black", width: float = 3.5,
              dash: str | None = None, cls: str = "rl-roof") -> None:
    """The roof of ``platform`` as a line (no regions, no ridge label)."""
    xs, ys = roof_corners(platform, ax.xlim)
    fig.line(ax, xs, ys, color=color, width=width, dash=dash, cls=cls)


def roof_panel(fig: SvgFigure, platform: Platform, xlim: tuple[float, float], ylim: tuple[float, float], *,
               shade: bool = True, ridge_label: bool = True, span: tuple[float, float] | None = None,
               name: str = "roofline", title: str | None = None) -> LogAxes:
    """A roofline panel: axes, the two regions (shaded under the roof and named), the roof, the ridge
    (a dashed line down to the axis, a square at (π/β, π) and its value). Returns the panel's mapping."""
    ax = fig.axes(xlim, ylim, xlabel=t("axis.intensity"), ylabel=t("axis.performance"), span=span, name=name,
                  title=title, yfmt=lambda v: eng(v, "FLOP/s"))
    ridge, pi = platform.ridge_point, platform.peak_flops_per_s
    lo, hi = xlim
    floor = ylim[0]
    st = fig.style
    if shade:
        hatch = "rl-hatch-" + hashlib.sha1(fig.alt.encode()).hexdigest()[:10]   # ids unique per figure on a page
        fig.defs(svg_hatch_defs(hatch))
        r = min(max(ridge, lo), hi)
        # the sloped (memory-bound) region left of the ridge, the flat (compute-bound) one right of it:
        # colour, hatch and a label where it has room
        for kind, a, b, color, label, label_x, anchor in (
                ("memory", lo, r, MEMORY_COLOR, t("roof.region_memory"), ax.x(lo) + 10, "start"),
                ("compute", r, hi, COMPUTE_COLOR, t("roof.region_compute"), ax.x(hi) - 10, "end")):
            if a >= b:
                continue
            xs, ys = roof_corners(platform, (a, b))
            fig.polygon(ax, [a, *xs, b], [floor, *ys, floor], fill=color, opacity=REGION_ALPHA,
                        cls=f"rl-region-{kind}")
            fig.polygon(ax, [a, *xs, b], [floor, *ys, floor], fill=svg_hatch_fill(kind, hatch), opacity=1,
                        cls=f"rl-hatch-{kind}")
            if ax.x(b) - ax.x(a) > 170:
                fig.text(label_x, ax.box[1] + ax.box[3] - 10, label, color=color,
                         weight="bold", anchor=anchor, cls="rl-region-label")
    if lo < ridge < hi:
        fig.line(ax, [ridge, ridge], [floor, pi], color="#555555", width=1.5, dash="6 5", cls="rl-ridge-line")
    draw_roof(fig, ax, platform)
    if lo < ridge < hi and ylim[0] < pi < ylim[1]:
        fig.marker(ax, ridge, pi, shape="square", color="black", size=13, cls="rl-ridge",
                   title=t("roof.ridge_tooltip", ridge=sig3(ridge)))
        if ridge_label:
            fig.label(ax, ridge, pi, t("roof.ridge_label", ridge=sig3(ridge)), dx=12, dy=st.font + 12,
                      cls="rl-ridge-label")
    return ax


def caption_spot(fig: SvgFigure, ax: LogAxes, platform: Platform, lines: list[str]) -> tuple[float, float]:
    """Where a caption of ``lines`` goes (its top-left pixel): the upper left, above the sloped roof, if it fits
    there; else the lower right, under the flat roof; else the upper left anyway."""
    left, top, w, h = ax.box
    cw, ch = fig.caption_width(lines), fig.caption_height(len(lines))
    x, y = left + 12, top + 10
    if ax.y(float(platform.attainable(ax.x_value(x + cw)))) > y + ch + 8:
        return x, y
    y_low = ax.y(min(platform.peak_flops_per_s, ax.ylim[1])) + fig.style.font + 28
    if y_low + ch < top + h - 34 and ax.x(platform.ridge_point) < left + w - cw - 12:
        return left + w - cw - 12, y_low
    return x, y

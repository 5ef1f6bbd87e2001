"""Notebook 02: the roofline, live. Sliders for π (FLOP/s), β (bytes/s) and I (FLOP/byte)."""

from __future__ import annotations

import ipywidgets as widgets

from .. import platforms as catalogue
from .._validate import positive
from ..core import Platform
from ..i18n import t, verdict
from ..units import eng, fmt_bandwidth, fmt_flops
from ._base import Explorer, Frame, log_options, slider_layout
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import caption_spot, roof_panel, verdict_color

__all__ = ["roofline_explorer", "roofline_frame"]


def roofline_frame(platform: Platform, intensity: float, xlim: tuple[float, float],
                   ylim: tuple[float, float], style: Style = STYLE) -> Frame:
    """The roofline explorer's view of one workload of ``intensity`` FLOP/byte under ``platform``'s roof
    (its ceilings are not drawn): the point at (I, min(π, β·I)), the verdict, the fraction of peak."""
    p = platform
    att = float(p.attainable(intensity))
    bound = p.bound(intensity)
    word = verdict(bound)
    fraction = att / p.peak_flops_per_s
    limit = f"β·I = {fmt_flops(att)}" if bound == "memory" else f"π = {fmt_flops(att)}"
    caption = [word, t("roofline.attainable", limit=limit), t("roofline.of_peak", fraction=fraction)]
    fig = SvgFigure(t("roofline.alt", platform=p.display_name, peak=fmt_flops(p.peak_flops_per_s),
                      bandwidth=fmt_bandwidth(p.bandwidth), ridge=sig3(p.ridge_point), intensity=sig3(intensity, 4),
                      verdict=word, attainable=fmt_flops(att), fraction=fraction), style)
    ax = roof_panel(fig, p, xlim, ylim)
    # π over the flat roof and β along the slope, each on the side away from the point
    ridge = min(max(p.ridge_point, xlim[0]), xlim[1])
    if ridge < xlim[1] / 30:
        right_half = intensity > (ridge * xlim[1]) ** 0.5
        fig.label(ax, ridge if right_half else xlim[1], p.peak_flops_per_s, f"π = {fmt_flops(p.peak_flops_per_s)}",
                  dx=14 if right_half else -10, dy=-10, anchor="start" if right_half else "end", cls="rl-pi-label")
    start = max(xlim[0], ylim[0] / p.bandwidth)          # the sloped part of the roof inside the panel
    end = min(p.ridge_point, xlim[1])
    if end > start * 30:
        share = 0.3 if intensity > (start * end) ** 0.5 else 0.7
        at = start * (end / start) ** share
        fig.label(ax, at, p.bandwidth * at, f"β = {fmt_bandwidth(p.bandwidth)}", dx=-8, dy=-12, anchor="middle",
                  angle=ax.angle((start, p.bandwidth * start), (end, p.bandwidth * end)), cls="rl-beta-label")
    color = verdict_color(bound)
    fig.line(ax, [intensity, intensity], [ylim[0], att], color=color, width=2.5, dash="3 5", cls="rl-dropline")
    fig.marker(ax, intensity, att, color=color, size=24, cls="rl-point",
               title=t("roofline.point_tooltip", intensity=sig3(intensity, 4), rate=fmt_flops(att)))
    left = bound == "memory"
    fig.label(ax, intensity, att, f"I = {sig3(intensity, 4)}", dx=-16 if left else 16, dy=-16,
              anchor="end" if left else "start", weight="bold", cls="rl-point-label")
    fig.caption(*caption_spot(fig, ax, p, caption), caption, color=color)
    text = ("<span style='font-size:130%'>" + t(
        "roofline.summary", peak=fmt_flops(p.peak_flops_per_s), bandwidth=fmt_bandwidth(p.bandwidth),
        ridge=sig3(p.ridge_point, 4), intensity=sig3(intensity, 4), verdict=word, attainable=fmt_flops(att),
        fraction=fraction) + "</span>")
    state = {"platform": p, "intensity": intensity, "attainable": att, "bound": bound,
             "ridge_point": p.ridge_point, "fraction_of_peak": att / p.peak_flops_per_s, "caption": "\n".join(caption)}
    return Frame(fig.svg(), text, state)


def roofline_explorer(platform: Platform | str = "gtx-1080-ti", intensity: float = 7.0,
                      xlim: tuple[float, float] = (0.01, 1e4),
                      peak_range: tuple[float, float] = (1e11, 1e16),
                      bandwidth_range: tuple[float, float] = (1e10, 1e13), style: Style = STYLE) -> Explorer:
    """Notebook 02: sliders for π (FLOP/s), β (bytes/s) and I (FLOP/byte). The roof min(π, β·I) and its
    ridge move with π and β; the point sits at (I, attainable); ``state`` has ``bound`` ("memory" or
    "compute"), ``attainable`` (FLOP/s), ``ridge_point`` and ``fraction_of_peak``."""
    plat = catalogue.get(platform)
    intensity = positive("intensity", intensity, "FLOP/byte")
    view = (xlim[0] / 2, xlim[1] * 2)   # the axes reach past the slider's ends: the point never sits on an edge
    ylim = (bandwidth_range[0] * view[0], peak_range[1] * 3)
    # SelectionSliders over round values (plus the platform's own), not FloatLogSliders: the browser
    # snaps a FloatLogSlider's value to its step, which would turn 11.3 TFLOP/s into 11.2 on load.
    controls = {
        "peak_flops_per_s": widgets.SelectionSlider(
            options=log_options(*peak_range, lambda v: eng(v, "FLOP/s"), [plat.peak_flops_per_s]),
            value=plat.peak_flops_per_s, description=t("roofline.peak_control"), **slider_layout()),
        "bandwidth": widgets.SelectionSlider(
            options=log_options(*bandwidth_range, fmt_bandwidth, [plat.bandwidth]), value=plat.bandwidth,
            description=t("roofline.bandwidth_control"), **slider_layout()),
        "intensity": widgets.SelectionSlider(
            options=log_options(*xlim, lambda v: f"{v:g}", [intensity]), value=intensity,
            description=t("roofline.intensity_control"), **slider_layout()),
    }

    def draw(v: dict) -> Frame:
        p = plat.replace(peak_flops_per_s=v["peak_flops_per_s"], bandwidth=v["bandwidth"], ceilings=())
        return roofline_frame(p, v["intensity"], view, ylim, style)

    return Explorer(controls, draw, rows=[["peak_flops_per_s"], ["bandwidth"], ["intensity"]])


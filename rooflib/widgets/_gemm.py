"""Notebook 01: the square GEMM. A matrix-size slider; work grows as n³, traffic as n², intensity as n. The dtype
menu changes the bytes per element *and* the roof: each dtype's ridge comes from the platform's peak for that
dtype (``Platform.for_dtype``); a dtype the platform lists no peak for gets no ridge and no verdict."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .. import platforms as catalogue
from .._validate import positive_int
from ..core import Platform
from ..i18n import t, verdict
from ..kernels import gemm
from ..plot import PALETTE
from ..units import dtype_bytes, eng
from ._base import Explorer, Frame, slider_layout
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import verdict_color

__all__ = ["gemm_explorer", "gemm_square_counts", "gemm_frame", "dtype_options", "DTYPES"]

DTYPES = ("fp64", "fp32", "fp16", "int8")


def gemm_square_counts(n: int, dtype: str | float = "fp32") -> dict[str, float]:
    """FLOPs, bytes and intensity of an n x n x n GEMM by hand (notebook 01).

    FLOPs = 2 n^3 (n^3 multiply-adds, 2 FLOPs each); bytes = 3 n^2 s (read A and B, write C once,
    s bytes per element); intensity = 2 n^3 / (3 n^2 s) = 2n / (3s), i.e. n/6 FLOP/byte in fp32.
    """
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    flops = 2.0 * n**3
    nbytes = 3.0 * n**2 * s
    return {"n": n, "flops": flops, "bytes": nbytes, "intensity": flops / nbytes}


def dtype_options(platform: Platform, dtypes: tuple[str, ...] = DTYPES) -> list[tuple[str, str]]:
    """(label, dtype) menu entries: each dtype with its ridge point on ``platform``, or "no peak listed"."""
    return [(t("control.dtype_ridge", dtype=d, ridge=sig3(platform.for_dtype(d).ridge_point)) if platform.has_peak(d)
             else t("gemm.no_peak_option", dtype=d), d) for d in dtypes]


def gemm_frame(n: int, dtype: str, platform: Platform, n_max: int, style: Style = STYLE) -> Frame:
    """The GEMM explorer's view: left, FLOPs 2n³ and bytes 3n²·s against n; right, the intensity 2n/(3s)
    against n with the ridge point of the platform's ``dtype`` roof, the point coloured by the verdict (grey,
    with no verdict, when the platform lists no peak for ``dtype``)."""
    c = gemm_square_counts(n, dtype)
    s = dtype_bytes(dtype)
    lib = gemm(c["n"], c["n"], c["n"], dtype)
    roof = platform.for_dtype(dtype) if platform.has_peak(dtype) else None
    bound = roof.bound(lib.intensity) if roof is not None else None
    ridge = roof.ridge_point if roof is not None else None
    color = verdict_color(bound) if bound is not None else "#888888"
    said = (t("gemm.verdict", verdict=verdict(bound), platform=platform.display_name, dtype=dtype, ridge=sig3(ridge))
            if roof is not None else t("gemm.no_verdict", platform=platform.display_name, dtype=dtype))
    fig = SvgFigure(t("gemm.alt", n=n, dtype=dtype, flops=eng(c["flops"], "FLOP"), bytes=eng(c["bytes"], "B"),
                      intensity=sig3(c["intensity"], 4), verdict=said), style)
    half = fig.style.width / 2
    ends = [1.0, float(n_max)]
    s_all = [dtype_bytes(d) for d in DTYPES]
    lo = min(3.0 * min(s_all), 2.0) / 4
    hi = max(2.0 * n_max**3, 3.0 * n_max**2 * max(s_all)) * 4
    left = fig.axes((0.7, n_max * 1.5), (lo, hi), xlabel=t("axis.matrix_size"), ylabel=t("axis.count"),
                    span=(0, half), name="counts", yfmt=lambda v: eng(v, ""), title=t("gemm.counts_title"))
    fig.line(left, ends, [2.0 * x**3 for x in ends], color=PALETTE[0], cls="rl-flops-line")
    fig.line(left, ends, [3.0 * x**2 * s for x in ends], color=PALETTE[2], cls="rl-bytes-line")
    fig.marker(left, n, c["flops"], color=PALETTE[0], size=18, cls="rl-flops-point")
    fig.marker(left, n, c["bytes"], color=PALETTE[2], size=18, cls="rl-bytes-point")
    fig.legend(left, [(t("gemm.flops_legend"), "line", PALETTE[0]), (t("gemm.bytes_legend"), "line", PALETTE[2])],
               corner="upper left")
    ilo = 2.0 / (3 * max(s_all)) / 3
    ihi = 2.0 * n_max / (3 * min(s_all)) * 3
    ridges = [platform.for_dtype(d).ridge_point for d in DTYPES if platform.has_peak(d)]
    right = fig.axes((0.7, n_max * 1.5), (min([ilo, *(r / 3 for r in ridges)]), max([ihi, *(r * 3 for r in ridges)])),
                     xlabel=t("axis.matrix_size"), ylabel=t("axis.intensity_short"), span=(half, 2 * half),
                     name="intensity", title=t("gemm.intensity_title"))
    if ridge is not None:
        fig.line(right, [right.xlim[0], right.xlim[1]], [ridge, ridge], color="black", width=2, dash="8 6",
                 cls="rl-ridge-line")
        fig.label(right, right.xlim[1], ridge, t("gemm.ridge", dtype=dtype, ridge=sig3(ridge)), dx=-8, dy=-10,
                  anchor="end", cls="rl-ridge-label")
    fig.line(right, ends, [2.0 * x / (3 * s) for x in ends], color=PALETTE[1], cls="rl-intensity-line")
    word = verdict(bound) if bound is not None else t("gemm.no_roof", dtype=dtype)
    fig.marker(right, n, c["intensity"], color=color, size=20, cls="rl-intensity-point",
               title=t("gemm.point_tooltip", n=n, intensity=sig3(c["intensity"], 4), verdict=word))
    fig.label(right, n, c["intensity"], word, dx=-14, dy=-14, anchor="end", weight="bold", color=color,
              cls="rl-point-label")
    text = ("<span style='font-size:130%'>" + t(
        "gemm.summary", n=c["n"], dtype=dtype, size=f"{s:g}", flops=f"{int(c['flops']):,}", bytes=f"{c['bytes']:,.0f}",
        intensity=sig3(c["intensity"], 4), verdict=html.escape(said)) + "</span>")
    state = dict(c, dtype=dtype, workload=lib, bound=bound, platform=roof if roof is not None else platform,
                 ridge_point=ridge, has_roof=roof is not None)
    return Frame(fig.svg(), text, state)


def gemm_explorer(n: int = 256, dtype: str = "fp32", platform: Platform | str = "gtx-1080-ti",
                  n_max: int = 4096, style: Style = STYLE) -> Explorer:
    """Notebook 01: a matrix-size slider and a dtype menu for a square GEMM. Left panel: FLOPs and bytes
    against n (FLOPs grow as n³, bytes as n²); right panel: intensity 2n/(3s) against n with the ridge point of
    the platform's roof for that dtype (``Platform.for_dtype``), so the size where GEMM turns compute-bound can be
    read off. A dtype without a listed peak is marked so in the menu and gets no ridge and no verdict."""
    plat = catalogue.get(platform)
    n_max = positive_int("n_max", n_max)
    controls = {
        "n": widgets.IntSlider(value=n, min=1, max=n_max, step=1, description=t("control.matrix_size"),
                               continuous_update=True, **slider_layout(description_width="120px")),
        "dtype": widgets.Dropdown(options=dtype_options(plat), value=dtype, description=t("control.dtype"),
                                  style={"description_width": "initial"}),
    }
    return Explorer(controls, lambda v: gemm_frame(v["n"], v["dtype"], plat, n_max, style))

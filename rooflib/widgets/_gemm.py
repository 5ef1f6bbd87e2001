"""Notebook 01: the square GEMM. A matrix-size slider; work grows as n³, traffic as n², intensity as n."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .. import platforms as catalogue
from .._validate import positive_int
from ..core import Platform
from ..kernels import gemm
from ..plot import PALETTE
from ..units import dtype_bytes, eng
from ._base import Explorer, Frame, slider_layout
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import verdict_color

__all__ = ["gemm_explorer", "gemm_square_counts", "gemm_frame", "DTYPES"]

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


def gemm_frame(n: int, dtype: str, platform: Platform, n_max: int, style: Style = STYLE) -> Frame:
    """The GEMM explorer's view: left, FLOPs 2n³ and bytes 3n²·s against n; right, the intensity 2n/(3s)
    against n with the platform's ridge point, the point coloured by the verdict."""
    c = gemm_square_counts(n, dtype)
    s = dtype_bytes(dtype)
    lib = gemm(c["n"], c["n"], c["n"], dtype)
    bound = platform.bound(lib.intensity)
    ridge = platform.ridge_point
    fig = SvgFigure(f"Square GEMM, n = {n}, {dtype}: {eng(c['flops'], 'FLOP')}s of work and "
                    f"{eng(c['bytes'], 'B')} of traffic; intensity {sig3(c['intensity'], 4)} FLOP/byte against the "
                    f"ridge point {sig3(ridge)} of {platform.display_name}: {bound}-bound.", style)
    half = fig.style.width / 2
    ends = [1.0, float(n_max)]
    s_all = [dtype_bytes(d) for d in DTYPES]
    lo = min(3.0 * min(s_all), 2.0) / 4
    hi = max(2.0 * n_max**3, 3.0 * n_max**2 * max(s_all)) * 4
    left = fig.axes((0.7, n_max * 1.5), (lo, hi), xlabel="matrix size n", ylabel="count (FLOPs or bytes)",
                    span=(0, half), name="counts", yfmt=lambda v: eng(v, ""),
                    title="work grows as n³, traffic as n²")
    fig.line(left, ends, [2.0 * x**3 for x in ends], color=PALETTE[0], cls="rl-flops-line")
    fig.line(left, ends, [3.0 * x**2 * s for x in ends], color=PALETTE[2], cls="rl-bytes-line")
    fig.marker(left, n, c["flops"], color=PALETTE[0], size=18, cls="rl-flops-point")
    fig.marker(left, n, c["bytes"], color=PALETTE[2], size=18, cls="rl-bytes-point")
    fig.legend(left, [("FLOPs = 2n³ (work)", "line", PALETTE[0]), ("bytes = 3n²·s (traffic)", "line", PALETTE[2])],
               corner="upper left")
    ilo = 2.0 / (3 * max(s_all)) / 3
    ihi = 2.0 * n_max / (3 * min(s_all)) * 3
    right = fig.axes((0.7, n_max * 1.5), (min(ilo, ridge / 3), max(ihi, ridge * 3)), xlabel="matrix size n",
                     ylabel="intensity (FLOP/byte)", span=(half, 2 * half), name="intensity",
                     title="intensity grows as n")
    fig.line(right, [right.xlim[0], right.xlim[1]], [ridge, ridge], color="black", width=2, dash="8 6",
             cls="rl-ridge-line")
    fig.label(right, right.xlim[1], ridge, f"ridge {sig3(ridge)}", dx=-8, dy=-10, anchor="end", cls="rl-ridge-label")
    fig.line(right, ends, [2.0 * x / (3 * s) for x in ends], color=PALETTE[1], cls="rl-intensity-line")
    fig.marker(right, n, c["intensity"], color=verdict_color(bound), size=20, cls="rl-intensity-point",
               title=f"n = {n}: {sig3(c['intensity'], 4)} FLOP/byte, {bound}-bound")
    fig.label(right, n, c["intensity"], f"{bound}-bound", dx=-14, dy=-14, anchor="end", weight="bold",
              color=verdict_color(bound), cls="rl-point-label")
    text = (f"<span style='font-size:130%'>n = {c['n']}, {dtype} ({s:g} bytes/element): "
            f"<b>{int(c['flops']):,} FLOPs</b>, <b>{c['bytes']:,.0f} bytes</b>, intensity "
            f"2n/(3·{s:g}) = <b>{sig3(c['intensity'], 4)} FLOP/byte</b> &rarr; {bound}-bound on "
            f"{html.escape(platform.display_name)} (ridge {sig3(ridge)})</span>")
    state = dict(c, dtype=dtype, workload=lib, bound=bound, platform=platform, ridge_point=ridge)
    return Frame(fig.svg(), text, state)


def gemm_explorer(n: int = 256, dtype: str = "fp32", platform: Platform | str = "gtx-1080-ti",
                  n_max: int = 4096, style: Style = STYLE) -> Explorer:
    """Notebook 01: a matrix-size slider and a dtype menu for a square GEMM. Left panel: FLOPs and bytes
    against n (FLOPs grow as n³, bytes as n²); right panel: intensity 2n/(3s) against n with the
    platform's ridge point, so the size where GEMM turns compute-bound can be read off."""
    plat = catalogue.get(platform)
    n_max = positive_int("n_max", n_max)
    controls = {
        "n": widgets.IntSlider(value=n, min=1, max=n_max, step=1, description="matrix size n",
                               continuous_update=True, **slider_layout(description_width="120px")),
        "dtype": widgets.Dropdown(options=list(DTYPES), value=dtype, description="dtype"),
    }
    return Explorer(controls, lambda v: gemm_frame(v["n"], v["dtype"], plat, n_max, style))

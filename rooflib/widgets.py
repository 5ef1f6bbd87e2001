"""Interactive widgets for the lecture notebooks (01-04): build once, update artists in place.

Every builder returns an :class:`Explorer`: its ``controls`` (name -> ipywidget), the matplotlib
``fig`` / ``ax`` and the ``artists`` it moves, a ``text`` HTML widget with the numbers, a ``state``
dict with the numbers behind the current view (SI units: FLOPs, bytes, FLOP/s, seconds), and the
``view`` to display (``widgets.VBox([controls, text, fig.canvas])``). Moving a control fires an
``observe`` callback that changes the artists (``set_data``, ``set_text``, ...) and calls
``fig.canvas.draw_idle()``; nothing is re-rendered from scratch (the ipympl pattern).

Under ``%matplotlib widget`` the figure's canvas is an ipympl widget and goes in the view; under
any other backend (plain pytest, Agg) the view holds the controls and the text only, and the
figure can still be inspected or saved.

Conventions are rooflib's: a FLOP is one add or one multiply (an FMA is 2); bytes are bytes moved.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, FuncFormatter

from ._validate import positive, positive_int, unknown_name
from .core import Platform, Workload
from .kernels import gemm, gemv
from .plot import COMPUTE_COLOR, MEMORY_COLOR, PALETTE, _fmt_intensity_tick
from .units import dtype_bytes, eng, fmt_bandwidth, fmt_bytes, fmt_flops, fmt_time

__all__ = ["Explorer", "figure", "log_options", "gemm_explorer", "gemm_square_counts", "roofline_explorer",
           "Optimisation",
           "optimisations", "optimisation_explorer", "cnn_explorer", "FIGSIZE"]

FIGSIZE = (10, 6)       # large enough for a projector
_FONT = 13


@dataclass
class Explorer:
    """A built widget. ``controls``: name -> ipywidget; ``artists``: name -> matplotlib artist;
    ``text``: an HTML widget with the numbers; ``state``: the numbers behind the current view;
    ``view``: what the notebook displays. ``update()`` redraws from the controls' values."""

    controls: dict[str, widgets.Widget]
    fig: Figure
    ax: Axes | Sequence[Axes]
    artists: dict[str, Any]
    text: widgets.HTML
    view: widgets.Box
    state: dict[str, Any] = field(default_factory=dict)
    update: Callable[[], None] = field(default=lambda: None, repr=False)

    def set(self, **values: Any) -> Explorer:
        """Set several controls at once (each fires its callback, as a student's move would)."""
        for name, value in values.items():
            if name not in self.controls:
                raise unknown_name("control", name, self.controls)
            self.controls[name].value = value
        return self

    def _ipython_display_(self) -> None:  # pragma: no cover - notebook display
        from IPython.display import display

        display(self.view)


# --- helpers ------------------------------------------------------------------------------------

def _figure(ncols: int = 1, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Any]:
    """A figure that is not shown by itself (plt.ioff), with a clean ipympl canvas when available."""
    with plt.ioff():
        fig, ax = plt.subplots(1, ncols, figsize=figsize, layout="constrained")
    canvas = fig.canvas
    if isinstance(canvas, widgets.DOMWidget):   # ipympl: hide the "Figure 1" header, keep the toolbar
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_position = "left"
    return fig, ax


def figure(figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """A large (projector-sized) static figure and its Axes, shown once: display ``fig.canvas`` as the
    cell's last expression under ``%matplotlib widget`` (notebooks 02-04)."""
    fig, ax = _figure(1, figsize)
    return fig, ax


def _view(controls: Sequence[widgets.Widget], text: widgets.HTML, fig: Figure, stacked: bool = False) -> widgets.VBox:
    box = (widgets.VBox(list(controls)) if stacked
           else widgets.HBox(list(controls), layout=widgets.Layout(flex_flow="row wrap")))
    children: list[widgets.Widget] = [box, text]
    if isinstance(fig.canvas, widgets.DOMWidget):
        children.append(fig.canvas)
    _freeze_layout(fig)
    return widgets.VBox(children)


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once, then keep that layout: each slider move then redraws only artists,
    not the constrained-layout solve and the minor log ticks (bench/bench_widget_latency.py)."""
    for ax in fig.axes:
        ax.minorticks_off()
    fig.draw_without_rendering()
    fig.set_layout_engine("none")


def _style_loglog(ax: Axes, xlabel: str = "arithmetic intensity I (FLOP/byte)",
                  ylabel: str = "attainable performance (FLOP/s)") -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_fmt_intensity_tick))
    ax.yaxis.set_major_formatter(EngFormatter(unit="FLOP/s"))
    ax.set_xlabel(xlabel, fontsize=_FONT)
    ax.set_ylabel(ylabel, fontsize=_FONT)
    ax.tick_params(labelsize=_FONT - 2)
    ax.grid(True, which="major", alpha=0.3)


_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8)


def log_options(lo: float, hi: float, label: Callable[[float], str] = lambda v: f"{v:g}",
                extra: Sequence[float] = ()) -> list[tuple[str, float]]:
    """(label, value) options for a SelectionSlider: round values 1, 1.2, 1.5, 2, ... 8 per decade
    from ``lo`` to ``hi`` (inclusive), plus the exact values in ``extra``, sorted, labels unique."""
    lo, hi = positive("lo", lo), positive("hi", hi)
    if hi <= lo:
        raise ValueError(f"hi must be larger than lo, got lo={lo!r}, hi={hi!r}")
    values = {float(f"{m}e{e}") for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
              for m in _MANTISSAS}
    values = {v for v in values if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12)}
    values |= {positive("extra", v) for v in extra}
    out: dict[str, float] = {}
    for v in sorted(values):
        key = label(v)
        if key in out and v in extra:    # an exact value wins over a round one with the same label
            out[key] = v
        out.setdefault(key, v)
    return list(out.items())


def _slider_style() -> dict[str, Any]:
    return {"style": {"description_width": "180px"}, "layout": widgets.Layout(width="560px")}


def _draw(fig: Figure) -> None:
    """Ask an interactive (ipympl) canvas to redraw the changed artists. A non-widget canvas (Agg under
    pytest, inline) shows nothing live: it renders when saved, so it is not drawn on every move."""
    if isinstance(fig.canvas, widgets.DOMWidget):
        fig.canvas.draw_idle()


def _verdict(platform: Platform, intensity: float) -> str:
    return "memory-bound" if platform.bound(intensity) == "memory" else "compute-bound"


# --- notebook 01: the square GEMM ---------------------------------------------------------------

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


def gemm_explorer(n: int = 256, dtype: str = "fp32", platform: Platform | str = "gtx-1080-ti",
                  n_max: int = 4096) -> Explorer:
    """Notebook 01: a matrix-size slider for a square GEMM. Left panel: FLOPs and bytes against n
    (FLOPs grow as n^3, bytes as n^2); right panel: intensity 2n/(3s) against n with the platform's
    ridge point, so the size where GEMM turns compute-bound can be read off."""
    from . import platforms as catalogue

    plat = catalogue.get(platform)
    n_max = positive_int("n_max", n_max)
    fig, (ax_w, ax_i) = _figure(2, figsize=(12, 5.5))
    ns = np.unique(np.geomspace(1, n_max, 200).astype(int))

    def curves(dt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = dtype_bytes(dt)
        return 2.0 * ns**3, 3.0 * ns**2 * s, 2.0 * ns / (3 * s)

    f, b, i = curves(dtype)
    (flops_line,) = ax_w.plot(ns, f, color=PALETTE[0], lw=2.5, label="FLOPs = 2n³ (work)")
    (bytes_line,) = ax_w.plot(ns, b, color=PALETTE[2], lw=2.5, label="bytes = 3n²·s (traffic)")
    (flops_pt,) = ax_w.plot([], [], "o", color=PALETTE[0], ms=11, mec="black")
    (bytes_pt,) = ax_w.plot([], [], "o", color=PALETTE[2], ms=11, mec="black")
    ax_w.set_xscale("log")
    ax_w.set_yscale("log")
    ax_w.set_xlabel("matrix size n", fontsize=_FONT)
    ax_w.set_ylabel("count (FLOPs or bytes)", fontsize=_FONT)
    ax_w.yaxis.set_major_formatter(EngFormatter())
    ax_w.xaxis.set_major_formatter(FuncFormatter(_fmt_intensity_tick))
    ax_w.tick_params(labelsize=_FONT - 2)
    ax_w.grid(True, alpha=0.3)
    ax_w.legend(fontsize=_FONT - 2, loc="upper left")
    ax_w.set_title("work grows as n³, traffic as n²", fontsize=_FONT)

    (int_line,) = ax_i.plot(ns, i, color=PALETTE[1], lw=2.5, label="intensity = 2n / (3s)")
    ridge = ax_i.axhline(plat.ridge_point, color="black", ls="--", lw=1.5,
                         label=f"ridge of {plat.display_name}: {plat.ridge_point:.3g} FLOP/byte")
    (int_pt,) = ax_i.plot([], [], "o", color=PALETTE[1], ms=11, mec="black")
    ax_i.set_xscale("log")
    ax_i.set_yscale("log")
    ax_i.set_xlabel("matrix size n", fontsize=_FONT)
    ax_i.set_ylabel("arithmetic intensity (FLOP/byte)", fontsize=_FONT)
    ax_i.yaxis.set_major_formatter(FuncFormatter(_fmt_intensity_tick))
    ax_i.xaxis.set_major_formatter(FuncFormatter(_fmt_intensity_tick))
    ax_i.tick_params(labelsize=_FONT - 2)
    ax_i.grid(True, alpha=0.3)
    ax_i.legend(fontsize=_FONT - 2, loc="upper left")
    ax_i.set_ylim(i.min() / 2 / 4, i.max() * 2 * 4)   # room for fp64 .. int8
    ax_i.set_title("intensity grows as n", fontsize=_FONT)
    ax_w.set_ylim(min(f.min(), b.min() / 8), max(f.max(), b.max()) * 4)

    n_slider = widgets.IntSlider(value=n, min=1, max=n_max, step=1, description="matrix size n",
                                 continuous_update=True, **_slider_style())
    dtype_dd = widgets.Dropdown(options=["fp64", "fp32", "fp16", "int8"], value=dtype, description="dtype")
    text = widgets.HTML()
    artists = {"flops_line": flops_line, "bytes_line": bytes_line, "flops_point": flops_pt,
               "bytes_point": bytes_pt, "intensity_line": int_line, "intensity_point": int_pt, "ridge": ridge}
    ex = Explorer({"n": n_slider, "dtype": dtype_dd}, fig, (ax_w, ax_i), artists, text,
                  _view([n_slider, dtype_dd], text, fig))

    def update(*_: object) -> None:
        c = gemm_square_counts(n_slider.value, dtype_dd.value)
        lib = gemm(c["n"], c["n"], c["n"], dtype_dd.value)
        bound = _verdict(plat, lib.intensity)
        fl, by, it = curves(dtype_dd.value)
        bytes_line.set_ydata(by)
        int_line.set_ydata(it)
        flops_pt.set_data([c["n"]], [c["flops"]])
        bytes_pt.set_data([c["n"]], [c["bytes"]])
        int_pt.set_data([c["n"]], [c["intensity"]])
        s = dtype_bytes(dtype_dd.value)
        ex.state.update(c, workload=lib, bound=bound, platform=plat)
        text.value = (f"<span style='font-size:130%'>n = {c['n']}, {dtype_dd.value} ({s:g} bytes/element): "
                      f"<b>{int(c['flops']):,} FLOPs</b>, <b>{c['bytes']:,.0f} bytes</b>, intensity "
                      f"2n/(3·{s:g}) = <b>{c['intensity']:.4g} FLOP/byte</b> &rarr; {bound} on "
                      f"{html.escape(plat.display_name)} (ridge {plat.ridge_point:.3g})</span>")
        _draw(fig)

    n_slider.observe(update, names="value")
    dtype_dd.observe(update, names="value")
    ex.update = update
    update()
    return ex


# --- notebook 02: the roofline, live ------------------------------------------------------------

def roofline_explorer(platform: Platform | str = "gtx-1080-ti", intensity: float = 7.0,
                      xlim: tuple[float, float] = (0.01, 1e4),
                      peak_range: tuple[float, float] = (1e11, 1e16),
                      bandwidth_range: tuple[float, float] = (1e10, 1e13)) -> Explorer:
    """Notebook 02: sliders for π (FLOP/s), β (bytes/s) and I (FLOP/byte). The roof min(π, β·I)
    and its ridge move with π and β; the point sits at (I, attainable) and the text gives the
    verdict, the attainable FLOP/s and the fraction of peak."""
    from . import platforms as catalogue

    plat = catalogue.get(platform)
    intensity = positive("intensity", intensity, "FLOP/byte")
    fig, ax = _figure()
    view = (xlim[0] / 2, xlim[1] * 2)   # the axes reach past the slider's ends, so the point never sits on an edge
    x = np.geomspace(view[0], view[1], 400)
    floor = bandwidth_range[0] * view[0]
    mem_span = ax.axvspan(view[0], plat.ridge_point, color=MEMORY_COLOR, alpha=0.10, lw=0, label="memory-bound")
    cmp_span = ax.axvspan(plat.ridge_point, view[1], color=COMPUTE_COLOR, alpha=0.10, lw=0, label="compute-bound")
    (roof,) = ax.plot(x, plat.attainable(x), color="black", lw=3, label="roof: min(π, β·I)")
    (ridge,) = ax.plot([], [], "s", color="black", ms=9)
    ridge_label = ax.annotate("", (1, 1), textcoords="offset points", xytext=(8, -22), fontsize=_FONT - 1)
    (drop,) = ax.plot([], [], ls=":", color=PALETTE[0], lw=2)
    (point,) = ax.plot([], [], "o", color=PALETTE[0], ms=16, mec="black", mew=1.2, label="your workload")
    verdict = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=_FONT + 3,
                      bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9})
    _style_loglog(ax)
    ax.set_xlim(*view)
    ax.set_ylim(floor, peak_range[1] * 3)
    ax.legend(loc="lower right", fontsize=_FONT - 2)

    # SelectionSliders over round values (plus the platform's own), not FloatLogSliders: the browser
    # snaps a FloatLogSlider's value to its step, which would turn 11.3 TFLOP/s into 11.2 on load.
    pi_s = widgets.SelectionSlider(options=log_options(*peak_range, lambda v: eng(v, "FLOP/s"), [plat.peak_flops_per_s]),
                                   value=plat.peak_flops_per_s, description="peak π", **_slider_style())
    beta_s = widgets.SelectionSlider(options=log_options(*bandwidth_range, fmt_bandwidth, [plat.bandwidth]),
                                     value=plat.bandwidth, description="bandwidth β", **_slider_style())
    i_s = widgets.SelectionSlider(options=log_options(*xlim, lambda v: f"{v:g}", [intensity]), value=intensity,
                                  description="intensity I (FLOP/byte)", **_slider_style())
    text = widgets.HTML()
    i_s.add_class("rl-intensity")       # hooks for tests/test_browser.py
    text.add_class("rl-verdict")
    artists = {"roof": roof, "ridge": ridge, "ridge_label": ridge_label, "point": point, "dropline": drop,
               "verdict": verdict, "memory_region": mem_span, "compute_region": cmp_span}
    ex = Explorer({"peak_flops_per_s": pi_s, "bandwidth": beta_s, "intensity": i_s}, fig, ax, artists, text,
                  _view([pi_s, beta_s, i_s], text, fig, stacked=True))

    def update(*_: object) -> None:
        p = plat.replace(peak_flops_per_s=pi_s.value, bandwidth=beta_s.value, ceilings=())
        i = i_s.value
        att = p.attainable(i)
        r = min(max(p.ridge_point, view[0]), view[1])
        roof.set_ydata(p.attainable(x))
        ridge.set_data([p.ridge_point], [p.peak_flops_per_s])
        ridge_label.xy = (p.ridge_point, p.peak_flops_per_s)
        ridge_label.set_text(f"ridge π/β = {p.ridge_point:.3g}")
        mem_span.set_x(view[0])
        mem_span.set_width(r - view[0])
        cmp_span.set_x(r)
        cmp_span.set_width(view[1] - r)
        point.set_data([i], [att])
        drop.set_data([i, i], [floor, att])
        bound = _verdict(p, i)
        point.set_color(MEMORY_COLOR if bound == "memory-bound" else COMPUTE_COLOR)
        point.set_markeredgecolor("black")
        limit = f"β·I = {fmt_flops(att)}" if bound == "memory-bound" else f"π = {fmt_flops(att)}"
        verdict.set_text(f"{bound}\nattainable = {limit}\n{att / p.peak_flops_per_s:.0%} of peak")
        ex.state.update(platform=p, intensity=i, attainable=att, bound=bound, ridge_point=p.ridge_point,
                        fraction_of_peak=att / p.peak_flops_per_s)
        text.value = (f"<span style='font-size:130%'>π = {fmt_flops(p.peak_flops_per_s)}, β = {fmt_bandwidth(p.bandwidth)}"
                      f" &rarr; ridge I<sub>max</sub> = π/β = <b>{p.ridge_point:.4g} FLOP/byte</b>. "
                      f"At I = {i:.4g} FLOP/byte the work is <b>{bound}</b>: attainable = min(π, β·I) = "
                      f"<b>{fmt_flops(att)}</b> ({att / p.peak_flops_per_s:.1%} of peak).</span>")
        _draw(fig)

    for s in (pi_s, beta_s, i_s):
        s.observe(update, names="value")
    ex.update = update
    update()
    return ex


# --- notebook 04: optimisation directions -------------------------------------------------------

@dataclass(frozen=True)
class Optimisation:
    """One optimisation as a move on the roofline: the work and the platform before and after.

    ``kind`` is the region it helps (``"compute"`` or ``"memory"``); ``before`` / ``after`` are
    Workloads (FLOPs, bytes moved) and ``platform_before`` / ``platform_after`` the roofs. Notebook 04.
    """

    name: str
    kind: str
    before: Workload
    after: Workload
    platform_before: Platform
    platform_after: Platform
    explanation: str

    @property
    def time_before_s(self) -> float:
        """Roofline lower bound on time before, in seconds."""
        return self.platform_before.time(self.before)

    @property
    def time_after_s(self) -> float:
        """Roofline lower bound on time after, in seconds."""
        return self.platform_after.time(self.after)

    @property
    def speedup(self) -> float:
        """time_before_s / time_after_s."""
        return self.time_before_s / self.time_after_s


def _elementwise_chain(n: int, ops: int, fused: bool, dtype: str) -> Workload:
    """``ops`` element-wise ops (1 FLOP per element each) on n elements: unfused, each reads and writes
    its n elements (2n per op); fused, the chain reads n once and writes n once."""
    s = dtype_bytes(dtype)
    nbytes = (2 * n if fused else 2 * n * ops) * s
    label = f"{ops} element-wise ops, {'fused' if fused else 'unfused'}"
    return Workload(label, ops * n, nbytes)


def _gemm_traffic(n: int, tile: int | None, dtype: str) -> Workload:
    """Square GEMM whose operands come from DRAM: without reuse (tile=None) every multiply-add reads
    one element of A and one of B (2n^3 reads); with T x T tiles held on chip each element is read
    n/T times (2n^3/T reads). C is written once (n^2)."""
    s = dtype_bytes(dtype)
    reads = 2 * n**3 if tile is None else 2 * n**3 / tile
    label = f"gemm {n}³ {'no reuse' if tile is None else f'tiled T={tile}'}"
    return Workload(label, 2 * n**3, (reads + n**2) * s)


def optimisations(platform: Platform | str = "gtx-1080-ti") -> list[Optimisation]:
    """The optimisation directions of notebook 04, each with concrete numbers on ``platform``.

    Compute-bound (a 4096³ fp32 GEMM): a higher roof (π × 2), pruning (half the FLOPs and
    weights), a cheaper algorithm (Winograd F(2x2, 3x3): 2.25x fewer multiplies in a 3x3 conv).
    Memory-bound: more bandwidth (β × 2), tiling (T = 32 on-chip tiles), fusion of three
    element-wise ops, batching a GEMV (batch 16 reuses each weight 16 times), int8 weights in an
    fp16 GEMV.
    """
    from . import platforms as catalogue

    p = catalogue.get(platform)
    big = gemm(4096, 4096, 4096, "fp32")
    conv = Workload("3x3 conv (direct)", 2 * 56 * 56 * 256 * 256 * 9, (56 * 56 * 256 * 2 + 9 * 256 * 256) * 4)
    gv = gemv(4096, 4096, "fp16")
    m = n = 4096
    gv_int8 = Workload("gemv 4096x4096 int8 weights, fp16 vectors", 2 * m * n, m * n * 1 + (m + n) * 2)
    out = [
        Optimisation("higher roof: a faster chip (π × 2)", "compute", big, big, p,
                     p.replace(peak_flops_per_s=2 * p.peak_flops_per_s, ceilings=()),
                     "Compute-bound work runs at π, so doubling π (more cores, tensor units, a newer chip) "
                     "lifts the point with the roof: time halves."),
        Optimisation("fewer FLOPs: prune half the weights", "compute", big,
                     gemm(2048, 4096, 4096, "fp32"), p, p,
                     "Structured pruning removes half the rows of the weight matrix: half the multiply-adds, half "
                     "the weights and half the outputs (a 2048x4096x4096 GEMM). The point moves left but stays on "
                     "the flat roof, so the FLOP/s rate is unchanged and the time halves."),
        Optimisation("fewer FLOPs: a cheaper algorithm (Winograd 3x3)", "compute", conv,
                     Workload("3x3 conv (Winograd F(2x2,3x3))", conv.flops / 2.25, conv.bytes), p, p,
                     "Winograd F(2x2, 3x3) needs 16 multiplies per 2x2 output tile instead of 36: 2.25x fewer "
                     "(the input and output transforms' own cost is ignored here). Intensity falls but the layer "
                     "is still compute-bound: time falls 2.25x."),
        Optimisation("more bandwidth (β × 2)", "memory", gv, gv, p,
                     p.replace(bandwidth=2 * p.bandwidth, ceilings=()),
                     "Memory-bound work runs at β·I: doubling β (HBM instead of GDDR) lifts the slanted roof "
                     "and the point with it, and moves the ridge left."),
        Optimisation("on-chip reuse: tile the GEMM (T = 32)", "memory", _gemm_traffic(1024, None, "fp32"),
                     _gemm_traffic(1024, 32, "fp32"), p, p,
                     "Without reuse each multiply-add fetches both operands from DRAM (I ≈ 0.25). Keeping 32x32 "
                     "tiles in shared memory / cache reads each element n/T times instead of n: I grows ~32x."),
        Optimisation("operator fusion: 3 element-wise ops in one kernel", "memory",
                     _elementwise_chain(2**24, 3, False, "fp32"), _elementwise_chain(2**24, 3, True, "fp32"), p, p,
                     "Unfused, each op writes its result to memory and the next reads it back. Fused, the "
                     "intermediates stay in registers: two round trips (2 writes + 2 reads) disappear, "
                     "3x fewer bytes."),
        Optimisation("weight reuse: batch 16 requests (GEMV -> GEMM)", "memory", gv.scaled(16, "16 x gemv 4096² fp16"),
                     gemm(4096, 16, 4096, "fp16"), p, p,
                     "Sixteen separate GEMVs read the 32 MiB weight matrix sixteen times; one batched GEMM reads it "
                     "once for all sixteen vectors: same FLOPs, ~16x fewer bytes."),
        Optimisation("lower precision: int8 weights in an fp16 GEMV", "memory", gv, gv_int8, p, p,
                     "A GEMV's traffic is almost all weights; storing them in int8 (1 byte) instead of fp16 "
                     "(2 bytes) halves the bytes and doubles the intensity, so the memory-bound time halves."),
    ]
    return out


def _arrow_points(o: Optimisation) -> tuple[tuple[float, float], tuple[float, float]]:
    a = (o.before.intensity, o.platform_before.attainable(o.before))
    b = (o.after.intensity, o.platform_after.attainable(o.after))
    return a, b


def optimisation_explorer(platform: Platform | str = "gtx-1080-ti", option: int | str = 0,
                          xlim: tuple[float, float] = (0.05, 5e3)) -> Explorer:
    """Notebook 04: pick an optimisation from a dropdown; an arrow goes from the workload before
    to the workload after, the new roof (if the platform changes) is drawn dashed, and the text
    gives FLOPs, bytes, intensity, attainable FLOP/s and the roofline time before and after."""
    from . import platforms as catalogue

    plat = catalogue.get(platform)
    opts = optimisations(plat)
    names = [o.name for o in opts]
    if isinstance(option, str):
        if option not in names:
            raise unknown_name("optimisation", option, names)
        option = names.index(option)
    fig, ax = _figure()
    x = np.geomspace(xlim[0], xlim[1], 400)
    (roof,) = ax.plot(x, plat.attainable(x), color="black", lw=3, label=f"roof: {plat.display_name}")
    (roof_after,) = ax.plot(x, plat.attainable(x), color=PALETTE[1], lw=3, ls="--",
                            label="roof after (if the machine changes)")
    (before,) = ax.plot([], [], "o", color=MEMORY_COLOR, ms=15, mec="black", label="before")
    (after,) = ax.plot([], [], "o", color=COMPUTE_COLOR, ms=15, mec="black", label="after")
    arrow = ax.annotate("", xy=(1, 1), xytext=(1, 1),
                        arrowprops={"arrowstyle": "-|>", "lw": 3, "color": PALETTE[0], "mutation_scale": 25})
    caption = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=_FONT + 1,
                      bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9})
    _style_loglog(ax)
    ax.set_xlim(*xlim)
    ax.set_ylim(plat.bandwidth * xlim[0] / 2, plat.peak_flops_per_s * 6)
    ax.legend(loc="lower right", fontsize=_FONT - 2)
    dd = widgets.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=option,
                          description="optimisation", style={"description_width": "initial"},
                          layout=widgets.Layout(width="520px"))
    text = widgets.HTML()
    artists = {"roof": roof, "roof_after": roof_after, "before": before, "after": after, "arrow": arrow,
               "caption": caption}
    ex = Explorer({"optimisation": dd}, fig, ax, artists, text, _view([dd], text, fig))

    def update(*_: object) -> None:
        o = opts[dd.value]
        (xa, ya), (xb, yb) = _arrow_points(o)
        before.set_data([xa], [ya])
        after.set_data([xb], [yb])
        arrow.xy = (xb, yb)
        arrow.set_position((xa, ya))     # the tail (xytext) of the arrow
        changed = o.platform_after != o.platform_before
        roof_after.set_ydata(o.platform_after.attainable(x))
        roof_after.set_visible(changed)
        caption.set_text(f"{o.name}\n{o.kind}-bound work: "
                         f"time {fmt_time(o.time_before_s)} → {fmt_time(o.time_after_s)} ({o.speedup:.2f}x)")
        ex.state.update(optimisation=o, before_xy=(xa, ya), after_xy=(xb, yb), speedup=o.speedup,
                        roof_changed=changed)
        rows = "".join(
            f"<tr><td>{lab}</td><td>{eng(w.flops, 'FLOP')}</td><td>{fmt_bytes(w.bytes)}</td><td>{w.intensity:.3g}</td>"
            f"<td>{fmt_flops(pl.attainable(w))}</td><td>{fmt_time(pl.time(w))}</td></tr>"
            for lab, w, pl in (("before", o.before, o.platform_before), ("after", o.after, o.platform_after)))
        text.value = (f"<div style='font-size:120%'><p>{html.escape(o.explanation)}</p>"
                      "<table style='border-spacing: 18px 2px; text-align: right'><tr><th></th><th>work</th>"
                      "<th>bytes</th><th>I (FLOP/byte)</th>"
                      f"<th>attainable</th><th>time ≥</th></tr>{rows}</table>"
                      f"<p>speedup (roofline bound): <b>{o.speedup:.2f}x</b></p></div>")
        _draw(fig)

    dd.observe(update, names="value")
    ex.update = update
    update()
    return ex


# --- notebook 03: CNNs on a platform ------------------------------------------------------------

_CNN_FLAGS = {"fma2": "multiply-add = 2 FLOPs", "inputs": "count layer inputs",
              "norm_act": "BN / ReLU as separate memory passes"}


def cnn_explorer(platform: Platform | str = "gtx-1080-ti", model: str = "mobilenet_v1",
                 convention: str = "blog", platforms: Sequence[str] | None = None,
                 xlim: tuple[float, float] = (0.05, 2e3)) -> Explorer:
    """Notebook 03: a network's layers and the whole network as points under a platform's roof.

    Controls: ``platform`` and ``model`` dropdowns, a ``convention`` preset (``"blog"`` /
    ``"honest"`` from rl.cnn.CONVENTIONS, ``"custom"`` once a toggle differs), toggles ``fma2``
    (a multiply-add is 2 FLOPs or 1), ``inputs`` (count each layer's input reads), ``norm_act``
    (BN / ReLU layers as separate memory passes), ``dtype`` (bytes per weight and activation) and
    ``batch``. Small dots are the layers (red: memory-bound, green: compute-bound, each on its own
    roof), the star is the whole network. The text compares the per-layer time sum with the
    whole-network time bound (rl.cnn.Network.time and .time_whole)."""
    from . import cnn
    from . import platforms as catalogue

    plat = catalogue.get(platform)
    names = list(platforms) if platforms is not None else catalogue.names()
    if plat.name not in names:
        names = [plat.name, *names]
    plats = {n: catalogue.get(n) for n in names}
    presets = dict(cnn.CONVENTIONS)
    if convention not in presets:
        raise unknown_name("convention preset", convention, presets)
    net0 = cnn.get(model)

    fig, ax = _figure()
    x = np.geomspace(1e-3, 1e5, 600)
    (roof,) = ax.plot(x, plat.attainable(x), color="black", lw=3, label="roof")
    (ridge,) = ax.plot([], [], "s", color="black", ms=9)
    layers_sc = ax.scatter([], [], s=70, edgecolors="black", linewidths=0.6, zorder=3, label="layers")
    (whole,) = ax.plot([], [], "*", color=PALETTE[0], ms=26, mec="black", zorder=4, label="whole network")
    whole_label = ax.annotate("", (1, 1), textcoords="offset points", xytext=(12, -28), fontsize=_FONT,
                              fontweight="bold", color=PALETTE[0])
    caption = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=_FONT,
                      bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9})
    _style_loglog(ax)
    ax.set_xlim(*xlim)
    ax.legend(loc="lower right", fontsize=_FONT - 2)

    wide = {"style": {"description_width": "initial"}}
    c_plat = widgets.Dropdown(options=[(p.display_name, n) for n, p in plats.items()], value=plat.name,
                              description="platform", **wide)
    c_model = widgets.Dropdown(options=[(cnn.get(n).display_name, n) for n in cnn.networks()],
                               value=net0.name, description="model", **wide)
    c_preset = widgets.Dropdown(options=[*presets, "custom"], value=convention, description="convention", **wide)
    c_fma2 = widgets.Checkbox(description=_CNN_FLAGS["fma2"], indent=False)
    c_inputs = widgets.Checkbox(description=_CNN_FLAGS["inputs"], indent=False)
    c_norm = widgets.Checkbox(description=_CNN_FLAGS["norm_act"], indent=False)
    c_dtype = widgets.Dropdown(options=["fp32", "fp16", "int8"], value="fp32", description="dtype", **wide)
    c_batch = widgets.Dropdown(options=[1, 2, 4, 8, 16, 32, 64], value=1, description="batch", **wide)
    text = widgets.HTML()
    controls = {"platform": c_plat, "model": c_model, "convention": c_preset, "fma2": c_fma2,
                "inputs": c_inputs, "norm_act": c_norm, "dtype": c_dtype, "batch": c_batch}
    artists = {"roof": roof, "ridge": ridge, "layers": layers_sc, "network": whole,
               "network_label": whole_label, "caption": caption}
    view = widgets.VBox([widgets.HBox([c_plat, c_model, c_preset, c_dtype, c_batch],
                                      layout=widgets.Layout(flex_flow="row wrap")),
                         widgets.HBox([c_fma2, c_inputs, c_norm]), text]
                        + ([fig.canvas] if isinstance(fig.canvas, widgets.DOMWidget) else []))
    ex = Explorer(controls, fig, ax, artists, text, view)
    busy = {"on": False}

    def set_flags(conv: Any) -> None:
        c_fma2.value = conv.flops_per_mac == 2
        c_inputs.value = conv.count_inputs
        c_norm.value = conv.count_norm_act

    def current_convention() -> Any:
        base = presets.get(c_preset.value, cnn.HONEST)
        return base.replace(flops_per_mac=2 if c_fma2.value else 1, count_inputs=c_inputs.value,
                            count_norm_act=c_norm.value, bytes_per_element=c_dtype.value, batch=c_batch.value,
                            name=c_preset.value)

    def update(*_: object) -> None:
        if busy["on"]:
            return
        p = plats[c_plat.value]
        net = cnn.get(c_model.value)
        conv = current_convention()
        wl = net.workload(conv)
        pts = net.layer_workloads(conv)
        xi = np.array([w.intensity for w in pts])
        yi = p.attainable(xi)
        mem = xi < p.ridge_point
        roof.set_ydata(p.attainable(x))
        ridge.set_data([p.ridge_point], [p.peak_flops_per_s])
        layers_sc.set_offsets(np.column_stack([xi, yi]))
        layers_sc.set_facecolors([MEMORY_COLOR if m else COMPUTE_COLOR for m in mem])
        att = p.attainable(wl)
        whole.set_data([wl.intensity], [att])
        whole_label.xy = (wl.intensity, att)
        whole_label.set_text(f"{net.display_name}: I = {wl.intensity:.3g}")
        bound = _verdict(p, wl)
        t_layers, t_whole = net.time(p, conv), net.time_whole(p, conv)
        lo = min(xlim[0], xi.min() / 2, wl.intensity / 2)
        hi = max(xlim[1], xi.max() * 2, p.ridge_point * 10)
        ax.set_xlim(lo, hi)
        ax.set_ylim(p.bandwidth * lo / 2, p.peak_flops_per_s * 8)
        caption.set_text(f"{net.display_name} on {p.display_name}\n{bound}, "
                         f"attainable {fmt_flops(att)}\n{int(mem.sum())} of {len(pts)} layers memory-bound")
        ex.state.update(platform=p, network=net, convention=conv, workload=wl, intensity=wl.intensity,
                        attainable=att, bound=bound, layer_workloads=pts, layer_xy=np.column_stack([xi, yi]),
                        memory_bound_layers=[w.name for w, m in zip(pts, mem) if m],
                        time_layers_s=t_layers, time_whole_s=t_whole)
        text.value = (f"<div style='font-size:120%'>{html.escape(conv.describe())}<br>"
                      f"<b>{net.display_name}</b>: {wl.flops:.4g} FLOPs, {fmt_bytes(wl.bytes)} moved, "
                      f"I = <b>{wl.intensity:.3g} FLOP/byte</b> (ridge {p.ridge_point:.3g}) &rarr; <b>{bound}</b>, "
                      f"attainable <b>{fmt_flops(att)}</b>.<br>"
                      f"Time bound, whole network as one workload: {fmt_time(t_whole)}; "
                      f"sum over layers, each on its own roof: <b>{fmt_time(t_layers)}</b> "
                      f"(= {fmt_flops(wl.flops / t_layers)} on average).</div>")
        _draw(fig)

    def on_preset(change: dict[str, Any]) -> None:
        if change["new"] in presets:
            busy["on"] = True
            try:
                set_flags(presets[change["new"]])
            finally:
                busy["on"] = False
        update()

    def on_flag(change: dict[str, Any]) -> None:
        if busy["on"]:
            return
        matching = [n for n, c in presets.items()
                    if (c.flops_per_mac == 2) == c_fma2.value and c.count_inputs == c_inputs.value
                    and c.count_norm_act == c_norm.value]
        busy["on"] = True
        try:
            c_preset.value = matching[0] if matching else "custom"
        finally:
            busy["on"] = False
        update()

    busy["on"] = True
    set_flags(presets[convention])
    busy["on"] = False
    c_preset.observe(on_preset, names="value")
    for c in (c_fma2, c_inputs, c_norm):
        c.observe(on_flag, names="value")
    for c in (c_plat, c_model, c_dtype, c_batch):
        c.observe(update, names="value")
    ex.update = update
    update()
    return ex

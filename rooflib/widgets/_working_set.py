"""Notebook 06 (measure your machine): a working-set slider that re-measures the triad.

Moving the slider runs a short triad (well under a second) on a working set of that size and moves
a point between the cache roof and the DRAM roof of the measured platform; a second panel keeps
every measurement so far as bandwidth against working-set size, with the cache sizes marked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np

from ..core import Platform
from ..i18n import t, verdict
from ..measure import CacheInfo, MachineMeasurement, MeasuredPoint, cache_info, default_threads, triad_bandwidth
from ..plot import PALETTE
from ..units import KiB, MiB, eng, fmt_bandwidth, fmt_bytes
from ._base import Explorer, Frame
from ._chart import STYLE, Style, SvgFigure
from ._roof import draw_roof, roof_panel

__all__ = ["working_set_sizes", "cache_level", "working_set_explorer", "TRIAD_INTENSITY"]

TRIAD_INTENSITY = 2 / 24  # FLOP/byte of a float64 triad, STREAM count
_POINT, _HISTORY = PALETTE[2], PALETTE[0]


def working_set_sizes(caches: CacheInfo, threads: int = 1, points_per_octave: int = 1,
                      largest: float | None = None) -> list[int]:
    """Working-set sizes in bytes (three arrays together), powers of two from 96 KiB up to ``largest``
    (default: 8x the last-level cache, capped at 768 MiB), so the slider crosses every cache level."""
    top = largest if largest is not None else min(8 * caches.llc, 768 * MiB)
    sizes = []
    x = 96 * KiB
    step = 2 ** (1 / max(1, int(points_per_octave)))
    while x <= top * 1.0001:
        sizes.append(int(round(x / 3 / 64)) * 3 * 64)  # whole cache lines per array
        x *= step
    return sizes


def cache_level(working_set_bytes: float, caches: CacheInfo, threads: int = 1) -> str:
    """Where a triad's working set (bytes) lives when ``threads`` cores each take a slice:
    ``"L1"``, ``"L2"``, ``"LLC"`` (the shared last level) or ``"DRAM"``."""
    per_core = working_set_bytes / max(1, threads)
    if per_core <= caches.l1d:
        return "L1"
    if per_core <= caches.l2:
        return "L2"
    if working_set_bytes <= caches.llc:
        return "LLC"
    return "DRAM"


def _frame(plat: Platform, caches: CacheInfo, threads: int, sizes: Sequence[int],
           measurements: dict[int, MeasuredPoint], ws: int, style: Style = STYLE) -> Frame:
    p = measurements[ws]
    y = p.bandwidth * TRIAD_INTENSITY
    level = cache_level(ws, caches, threads)
    # the cache roofs: each measured memory level (rl.MemoryLevel) above DRAM, and any memory ceiling a
    # hand-made Platform carries
    cache_roofs = [lv.bandwidth for lv in plat.levels] + [c.value for c in plat.ceilings if c.kind == "memory"]
    ratio = p.bandwidth / plat.bandwidth
    fig = SvgFigure(t("working_set.alt", size=fmt_bytes(ws), level=level, bandwidth=fmt_bandwidth(p.bandwidth),
                      ratio=f"{ratio:.2f}", dram=fmt_bandwidth(plat.bandwidth),
                      ridge=f"{plat.ridge_point:.3g}", verdict=verdict(plat.bound(TRIAD_INTENSITY))), style)
    half = fig.style.width / 2
    xlim = (0.01, max(100.0, plat.ridge_point * 30))
    top_bw = max([plat.bandwidth, *cache_roofs, p.bandwidth])
    ax = roof_panel(fig, plat, xlim, (plat.bandwidth * xlim[0] / 3, plat.peak_flops_per_s * 3),
                    span=(0, half), ridge_label=False, title=t("working_set.roofline_title"))
    for v in cache_roofs:
        draw_roof(fig, ax, plat.replace(bandwidth=v, ceilings=(), levels=()), color="#555555", width=2, dash="8 6",
                  cls="rl-cache-roof")
    fig.marker(ax, TRIAD_INTENSITY, y, shape="diamond", color=_POINT, size=20, cls="rl-point",
               title=f"triad: {fmt_bandwidth(p.bandwidth)}")
    bw = fig.axes((min(sizes) / 1.5, max(sizes) * 1.5), (plat.bandwidth / 8, top_bw * 4),
                  xlabel=t("axis.working_set"), ylabel=t("axis.triad_bandwidth"),
                  span=(half, 2 * half), name="bandwidth", title=t("working_set.bandwidth_title"),
                  xfmt=lambda v: eng(v, "B"), yfmt=lambda v: eng(v, "B/s"))
    fig.line(bw, bw.xlim, [plat.bandwidth] * 2, color="black", width=2.5, cls="rl-dram-line")
    fig.label(bw, bw.xlim[1], plat.bandwidth, t("working_set.dram"), dx=-6, dy=-8, anchor="end", cls="rl-dram-label")
    for v in cache_roofs:
        fig.line(bw, bw.xlim, [v, v], color="#555555", width=2, dash="8 6", cls="rl-cache-line")
        fig.label(bw, bw.xlim[1], v, t("working_set.cache"), dx=-6, dy=-8, anchor="end")
    for name, size in ((f"L1×{threads}", caches.l1d * threads), (f"L2×{threads}", caches.l2 * threads),
                       ("LLC", caches.llc)):
        if bw.xlim[0] < size < bw.xlim[1]:
            fig.line(bw, [size, size], bw.ylim, color="#888888", width=1.5, dash="2 4", cls="rl-cache-size")
            fig.label(bw, size, bw.ylim[1], name, dx=4, dy=22, color="#666666", size=fig.style.font - 3)
    xs = sorted(measurements)
    for x in xs:
        fig.marker(bw, x, measurements[x].bandwidth, color=_HISTORY, size=10, cls="rl-history")
    fig.marker(bw, ws, p.bandwidth, shape="diamond", color=_POINT, size=20, cls="rl-current")
    text = t("working_set.summary", size=fmt_bytes(ws), level=level, bandwidth=fmt_bandwidth(p.bandwidth),
             ratio=f"{ratio:.2f}")
    state = {"working_set_bytes": ws, "level": level, "bandwidth": p.bandwidth, "flops_per_s": y,
             "intensity": TRIAD_INTENSITY, "ratio_to_dram": ratio, "measurements": measurements,
             "history": np.array([[x, measurements[x].bandwidth] for x in xs])}
    return Frame(fig.svg(), text, state)


def working_set_explorer(measured: MachineMeasurement | Platform, *, sizes: Sequence[int] | None = None,
                         initial: int | None = None, threads: int | None = None,
                         measure_fn: Callable[[int], MeasuredPoint] | None = None,
                         style: Style = STYLE) -> Explorer:
    """Notebook 06: a slider over the triad's working-set size (bytes) that re-measures its bandwidth.

    ``measured``: a MachineMeasurement (its platform and cache sizes are used) or an rl.Platform whose
    ``levels`` (or memory ceilings) give the cache roofs. ``measure_fn(working_set_bytes) -> MeasuredPoint`` replaces the
    real measurement (tests pass a fake). ``state``: ``level`` ("L1", "L2", "LLC" or "DRAM"),
    ``bandwidth`` (bytes/s), ``flops_per_s``, ``ratio_to_dram`` and ``measurements`` (working set in
    bytes -> MeasuredPoint, every measurement so far).
    """
    if isinstance(measured, MachineMeasurement):
        plat, caches, n_threads = measured.platform, measured.caches, measured.threads
    elif isinstance(measured, Platform):
        plat, caches, n_threads = measured, cache_info(), default_threads()
    else:
        raise ValueError(f"measured must be a MachineMeasurement or an rl.Platform, got {measured!r}")
    if threads is not None:
        n_threads = threads
    sizes = list(sizes) if sizes is not None else working_set_sizes(caches, n_threads)
    if not sizes or any((not isinstance(s, (int, np.integer))) or s < 3 * 8 for s in sizes):
        raise ValueError(f"sizes must be whole numbers of bytes >= 24, got {sizes!r}")
    if initial is None:
        initial = min(sizes, key=lambda s: abs(np.log(s / (n_threads * caches.l2 / 2))))
    if initial not in sizes:
        raise ValueError(f"initial must be one of sizes, got {initial!r}")
    run = measure_fn if measure_fn is not None else (lambda ws: triad_bandwidth(ws, threads=n_threads))
    measurements: dict[int, MeasuredPoint] = {}

    def draw(v: dict) -> Frame:
        ws = v["working_set"]
        measurements[ws] = run(ws)
        return _frame(plat, caches, n_threads, sizes, measurements, ws, style)

    slider = widgets.SelectionSlider(options=[(fmt_bytes(s), s) for s in sizes], value=initial,
                                     description=t("control.working_set"), continuous_update=False,
                                     style={"description_width": "initial"}, layout=widgets.Layout(width="520px"))
    return Explorer({"working_set": slider}, draw)

"""Widgets for notebook 06 (measure your machine): a working-set slider that re-measures the triad.

Moving the slider runs a short triad (well under a second) on a working set of that size and moves
a point between the cache roof and the DRAM roof of the measured platform; a second panel keeps
every measurement so far as bandwidth against working-set size, with the cache sizes marked.
ipympl pattern (as in :mod:`rooflib.widgets`, whose :class:`Explorer` this returns): the figure is
built under ``plt.ioff()``, observers update artists and call ``draw_idle``; the cell shows
``explorer.view`` = ``VBox([controls, text, fig.canvas])``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .core import Platform
from .measure import CacheInfo, MachineMeasurement, MeasuredPoint, cache_info, default_threads, triad_bandwidth
from .units import KiB, MiB, fmt_bandwidth, fmt_bytes

__all__ = ["working_set_sizes", "cache_level", "working_set_explorer"]

TRIAD_INTENSITY = 2 / 24  # FLOP/byte of a float64 triad, STREAM count


def working_set_sizes(caches: CacheInfo, threads: int = 1, points_per_octave: int = 1,
                      largest: float | None = None) -> list[int]:
    """Working-set sizes in bytes (three arrays together), powers of two from 96 KiB up to ``largest``
    (default: 8x the last-level cache, capped at 768 MiB), so the slider crosses every cache level.
    """
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
    ``"L1"``, ``"L2"``, ``"L3"`` (the shared last level) or ``"DRAM"``.
    """
    per_core = working_set_bytes / max(1, threads)
    if per_core <= caches.l1d:
        return "L1"
    if per_core <= caches.l2:
        return "L2"
    if working_set_bytes <= caches.llc:
        return "L3"
    return "DRAM"


def working_set_explorer(measured: MachineMeasurement | Platform, *, sizes: Sequence[int] | None = None,
                         initial: int | None = None, threads: int | None = None,
                         measure_fn: Callable[[int], MeasuredPoint] | None = None):
    """A slider over the triad's working-set size (bytes) that re-measures its bandwidth and moves the point.

    ``measured``: a MachineMeasurement (its platform and cache sizes are used) or an rl.Platform
    with a ``"cache triad"`` memory ceiling. ``measure_fn(working_set_bytes) -> MeasuredPoint``
    replaces the real measurement (tests pass a fake). Returns an :class:`rl.widgets.Explorer`:
    ``controls["working_set"]`` is the slider, ``artists`` holds ``point`` (on the roofline),
    ``history`` and ``current`` (bandwidth panel), ``state`` the latest numbers and every
    measurement so far (``state["measurements"]``: working set in bytes -> MeasuredPoint). Notebook 06.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .plot import roofline
    from .widgets import Explorer, _figure, _view

    if isinstance(measured, MachineMeasurement):
        plat, caches, n_threads = measured.platform, measured.caches, measured.threads
    elif isinstance(measured, Platform):
        plat, caches, n_threads = measured, cache_info(), default_threads()
    else:
        raise ValueError(f"measured must be a MachineMeasurement or an rl.Platform, got {measured!r}")
    if threads is not None:
        n_threads = threads
    cache_roofs = [c.value for c in plat.ceilings if c.kind == "memory"]
    sizes = list(sizes) if sizes is not None else working_set_sizes(caches, n_threads)
    if not sizes or any((not isinstance(s, (int, np.integer))) or s < 3 * 8 for s in sizes):
        raise ValueError(f"sizes must be whole numbers of bytes >= 24, got {sizes!r}")
    if initial is None:
        initial = min(sizes, key=lambda s: abs(np.log(s / (n_threads * caches.l2 / 2))))
    if initial not in sizes:
        raise ValueError(f"initial must be one of sizes, got {initial!r}")
    if measure_fn is None:
        def measure_fn(ws: int) -> MeasuredPoint:
            return triad_bandwidth(ws, threads=n_threads)

    fig, (ax_roof, ax_bw) = _figure(2, (12, 5))
    roofline(plat, ax=ax_roof, xlim=(0.01, max(100.0, plat.ridge_point * 30)), legend=False,
             title="triad on the measured roofline")
    (point,) = ax_roof.plot([TRIAD_INTENSITY], [plat.bandwidth * TRIAD_INTENSITY], "D", ms=10, color="#ff7f0e",
                            mec="black", gid="explorer-point")

    ax_bw.set_xscale("log")
    ax_bw.set_yscale("log")
    ax_bw.axhline(plat.bandwidth, color="black", lw=1.5, label=f"DRAM triad {fmt_bandwidth(plat.bandwidth)}")
    for v in cache_roofs:
        ax_bw.axhline(v, color="black", lw=1, ls="--", label=f"cache triad {fmt_bandwidth(v)}")
    for name, size in (("L1 x cores", caches.l1d * n_threads), ("L2 x cores", caches.l2 * n_threads),
                       ("last-level cache", caches.llc)):
        ax_bw.axvline(size, color="grey", lw=0.8, ls=":")
        ax_bw.annotate(name, (size, 1), xycoords=("data", "axes fraction"), xytext=(2, -12),
                       textcoords="offset points", fontsize=7, color="grey", rotation=90, va="top")
    history = ax_bw.scatter([], [], s=18, color="#1f77b4", label="measured", gid="explorer-history")
    (current,) = ax_bw.plot([], [], "D", ms=9, color="#ff7f0e", mec="black", gid="explorer-current")
    ax_bw.set_xlim(min(sizes) / 1.5, max(sizes) * 1.5)
    top = max([plat.bandwidth, *cache_roofs])
    ax_bw.set_ylim(plat.bandwidth / 8, top * 4)
    ax_bw.set_xlabel("working set (bytes, three arrays)")
    ax_bw.set_ylabel("triad bandwidth (bytes/s)")
    ax_bw.xaxis.set_major_formatter(plt.matplotlib.ticker.EngFormatter(unit="B"))
    ax_bw.yaxis.set_major_formatter(plt.matplotlib.ticker.EngFormatter(unit="B/s"))
    ax_bw.legend(loc="upper right", fontsize=7)
    ax_bw.grid(True, which="major", alpha=0.3)

    slider = widgets.SelectionSlider(options=[(fmt_bytes(s), s) for s in sizes], value=initial,
                                     description="working set", continuous_update=False,
                                     style={"description_width": "initial"}, layout=widgets.Layout(width="520px"))
    label = widgets.HTML()
    measurements: dict[int, MeasuredPoint] = {}
    state: dict = {"measurements": measurements}

    def update(ws: int) -> None:
        p = measure_fn(ws)
        measurements[ws] = p
        y = p.bandwidth * TRIAD_INTENSITY
        point.set_data([TRIAD_INTENSITY], [y])
        xs = sorted(measurements)
        history.set_offsets(np.column_stack([xs, [measurements[x].bandwidth for x in xs]]))
        current.set_data([ws], [p.bandwidth])
        level = cache_level(ws, caches, n_threads)
        state.update(working_set_bytes=ws, level=level, bandwidth=p.bandwidth, flops_per_s=y,
                     ratio_to_dram=p.bandwidth / plat.bandwidth)
        label.value = (f"working set <b>{fmt_bytes(ws)}</b> (served from <b>{level}</b>): triad "
                       f"<b>{fmt_bandwidth(p.bandwidth)}</b> = {p.bandwidth / plat.bandwidth:.2f}x the DRAM roof")
        fig.canvas.draw_idle()

    slider.observe(lambda change: update(change["new"]), names="value")
    update(initial)
    return Explorer(controls={"working_set": slider}, fig=fig, ax=(ax_roof, ax_bw),
                    artists={"point": point, "history": history, "current": current}, text=label,
                    view=_view([slider], label, fig), state=state, update=lambda: update(slider.value))

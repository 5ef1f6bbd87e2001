"""Notebook 04: an optimisation as a move on the roofline, an arrow from the work before to the work after.

The moves themselves (the work and the machine before and after) are computed by rl.moves; this
module only draws one. ``move_frame(move, xlim)`` draws any Move, so an explorer with its own
controls (tile size, batch, fused ops, weight bits, π and β factors) can reuse it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

from .. import moves as rl_moves
from .. import platforms as catalogue
from .._validate import unknown_name
from ..core import Platform
from ..moves import Move
from ..plot import PALETTE
from ..units import eng, fmt_bytes, fmt_flops, fmt_time
from ._base import Explorer, Frame
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import draw_roof, roof_panel

__all__ = ["optimisation_explorer", "move_frame", "BEFORE_COLOR", "AFTER_COLOR"]

# Before / after are not verdicts: they get series colours, not the memory / compute region colours.
BEFORE_COLOR, AFTER_COLOR = PALETTE[0], PALETTE[2]


def move_frame(move: Move, xlim: tuple[float, float] = (0.05, 5e3), style: Style = STYLE) -> Frame:
    """The view of one Move: the roof before (and the roof after, dashed, if the machine changes), the
    point before and after, an arrow between them, and a table of FLOPs, bytes, intensity and time."""
    o = move
    p0, p1 = o.platform_before, o.platform_after
    a = (o.before.intensity, float(p0.attainable(o.before)))
    b = (o.after.intensity, float(p1.attainable(o.after)))
    lo = min(xlim[0], a[0] / 3, b[0] / 3)
    hi = max(xlim[1], a[0] * 3, b[0] * 3)
    ylim = (min(p0.bandwidth, p1.bandwidth) * lo / 2, max(p0.peak_flops_per_s, p1.peak_flops_per_s) * 6)
    caption = [o.name, f"{o.kind}-bound work: time {fmt_time(o.time_before_s)} → {fmt_time(o.time_after_s)} "
                       f"({o.speedup:.2f}x)"]
    fig = SvgFigure(f"Optimisation on the roofline of {p0.display_name} (ridge {sig3(p0.ridge_point)} FLOP/byte): "
                    f"{o.name}. Before: I = {sig3(a[0])} FLOP/byte, {o.bound_before}-bound; after: I = {sig3(b[0])} "
                    f"FLOP/byte, {o.bound_after}-bound; speedup {o.speedup:.2f}x.", style)
    ax = roof_panel(fig, p0, (lo, hi), ylim)
    if o.machine_changed:
        draw_roof(fig, ax, p1, color=PALETTE[1], width=3.5, dash="12 7", cls="rl-roof-after")
        higher = p1.peak_flops_per_s > p0.peak_flops_per_s       # then label it in the gap between the roofs
        fig.label(ax, hi, p1.peak_flops_per_s, "roof after", dx=-10, dy=fig.style.font + 6 if higher else -10,
                  anchor="end", color=PALETTE[1], cls="rl-roof-after-label")
    fig.arrow(ax, a, b, color="#444444")
    fig.marker(ax, *a, color=BEFORE_COLOR, size=22, cls="rl-before", title=f"before: {o.before.name}")
    fig.marker(ax, *b, color=AFTER_COLOR, size=22, cls="rl-after", title=f"after: {o.after.name}")
    same = abs(ax.x(a[0]) - ax.x(b[0])) < 40 and abs(ax.y(a[1]) - ax.y(b[1])) < 30
    fig.label(ax, *a, "before", dx=-16, dy=28 if same else -16, anchor="end", weight="bold", color=BEFORE_COLOR,
              cls="rl-before-label")
    fig.label(ax, *b, "after", dx=16, dy=-16, weight="bold", color=AFTER_COLOR, cls="rl-after-label")
    fig.caption(ax.box[0] + 12, ax.box[1] + 10, caption)
    rows = "".join(
        f"<tr><td>{lab}</td><td>{eng(w.flops, 'FLOP')}</td><td>{fmt_bytes(w.bytes)}</td><td>{sig3(w.intensity)}</td>"
        f"<td>{pl.bound(w)}</td><td>{fmt_flops(pl.attainable(w))}</td><td>{fmt_time(pl.time(w))}</td></tr>"
        for lab, w, pl in (("before", o.before, p0), ("after", o.after, p1)))
    text = (f"<div style='font-size:120%'><p>{html.escape(o.explanation)}</p>"
            "<table style='border-spacing: 18px 2px; text-align: right'><tr><th></th><th>work</th>"
            "<th>bytes</th><th>I (FLOP/byte)</th><th>bound</th>"
            f"<th>attainable</th><th>time ≥</th></tr>{rows}</table>"
            f"<p>speedup (roofline bound): <b>{o.speedup:.2f}x</b></p></div>")
    state = {"move": o, "before_xy": a, "after_xy": b, "speedup": o.speedup, "roof_changed": o.machine_changed,
             "bound_before": o.bound_before, "bound_after": o.bound_after, "caption": "\n".join(caption)}
    return Frame(fig.svg(), text, state)


def optimisation_explorer(platform: Platform | str = "gtx-1080-ti", option: int | str = 0,
                          moves: Sequence[Move] | None = None, xlim: tuple[float, float] = (0.05, 5e3),
                          style: Style = STYLE) -> Explorer:
    """Notebook 04: pick a move from a menu (default: ``rl.moves.examples(platform)``; pass your own list of
    rl.moves results to compare those); an arrow goes from the work before to the work after, the new
    roof is drawn dashed if the machine changes, and the text gives FLOPs, bytes, intensity, verdict,
    attainable FLOP/s and the roofline time before and after. ``option``: index or name of the first move."""
    opts = list(moves) if moves is not None else rl_moves.examples(catalogue.get(platform))
    if not opts:
        raise ValueError("moves must hold at least one rl.moves.Move")
    names = [o.name for o in opts]
    if isinstance(option, str):
        if option not in names:
            raise unknown_name("optimisation", option, names)
        option = names.index(option)
    if not 0 <= option < len(opts):
        raise ValueError(f"option must be a move's name or an index from 0 to {len(opts) - 1}, got {option!r}")
    menu = widgets.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=option, description="optimisation",
                            style={"description_width": "initial"}, layout=widgets.Layout(width="560px"))
    return Explorer({"optimisation": menu}, lambda v: move_frame(opts[v["optimisation"]], xlim, style))

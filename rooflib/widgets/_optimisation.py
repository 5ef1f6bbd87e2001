"""Notebook 04: optimisations you drive. Pick a move (tile size, batch, fused element-wise ops, bits per weight,
β × k, π × k) and move its slider: an arrow goes from the work before to the work after on the roofline
(left), and the speed-up is drawn against the slider's values beside its limit I_ridge / I_before (right),
where a memory-side move stops paying because the point has crossed the ridge.

The moves themselves are computed by rl.moves (``rl.moves.drive``); this module only draws them.
``move_frame(move)`` draws any one Move on its own.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache

import ipywidgets as widgets

from .. import moves as rl_moves
from .. import platforms as catalogue
from .._validate import unknown_name
from ..core import Platform
from ..i18n import t, verdict
from ..moves import Move
from ..plot import AFTER_COLOR, BEFORE_COLOR, PALETTE
from ..units import eng, fmt_bytes, fmt_flops, fmt_time
from ._base import Explorer, Frame, slider_layout
from ._chart import STYLE, LogAxes, Style, SvgFigure, sig3
from ._roof import draw_roof, roof_panel

__all__ = ["optimisation_explorer", "move_frame", "drive_frame", "BEFORE_COLOR", "AFTER_COLOR", "LIMIT_COLOR"]

LIMIT_COLOR = PALETTE[4]     # the saturation line: neither a region colour nor before / after


def _limit_words(move: Move) -> str:
    return "I_ridge / I_before" if move.kind == "memory" else "I_before / I_ridge"


def _roofline_part(fig: SvgFigure, o: Move, xlim: tuple[float, float], span: tuple[float, float] | None) -> LogAxes:
    """The roofline panel of a move: roof before (and after, dashed), the arrow, the two points."""
    p0, p1 = o.platform_before, o.platform_after
    a = (o.before.intensity, float(p0.attainable(o.before)))
    b = (o.after.intensity, float(p1.attainable(o.after)))
    lo = min(xlim[0], a[0] / 3, b[0] / 3, p1.ridge_point / 3)
    hi = max(xlim[1], a[0] * 3, b[0] * 3, p1.ridge_point * 3)
    ylim = (min(p0.bandwidth, p1.bandwidth) * lo / 2, max(p0.peak_flops_per_s, p1.peak_flops_per_s) * 8)
    ax = roof_panel(fig, p0, (lo, hi), ylim, span=span, ridge_label=span is None)
    if o.machine_changed:
        draw_roof(fig, ax, p1, color=PALETTE[1], width=3.5, dash="12 7", cls="rl-roof-after")
        higher = p1.peak_flops_per_s > p0.peak_flops_per_s       # then label it in the gap between the roofs
        fig.label(ax, hi, p1.peak_flops_per_s, t("optimisation.roof_after"), dx=-10,
                  dy=fig.style.font + 6 if higher else -10, anchor="end", color=PALETTE[1], cls="rl-roof-after-label")
    fig.arrow(ax, a, b, color="#444444")
    fig.marker(ax, *a, color=BEFORE_COLOR, size=22, cls="rl-before",
               title=t("optimisation.before_tooltip", name=o.before.name))
    fig.marker(ax, *b, color=AFTER_COLOR, size=22, cls="rl-after",
               title=t("optimisation.after_tooltip", name=o.after.name))
    same = abs(ax.x(a[0]) - ax.x(b[0])) < 40 and abs(ax.y(a[1]) - ax.y(b[1])) < 30
    fig.label(ax, *a, t("optimisation.before"), dx=-16, dy=28 if same else -16, anchor="end", weight="bold",
              color=BEFORE_COLOR, cls="rl-before-label")
    fig.label(ax, *b, t("optimisation.after"), dx=16, dy=-16, weight="bold", color=AFTER_COLOR, cls="rl-after-label")
    return ax


def _table(o: Move) -> str:
    rows = "".join(
        f"<tr><td>{lab}</td><td>{eng(w.flops, 'FLOP')}</td><td>{fmt_bytes(w.bytes)}</td><td>{sig3(w.intensity)}</td>"
        f"<td>{t('bound.' + pl.bound(w))}</td><td>{fmt_flops(pl.attainable(w))}</td>"
        f"<td>{fmt_time(pl.time(w))}</td></tr>"
        for lab, w, pl in ((t("optimisation.before"), o.before, o.platform_before),
                           (t("optimisation.after"), o.after, o.platform_after)))
    return ("<table style='border-spacing: 18px 2px; text-align: right'>" + t("optimisation.table_head")
            + f"{rows}</table>")


def _state(o: Move, caption: list[str]) -> dict:
    return {"move": o, "before_xy": (o.before.intensity, float(o.platform_before.attainable(o.before))),
            "after_xy": (o.after.intensity, float(o.platform_after.attainable(o.after))), "speedup": o.speedup,
            "speedup_limit": o.speedup_limit, "roof_changed": o.machine_changed, "bound_before": o.bound_before,
            "bound_after": o.bound_after, "caption": "\n".join(caption)}


def move_frame(move: Move, xlim: tuple[float, float] = (0.05, 5e3), style: Style = STYLE) -> Frame:
    """The view of one Move: the roof before (and the roof after, dashed, if the machine changes), the
    point before and after, an arrow between them, and a table of FLOPs, bytes, intensity and time."""
    o = move
    caption = [o.name, t("optimisation.work_time", verdict=verdict(o.kind), before=fmt_time(o.time_before_s),
                         after=fmt_time(o.time_after_s), speedup=f"{o.speedup:.2f}")]
    fig = SvgFigure(t("optimisation.move_alt", platform=o.platform_before.display_name,
                      ridge=sig3(o.platform_before.ridge_point), name=o.name, before=sig3(o.before.intensity),
                      verdict_before=verdict(o.bound_before), after=sig3(o.after.intensity),
                      verdict_after=verdict(o.bound_after), speedup=f"{o.speedup:.2f}"), style)
    ax = _roofline_part(fig, o, xlim, None)
    fig.caption(ax.box[0] + 12, ax.box[1] + 10, caption)
    text = (f"<div style='font-size:120%'><p>{html.escape(o.explanation)}</p>{_table(o)}"
            f"<p>{t('optimisation.speedup_line', speedup=f'{o.speedup:.2f}')}</p></div>")
    return Frame(fig.svg(), text, _state(o, caption))


def drive_frame(name: str, platform: Platform, amount: float, at_batch: int = 16, style: Style = STYLE) -> Frame:
    """The driven-move view: left, the move on the roofline; right, the speed-up at every value of its slider,
    the limit (dashed) it cannot pass, and the current value. ``name``, ``amount``: see ``rl.moves.DRIVES``."""
    _, control, options, _ = rl_moves.DRIVES[name]
    label = t(f"optimisation.drive_{name}")
    o = rl_moves.drive(name, platform, amount, at_batch)
    curve = _curve(name, platform, at_batch if name == "weight_bits" else 16)
    limit = o.speedup_limit
    crossed = o.bound_before != o.bound_after
    speedup = f"{o.speedup:.3g}"
    caption = [o.name, t("optimisation.time_change", before=fmt_time(o.time_before_s), after=fmt_time(o.time_after_s),
                         speedup=speedup),
               t("optimisation.limit_is", words=_limit_words(o), limit=sig3(limit))]
    fig = SvgFigure(t("optimisation.drive_alt", name=o.name, platform=platform.display_name,
                      ridge=sig3(platform.ridge_point), before=sig3(o.before.intensity), after=sig3(o.after.intensity),
                      verdict_before=verdict(o.bound_before), verdict_after=verdict(o.bound_after), speedup=speedup,
                      limit=sig3(limit), words=_limit_words(o)), style)
    split = fig.style.width * 0.54
    _roofline_part(fig, o, (0.05, 5e3), (0, split))
    xs = [float(v) for v in options]
    top = max(limit, max(curve)) * 4
    right = fig.axes((min(xs) / 1.6, max(xs) * 1.6), (0.7, max(top, 4.0)), xlabel=label,
                     ylabel=t("optimisation.speedup_axis"), span=(split, fig.style.width), name="speedup",
                     title=t("optimisation.speedup_title", speedup=speedup, limit=sig3(limit)))
    fig.line(right, [right.xlim[0], right.xlim[1]], [limit, limit], color=LIMIT_COLOR, width=2.5, dash="9 6",
             cls="rl-limit")
    fig.label(right, right.xlim[1], limit, t("optimisation.limit", limit=sig3(limit)), dx=-8, dy=-10, anchor="end",
              color=LIMIT_COLOR, cls="rl-limit-label")
    fig.line(right, xs, curve, color=AFTER_COLOR, width=3, cls="rl-speedup-line")
    fig.marker(right, float(amount), o.speedup, color=AFTER_COLOR, size=18, cls="rl-speedup-point",
               title=f"{control} = {amount:g}: {o.speedup:.3g}x")
    state = _state(o, caption)
    state.update(name=name, amount=amount, curve=dict(zip(options, curve)), crossed_ridge=crossed)
    note = t("optimisation.crossed" if crossed else "optimisation.still", verdict=verdict(o.bound_after),
             limit=sig3(limit))
    if name == "batch":      # a batch raises throughput; each request waits for the whole batch
        one = o.platform_before.time(o.before) / amount
        note += t("optimisation.batch_note", speedup=speedup, batched=fmt_time(o.time_after_s), own=fmt_time(one),
                  latency=f"{o.time_after_s / one:.3g}")
    text = (f"<div style='font-size:115%'><p>{html.escape(o.explanation)}</p>{_table(o)}"
            f"<p>{t('optimisation.drive_line', speedup=speedup, words=_limit_words(o), limit=sig3(limit))}"
            f"{html.escape(note)}</p></div>")
    return Frame(fig.svg(), text, state)


@lru_cache(maxsize=64)
def _curve(name: str, platform: Platform, at_batch: int) -> list[float]:
    """The speed-up at every slider value of move ``name`` (computed once per move, platform and batch)."""
    return [rl_moves.drive(name, platform, v, at_batch).speedup for v in rl_moves.DRIVES[name][2]]


def optimisation_explorer(platform: Platform | str = "gtx-1080-ti", move: str = "tile", style: Style = STYLE,
                          **amounts: float) -> Explorer:
    """Notebook 04: drive one optimisation with a slider. ``move`` picks it (``rl.moves.DRIVES``: ``"tile"``,
    ``"batch"``, ``"fuse"``, ``"weight_bits"``, ``"bandwidth"``, ``"peak"``); the sliders are ``tile``, ``batch``,
    ``ops``, ``weight_bits``, ``beta_factor`` and ``pi_factor`` (start values as keywords, e.g. ``tile=64``); only
    the chosen move's slider is shown (and ``batch`` with ``weight_bits``). ``state`` has ``speedup``,
    ``speedup_limit``, ``bound_before``, ``bound_after``, ``crossed_ridge`` and ``curve`` (value -> speed-up)."""
    plat = catalogue.get(platform)
    if move not in rl_moves.DRIVES:
        raise unknown_name("move", move, rl_moves.DRIVES)
    known = {c for _, c, _, _ in rl_moves.DRIVES.values()}
    for k in amounts:
        if k not in known:
            raise unknown_name("control", k, known)
    controls: dict[str, widgets.ValueWidget] = {
        "move": widgets.Dropdown(options=[(t(f"optimisation.drive_{n}"), n) for n in rl_moves.DRIVES], value=move,
                                 description=t("control.move"), style={"description_width": "initial"},
                                 layout=widgets.Layout(width="420px"))}
    for _, (label, control, options, default) in rl_moves.DRIVES.items():
        value = amounts.get(control, default)
        if value not in options:
            raise ValueError(f"{control} must be one of {list(options)}, got {value!r}")
        controls[control] = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in options], value=value,
                                                    description=t(f"control.{control}"),
                                                    **slider_layout("460px", "110px"))

    def shown(name: str) -> Sequence[str]:
        own = rl_moves.DRIVES[name][1]
        return (own, "batch") if name == "weight_bits" else (own,)

    def link(ex: Explorer, changed: str) -> None:
        if changed == "move":
            _show(ex.controls, shown(ex.controls["move"].value))

    def draw(v: dict) -> Frame:
        name = v["move"]
        return drive_frame(name, plat, v[rl_moves.DRIVES[name][1]], v["batch"], style)

    _show(controls, shown(move))
    return Explorer(controls, draw, link=link, rows=[["move"], [c for c in controls if c != "move"]])


def _show(controls: dict, names: Sequence[str]) -> None:
    """Show the sliders in ``names`` and hide the others (the move menu stays)."""
    for n, c in controls.items():
        if n != "move":
            c.layout.display = None if n in names else "none"

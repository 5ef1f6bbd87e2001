"""Notebook 07: one model served on several devices. Controls for the device count, the link, the TP/PP split, the
phase, batch, sequence length and precision; the figure is latency against throughput for every split of that
many devices (batch 1 to the memory wall), the current layout and batch a star on its curve, with the numbers
rl.llm.analyze gives per device (communication and pipeline bubble included)."""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import comm, i18n, llm
from .. import platforms as catalogue
from ..core import Platform
from ..plot import MEMORY_COLOR, PALETTE
from ..units import eng
from ._base import Explorer, Frame, slider_layout
from ._chart import SvgFigure
from ._llm import phase_options, precision_options

__all__ = ["parallel_explorer", "parallel_frame", "splits", "PRECISIONS", "DEVICES", "BATCHES", "SEQ_LENS",
           "MICRO_BATCHES"]

#: Precision presets: label -> (w_bits, a_bits, kv_bits).
PRECISIONS: dict[str, tuple[int, int, int]] = {
    "W16A16 KV16 (bf16)": (16, 16, 16),
    "W8A8 KV8 (fp8 / int8)": (8, 8, 8),
    "W4A16 KV16 (4-bit weights)": (4, 16, 16),
}
DEVICES = (1, 2, 4, 8)
BATCHES = tuple(2**k for k in range(0, 11))           # 1 ... 1024 sequences
MICRO_BATCHES = (1, 2, 4, 8, 16, 32)
SEQ_LENS = tuple(2**k for k in range(7, 16))          # 128 ... 32768 tokens
_GRID = np.unique(np.round(np.geomspace(1, 4096, 56)))  # batches each curve is drawn through


def splits(devices: int) -> list[tuple[int, int]]:
    """The (tp, pp) pairs with tp x pp = ``devices``, tensor parallel first: 8 -> (8, 1), (4, 2), (2, 4), (1, 8)."""
    return [(devices // p, p) for p in (1, 2, 4, 8, 16) if devices % p == 0 and p <= devices]


def _split_label(tp: int, pp: int) -> str:
    return llm.Layout(tp=tp, pp=pp).label


def _curve(model: Any, plat: Platform, phase: str, seq_len: int, bits: dict, tp: int, pp: int, link: comm.Link):
    """(batch, latency_s, tokens/s) over the batches of ``_GRID`` that fit, for one split; None if the split is
    not valid for the model (tp not dividing its heads)."""
    grid = _GRID[_GRID >= bits.get("micro_batches", 1)]
    try:
        r = llm.analyze(model, plat, phase, grid, seq_len, tp=tp, pp=pp, link=link, **bits)
    except ValueError:
        return None
    fits = np.asarray(r.fits if r.fits is not None else np.ones_like(grid, dtype=bool))
    t = np.asarray(r.total_time_s(), dtype=float)
    tokens = grid * (seq_len if phase == "prefill" else 1)
    return grid[fits], t[fits], (tokens / t)[fits]


def _limits(values: list[float], fallback: tuple[float, float]) -> tuple[float, float]:
    vals = [v for v in values if v > 0 and math.isfinite(v)]
    if not vals:
        return fallback
    return 10 ** math.floor(math.log10(min(vals)) - 0.05), 10 ** math.ceil(math.log10(max(vals)) + 0.05)


def parallel_frame(model: Any, plat: Platform, phase: str, devices: int, split: tuple[int, int], link: comm.Link,
                   batch: int, seq_len: int, bits: dict) -> Frame:
    """The explorer's view: latency against tokens/s for every split of ``devices``, the current layout at
    ``batch`` as a star (orange when it does not fit), its memory wall (square) and critical batch (diamond).
    ``bits``: keywords for rl.llm.analyze (``w_bits``, ``a_bits``, ``kv_bits``, ``micro_batches``)."""
    tp, pp = split
    cfg = llm.get(model)
    r = llm.analyze(cfg, plat, phase, batch, seq_len, tp=tp, pp=pp, link=link, **bits)
    t = float(r.total_time_s())
    tokens = batch * (seq_len if phase == "prefill" else 1)
    comm_t, bubble_t = float(r.total_time_s("communication")), float(r.total_time_s("bubble"))
    top = llm.max_batch(cfg, plat, seq_len, phase, tp=tp, pp=pp, link=link, **bits)
    crit = llm.critical_batch_size(cfg, plat, seq_len, tp=tp, pp=pp, link=link, **bits) if phase == "decode" \
        else math.inf
    curves = {s: _curve(cfg, plat, phase, seq_len, bits, *s, link) for s in splits(devices)}
    xs = [x for c in curves.values() if c is not None for x in c[2]] + [tokens / t]
    ys = [y for c in curves.values() if c is not None for y in c[1]] + [t]
    xlim, ylim = _limits(xs, (1.0, 1e6)), _limits(ys, (1e-4, 1.0))
    tr, prefill = i18n.t, phase == "prefill"
    rate = tr("axis.rate_prefill" if prefill else "axis.rate_decode")
    what = tr("axis.time_to_first_token" if prefill else "axis.latency_decode_step")
    fits = r.fits is not False
    verdict = tr("parallel.fits" if fits else "parallel.does_not_fit")
    rate_value = f"{tokens / t:,.0f}"
    caption = [tr("parallel.over", layout=r.layout.label, link=link.display_name.split(" (")[0], verdict=verdict),
               tr("parallel.per_pass" if prefill else "parallel.per_token", time=eng(t, "s"), rate_value=rate_value,
                  rate=rate),
               tr("parallel.communication", share=comm_t / t) + (tr("parallel.bubble", share=bubble_t / t)
                                                                 if pp > 1 else "")]
    mb = bits.get("micro_batches", 1)
    title = tr("parallel.title", model=cfg.display_name, devices=devices, platform=plat.display_name,
               phase=tr(f"phase.{phase}"), seq_len=seq_len,
               precision=f"W{bits['w_bits']}A{bits['a_bits']}KV{bits['kv_bits']}") + (
        tr("parallel.micro_batches", count=mb) if mb > 1 else "")
    fig = SvgFigure(tr("parallel.alt", title=title, what=what, rate=rate, devices=devices, layout=r.layout.label,
                       batch=batch, time=eng(t, "s"), rate_value=rate_value, share=comm_t / t, verdict=verdict))
    ax = fig.axes(xlim, ylim, xlabel=tr("axis.rate_all_sequences", rate=rate), ylabel=what, title=title,
                  xfmt=lambda v: eng(v, ""), yfmt=lambda v: eng(v, "s"))
    entries = []
    for j, (s, c) in enumerate(curves.items()):
        color = PALETTE[j % len(PALETTE)]
        label = _split_label(*s)
        if c is None or len(c[0]) == 0:
            state = tr("parallel.not_valid" if c is None else "parallel.no_fit")
            entries.append((tr("parallel.legend_state", label=label, state=state), "line", "#bbbbbb"))
            continue
        current = s == (tp, pp)
        fig.line(ax, list(c[2]), list(c[1]), color=color, width=4.5 if current else 2.5,
                 cls=f"rl-curve{' rl-current' if current else ''}")
        fig.marker(ax, float(c[2][-1]), float(c[1][-1]), shape="square", color=color, size=13, cls="rl-wall",
                   title=tr("parallel.memory_full_near", label=label, batch=int(c[0][-1])))
        entries.append((label, "line", color))
    if fits and top > 0:
        rt = llm.analyze(cfg, plat, phase, top, seq_len, tp=tp, pp=pp, link=link, **bits)
        tt = float(rt.total_time_s())
        fig.marker(ax, top * (seq_len if phase == "prefill" else 1) / tt, tt, shape="square", color="black", size=16,
                   cls="rl-capacity", title=tr("parallel.memory_wall_at", batch=top))
    if math.isfinite(crit) and crit <= max(top, 1):
        rc = llm.analyze(cfg, plat, phase, crit, seq_len, tp=tp, pp=pp, link=link, **bits)
        tc = float(rc.total_time_s())
        fig.marker(ax, crit / tc, tc, shape="diamond", color="white", size=16, cls="rl-critical",
                   title=tr("parallel.critical_at", batch=crit))
    fig.marker(ax, tokens / t, t, shape="star", color="gold" if fits else MEMORY_COLOR, size=34, cls="rl-point",
               title=tr("parallel.layout_batch", layout=r.layout.label, batch=batch))
    fig.caption(ax.box[0] + 12, ax.box[1] + 10, caption, color=None if fits else MEMORY_COLOR)
    fig.legend(ax, entries + [(tr("parallel.memory_wall"), "square", "black"),
                              (tr("parallel.critical_batch"), "diamond", "white"),
                              (tr("parallel.this_batch"), "star", "gold")], corner="lower right")
    cap = plat.memory_bytes
    numbers = {
        what: tr("parallel.lower_bound_value", time=eng(t, "s")),
        tr("parallel.row_rate", rate=rate): tr("parallel.rate_value", total=rate_value,
                                               per_device=f"{tokens / t / devices:,.0f}"),
        tr("parallel.row_communication"): tr("parallel.communication_value", time=eng(comm_t, "s"), share=comm_t / t,
                                             bytes=eng(r.total_link_bytes(), "B")),
        tr("parallel.row_bubble"): (tr("parallel.bubble_value", time=eng(bubble_t, "s"), share=bubble_t / t)
                                    if pp > 1 else tr("parallel.no_bubble")),
        tr("parallel.row_weights"): eng(r.weight_memory_bytes, "B"),
        tr("parallel.row_kv_cache"): eng(r.kv_cache_bytes, "B"),
        tr("parallel.row_memory"): (tr("parallel.memory_value", used=eng(r.memory_bytes, "B"), memory=eng(cap, "B"),
                                       verdict=verdict) if cap else tr("parallel.unknown")),
        tr("parallel.row_largest_batch"): str(top),
        tr("parallel.row_critical_batch"): (tr("parallel.not_applicable") if prefill else
                                            str(crit) if math.isfinite(crit) else tr("parallel.none")),
    }
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>" for k, v in numbers.items())
    state = {"result": r, "layout": r.layout.label, "devices": devices, "tp": tp, "pp": pp, "link": link.name,
             "phase": phase, "batch": batch, "seq_len": seq_len, "time_s": t, "tokens_per_s": tokens / t,
             "tokens_per_s_per_device": tokens / t / devices, "communication_time_s": comm_t,
             "communication_share": comm_t / t, "bubble_time_s": bubble_t, "memory_bytes": r.memory_bytes,
             "fits": r.fits, "max_batch": top, "critical_batch": crit, "bound": r.total_bound(),
             "caption": "\n".join(caption)}
    return Frame(fig.svg(), f"<table style='font-size:115%'>{rows}</table>", state)


def parallel_explorer(model: str | llm.LLMConfig = "llama-3-70b", platform: str | Platform = "h100-sxm",
                      devices: int = 8, tp: int | None = None, link: str | None = None, phase: str = "decode",
                      batch: int = 16, seq_len: int = 4096, precision: str = "W16A16 KV16 (bf16)",
                      micro_batches: int = 1, links: list[str] | None = None) -> Explorer:
    """Notebook 07: serve ``model`` on ``devices`` x ``platform``. Controls: ``devices`` (1, 2, 4, 8), ``split``
    (tp, pp) with tp x pp = devices, ``link`` (default: the platform's interconnect; menu ``links``, default
    the catalogue's), ``phase``, ``batch``, ``seq_len``, ``precision`` (``PRECISIONS``), ``micro_batches`` (the
    pipeline's, ``MICRO_BATCHES``). ``state`` has
    ``time_s``, ``tokens_per_s``, ``communication_share``, ``fits``, ``max_batch``, ``critical_batch`` and
    ``result`` (the rl.llm.analyze result, per device)."""
    plat = catalogue.get(platform)
    cfg = llm.get(model)
    if devices not in DEVICES:
        raise ValueError(f"devices must be one of {DEVICES}, got {devices!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    if micro_batches not in MICRO_BATCHES:
        raise ValueError(f"micro_batches must be one of {MICRO_BATCHES}, got {micro_batches!r}")
    if batch not in BATCHES or seq_len not in SEQ_LENS:
        raise ValueError(f"batch must be one of {BATCHES} and seq_len one of {SEQ_LENS}, got {batch!r}, {seq_len!r}")
    first = comm.get(link if link is not None else plat.interconnect or "nvlink4")
    menu = [comm.get(n) for n in (links or comm.names())]
    if first.name not in [m.name for m in menu]:
        menu.insert(0, first)
    tp = devices if tp is None else tp
    if (tp, devices // tp) not in splits(devices):
        raise ValueError(f"tp must divide devices ({devices}), got tp={tp!r}")
    t = i18n.t
    controls = {
        "devices": widgets.SelectionSlider(options=list(DEVICES), value=devices, description=t("control.devices"),
                                           **slider_layout("320px", "80px")),
        "split": widgets.Dropdown(options=[(_split_label(*s), s) for s in splits(devices)], value=(tp, devices // tp),
                                  description=t("control.split")),
        "link": widgets.Dropdown(options=[(m.display_name, m.name) for m in menu], value=first.name,
                                 description=t("control.link"), style={"description_width": "40px"},
                                 layout=widgets.Layout(width="420px")),
        "phase": widgets.ToggleButtons(options=phase_options(), value=phase, description=t("control.phase")),
        "precision": widgets.Dropdown(options=precision_options(PRECISIONS), value=precision,
                                      description=t("control.precision")),
        "batch": widgets.SelectionSlider(options=list(BATCHES), value=batch, description=t("control.batch"),
                                         **slider_layout("420px", "90px")),
        "seq_len": widgets.SelectionSlider(options=list(SEQ_LENS), value=seq_len, description=t("control.seq_len"),
                                           **slider_layout("480px", "130px")),
        "micro_batches": widgets.SelectionSlider(options=list(MICRO_BATCHES), value=micro_batches,
                                                 description=t("control.micro_batches"),
                                                 **slider_layout("360px", "130px")),
    }

    def draw(v: dict[str, Any]) -> Frame:
        w, a, kv = PRECISIONS[v["precision"]]
        m = min(v["micro_batches"], v["batch"])        # a micro-batch holds whole sequences
        return parallel_frame(cfg, plat, v["phase"], v["devices"], v["split"], comm.get(v["link"]), v["batch"],
                              v["seq_len"], {"w_bits": w, "a_bits": a, "kv_bits": kv,
                                             "micro_batches": m})

    def relink(ex: Explorer, name: str) -> None:
        if name == "devices":           # the split menu follows the device count; tensor parallel first
            n = ex.controls["devices"].value
            ex.controls["split"].options = [(_split_label(*s), s) for s in splits(n)]
            ex.controls["split"].value = (n, 1)

    ex = Explorer(controls, draw, rows=[["devices", "split", "link"], ["phase", "precision", "micro_batches"],
                                         ["batch", "seq_len"]],
                  link=relink)
    ex.text.add_class("rl-verdict")
    return ex

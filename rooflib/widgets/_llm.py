"""Notebook 05: one forward pass of a transformer (prefill, or one decode step) as per-operator points on
the roofline, with controls for model, platform, phase, batch, sequence length, precision and
FlashAttention, and a table of the numbers rl.llm.analyze computes."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import i18n, llm
from .. import platforms as catalogue
from ..core import Platform
from ..plot import PALETTE
from ..units import eng
from ._base import Explorer, Frame, slider_layout
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import headroom, roof_panel, verdict_color

__all__ = ["llm_explorer", "llm_frame", "point_coordinates", "numbers", "precision_options", "phase_options",
           "PRECISIONS", "BATCHES", "SEQ_LENS", "DEFAULT_PLATFORMS", "XLIM", "KINDS"]

#: Precision presets: label -> (w_bits, a_bits, kv_bits).
PRECISIONS: dict[str, tuple[int, int, int]] = {
    "W16A16 KV16 (bf16)": (16, 16, 16),
    "W8A8 KV8 (int8)": (8, 8, 8),
    "W4A16 KV16 (4-bit weights)": (4, 16, 16),
    "W4A16 KV8": (4, 16, 8),
}
BATCHES = tuple(2**k for k in range(0, 11))          # 1 ... 1024 sequences
SEQ_LENS = tuple(2**k for k in range(7, 16))         # 128 ... 32768 tokens
XLIM = (0.1, 1e5)                                    # FLOP/byte shown on the x axis
#: Platforms offered by default (those in the catalogue): accelerators with a memory capacity.
DEFAULT_PLATFORMS = ("a100-80gb", "h100-sxm", "h200", "b200", "mi300x", "rtx-4090", "l4", "t4", "gtx-1080-ti")
#: How each group of operators is drawn: group -> (legend label, colour, marker shape).
KINDS = {"linear": ("linear layers (q/k/v/o, MLP, LM head)", PALETTE[0], "circle"),
         "attention": ("attention (QKᵀ, softmax, SV)", PALETTE[2], "square"),
         "other": ("norms, activation, residual adds", PALETTE[4], "triangle")}
_KIND_TEXT = {"linear": "llm.kind_linear", "attention": "llm.kind_attention", "other": "llm.kind_other"}


def precision_options(presets: dict[str, tuple[int, int, int]]) -> list[tuple[str, str]]:
    """(label, preset) menu entries for precision presets, the labels' words in the current language."""
    return [(name.replace("4-bit weights", i18n.t("control.four_bit_weights")), name) for name in presets]


def phase_options() -> list[tuple[str, str]]:
    """(label, phase) entries for the prefill / decode toggle."""
    return [(i18n.t("phase.prefill"), "prefill"), (i18n.t("phase.decode"), "decode")]


def point_coordinates(result: llm.LLMResult) -> dict[str, np.ndarray]:
    """Per group (``KINDS``), an (n, 2) array of (intensity FLOP/byte, attainable FLOP/s), one row per operator.

    Intensities are clipped to the plotted range ``XLIM``; the height is the roof at the compute dtype's
    peak, min(peak, bandwidth x intensity). With FlashAttention the attention operators are one fused
    point (their FLOPs and bytes summed). Also ``"total"``: the whole pass as one point.
    """
    roof = result.roof
    flops, nbytes = np.asarray(result.op_flops, float), np.asarray(result.op_bytes, float)
    groups = [k if k in ("linear", "attention") else "other" for k in result.kinds]
    rows: list[tuple[str, float, float]] = [(g, f, b) for g, f, b in zip(groups, flops, nbytes)]
    if result.options.get("flash_attention"):
        att = [(f, b) for g, f, b in rows if g == "attention"]
        rows = [r for r in rows if r[0] != "attention"] + [("attention", sum(f for f, _ in att),
                                                             sum(b for _, b in att))]
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    for g, f, b in rows:
        if b > 0:
            x = float(np.clip(f / b, *XLIM))
            out[g].append((x, float(roof.attainable(x))))
    arrays = {k: np.array(v, dtype=float).reshape(-1, 2) for k, v in out.items()}
    xt = float(np.clip(result.total_intensity(), *XLIM))
    arrays["total"] = np.array([[xt, float(roof.attainable(xt))]])
    return arrays


def _tokens(r: llm.LLMResult) -> float:
    return r.batch * (r.seq_len if r.phase == "prefill" else 1)


def numbers(result: llm.LLMResult) -> dict[str, str]:
    """The table's rows (label -> formatted value) for one analysis, as the explorer shows them."""
    r, t = result, i18n.t
    prefill = r.phase == "prefill"
    fits, mem = r.fits, r.platform.memory_bytes
    fit_text = t("llm.unknown" if fits is None else "llm.yes" if fits else "llm.no") + (
        t("llm.of_memory", used=eng(r.memory_bytes, "B"), memory=eng(mem, "B")) if mem else "")
    return {
        t("axis.time_to_first_token" if prefill else "llm.row_tpot"): eng(r.total_time_s(), "s"),
        t("llm.row_rate_prefill" if prefill else "axis.tokens_per_s_all"): f"{_tokens(r) / r.total_time_s():,.0f}",
        t("llm.row_intensity_pass"): t("llm.intensity_verdict", intensity=sig3(r.total_intensity()),
                                       verdict=i18n.verdict(r.total_bound())),
        t("llm.row_intensity_linear"): f"{sig3(r.total_intensity('linear'))} FLOP/byte",
        t("llm.row_intensity_attention"): f"{sig3(r.total_intensity('attention'))} FLOP/byte",
        t("llm.row_ridge"): f"{sig3(r.ridge_point)} FLOP/byte ({r.compute_dtype})",
        t("llm.row_weights"): eng(r.weight_memory_bytes, "B"),
        t("llm.row_kv_cache"): eng(r.kv_cache_bytes, "B"),
        t("llm.row_fits"): fit_text,
    }


def llm_frame(result: llm.LLMResult, style: Style = STYLE) -> Frame:
    """The LLM explorer's view of one rl.llm.analyze result: every operator at (its intensity, the roof at
    the compute dtype's peak), the whole pass as a star, and the table of :func:`numbers`."""
    r = result
    roof = r.roof
    pts = point_coordinates(r)
    bound, t = r.total_bound(), r.total_time_s()
    tr, word = i18n.t, i18n.verdict(bound)
    phase = tr(f"phase.{r.phase}")
    title = tr("llm.title", model=r.model.display_name, phase=phase, batch=f"{r.batch:g}", seq_len=f"{r.seq_len:g}",
               precision=f"W{r.w_bits}A{r.a_bits}KV{r.kv_bits}")
    rate = tr("axis.rate_prefill" if r.phase == "prefill" else "axis.rate_decode")
    caption = [tr("llm.phase_verdict", phase=phase, verdict=word),
               tr("llm.whole_pass_point", intensity=sig3(r.total_intensity())),
               tr("llm.time_rate", time=eng(t, "s"), tokens=f"{_tokens(r) / t:,.0f}", rate=rate)]
    fig = SvgFigure(tr("llm.alt", title=title, platform=r.platform.display_name, ridge=sig3(r.ridge_point),
                       dtype=r.compute_dtype, intensity=sig3(r.total_intensity()), verdict=word, time=eng(t, "s")),
                    style)
    floor = roof.bandwidth * XLIM[0] / 3
    top = headroom(fig, floor, roof.peak_flops_per_s, fig.caption_height(len(caption)) + 30, title=True)
    ax = roof_panel(fig, roof, XLIM, (floor, top), title=title)
    (xt, yt), = pts["total"]
    whole = tr("llm.whole_pass")
    fig.marker(ax, xt, yt, shape="star", color="gold", size=40, cls="rl-total", title=whole)
    for kind, (_, color, shape) in reversed(KINDS.items()):   # over the star, the linear layers on top
        for x, y in pts[kind]:
            fig.marker(ax, x, y, shape=shape, color=color, size=15, cls=f"rl-op rl-op-{kind}",
                       title=tr(_KIND_TEXT[kind]))
    fig.caption(ax.box[0] + 12, ax.box[1] + 10, caption, color=verdict_color(bound))
    fig.legend(ax, [*((tr(_KIND_TEXT[kind]), shape, color) for kind, (_, color, shape) in KINDS.items()),
                    (whole, "star", "gold")])
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                   for k, v in numbers(r).items())
    state = {"result": r, "phase": r.phase, "batch": r.batch, "seq_len": r.seq_len, "time_s": t,
             "tokens_per_s": _tokens(r) / t, "intensity": r.total_intensity(), "bound": bound,
             "ridge_point": r.ridge_point, "kv_cache_bytes": r.kv_cache_bytes, "memory_bytes": r.memory_bytes,
             "fits": r.fits, "points": pts, "caption": "\n".join(caption)}
    return Frame(fig.svg(), f"<table style='font-size:115%'>{rows}</table>", state)


def llm_explorer(model: str | llm.LLMConfig = "llama-2-7b", platform: str | Platform = "a100-80gb",
                 phase: str = "decode", batch: int = 1, seq_len: int = 1024,
                 precision: str = "W16A16 KV16 (bf16)", platforms: list[str | Platform] | None = None,
                 model_names: list[str] | None = None, flash_attention: bool = True,
                 style: Style = STYLE) -> Explorer:
    """Notebook 05: per-operator roofline explorer of an LLM forward pass.

    ``platforms``: names or rl.Platform objects for the platform menu (default: ``DEFAULT_PLATFORMS`` found
    in the catalogue). Controls: ``model``, ``platform``, ``phase``, ``batch``, ``seq_len`` (prompt length in
    prefill, cached tokens in decode), ``precision`` (see ``PRECISIONS``), ``flash`` (FlashAttention, on by default as
    in rl.llm.analyze: serving engines fuse attention).
    ``state["result"]`` is the current rl.llm.analyze result; ``state`` also has ``time_s``,
    ``tokens_per_s``, ``intensity``, ``bound`` ("memory" or "compute") and ``kv_cache_bytes``.
    """
    model_names = list(model_names or llm.names())
    if platforms is None:
        platforms = [p for p in DEFAULT_PLATFORMS if p in catalogue.names()]
    plat_objs: dict[str, Platform] = {}
    for p in [platform, *platforms]:
        obj = catalogue.get(p)
        plat_objs.setdefault(obj.name, obj)
    first_plat = catalogue.get(platform).name
    custom: dict[str, llm.LLMConfig] = {}
    if isinstance(model, llm.LLMConfig):
        custom = {model.name: model}
        model_names = [model.name, *[m for m in model_names if m != model.name]]
        model = model.name
    else:
        model = llm.get(model).name
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    if batch not in BATCHES or seq_len not in SEQ_LENS:
        raise ValueError(f"batch must be one of {BATCHES} and seq_len one of {SEQ_LENS}, got {batch!r}, {seq_len!r}")
    t = i18n.t
    controls = {
        "model": widgets.Dropdown(options=model_names, value=model, description=t("control.model")),
        "platform": widgets.Dropdown(options=[(p.display_name, n) for n, p in plat_objs.items()], value=first_plat,
                                     description=t("control.platform")),
        "precision": widgets.Dropdown(options=precision_options(PRECISIONS), value=precision,
                                      description=t("control.precision")),
        "phase": widgets.ToggleButtons(options=phase_options(), value=phase, description=t("control.phase")),
        "flash": widgets.Checkbox(value=bool(flash_attention), description="FlashAttention"),
        "batch": widgets.SelectionSlider(options=list(BATCHES), value=batch, description=t("control.batch"),
                                         **slider_layout("420px", "90px")),
        "seq_len": widgets.SelectionSlider(options=list(SEQ_LENS), value=seq_len, description=t("control.seq_len"),
                                           **slider_layout("480px", "130px")),
    }

    def analyze(v: dict[str, Any]) -> llm.LLMResult:
        w, a, kv = PRECISIONS[v["precision"]]
        return llm.analyze(custom.get(v["model"], v["model"]), plat_objs[v["platform"]], v["phase"],
                           batch=v["batch"], seq_len=v["seq_len"], w_bits=w, a_bits=a, kv_bits=kv,
                           flash_attention=v["flash"])

    return Explorer(controls, lambda v: llm_frame(analyze(v), style),
                    rows=[["model", "platform", "precision"], ["phase", "flash"], ["batch", "seq_len"]])

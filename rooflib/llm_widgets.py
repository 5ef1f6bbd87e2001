"""Widgets for notebook 05 (LLM inference: prefill and decode). Built here so tests can drive them.

``llm_explorer()`` shows one forward pass of a transformer (prefill or one decode step) as
per-operator points on the roofline, with controls for model, platform, phase, batch, sequence
length, precision and FlashAttention, and a table of the numbers rl.llm.analyze computes.
ipympl pattern: the figure is built once under ``plt.ioff()``; observers move the points
(``set_offsets``), rewrite the table and call ``fig.canvas.draw_idle()``. Changing the platform or
the precision redraws the roof (its peak changes).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from . import llm
from .core import Platform
from .plot import PALETTE
from .units import eng

__all__ = ["llm_explorer", "PRECISIONS", "BATCHES", "SEQ_LENS", "DEFAULT_PLATFORMS", "point_coordinates", "numbers"]

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
#: Platforms offered by default (those present in the catalogue), accelerators with a memory capacity.
DEFAULT_PLATFORMS = ("a100-80gb", "h100-sxm", "h200", "b200", "mi300x", "rtx-4090", "l4", "t4", "gtx-1080-ti")
KINDS = {"linear": ("linear layers (q/k/v/o, MLP, LM head)", PALETTE[0], "o"),
         "attention": ("attention (QKᵀ, softmax, SV)", PALETTE[2], "s"),
         "other": ("norms, activation, residual adds", PALETTE[6], "^")}


def _kind(name: str) -> str:
    k = llm.OPERATORS.get(name, "attention")  # "attention (flash)" is the fused attention
    return k if k in ("linear", "attention") else "other"


def point_coordinates(result: llm.LLMResult) -> dict[str, np.ndarray]:
    """Per kind, an (n, 2) array of (intensity FLOP/byte, attainable FLOP/s) for each operator's Workload.

    Intensities are clipped to the plotted range ``XLIM``; the height is the roof at the compute
    dtype's peak, min(peak, bandwidth x intensity). Also ``"total"``: the whole pass as one point.
    """
    roof = result.roof
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    for w in result.workloads():
        x = float(np.clip(w.intensity, *XLIM))
        out[_kind(w.name)].append((x, float(roof.attainable(x))))
    arrays = {k: np.array(v, dtype=float).reshape(-1, 2) for k, v in out.items()}
    xt = float(np.clip(result.intensity, *XLIM))
    arrays["total"] = np.array([[xt, float(roof.attainable(xt))]])
    return arrays


def numbers(result: llm.LLMResult) -> dict[str, str]:
    """The table's rows (label -> formatted value) for one analysis, as the widget shows them."""
    r = result
    tokens = r.batch * (r.seq_len if r.phase == "prefill" else 1)
    step = "time to first token (prefill)" if r.phase == "prefill" else "time per output token (one decode step)"
    fits = r.fits
    mem = r.platform.memory_bytes
    fit_text = ("unknown" if fits is None else "yes" if fits else "NO") + (
        f" ({eng(r.memory_bytes, 'B')} of {eng(mem, 'B')})" if mem else "")
    return {
        step: eng(r.time_s, "s"),
        ("prompt tokens/s (prefill, all sequences)" if r.phase == "prefill" else "tokens/s (all sequences)"):
            f"{tokens / r.time_s:,.0f}",
        "intensity, whole pass": f"{r.intensity:.3g} FLOP/byte ({r.bound}-bound)",
        "intensity, linear layers": f"{r.total_intensity('linear'):.3g} FLOP/byte",
        "intensity, attention": f"{r.total_intensity('attention'):.3g} FLOP/byte",
        "ridge point (compute dtype)": f"{r.ridge_point:.3g} FLOP/byte ({r.compute_dtype})",
        "weights": eng(r.weight_memory_bytes, "B"),
        "KV cache": eng(r.kv_cache_bytes, "B"),
        "fits in memory": fit_text,
    }


def _table_html(result: llm.LLMResult) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                   for k, v in numbers(result).items())
    return f"<table>{rows}</table>"


def llm_explorer(model: str = "llama-2-7b", platform: str | Platform = "a100-80gb", phase: str = "decode",
                 batch: int = 1, seq_len: int = 1024, precision: str = "W16A16 KV16 (bf16)",
                 platforms: list[str] | None = None, model_names: list[str] | None = None):
    """Per-operator roofline explorer for an LLM forward pass (notebook 05). Returns an ipywidgets VBox.

    ``platforms``: names or rl.Platform objects for the platform menu (default: ``DEFAULT_PLATFORMS``
    found in the catalogue). Controls: model, platform, phase, batch, seq_len (prompt length in prefill, cached tokens in
    decode), precision (see ``PRECISIONS``), FlashAttention. The returned box also carries
    ``controls`` (dict of widgets), ``fig``, ``ax``, ``points`` (kind -> PathCollection, plus
    ``"total"``), ``table`` (HTML widget) and ``result()`` (the current rl.llm.analyze result).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import platforms as catalogue
    from .plot import roofline

    model_names = list(model_names or llm.models())
    if platforms is None:
        platforms = [p for p in DEFAULT_PLATFORMS if p in catalogue.names()]
    plat_objs = {}
    for p in [platform, *platforms]:
        obj = catalogue.get(p) if isinstance(p, str) else p
        plat_objs.setdefault(obj.name, obj)
    first_plat = (catalogue.get(platform) if isinstance(platform, str) else platform).name
    if isinstance(model, llm.LLMConfig):
        custom = {model.name: model}
        model_names = [model.name, *[m for m in model_names if m != model.name]]
        model = model.name
    else:
        custom = {}
        model = llm.get(model).name
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    style = {"description_width": "initial"}
    controls = {
        "model": widgets.Dropdown(options=model_names, value=model, description="model"),
        "platform": widgets.Dropdown(options=list(plat_objs), value=first_plat, description="platform"),
        "phase": widgets.ToggleButtons(options=["prefill", "decode"], value=phase, description="phase"),
        "batch": widgets.SelectionSlider(options=list(BATCHES), value=batch, description="batch",
                                         continuous_update=False),
        "seq_len": widgets.SelectionSlider(options=list(SEQ_LENS), value=seq_len, description="seq_len",
                                           continuous_update=False, style=style),
        "precision": widgets.Dropdown(options=list(PRECISIONS), value=precision, description="precision"),
        "flash": widgets.Checkbox(value=False, description="FlashAttention"),
    }

    def current() -> llm.LLMResult:
        c = controls
        w, a, kv = PRECISIONS[c["precision"].value]
        m = custom.get(c["model"].value, c["model"].value)
        return llm.analyze(m, plat_objs[c["platform"].value], c["phase"].value, c["batch"].value,
                           c["seq_len"].value, w_bits=w, a_bits=a, kv_bits=kv, flash_attention=c["flash"].value)

    with plt.ioff():
        fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    if not isinstance(fig.canvas, widgets.DOMWidget):
        # Not under `%matplotlib widget` (plain pytest, Agg): give the figure an ipympl canvas anyway.
        from ipympl.backend_nbagg import Canvas, FigureManager

        FigureManager(Canvas(fig), 0)
    fig.canvas.header_visible = False
    table = widgets.HTML()
    # CSS classes the browser test (tests/test_browser.py) uses to find the control and the numbers
    controls["batch"].add_class("rl-batch")
    table.add_class("rl-verdict")
    points: dict[str, Any] = {}
    state: dict[str, Any] = {"roof": None}

    def draw_roof(res: llm.LLMResult) -> None:
        ax.cla()
        roofline(res.roof, [], ax=ax, xlim=XLIM, legend=False)
        for k, (label, color, marker) in KINDS.items():
            points[k] = ax.scatter([], [], s=42, color=color, marker=marker, edgecolors="black", linewidths=0.5,
                                   zorder=5, label=label)
        points["total"] = ax.scatter([], [], s=160, color="gold", marker="*", edgecolors="black", linewidths=0.7,
                                     zorder=6, label="whole forward pass")
        ax.legend(loc="lower right", fontsize=7)
        state["roof"] = (res.platform.name, res.peak_flops_per_s)

    def update(_change: Any = None) -> None:
        res = current()
        if state["roof"] != (res.platform.name, res.peak_flops_per_s):
            draw_roof(res)
        for k, xy in point_coordinates(res).items():
            points[k].set_offsets(xy)
        ax.set_title(f"{res.model.display_name}, {res.phase}, batch {res.batch:g}, seq_len {res.seq_len:g}, "
                     f"W{res.w_bits}A{res.a_bits}KV{res.kv_bits}", fontsize=9)
        table.value = _table_html(res)
        fig.canvas.draw_idle()

    for w in controls.values():
        w.observe(update, names="value")
    update()
    fig.draw_without_rendering()  # lay out once; slider moves then redraw only the artists
    fig.set_layout_engine("none")
    box = widgets.VBox([widgets.HBox([controls["model"], controls["platform"], controls["precision"]]),
                        widgets.HBox([controls["phase"], controls["flash"]]),
                        widgets.HBox([controls["batch"], controls["seq_len"]]),
                        widgets.HBox([fig.canvas, table])])
    box.controls, box.fig, box.ax, box.points, box.table, box.result = controls, fig, ax, points, table, current
    return box

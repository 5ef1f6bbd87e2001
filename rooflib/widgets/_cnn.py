"""Notebook 03: a network's layers and the whole network as points under a platform's roof. The dtype menu sets the
bytes per weight and activation *and* the roof (``Platform.for_dtype``); it offers only the dtypes the chosen
platform lists a peak for, and the text names the ones it leaves out."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import cnn
from .. import platforms as catalogue
from .._validate import unknown_name
from ..core import Platform
from ..i18n import t, verdict
from ..plot import COMPUTE_COLOR, MEMORY_COLOR, PALETTE
from ..units import eng, fmt_bytes, fmt_flops, fmt_time
from ._base import Explorer, Frame
from ._chart import STYLE, Style, SvgFigure, sig3
from ._roof import headroom, roof_panel, verdict_color

__all__ = ["cnn_explorer", "cnn_frame", "cnn_dtype_options", "FLAGS", "DTYPES", "BATCHES"]

#: The convention toggles: control name -> label (English; the checkboxes show ``cnn.flag_<name>`` of the catalogue).
FLAGS = {"fma2": "multiply-add = 2 FLOPs", "inputs": "count layer inputs",
         "norm_act": "BN / ReLU as separate memory passes"}
_FLAG_TEXT = {"fma2": "cnn.flag_fma2", "inputs": "cnn.flag_inputs", "norm_act": "cnn.flag_norm_act"}
DTYPES = ("fp32", "fp16", "bf16", "int8")
BATCHES = (1, 2, 4, 8, 16, 32, 64)


def cnn_frame(network: Any, platform: Platform, convention: Any, xlim: tuple[float, float] = (0.05, 2e3),
              style: Style = STYLE) -> Frame:
    """The CNN explorer's view: each layer at (its intensity, its roof), coloured by its verdict, and the
    whole network as a star; the text compares the per-layer time sum with the whole-network bound."""
    net, p, conv = network, platform, convention
    wl = net.workload(conv)
    pts = net.layer_workloads(conv)
    xi = np.array([w.intensity for w in pts])
    yi = p.attainable(xi)
    mem = xi < p.ridge_point
    att = float(p.attainable(wl))
    bound = p.bound(wl)
    t_layers, t_whole = net.time(p, conv), net.time_whole(p, conv)
    lo = min(xlim[0], xi.min() / 2, wl.intensity / 2)
    hi = max(xlim[1], xi.max() * 2, p.ridge_point * 10)
    word = verdict(bound)
    caption = [t("cnn.title", network=net.display_name, platform=p.display_name),
               t("cnn.whole_network_point", intensity=sig3(wl.intensity), verdict=word),
               t("cnn.attainable", rate=fmt_flops(att)),
               t("cnn.layers_memory_bound", count=int(mem.sum()), total=len(pts))]
    fig = SvgFigure(t("cnn.alt", network=net.display_name, platform=p.display_name, ridge=sig3(p.ridge_point),
                      convention=conv.name, intensity=sig3(wl.intensity), verdict=word, count=int(mem.sum()),
                      total=len(pts)), style)
    floor = p.bandwidth * lo / 2
    ax = roof_panel(fig, p, (lo, hi), (floor, headroom(fig, floor, p.peak_flops_per_s,
                                                       fig.caption_height(len(caption)) + 30)))
    for w, x, y, m in zip(pts, xi, yi, mem):
        fig.marker(ax, float(x), float(y), color=MEMORY_COLOR if m else COMPUTE_COLOR, size=12,
                   cls="rl-layer", title=f"{w.name}: {sig3(x)} FLOP/byte")
    fig.marker(ax, wl.intensity, att, shape="star", color=PALETTE[0], size=34, cls="rl-network",
               title=f"{net.display_name}: {sig3(wl.intensity)} FLOP/byte")
    fig.caption(ax.box[0] + 12, ax.box[1] + 10, caption, color=verdict_color(bound))
    fig.legend(ax, [(t("cnn.layer_memory"), "circle", MEMORY_COLOR), (t("cnn.layer_compute"), "circle", COMPUTE_COLOR),
                    (t("cnn.whole_network"), "star", PALETTE[0])])
    text = (f"<div style='font-size:120%'>{html.escape(conv.describe())}<br>" + t(
        "cnn.summary", network=net.display_name, flops=eng(wl.flops, "FLOP"), bytes=fmt_bytes(wl.bytes),
        intensity=sig3(wl.intensity), ridge=sig3(p.ridge_point), verdict=word, attainable=fmt_flops(att),
        whole=fmt_time(t_whole), layers=fmt_time(t_layers), average=fmt_flops(wl.flops / t_layers)) + "</div>")
    state = {"platform": p, "network": net, "convention": conv, "workload": wl, "intensity": wl.intensity,
             "attainable": att, "bound": bound, "layer_workloads": pts, "layer_xy": np.column_stack([xi, yi]),
             "memory_bound_layers": [w.name for w, m in zip(pts, mem) if m], "time_layers_s": t_layers,
             "time_whole_s": t_whole, "caption": "\n".join(caption)}
    return Frame(fig.svg(), text, state)


def cnn_dtype_options(platform: Platform) -> list[tuple[str, str]]:
    """(label, dtype) for the dtypes of ``DTYPES`` that ``platform`` lists a peak for, each with its ridge point."""
    return [(t("control.dtype_ridge", dtype=d, ridge=sig3(platform.for_dtype(d).ridge_point)), d) for d in DTYPES
            if platform.has_peak(d)]


def cnn_explorer(platform: Platform | str = "gtx-1080-ti", model: str = "mobilenet_v1",
                 convention: str = "blog", platforms: Sequence[str] | None = None,
                 xlim: tuple[float, float] = (0.05, 2e3), style: Style = STYLE) -> Explorer:
    """Notebook 03: a network's layers and the whole network as points under a platform's roof.

    Controls: ``platform`` and ``model`` menus, a ``convention`` preset (``"blog"`` / ``"honest"`` from
    rl.cnn.CONVENTIONS, ``"custom"`` once a toggle differs), toggles ``fma2`` (a multiply-add is 2 FLOPs
    or 1), ``inputs`` (count each layer's input reads), ``norm_act`` (BN / ReLU layers as separate
    memory passes), ``dtype`` (bytes per weight and activation, and the roof: the platform's peak for that dtype;
    only dtypes with a listed peak are offered) and ``batch``. Small dots are the layers
    (coloured by their verdict, each on its own roof), the star is the whole network. ``state`` has the
    whole network's ``bound``, ``time_layers_s`` (rl.cnn.Network.time) and ``time_whole_s``.
    """
    plat = catalogue.get(platform)
    names = list(platforms) if platforms is not None else catalogue.names()
    if plat.name not in names:
        names = [plat.name, *names]
    plats = {n: catalogue.get(n) for n in names}
    plats[plat.name] = plat
    presets = dict(cnn.CONVENTIONS)
    if convention not in presets:
        raise unknown_name("convention preset", convention, presets)
    net0 = cnn.get(model)
    wide = {"style": {"description_width": "initial"}}
    base = presets[convention]
    controls = {
        "platform": widgets.Dropdown(options=[(p.display_name, n) for n, p in plats.items()], value=plat.name,
                                     description=t("control.platform"), **wide),
        "model": widgets.Dropdown(options=[(cnn.get(n).display_name, n) for n in cnn.names()], value=net0.name,
                                  description=t("control.model"), **wide),
        "convention": widgets.Dropdown(options=[*((n, n) for n in presets), (t("cnn.custom"), "custom")],
                                       value=convention, description=t("control.convention"), **wide),
        "dtype": widgets.Dropdown(options=cnn_dtype_options(plat), value=plat.dtype if plat.has_peak(plat.dtype)
                                  else cnn_dtype_options(plat)[0][1], description=t("control.dtype"), **wide),
        "batch": widgets.Dropdown(options=list(BATCHES), value=1, description=t("control.batch"), **wide),
        "fma2": widgets.Checkbox(value=base.flops_per_mac == 2, description=t(_FLAG_TEXT["fma2"]), indent=False),
        "inputs": widgets.Checkbox(value=base.count_inputs, description=t(_FLAG_TEXT["inputs"]), indent=False),
        "norm_act": widgets.Checkbox(value=base.count_norm_act, description=t(_FLAG_TEXT["norm_act"]), indent=False),
    }

    def link(ex: Explorer, name: str) -> None:
        c = ex.controls
        if name == "platform":                                              # the dtypes this platform has a roof for
            p, old = plats[c["platform"].value], c["dtype"].value
            options = cnn_dtype_options(p)
            c["dtype"].options = options
            c["dtype"].value = old if old in [d for _, d in options] else options[0][1]
        if name == "convention" and c["convention"].value in presets:      # a preset sets the toggles
            conv = presets[c["convention"].value]
            c["fma2"].value, c["inputs"].value = conv.flops_per_mac == 2, conv.count_inputs
            c["norm_act"].value = conv.count_norm_act
        elif name in FLAGS:                                                 # toggles pick the preset they match
            match = [n for n, conv in presets.items() if (conv.flops_per_mac == 2) == c["fma2"].value
                     and conv.count_inputs == c["inputs"].value and conv.count_norm_act == c["norm_act"].value]
            c["convention"].value = match[0] if match else "custom"

    def draw(v: dict[str, Any]) -> Frame:
        conv = presets.get(v["convention"], cnn.HONEST).replace(
            flops_per_mac=2 if v["fma2"] else 1, count_inputs=v["inputs"], count_norm_act=v["norm_act"],
            bytes_per_element=v["dtype"], batch=v["batch"], name=v["convention"])
        p = plats[v["platform"]]
        return cnn_frame(cnn.get(v["model"]), p.for_dtype(v["dtype"]), conv, xlim, style)

    return Explorer(controls, draw, link=link,
                    rows=[["platform", "model", "convention", "dtype", "batch"], ["fma2", "inputs", "norm_act"]])

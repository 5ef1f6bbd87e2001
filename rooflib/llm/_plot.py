"""Drawing the latency–throughput curve (``rl.llm.latency_throughput``): per-token latency against tokens/s, one
line per platform x precision x layout, the critical batch and the capacity limit marked. Notebooks 05, 07.
matplotlib is imported when a figure is drawn."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..i18n import figure_text, font_kwargs, legend_kwargs
from ..plot import PALETTE
from ._curve import LatencyThroughput

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_latency_throughput"]



def _labels(curve: LatencyThroughput) -> tuple[list[str], str]:
    """Legend labels naming only what differs between the series (platform, precision, layout), and what they share."""
    parts = [s.label.split(", ") for s in curve.series]
    keep = [k for k in range(3) if len({p[k] for p in parts}) > 1] or [2]
    common = ", ".join(v for k, v in enumerate(parts[0]) if k not in keep)
    return [", ".join(p[k] for k in keep) for p in parts], common


def plot_latency_throughput(curve: LatencyThroughput, ax: Axes | None = None, *, per_device: bool = False,
                            title: str | None = None) -> Axes:
    """Draw each series of ``curve``: x tokens/s (all sequences; per device with ``per_device=True``), y the
    per-token latency in s, both log; a diamond at the critical batch, a square at the capacity limit (the
    memory wall), batch 1 at the left end. Returns the Axes."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import EngFormatter

    if not isinstance(curve, LatencyThroughput):
        raise ValueError(f"curve must be a rl.llm.latency_throughput(...) result, got {type(curve).__name__}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    labels, common = _labels(curve)
    font = font_kwargs()
    for j, s in enumerate(curve.series):
        if s.max_batch == 0:
            continue
        color = PALETTE[j % len(PALETTE)]
        x = s.tokens_per_s / (s.layout.devices if per_device else 1)
        # curves can coincide (TP4 and TP4 x PP2 have the same step time at the same batch): earlier ones wider
        ax.plot(x, s.latency_s, "-", color=color, lw=max(1.5, 5 - 1.2 * j), label=labels[j], gid=f"curve-{j}")
        ax.plot(x[-1], s.latency_s[-1], "s", color=color, mec="black", ms=8, gid=f"capacity-{j}")
        ax.annotate(figure_text("curve.memory_full_at", batch=int(s.batch[-1])), (x[-1], s.latency_s[-1]),
                    textcoords="offset points", xytext=(7, -3), fontsize="small", color=color, va="top", **font)
        if math.isfinite(s.critical_batch) and s.critical_batch <= s.max_batch:
            k = int((s.batch == s.critical_batch).argmax())
            ax.plot(x[k], s.latency_s[k], "D", color=color, mec="black", ms=8, gid=f"critical-{j}")
            ax.annotate(figure_text("curve.critical_at", batch=int(s.critical_batch)), (x[k], s.latency_s[k]),
                        textcoords="offset points", xytext=(-8, 2), ha="right", va="bottom", fontsize="small",
                        color=color, **font)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(EngFormatter(unit=""))
    ax.yaxis.set_major_formatter(EngFormatter(unit="s"))
    ax.set_xlabel(figure_text("axis.tokens_per_s_device" if per_device else "axis.tokens_per_s_all"), **font)
    ax.set_ylabel(figure_text("axis.latency_per_token"), **font)
    ax.grid(True, which="major", alpha=0.3)
    if title is None:
        title = figure_text("curve.title", model=curve.model.display_name, seq_len=curve.seq_len,
                            on=figure_text("curve.on", common=common) if common else "")
    ax.set_title(title, fontsize="medium", **font_kwargs(title))
    marks = [Line2D([], [], ls="", marker="s", color="white", mec="black", ms=8,
                    label=figure_text("curve.memory_full")),
             Line2D([], [], ls="", marker="D", color="white", mec="black", ms=8,
                    label=figure_text("curve.critical_batch"))]
    ax.legend(handles=ax.get_legend_handles_labels()[0] + marks, loc="upper left", **legend_kwargs("small"))
    return ax

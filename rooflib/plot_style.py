"""Figure styles: ``"notebook"`` (reading, the default) and ``"slides"`` (the projector). Lecture mode.

On a 1280x720 slide the body text is 24 px; in the slides style every figure's text (ticks, axis
labels, annotations, legends) is drawn at least that large where the slide shows the figure:
- the explorers' SVG (rl.widgets, 960x540 user units shown at up to 960 px) takes its default
  ``Style`` sizes from :func:`svg_style`;
- matplotlib figures (rl.plot, 10x6 in at 100 dpi shown at up to 1000 px) use :func:`matplotlib_rc`,
  which tools/build_slides.py writes to a matplotlibrc for the kernels that execute the slides
  (``MATPLOTLIBRC``); fixed sizes in code should be relative (``fontsize="small"``) so they follow it.
The style is chosen per process by the environment variable ``ROOFLAB_STYLE`` (unset: notebook);
nothing here changes matplotlib's global state, and matplotlib is not imported.
"""

from __future__ import annotations

import os
from typing import Any

from ._validate import unknown_name

__all__ = ["ENV", "NAMES", "current", "svg_style", "matplotlib_rc", "matplotlibrc"]

ENV = "ROOFLAB_STYLE"
NAMES = ("notebook", "slides")

# rl.widgets.Style fields per style (empty: the Style defaults, 18 / 20 px text on a 960 px figure).
_SVG: dict[str, dict[str, Any]] = {
    "notebook": {},
    "slides": {"width": 1200, "height": 520, "font": 26, "label_font": 28},
}

# matplotlib rcParams per style. At 100 dpi 22 pt is 30.6 px (axis labels, titles) and "small" (x0.833,
# ticks, legends, annotations) 25.5 px: still above the slides' 24 px body text.
_MATPLOTLIB: dict[str, dict[str, Any]] = {
    "notebook": {},
    "slides": {
        "font.size": 22,
        "axes.titlesize": "medium",
        "axes.labelsize": "medium",
        "xtick.labelsize": "small",
        "ytick.labelsize": "small",
        "legend.fontsize": "small",
        "figure.titlesize": "medium",
        "axes.linewidth": 1.4,
        "lines.linewidth": 2.6,
        "lines.markersize": 10,
        "xtick.major.size": 7,
        "ytick.major.size": 7,
    },
}


def current() -> str:
    """The style of this process: ``$ROOFLAB_STYLE`` (``"notebook"`` when unset or empty)."""
    name = os.environ.get(ENV, "").strip().lower() or "notebook"
    if name not in NAMES:
        raise unknown_name(f"figure style (environment variable {ENV})", name, NAMES)
    return name


def _pick(table: dict[str, dict[str, Any]], name: str | None) -> dict[str, Any]:
    name = current() if name is None else name
    if name not in table:
        raise unknown_name("figure style", name, NAMES)
    return dict(table[name])


def svg_style(name: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``rl.widgets.Style`` in style ``name`` (default: :func:`current`)."""
    return _pick(_SVG, name)


def matplotlib_rc(name: str | None = None) -> dict[str, Any]:
    """matplotlib rcParams of style ``name`` (default: :func:`current`); use with ``plt.rc_context``."""
    return _pick(_MATPLOTLIB, name)


def matplotlibrc(name: str | None = None) -> str:
    """The text of a matplotlibrc file holding :func:`matplotlib_rc` (for ``MATPLOTLIBRC``)."""
    lines = [f"# Roofline Lab figure style {name or current()!r} (rooflib/plot_style.py); written by the build"]
    lines += [f"{key}: {value}" for key, value in matplotlib_rc(name).items()]
    return "\n".join(lines) + "\n"

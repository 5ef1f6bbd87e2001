"""The one ``Explorer`` every builder in rooflib.widgets returns, and helpers the builders share.

An explorer is controls plus a pure ``draw`` function: ``draw(values) -> Frame`` takes the controls'
values (name -> value) and returns the SVG of the figure, the HTML of the numbers and the ``state``
dict behind them. Moving a control calls ``draw`` again and puts the new SVG into ``fig`` (an
``ipywidgets.HTML``) and the numbers into ``text``; the browser draws the SVG, so a move costs a
millisecond or two of Python and one small message (bench/bench_widget_latency.py).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from .._validate import positive, unknown_name

__all__ = ["Explorer", "Frame", "log_options", "slider_layout", "FIGSIZE", "figure"]

FIGSIZE = (10, 6)       # inches: a static matplotlib figure large enough for a projector


@dataclass(frozen=True)
class Frame:
    """What an explorer shows for one set of control values: ``svg`` (the figure), ``text`` (HTML with the
    numbers) and ``state`` (the numbers, SI units; verdicts ``"memory"`` / ``"compute"``)."""

    svg: str
    text: str
    state: dict[str, Any] = field(default_factory=dict)


class Explorer:
    """A live figure with controls. Every explorer of the course is one (notebooks 01-06).

    - ``controls``: name -> ipywidget; ``set(name=value, ...)`` moves several at once (one redraw).
    - ``fig``: the figure, an ``ipywidgets.HTML`` whose value is an SVG drawn by the browser
      (log-log axes, alt text in its ``aria-label``); ``fig.value`` is the SVG text (save it as .svg).
    - ``text``: an ``ipywidgets.HTML`` with the numbers behind the view.
    - ``state``: a dict of those numbers (SI units: FLOPs, bytes, FLOP/s, seconds); a verdict is
      ``"memory"`` or ``"compute"``.
    - ``view``: what the notebook shows (controls, ``fig``, ``text``); a cell that ends with the
      explorer displays it.

    ``draw(values) -> Frame`` is called with the controls' values on every change; ``link(explorer,
    name)``, if given, runs first (inside ``hold()``) to adjust other controls when ``name`` changed.
    """

    def __init__(self, controls: dict[str, widgets.ValueWidget], draw: Callable[[dict[str, Any]], Frame], *,
                 rows: Sequence[Sequence[str]] | None = None,
                 link: Callable[[Explorer, str], None] | None = None) -> None:
        self.controls = dict(controls)
        self._draw = draw
        self._link = link
        self._depth = 0
        self._dirty = False
        self._linking = False
        self.state: dict[str, Any] = {}
        self.fig = widgets.HTML(layout=widgets.Layout(width="100%"))   # the SVG sets its own max-width
        self.fig.add_class("rl-figure")
        self.text = widgets.HTML()
        self.text.add_class("rl-text")
        for name, c in self.controls.items():
            c.add_class(f"rl-control-{name}")       # hooks for tests/test_browser.py and the bench
            c.observe(lambda change, n=name: self._changed(n), names="value")
        rows = [list(r) for r in rows] if rows is not None else [list(self.controls)]
        boxes = [widgets.HBox([self.controls[n] for n in row], layout=widgets.Layout(flex_flow="row wrap"))
                 for row in rows]
        self.view = widgets.VBox([*boxes, self.fig, self.text])
        self.view.add_class("rl-explorer")
        self.update()

    # -- changing controls
    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls inside ``with explorer.hold():``; the view redraws once, at the end."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self.update()

    def set(self, **values: Any) -> Explorer:
        """Set several controls at once, as a learner would move them; the view redraws once."""
        for name in values:
            if name not in self.controls:
                raise unknown_name("control", name, self.controls)
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
        return self

    def values(self) -> dict[str, Any]:
        """The controls' current values, name -> value."""
        return {n: c.value for n, c in self.controls.items()}

    def _changed(self, name: str) -> None:
        with self.hold():
            self._dirty = True
            if self._link is not None and not self._linking:   # changes made by the link do not re-link
                self._linking = True
                try:
                    self._link(self, name)
                finally:
                    self._linking = False

    def update(self) -> None:
        """Redraw from the controls' values (moving a control does this by itself)."""
        self._dirty = False
        frame = self._draw(self.values())
        self.state.clear()
        self.state.update(frame.state)
        if self.fig.value != frame.svg:
            self.fig.value = frame.svg
        if self.text.value != frame.text:
            self.text.value = frame.text

    # -- display
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:  # pragma: no cover - notebook display
        return self.view._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Explorer(controls={list(self.controls)}, state keys={list(self.state)})"


# --- helpers the builders share ------------------------------------------------------------------

_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8)


def log_options(lo: float, hi: float, label: Callable[[float], str] = lambda v: f"{v:g}",
                extra: Sequence[float] = ()) -> list[tuple[str, float]]:
    """(label, value) options for a SelectionSlider: round values 1, 1.2, 1.5, 2, ... 8 per decade
    from ``lo`` to ``hi`` (inclusive), plus the exact values in ``extra``, sorted, labels unique."""
    lo, hi = positive("lo", lo), positive("hi", hi)
    if hi <= lo:
        raise ValueError(f"hi must be larger than lo, got lo={lo!r}, hi={hi!r}")
    values = {float(f"{m}e{e}") for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
              for m in _MANTISSAS}
    values = {v for v in values if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12)}
    values |= {positive("extra", v) for v in extra}
    out: dict[str, float] = {}
    for v in sorted(values):
        key = label(v)
        if key in out and v in extra:    # an exact value wins over a round one with the same label
            out[key] = v
        out.setdefault(key, v)
    return list(out.items())


def slider_layout(width: str = "560px", description_width: str = "200px") -> dict[str, Any]:
    """Keyword arguments for a wide slider whose description is not cut ("intensity I (FLOP/byte)")."""
    return {"style": {"description_width": description_width}, "layout": widgets.Layout(width=width)}


def figure(figsize: tuple[float, float] = FIGSIZE) -> tuple[Any, Any]:
    """A large (projector-sized) static matplotlib figure and its Axes, not shown by itself: draw on it
    with rl.plot, then end the cell with ``rl.plot.show(fig)`` (the live figure under ``%matplotlib widget``,
    with its alt text; notebooks 02-07)."""
    import matplotlib.pyplot as plt

    with plt.ioff():
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    canvas = fig.canvas
    if isinstance(canvas, widgets.DOMWidget):   # ipympl: hide the "Figure 1" header, keep the toolbar
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_position = "left"
    return fig, ax

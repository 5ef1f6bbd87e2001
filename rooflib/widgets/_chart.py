"""A small SVG drawing of log-log charts, built as a string in the kernel and drawn by the browser.

The explorers' live figures are SVG: building one takes a millisecond or two in Python, the
browser renders it natively (no image round trip), it is stored in the notebook (the static site
shows it), its text is real text (any font the browser has, CJK included) and it carries alt text
(``role="img"``, ``aria-label``, ``<title>``).

Geometry, which tests/test_widgets.py checks: each panel is a ``<g class="rl-axes">`` with
``data-xlim="lo hi"``, ``data-ylim="lo hi"`` (data units) and ``data-box="left top width height"``
(pixels); a value v maps to ``left + width * log10(v / lo) / log10(hi / lo)`` across and
``top + height * (1 - log10(v / lo) / log10(hi / lo))`` down. Every marker is a ``<path>`` with
``transform="translate(px py)"`` and ``data-x`` / ``data-y`` in data units.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..plot import fmt_intensity_tick
from ..plot_style import svg_style

__all__ = ["Style", "STYLE", "LogAxes", "SvgFigure", "decades", "sig3", "text_width", "MARKERS"]


@dataclass(frozen=True)
class Style:
    """Sizes of a figure in SVG pixels (the SVG scales to the output's width; 960 px wide by default,
    so on a 1280x720 projector text stays near these sizes). Pass another Style for slides."""

    width: int = 960
    height: int = 540
    font: int = 18            # tick labels, annotations
    label_font: int = 20      # axis labels, captions
    family: str = "'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', Arial, sans-serif"
    grid: str = "#d9d9d9"
    ink: str = "#222222"


STYLE = Style(**svg_style())


def _n(v: float) -> str:
    """A pixel coordinate: two decimals, no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _attrs(**kw: object) -> str:
    out = []
    for k, v in kw.items():
        if v is None or v is False:
            continue
        out.append(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v), quote=True)}"')
    return "".join(out)


def _el(tag: str, body: str | None = None, **attrs: object) -> str:
    """One SVG element: ``<tag a="v"/>``, or ``<tag a="v">body</tag>`` (``body`` is markup, not escaped)."""
    return f"<{tag}{_attrs(**attrs)}/>" if body is None else f"<{tag}{_attrs(**attrs)}>{body}</{tag}>"


def _pair(a: float, b: float) -> str:
    """Two data values in full precision, for ``data-*`` attributes the tests read back."""
    return f"{a:.17g} {b:.17g}"


@dataclass(frozen=True)
class LogAxes:
    """A log-log panel: data (x, y) in ``xlim`` x ``ylim`` -> pixels in ``box`` (left, top, width, height)."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    box: tuple[float, float, float, float]

    def x(self, v: float) -> float:
        lo, hi = self.xlim
        return self.box[0] + self.box[2] * math.log10(v / lo) / math.log10(hi / lo)

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        return self.box[1] + self.box[3] * (1 - math.log10(v / lo) / math.log10(hi / lo))

    def x_value(self, px: float) -> float:
        """The data x at pixel column ``px`` (the inverse of :meth:`x`)."""
        lo, hi = self.xlim
        return lo * (hi / lo) ** ((px - self.box[0]) / self.box[2])

    def angle(self, p0: tuple[float, float], p1: tuple[float, float]) -> float:
        """The on-screen angle in degrees (counter-clockwise) of the line from data point p0 to p1."""
        return math.degrees(math.atan2(self.y(p0[1]) - self.y(p1[1]), self.x(p1[0]) - self.x(p0[0])))


def decades(lo: float, hi: float) -> list[float]:
    """Powers of ten from lo to hi inclusive."""
    return [10.0**e for e in range(math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9) + 1)]


def sig3(v: float, digits: int = 3) -> str:
    """A number to three (or ``digits``) significant digits, without an exponent between 1e-4 and 1e15
    (1000, not 1e+03)."""
    v = float(f"{v:.{digits}g}")
    if v == 0 or 1e-4 <= abs(v) < 1e15:
        text = repr(v)                  # the shortest text that reads back as v: 93.4, not 93.40000000000001
        return text[:-2] if text.endswith(".0") else text
    return f"{v:.{digits}g}"


def _minor(lo: float, hi: float) -> list[float]:
    """2..9 times each power of ten strictly inside (lo, hi)."""
    return [m * 10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)))
            for m in range(2, 10) if lo < m * 10.0**e < hi]


def text_width(s: str, size: float) -> float:
    """Estimated width in pixels of ``s`` at font size ``size`` (a sans-serif average; wide CJK glyphs count 1 em)."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in s)


# Marker shapes as paths around (0, 0) for a size s (about the marker's diameter in pixels).
MARKERS: dict[str, Callable[[float], str]] = {
    "circle": lambda s: (f"M{_n(-s / 2)},0a{_n(s / 2)},{_n(s / 2)} 0 1,0 {_n(s)},0"
                         f"a{_n(s / 2)},{_n(s / 2)} 0 1,0 {_n(-s)},0Z"),
    "square": lambda s: f"M{_n(-s / 2)},{_n(-s / 2)}h{_n(s)}v{_n(s)}h{_n(-s)}Z",
    "diamond": lambda s: f"M0,{_n(-s * 0.6)}L{_n(s * 0.6)},0L0,{_n(s * 0.6)}L{_n(-s * 0.6)},0Z",
    "triangle": lambda s: f"M0,{_n(-s * 0.6)}L{_n(s * 0.55)},{_n(s * 0.45)}L{_n(-s * 0.55)},{_n(s * 0.45)}Z",
    "star": lambda s: "M" + "L".join(
        f"{_n(r * math.sin(k * math.pi / 5))},{_n(-r * math.cos(k * math.pi / 5))}"
        for k, r in zip(range(10), [s * 0.7, s * 0.28] * 5)) + "Z",
}


class SvgFigure:
    """An SVG figure being built: panels (``axes``), then shapes in data or pixel coordinates; ``svg()``.
    ``alt`` is the alt text: what the figure shows (the platform, the ridge, the verdicts)."""

    def __init__(self, alt: str, style: Style = STYLE, height: int | None = None) -> None:
        self.style = style
        self.alt = alt
        self.height = height or style.height
        self._parts: list[str] = []

    # -- panels
    def axes(self, xlim: tuple[float, float], ylim: tuple[float, float], *, xlabel: str, ylabel: str,
             span: tuple[float, float] | None = None, name: str = "main", title: str | None = None,
             xfmt: Callable[[float], str] = fmt_intensity_tick, yfmt: Callable[[float], str] = fmt_intensity_tick
             ) -> LogAxes:
        """Draw a log-log panel over the pixel columns ``span`` (default: the whole width): frame, decade
        grid and labels, minor ticks, axis labels. Returns its data -> pixel mapping."""
        st = self.style
        x0, x1 = span if span is not None else (0, st.width)
        xs, ys = decades(*xlim), decades(*ylim)
        ylabels = [(v, yfmt(v)) for v in ys[::1 if len(ys) <= 11 else 2]]
        tick_w = max((text_width(t, st.font) for _, t in ylabels), default=30)
        left = x0 + 6 + st.label_font + 10 + tick_w + 10
        top, bottom = self._rows(bool(title))
        right = max(20.0, text_width(xfmt(xs[-1]), st.font) / 2 + 6) if xs else 20.0
        box = (left, top, x1 - right - left, bottom - top)
        ax = LogAxes((float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1])), box)
        left, top, w, h = box
        frame = {"x": _n(left), "y": _n(top), "width": _n(w), "height": _n(h)}
        grid = "".join(f"M{_n(ax.x(v))},{_n(top)}v{_n(h)}" for v in xs)
        grid += "".join(f"M{_n(left)},{_n(ax.y(v))}h{_n(w)}" for v in ys)
        ticks = "".join(f"M{_n(ax.x(v))},{_n(top + h)}v-5" for v in _minor(*xlim))
        ticks += "".join(f"M{_n(left)},{_n(ax.y(v))}h5" for v in _minor(*ylim))
        ticks += "".join(f"M{_n(ax.x(v))},{_n(top + h)}v-9" for v in xs)
        ticks += "".join(f"M{_n(left)},{_n(ax.y(v))}h9" for v in ys)
        out = [_el("rect", **frame, fill="white", stroke="none"),
               _el("path", class_="rl-grid", d=grid, stroke=st.grid, stroke_width=1, fill="none"),
               _el("path", class_="rl-ticks", d=ticks, stroke=st.ink, stroke_width=1.2, fill="none"),
               _el("rect", **frame, fill="none", stroke=st.ink, stroke_width=1.5)]
        widest = max((text_width(fmt, st.font) for fmt in map(xfmt, xs)), default=30)
        for v in xs[::1 if len(xs) * (widest + 12) <= w else 2]:
            out.append(self._text(ax.x(v), top + h + st.font + 6, xfmt(v), st.font, "middle", cls="rl-xtick"))
        for v, t in ylabels:
            out.append(self._text(left - 10, ax.y(v) + st.font * 0.35, t, st.font, "end", cls="rl-ytick"))
        out.append(self._text(left + w / 2, top + h + 2 * st.font + 18, xlabel, st.label_font, "middle",
                              cls="rl-xlabel"))
        out.append(self._text(x0 + 6 + st.label_font * 0.8, top + h / 2, ylabel, st.label_font, "middle",
                              cls="rl-ylabel", transform=f"rotate(-90 {_n(x0 + 6 + st.label_font * 0.8)} "
                                                         f"{_n(top + h / 2)})"))
        if title:
            out.append(self._text(left + w / 2, top - 12, title, st.label_font, "middle", cls="rl-title"))
        self._parts.append(_el("g", "".join(out), class_="rl-axes", data_name=name, data_xlim=_pair(*xlim),
                               data_ylim=_pair(*ylim), data_box=" ".join(_n(v) for v in box)))
        return ax

    def _rows(self, title: bool) -> tuple[float, float]:
        """Pixel rows of a panel's top and bottom edges (room for a title above, tick and axis labels below)."""
        st = self.style
        return (14 + st.label_font + 10 if title else 14), self.height - 2 * st.font - 34

    def panel_height(self, title: bool = False) -> float:
        """Height in pixels of a panel drawn by :meth:`axes` (with or without a title)."""
        top, bottom = self._rows(title)
        return bottom - top

    def caption_height(self, lines: int, size: int | None = None) -> float:
        """Height in pixels of a :meth:`caption` of ``lines`` lines."""
        return lines * (size or self.style.label_font) * 1.3 + 12

    def caption_width(self, lines: Sequence[str], size: int | None = None) -> float:
        """Width in pixels of a :meth:`caption` holding ``lines``."""
        return max((text_width(s, size or self.style.label_font) for s in lines), default=0) + 20

    def defs(self, markup: str) -> None:
        """SVG definitions (hatch patterns) used by this figure's shapes; their ids must be unique on the page."""
        self._parts.insert(0, markup)

    # -- shapes in data coordinates (lines and areas clipped to the panel)
    def _clipped(self, ax: LogAxes, element: str) -> str:
        """``element`` inside a nested <svg> the size of the panel, which clips it (no ids needed)."""
        left, top, w, h = ax.box
        return _el("svg", element, x=_n(left), y=_n(top), width=_n(w), height=_n(h),
                   viewBox=f"{_n(left)} {_n(top)} {_n(w)} {_n(h)}", overflow="hidden")

    def line(self, ax: LogAxes, xs: Sequence[float], ys: Sequence[float], *, color: str, width: float = 3,
             dash: str | None = None, cls: str = "", opacity: float | None = None) -> None:
        """A polyline through data points (log-log), clipped to the panel."""
        pts = " ".join(f"{_n(ax.x(x))},{_n(ax.y(y))}" for x, y in zip(xs, ys) if x > 0 and y > 0)
        self._parts.append(self._clipped(ax, _el(
            "polyline", class_=cls or None, points=pts, fill="none", stroke=color, stroke_width=width,
            stroke_dasharray=dash, stroke_opacity=opacity, stroke_linejoin="round")))

    def polygon(self, ax: LogAxes, xs: Sequence[float], ys: Sequence[float], *, fill: str, opacity: float,
                cls: str = "") -> None:
        """A filled polygon through data points, clipped to the panel."""
        pts = " ".join(f"{_n(ax.x(x))},{_n(ax.y(y))}" for x, y in zip(xs, ys))
        self._parts.append(self._clipped(ax, _el("polygon", class_=cls or None, points=pts, fill=fill,
                                                 fill_opacity=opacity, stroke="none")))

    def marker(self, ax: LogAxes, x: float, y: float, *, shape: str = "circle", color: str, size: float = 14,
               cls: str = "", edge: str = "black", title: str | None = None) -> None:
        """A marker centred on (x, y) in data units; ``title`` becomes its tooltip."""
        tip = f"<title>{html.escape(title)}</title>" if title else ""
        self._parts.append(_el("path", tip, class_=("rl-marker " + cls).strip(), d=MARKERS[shape](size),
                               transform=f"translate({_n(ax.x(x))} {_n(ax.y(y))})", fill=color, stroke=edge,
                               stroke_width=1.2, data_x=f"{x:.17g}", data_y=f"{y:.17g}"))

    def arrow(self, ax: LogAxes, start: tuple[float, float], end: tuple[float, float], *, color: str,
              width: float = 4, cls: str = "rl-arrow") -> None:
        """An arrow from ``start`` to ``end`` (data units), its head at ``end``, stopping short of the markers."""
        x0, y0, x1, y1 = ax.x(start[0]), ax.y(start[1]), ax.x(end[0]), ax.y(end[1])
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1:
            return
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        tip_x, tip_y = x1 - ux * 10, y1 - uy * 10
        base_x, base_y = tip_x - ux * 18, tip_y - uy * 18
        head = (f"{_n(tip_x)},{_n(tip_y)} {_n(base_x - uy * 9)},{_n(base_y + ux * 9)} "
                f"{_n(base_x + uy * 9)},{_n(base_y - ux * 9)}")
        shaft = _el("line", x1=_n(x0 + ux * 10), y1=_n(y0 + uy * 10), x2=_n(base_x), y2=_n(base_y), stroke=color,
                    stroke_width=width)
        self._parts.append(_el("g", shaft + _el("polygon", points=head, fill=color), class_=cls,
                               data_from=_pair(*start), data_to=_pair(*end)))

    # -- text and boxes (pixel coordinates)
    def _text(self, x: float, y: float, s: str, size: int, anchor: str = "start", *, cls: str = "",
              color: str | None = None, weight: str | None = None, **extra: object) -> str:
        return _el("text", html.escape(s), class_=cls or None, x=_n(x), y=_n(y), font_size=size,
                   text_anchor=anchor, fill=color or self.style.ink, font_weight=weight, **extra)

    def text(self, x: float, y: float, s: str, *, size: int | None = None, anchor: str = "start", cls: str = "",
             color: str | None = None, weight: str | None = None) -> None:
        """Text at pixel (x, y) (y is the baseline)."""
        self._parts.append(self._text(x, y, s, size or self.style.font, anchor, cls=cls, color=color, weight=weight))

    def label(self, ax: LogAxes, x: float, y: float, s: str, *, dx: float = 8, dy: float = -8, anchor: str = "start",
              cls: str = "", color: str | None = None, size: int | None = None, weight: str | None = None,
              halo: bool = True, angle: float = 0.0) -> None:
        """Text offset (dx, dy) pixels from a data point, kept inside the panel, with a white halo so it
        reads over lines; ``angle``: degrees, counter-clockwise (text along a sloped line)."""
        px, py = ax.x(x) + dx, ax.y(y) + dy
        left, top, w, h = ax.box
        size = size or self.style.font
        if anchor == "start":
            px = min(px, left + w - text_width(s, size) - 4)
        elif anchor == "end":
            px = max(px, left + text_width(s, size) + 4)
        py = min(max(py, top + size + 2), top + h - 4)
        extra: dict[str, object] = ({"stroke": "white", "stroke_width": 4, "paint_order": "stroke",
                                     "stroke_linejoin": "round"} if halo else {})
        if angle:
            extra["transform"] = f"rotate({_n(-angle)} {_n(px)} {_n(py)})"
        self._parts.append(self._text(px, py, s, size, anchor, cls=cls, color=color, weight=weight, **extra))

    def caption(self, x: float, y: float, lines: Sequence[str], *, cls: str = "rl-caption", size: int | None = None,
                bold_first: bool = True, color: str | None = None) -> None:
        """A block of lines on a white box, its top-left corner at pixel (x, y); the first line bold, in ``color``."""
        size = size or self.style.label_font
        out = [_el("rect", x=_n(x), y=_n(y), width=_n(self.caption_width(lines, size)),
                   height=_n(self.caption_height(len(lines), size)), rx=6, fill="white", fill_opacity=0.92,
                   stroke="#999999")]
        for i, s in enumerate(lines):
            out.append(self._text(x + 10, y + 6 + size * (1.3 * i + 1), s, size, color=color if i == 0 else None,
                                  weight="bold" if (bold_first and i == 0) else None))
        self._parts.append(_el("g", "".join(out), class_=cls))

    def legend(self, ax: LogAxes, entries: Iterable[tuple[str, str, str]], *, corner: str = "lower right",
               size: int | None = None) -> None:
        """A legend box in a corner of the panel ("upper left", "lower right", ...): entries are (label, shape,
        colour); shape "line" draws a line."""
        entries = list(entries)
        size = size or self.style.font - 2
        width = max((text_width(s, size) for s, _, _ in entries), default=0) + 54
        height = len(entries) * size * 1.4 + 10
        left, top, w, h = ax.box
        x = left + 10 if "left" in corner else left + w - 10 - width
        y = top + 10 if "upper" in corner else top + h - 38 - height
        out = [_el("rect", x=_n(x), y=_n(y), width=_n(width), height=_n(height), rx=6, fill="white",
                   fill_opacity=0.92, stroke="#999999")]
        for i, (text, shape, color) in enumerate(entries):
            cy = y + 5 + size * (1.4 * i + 0.7)
            if shape == "line":
                out.append(_el("path", d=f"M{_n(x + 8)},{_n(cy)}h26", stroke=color, stroke_width=3))
            else:
                out.append(_el("path", d=MARKERS[shape](size * 0.8), transform=f"translate({_n(x + 21)} {_n(cy)})",
                               fill=color, stroke="black", stroke_width=1))
            out.append(self._text(x + 42, cy + size * 0.35, text, size))
        self._parts.append(_el("g", "".join(out), class_="rl-legend"))

    def svg(self) -> str:
        """The finished SVG: scales to its container's width, with alt text (role img, aria-label, title)."""
        st = self.style
        body = f"<title>{html.escape(self.alt)}</title>" + "".join(self._parts)
        return _el("svg", body, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {st.width} {self.height}",
                   role="img", aria_label=self.alt, font_family=st.family,
                   style=f"width:100%;max-width:{st.width}px;height:auto;display:block")

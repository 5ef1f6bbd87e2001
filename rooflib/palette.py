"""The course's colours, chosen so that every learner can tell them apart. Notebook 02 (the regions).

- Region colours: memory-bound (left of the ridge) is burnt orange, compute-bound is blue, a pair that
  stays distinct under deuteranopia, protanopia and tritanopia (red / green does not: the commonest
  colour-vision deficiency cannot tell them apart). Each region also has a second cue that needs no
  colour: a hatch that runs like the roof above it (diagonal under the sloped roof, horizontal under the
  flat one) and its label ("memory-bound", "compute-bound").
- Series colours (``PALETTE``): six colours (Okabe-Ito, Paul Tol and IBM colours) for roofs and
  workloads; every pair stays distinct under the three deficiencies, and each has at least 3:1 contrast
  on white (WCAG 2.1, 1.4.11: lines and markers). ``PALETTE[0]`` and ``PALETTE[1]`` are the two furthest
  from both region colours: use them for marks that sit on the regions but are not verdicts.
- The colour science that tests/test_palette.py checks them with, as pure functions: the Machado,
  Oliveira & Fernandes (2009) simulation of each deficiency (severity 1.0, in linear RGB), CIELAB (D65)
  and the CIEDE2000 colour difference (Sharma, Wu & Dalal 2005), WCAG contrast ratios.

Colours are ``"#rrggbb"`` sRGB strings. matplotlib (rl.plot) and the explorers' SVG (rl.widgets) take
their colours, alphas and hatches from here. Nothing here imports matplotlib.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ._validate import unknown_name

__all__ = ["MEMORY_COLOR", "COMPUTE_COLOR", "REGION_ALPHA", "HATCH_ALPHA", "MEMORY_HATCH", "COMPUTE_HATCH",
           "PALETTE", "Region", "REGIONS", "region", "svg_hatch_defs", "svg_hatch_fill", "VISIONS",
           "CVD_MATRICES", "to_rgb", "to_hex", "srgb_to_linear", "linear_to_srgb", "simulate", "blend", "to_lab",
           "delta_e", "delta_e_under", "relative_luminance", "contrast_ratio", "darken_to_contrast"]

# --- the colours -----------------------------------------------------------------------------------

MEMORY_COLOR = "#c25400"    # memory-bound region (left of the ridge): burnt orange, 4.6:1 on white
COMPUTE_COLOR = "#0b5cd5"   # compute-bound region (right of the ridge): blue, 6.0:1 on white
REGION_ALPHA = 0.15         # opacity of the shaded regions (light fills, painted over white)
HATCH_ALPHA = 0.45          # opacity of the hatch lines drawn over a region's fill
MEMORY_HATCH = "//"         # matplotlib hatch: diagonal, like the sloped (memory) roof
COMPUTE_HATCH = "--"        # matplotlib hatch: horizontal, like the flat (compute) roof

# Series colours: bluish green, reddish purple (Okabe & Ito 2008), dark blue (Tol), violet (IBM), grey,
# dark orange. Cycle them (PALETTE[i % len(PALETTE)]); label the marks when there are more series.
PALETTE = ("#009e73", "#cc79a7", "#004488", "#785ef0", "#595959", "#c85200")


@dataclass(frozen=True)
class Region:
    """One side of the ridge: its verdict (``"memory"`` or ``"compute"``), colour, label and hatch."""

    verdict: str
    color: str
    label: str
    hatch: str          # matplotlib hatch pattern
    svg_angle: float    # degrees: the SVG hatch lines' direction (counter-clockwise from the x axis)


REGIONS = {"memory": Region("memory", MEMORY_COLOR, "memory-bound", MEMORY_HATCH, 45.0),
           "compute": Region("compute", COMPUTE_COLOR, "compute-bound", COMPUTE_HATCH, 0.0)}


def region(verdict: str) -> Region:
    """The Region of a verdict, ``"memory"`` or ``"compute"``."""
    if verdict not in REGIONS:
        raise unknown_name("verdict", verdict, REGIONS)
    return REGIONS[verdict]


def svg_hatch_defs(prefix: str, spacing: float = 12.0, width: float = 2.0) -> str:
    """SVG ``<defs>`` with one hatch ``<pattern>`` per region, ids ``{prefix}-memory`` / ``{prefix}-compute``.

    Ids are page-wide in HTML: give each figure its own ``prefix`` (two figures whose defs are identical
    may share one). Fill a region's polygon with :func:`svg_hatch_fill` over its light colour fill."""
    pats = []
    for r in REGIONS.values():
        pats.append(f'<pattern id="{html.escape(prefix)}-{r.verdict}" patternUnits="userSpaceOnUse" '
                    f'width="{spacing:g}" height="{spacing:g}" patternTransform="rotate({-r.svg_angle:g})">'
                    f'<path d="M0,{spacing / 2:g}h{spacing:g}" stroke="{r.color}" stroke-width="{width:g}" '
                    f'stroke-opacity="{HATCH_ALPHA:g}"/></pattern>')
    return "<defs>" + "".join(pats) + "</defs>"


def svg_hatch_fill(verdict: str, prefix: str) -> str:
    """The SVG ``fill`` value that paints ``verdict``'s hatch defined by :func:`svg_hatch_defs`."""
    return f"url(#{html.escape(prefix)}-{region(verdict).verdict})"


# --- colour science ----------------------------------------------------------------------------------

VISIONS = ("normal", "deuteranopia", "protanopia", "tritanopia")

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", IEEE TVCG 15(6), severity 1.0; they act on linear RGB. Each row sums to 1 (white stays white).
CVD_MATRICES = {
    "protanopia": ((0.152286, 1.052583, -0.204868),
                   (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968),
                     (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779),
                   (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}

RGB = tuple[float, float, float]


def to_rgb(color: str | Sequence[float]) -> RGB:
    """``"#rrggbb"`` / ``"#rgb"`` (or an (r, g, b) triple in 0..1) -> (r, g, b) sRGB in 0..1."""
    if isinstance(color, str):
        h = color.strip().lstrip("#")
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        try:
            if len(h) != 6:
                raise ValueError
            return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)
        except ValueError:
            raise ValueError(f"color must be '#rrggbb' or '#rgb', got {color!r}") from None
    rgb = tuple(float(c) for c in color)
    if len(rgb) != 3 or not all(0.0 <= c <= 1.0 for c in rgb):
        raise ValueError(f"color must be '#rrggbb' or an (r, g, b) triple in 0..1, got {color!r}")
    return rgb  # type: ignore[return-value]


def to_hex(rgb: Sequence[float]) -> str:
    """(r, g, b) sRGB in 0..1 (clipped) -> ``"#rrggbb"``."""
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgb)


def srgb_to_linear(c: float) -> float:
    """One sRGB channel (0..1, gamma-encoded) -> linear light (IEC 61966-2-1)."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def linear_to_srgb(c: float) -> float:
    """One linear-light channel (clipped to 0..1) -> gamma-encoded sRGB (IEC 61966-2-1)."""
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def simulate(color: str | Sequence[float], vision: str) -> str:
    """``color`` as seen with ``vision`` (one of VISIONS): Machado et al. (2009), severity 1.0, applied to
    linear RGB, clipped to the sRGB gamut. ``"normal"`` returns the colour unchanged."""
    if vision not in VISIONS:
        raise unknown_name("vision", vision, VISIONS)
    rgb = to_rgb(color)
    if vision == "normal":
        return to_hex(rgb)
    lin = [srgb_to_linear(c) for c in rgb]
    m = CVD_MATRICES[vision]
    return to_hex([linear_to_srgb(sum(m[i][j] * lin[j] for j in range(3))) for i in range(3)])


def blend(color: str | Sequence[float], alpha: float, background: str | Sequence[float] = "#ffffff") -> str:
    """``color`` painted with opacity ``alpha`` over ``background``, mixed in sRGB as browsers and
    matplotlib's Agg renderer do: the colour a learner sees in a shaded region."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a number from 0 to 1, got {alpha!r}")
    fg, bg = to_rgb(color), to_rgb(background)
    return to_hex([alpha * f + (1 - alpha) * b for f, b in zip(fg, bg)])


_D65 = (0.95047, 1.0, 1.08883)   # the reference white (CIE D65, 2 degree observer), Y normalised to 1


def to_lab(color: str | Sequence[float]) -> RGB:
    """sRGB -> CIE 1976 L*a*b* (D65): L* 0 (black) .. 100 (white)."""
    r, g, b = (srgb_to_linear(c) for c in to_rgb(color))
    xyz = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
           0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
           0.0193339 * r + 0.1191920 * g + 0.9503041 * b)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = (f(v / n) for v, n in zip(xyz, _D65))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 colour difference between two L*a*b* colours (Sharma, Wu & Dalal 2005; kL = kC = kH = 1).
    About 1 is a just-noticeable difference side by side."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (-2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
           * math.sin(math.radians(60 * math.exp(-(((h_bar - 275) / 25) ** 2)))))
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def delta_e_under(color1: str | Sequence[float], color2: str | Sequence[float]) -> dict[str, float]:
    """{vision: CIEDE2000 difference between the two colours as seen with that vision} for every VISION."""
    return {v: delta_e(to_lab(simulate(color1, v)), to_lab(simulate(color2, v))) for v in VISIONS}


def relative_luminance(color: str | Sequence[float]) -> float:
    """WCAG 2.x relative luminance: 0 (black) .. 1 (white)."""
    r, g, b = (srgb_to_linear(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(color1: str | Sequence[float], color2: str | Sequence[float]) -> float:
    """WCAG 2.x contrast ratio, 1 .. 21 (body text needs 4.5, large text and graphics 3)."""
    hi, lo = sorted((relative_luminance(color1), relative_luminance(color2)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def darken_to_contrast(color: str | Sequence[float], background: str | Sequence[float], ratio: float = 4.5) -> str:
    """``color`` with its channels scaled down just enough (same hue) to reach ``ratio`` against a light
    ``background``; unchanged if it already does."""
    rgb = to_rgb(color)
    if contrast_ratio(rgb, background) >= ratio:
        return to_hex(rgb)
    lo, hi = 0.0, 1.0                   # bisect on the scale factor: 0 is black, 1 the colour itself
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if contrast_ratio([c * mid for c in rgb], background) >= ratio else (lo, mid)
    out = to_hex([c * lo for c in rgb])
    while contrast_ratio(out, background) < ratio:      # rounding to 8 bits may land just short
        out = to_hex([max(c - 1 / 255, 0.0) for c in to_rgb(out)])
    return out

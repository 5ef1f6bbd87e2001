"""The roof-plot question: is the drawn roof min(π, β·I) over the asked range, with the kernel marked, on log axes?

Works on the JSON-ready form of an Axes, made by ``_transport.to_jsonable``::

    {"type": "axes", "lines": [[x, y], ...], "points": [[x, y], ...], "xscale": "log", "yscale": "log",
     "line_markers": [true, false, ...]}

``lines`` are the Line2D data, ``points`` the scatter offsets, and ``line_markers`` (optional; one flag
per line) says whether a line draws a visible marker at its points. Without ``line_markers`` only
a one-point line counts as a marker. Notebook 02 teaches the roof; exercise set 02 asks for the plot.

The roof may be one line sampled at many intensities or several straight pieces (two segments that
meet at the ridge): each line whose points lie on the roof counts, as long as no straight piece between
two of its points cuts the corner at the ridge (by more than ``CORNER_RTOL``), and together they must
cover the asked range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import t

__all__ = ["CORNER_RTOL", "roof_plot_feedback"]

_UNIT_SLIPS = (-12, -9, -6, -3, 3, 6, 9, 12)
CORNER_RTOL = 0.35
"""How far below the peak a straight piece across the ridge may pass (35 %): ten log-spaced samples over
0.1 to 1000 FLOP/byte always pass; a line that skips the corner (0.1, 10, 100, 1000 FLOP/byte) does not."""


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * abs(b)


def _lines(data: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """(x, y, draws a marker) for every line, with non-finite and non-positive points dropped."""
    flags = data.get("line_markers")
    out = []
    for index, line in enumerate(data.get("lines", [])):
        x, y = np.asarray(line[0], dtype=float).ravel(), np.asarray(line[1], dtype=float).ravel()
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        good = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        marker = bool(flags[index]) if isinstance(flags, list) and index < len(flags) else int(good.sum()) == 1
        out.append((x[good], y[good], marker))
    return out


def _corner_cut(x: np.ndarray, y: np.ndarray, ridge: float, peak: float) -> tuple[float, float] | None:
    """The straight piece (in log-log) that passes the ridge more than CORNER_RTOL below the peak, if any."""
    order = np.argsort(x)
    lx, ly = np.log(x[order]), np.log(y[order])
    lr = np.log(ridge)
    for i in range(len(lx) - 1):
        if lx[i] < lr < lx[i + 1]:
            at_ridge = ly[i] + (ly[i + 1] - ly[i]) * (lr - lx[i]) / (lx[i + 1] - lx[i])
            if np.exp(np.log(peak) - at_ridge) - 1 > CORNER_RTOL:
                return float(np.exp(lx[i])), float(np.exp(lx[i + 1]))
    return None


def _covered(spans: list[tuple[float, float]], lo: float, hi: float) -> bool:
    reach = lo
    for a, b in sorted(spans):
        if a > reach * (1 + 1e-6):
            break
        reach = max(reach, b)
    return reach >= hi * (1 - 1e-9)


def _line_problem(x: np.ndarray, y: np.ndarray, p: Any) -> str:
    want = np.minimum(p.peak_flops_per_s, p.bandwidth * x)
    ratio = float(np.median(y / want))
    for e in _UNIT_SLIPS:
        if _close(ratio, 10.0**e, 0.01) and np.allclose(y / want, ratio, rtol=0.01):
            return t("check.roof.unit_slip", power=e)
    if np.all(np.abs(y - p.bandwidth * x) <= 0.01 * p.bandwidth * x) and x.max() > p.ridge_point:
        return t("check.roof.uncapped")
    return ""


def roof_plot_feedback(q: Any, data: Any, spec: dict[str, Any]) -> tuple[bool, str]:
    """(passed, message) for plotted ``data`` against ``spec`` (``platform``, ``points``, ``xmin``, ``xmax``).

    ``q`` is the :class:`~rooflib.check.Question` (its ``rtol`` is the tolerance on every value).
    """
    if not isinstance(data, dict) or data.get("type") != "axes":
        return False, t("check.roof.store_axes")
    p, rtol = spec["platform"], q.rtol
    lines = _lines(data)
    if not any(len(x) >= 2 for x, _, _ in lines):
        return False, t("check.roof.no_line")
    roof, spans, problem = set(), [], ""
    for index, (x, y, _) in enumerate(lines):
        if len(x) < 2:
            continue
        want = np.minimum(p.peak_flops_per_s, p.bandwidth * x)
        if not np.all(np.abs(y - want) <= rtol * want):
            problem = problem or _line_problem(x, y, p)
            continue
        cut = _corner_cut(x, y, p.ridge_point, p.peak_flops_per_s)
        if cut is not None:
            problem = t("check.roof.corner", start=f"{cut[0]:.3g}", end=f"{cut[1]:.3g}")
            continue
        roof.add(index)
        spans.append((float(x.min()), float(x.max())))
    if not roof:
        return False, problem or t("check.roof.no_match", tolerance=f"{rtol:.0%}")
    if not _covered(spans, spec["xmin"], spec["xmax"]):
        drawn = t("check.roof.list_sep").join(t("check.roof.span", start=f"{a:.3g}", end=f"{b:.3g}")
                                              for a, b in sorted(spans))
        return False, t("check.roof.gap", drawn=drawn, start=f"{spec['xmin']:g}", end=f"{spec['xmax']:g}")
    marks = [tuple(pt) for pt in data.get("points", []) if len(pt) == 2]
    for index, (x, y, marker) in enumerate(lines):
        if index not in roof and marker:
            marks += list(zip(x.tolist(), y.tolist()))
    for px, py in spec["points"]:
        if not any(_close(float(a), px, rtol) and _close(float(b), py, rtol) for a, b in marks):
            return False, t("check.roof.marker", intensity=f"{px:g}")
    if data.get("xscale") != "log" or data.get("yscale") != "log":
        return False, t("check.roof.log_scales")
    return True, t("check.roof.correct")

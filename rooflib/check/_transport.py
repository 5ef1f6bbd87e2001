"""Answers as plain data: JSON conversion, the values check calls recorded, and the grader's collection.

The grader (``python -m rooflib.grade``) runs a submission in a fresh kernel, appends one cell
that prints :func:`collect`'s result as JSON, and scores those values in its own process, so
nothing a submission does to the checks changes its score.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._registry import questions

__all__ = ["to_jsonable", "is_json_ready", "record", "recorded", "collect"]

MISSING = {"type": "missing"}
"""The JSON form of an answer that was never given."""

_RECORDED: dict[str, Any] = {}  # question name -> JSON-ready value of the last check call in this kernel


def _draws_marker(line: Any) -> bool:
    marker = line.get_marker()
    return marker not in (None, "", " ", "None", "none") and float(line.get_markersize()) > 0


def _axes_data(ax: Any) -> dict[str, Any]:
    """An Axes as data: its lines, scatter points, scales and which lines draw markers (see ``_roof_plot``)."""
    lines, markers = [], []
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float).ravel()
        y = np.asarray(line.get_ydata(), dtype=float).ravel()
        lines.append([x.tolist(), y.tolist()])
        markers.append(_draws_marker(line))
    points = []
    for coll in ax.collections:
        try:
            off = np.asarray(coll.get_offsets(), dtype=float)
        except (TypeError, ValueError):
            continue
        if off.ndim == 2 and off.shape[1] == 2:
            points.extend(off.tolist())
    return {"type": "axes", "lines": lines, "points": points, "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale(), "line_markers": markers}


def _number(value: Any) -> Any:
    try:
        x = float(value)
    except OverflowError:
        digits = len(str(int(abs(value)))) if isinstance(value, numbers.Rational) else "many"
        return {"type": "nonfinite", "repr": f"a number of {digits} digits, too large for a float"}
    return x if math.isfinite(x) else {"type": "nonfinite", "repr": repr(value)[:60]}


def to_jsonable(value: Any) -> Any:
    """An answer as JSON-ready data: numbers, strings, lists, or ``{"type": "axes", ...}`` for a plot.

    Any real number becomes a float (int, numpy scalars, ``fractions.Fraction``, ``decimal.Decimal``);
    one that is not finite or too large for a float becomes ``{"type": "nonfinite", "repr": ...}``.
    """
    if value is None or isinstance(value, (bool, str, np.bool_)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        return _number(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return to_jsonable(value.item())
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "get_lines") and hasattr(value, "get_xscale"):  # a matplotlib Axes
        return _axes_data(value)
    if hasattr(value, "axes") and hasattr(value, "get_axes") and value.get_axes():  # a Figure: its first Axes
        return _axes_data(value.get_axes()[0])
    return {"type": "unsupported", "repr": repr(value)[:200]}


def is_json_ready(value: Any) -> bool:
    """True for data already in JSON form (what the grader passes in), False for a live object."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return True
    if isinstance(value, list):
        return all(is_json_ready(v) for v in value)
    if isinstance(value, dict):
        return "type" in value
    return False


def record(name: str, value: Any) -> None:
    """Remember ``value`` (as JSON-ready data) as the answer a check call gave to question ``name``."""
    try:
        _RECORDED[name] = to_jsonable(value)
    except Exception:  # noqa: BLE001 - a strange object must not stop the check
        _RECORDED[name] = {"type": "unsupported", "repr": "?"}


def recorded() -> dict[str, Any]:
    """The values given to check calls in this kernel so far, by question name (JSON-ready copies)."""
    return dict(_RECORDED)


def collect(set_: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Each question's answer in ``namespace`` (a kernel's globals), else the value its check call recorded.

    Returns ``{name: {"source": "variable" | "check call" | "missing", "value": <JSON-ready>}}``;
    the grader runs this at the end of a submission and scores the values in its own process.
    """
    out: dict[str, Any] = {}
    for q in questions(set_):
        if q.name in namespace and (q.kind == "roof_plot" or not callable(namespace[q.name])):
            try:
                out[q.name] = {"source": "variable", "value": to_jsonable(namespace[q.name])}
            except Exception as exc:  # noqa: BLE001
                out[q.name] = {"source": "variable", "value": {"type": "unsupported", "repr": repr(exc)[:200]}}
        elif q.name in _RECORDED:
            out[q.name] = {"source": "check call", "value": _RECORDED[q.name]}
        else:
            out[q.name] = {"source": "missing", "value": dict(MISSING)}
    return out

"""Form-only checks, for a set the instructor grades in a student release (no answer key there).

The check says whether an answer has the form the question asks for (a finite number of the
answer's order of magnitude, a verdict word, one of the letters, an Axes with a line on log axes)
and that the grade comes after submission. A right and a wrong answer of the right form get the
same message, so the check is no oracle.
"""

from __future__ import annotations

from typing import Any

from ..i18n import t
from ._engine import (VERDICT_WORDS, CheckResult, Question, as_number, describe, is_missing, missing_result,
                      none_result, not_a_number)
from ._hints import WHOLE_RTOL, unit_text

__all__ = ["magnitude_band", "form_score"]


def magnitude_band(decade: int) -> tuple[float, float]:
    """The values accepted as the right order of magnitude for an answer in decade ``decade``: [10**(d-1), 10**(d+2)).

    Three decades around the answer: a slip of 1e3 (ms against s, GB against bytes) always falls outside.
    """
    return 10.0 ** (decade - 1), 10.0 ** (decade + 2)


def _number_form(q: Question, data: Any, decade: int | None) -> tuple[str, str]:
    x = as_number(data)
    unit = f" {unit_text(q.unit)}" if q.unit else ""
    if x is None:
        return "invalid", not_a_number(q, data)
    if q.rtol == 0.0 and abs(x - round(x)) > WHOLE_RTOL * max(1.0, abs(x)):
        return "invalid", t("check.form.not_whole", value=x, unit=unit)
    if x <= 0:
        return "invalid", t("check.form.not_positive", value=x, unit=unit)
    if decade is not None:
        lo, hi = magnitude_band(decade)
        if not lo <= x < hi:
            return "invalid", t("check.form.magnitude", value=x, unit=unit, units=unit_text(q.unit))
    return "received", t("check.form.received_number", value=x, unit=unit, later=t("check.form.graded_later"))


def _axes_form(data: Any) -> tuple[str, str]:
    if not isinstance(data, dict) or data.get("type") != "axes":
        return "invalid", t("check.roof.store_axes")
    if not any(len(line[0]) >= 2 for line in data.get("lines", [])):
        return "invalid", t("check.roof.no_line")
    if data.get("xscale") != "log" or data.get("yscale") != "log":
        return "invalid", t("check.form.log_scales")
    return "received", t("check.form.received_axes", later=t("check.form.graded_later"))


def form_score(q: Question, data: Any, decade: int | None) -> CheckResult:
    """Check only the form of JSON-ready ``data`` as the answer to ``q``: never a pass (the grader scores it)."""
    if is_missing(data):
        return missing_result(q)
    if data is None:
        return none_result(q)
    later = t("check.form.graded_later")
    if q.kind == "number":
        status, msg = _number_form(q, data, decade)
    elif q.kind == "verdict":
        word = data.strip().lower() if isinstance(data, str) else None
        status, msg = (("received", t("check.form.received_verdict", verdict=repr(VERDICT_WORDS[word]), later=later))
                       if word in VERDICT_WORDS else ("invalid", t("check.verdict_form", got=describe(data))))
    elif q.kind == "choice":
        v = data.strip().lower().strip("()").strip() if isinstance(data, str) else None
        choices = ", ".join(repr(c) for c in q.choices)
        status, msg = (("received", t("check.form.received_choice", choice=v, later=later)) if v in q.choices else
                       ("invalid", t("check.choice_form", choices=choices, got=describe(data))))
    elif q.kind == "roof_plot":
        status, msg = _axes_form(data)
    else:  # pragma: no cover - a definition error
        raise ValueError(f"unknown question kind {q.kind!r}")
    return CheckResult(q.name, False, msg, 0, q.points, status)

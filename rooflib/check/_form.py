"""Form-only checks, for a set the instructor grades in a student release (no answer key there).

The check says whether an answer has the form the question asks for (a finite number of the
answer's order of magnitude, a verdict word, one of the letters, an Axes with a line on log axes)
and that the grade comes after submission. A right and a wrong answer of the right form get the
same message, so the check is no oracle.
"""

from __future__ import annotations

from typing import Any

from ._engine import VERDICT_WORDS, CheckResult, Question, as_number, describe, is_missing
from ._hints import WHOLE_RTOL

__all__ = ["GRADED_LATER", "magnitude_band", "form_score"]

GRADED_LATER = "graded after you submit (this set gives no instant feedback)"


def magnitude_band(decade: int) -> tuple[float, float]:
    """The values accepted as the right order of magnitude for an answer in decade ``decade``: [10**(d-1), 10**(d+2)).

    Three decades around the answer: a slip of 1e3 (ms against s, GB against bytes) always falls outside.
    """
    return 10.0 ** (decade - 1), 10.0 ** (decade + 2)


def _number_form(q: Question, data: Any, decade: int | None) -> tuple[str, str]:
    x = as_number(data)
    unit = f" {q.unit}" if q.unit else ""
    if x is None:
        return "invalid", f"expected a finite number in {q.unit or 'SI units'}, got {describe(data)}"[:300]
    if q.rtol == 0.0 and abs(x - round(x)) > WHOLE_RTOL * max(1.0, abs(x)):
        return "invalid", f"got {x:.6g}{unit}: the answer is a whole number"
    if x <= 0:
        return "invalid", f"got {x:.4g}{unit}: FLOPs, bytes, times, rates and counts here are all positive"
    if decade is not None:
        lo, hi = magnitude_band(decade)
        if not lo <= x < hi:
            return "invalid", (f"got {x:.4g}{unit}: not the order of magnitude of this answer; check the unit "
                               f"({q.unit or 'SI units'}: SI base units, not ms, GB, GiB or TFLOP/s)")
    return "received", f"received {x:.4g}{unit}, a number of a plausible size; {GRADED_LATER}"


def _axes_form(data: Any) -> tuple[str, str]:
    if not isinstance(data, dict) or data.get("type") != "axes":
        return "invalid", "store the matplotlib Axes you drew on (e.g. fig, ax = plt.subplots(); ...; roof_ax = ax)"
    if not any(len(line[0]) >= 2 for line in data.get("lines", [])):
        return "invalid", "no line on the Axes: draw the roof as a line of attainable FLOP/s against intensity"
    if data.get("xscale") != "log" or data.get("yscale") != "log":
        return "invalid", "use log scales on both axes (ax.set_xscale('log'), ax.set_yscale('log'))"
    return "received", f"received an Axes with a line on log-log axes; {GRADED_LATER}"


def form_score(q: Question, data: Any, decade: int | None) -> CheckResult:
    """Check only the form of JSON-ready ``data`` as the answer to ``q``: never a pass (the grader scores it)."""
    if is_missing(data):
        return CheckResult(q.name, False, f"no answer yet: assign it to `{q.name}`", 0, q.points, "missing")
    if data is None:
        return CheckResult(q.name, False, f"got None: `{q.name}` holds None (a function that prints its result "
                           "instead of returning it gives None); assign the value itself", 0, q.points, "invalid")
    if q.kind == "number":
        status, msg = _number_form(q, data, decade)
    elif q.kind == "verdict":
        word = data.strip().lower() if isinstance(data, str) else None
        status, msg = (("received", f"received the verdict {VERDICT_WORDS[word]!r}; {GRADED_LATER}")
                       if word in VERDICT_WORDS else
                       ("invalid", f"answer with the string 'memory' or 'compute', got {describe(data)}"))
    elif q.kind == "choice":
        v = data.strip().lower().strip("()").strip() if isinstance(data, str) else None
        status, msg = (("received", f"received ({v}); {GRADED_LATER}") if v in q.choices else
                       ("invalid", f"answer with one of {', '.join(repr(c) for c in q.choices)}, got {describe(data)}"))
    elif q.kind == "roof_plot":
        status, msg = _axes_form(data)
    else:  # pragma: no cover - a definition error
        raise ValueError(f"unknown question kind {q.kind!r}")
    return CheckResult(q.name, False, msg, 0, q.points, status)

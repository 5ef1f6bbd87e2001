"""The checking engine: a question, its answer key, a set of questions, a result, and scoring.

A :class:`Question` is what anyone may see (name, kind, points, unit, tolerance): it holds no
answer. The answer key of a question (:class:`Key`: how to compute the expected value, the hints
for the slips that question expects, the explanation of a wrong verdict) lives beside it in the
question bank (``_bank_NN``) and is looked up only by ``_evaluate``. :func:`score` compares an
answer (already JSON-ready data, see ``_transport``) with an expected value it is handed; the
slip hints come from ``_hints``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..i18n import t, verdict
from ._hints import (BINARY_RTOL, HINT_RTOL, RTOL, WHOLE_RTOL, first_hint, message_text, recheck_message,
                     reciprocal_hint, unit_text, usual_hints)
from ._roof_plot import roof_plot_feedback

__all__ = ["RTOL", "HINT_RTOL", "BINARY_RTOL", "WHOLE_RTOL", "Question", "Key", "QuestionSet", "CheckResult", "ask",
           "question_set", "percent", "is_close", "is_missing", "as_number", "describe", "VERDICT_WORDS",
           "missing_result", "none_result", "not_a_number", "score"]


@dataclass(frozen=True)
class Question:
    """One auto-graded question as anyone may see it: ``name`` is also the answer variable; no answer here.

    ``kind``: ``"number"`` (``unit`` names its unit), ``"verdict"`` (``"memory"`` or ``"compute"``),
    ``"choice"`` (one of ``choices``), or ``"roof_plot"`` (a matplotlib Axes, checked from its data).
    ``quantity`` (``"flops"``, ``"bytes"``, ``"intensity"``, ``"rate"``, ``"time"``, ``"bandwidth"``,
    ``"count"``, ``"ratio"``) picks the usual slips and what a miss asks to recheck. ``rtol`` is the
    relative tolerance (0 for a whole number, which must be exact).
    """

    name: str
    set: str
    kind: str
    points: int = 1
    unit: str = ""
    quantity: str = ""
    rtol: float = RTOL
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Key:
    """The answer key of one question: ``expected()`` computes the answer from the constants the question states.

    ``hints`` maps a ratio answer / expected to a question-specific hint (a third item, if given, is
    that hint's own tolerance); ``why()`` explains a wrong verdict or choice with numbers.
    """

    expected: Callable[[], Any]
    hints: tuple[tuple, ...] = ()
    why: Callable[[], str] | None = None


def ask(name: str, set_: str, kind: str, expected: Callable[[], Any], *, hints: tuple[tuple, ...] = (),
        why: Callable[[], str] | None = None, **public: Any) -> tuple[Question, Key]:
    """A question and its key, as a question bank writes them (``public``: the :class:`Question` fields)."""
    return Question(name, set_, kind, **public), Key(expected, hints, why)


@dataclass(frozen=True)
class QuestionSet:
    """One exercise set: its number (``"01"``), notebook stem, questions in notebook order, and their keys.

    ``keys`` is None in a student release for a set the instructor grades: its checks then only
    validate form, using ``magnitudes`` (question name -> the decade of the answer, floor(log10)).
    """

    number: str
    stem: str
    questions: tuple[Question, ...]
    keys: Mapping[str, Key] | None = None
    magnitudes: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        stray = [q.name for q in self.questions if q.set != self.number]
        if stray:
            raise ValueError(f"questions {stray} of set {self.number} say they belong to another set")
        if self.keys is not None and set(self.keys) != {q.name for q in self.questions}:
            raise ValueError(f"set {self.number}: every question needs exactly one key")


def question_set(number: str, stem: str, entries: tuple[tuple[Question, Key], ...]) -> QuestionSet:
    """A :class:`QuestionSet` from a bank's ``(question, key)`` pairs."""
    return QuestionSet(number, stem, tuple(q for q, _ in entries), {q.name: k for q, k in entries})


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one answer: ``passed``, the printed ``message``, and points earned.

    ``status``: ``"pass"``, ``"wrong"``, ``"missing"`` (no answer given), ``"invalid"`` (not an answer
    of the asked form, None included), or ``"received"`` (a graded set in a student release: the form
    is right and the grade comes later).
    """

    name: str
    passed: bool
    message: str
    points: float
    max_points: float
    status: str

    def __str__(self) -> str:
        return self.message


def percent(rtol: float) -> str:
    """A tolerance or a miss as a percentage: 0.01 -> '1%', 0.001 -> '0.1%', 0.0039 -> '0.39%', 0.5 -> '50%'."""
    pct = rtol * 100
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.2g}%"


def is_close(a: float, b: float, rtol: float) -> bool:
    """True when ``a`` is within the relative tolerance ``rtol`` of ``b``."""
    return abs(a - b) <= rtol * abs(b)


def is_missing(data: Any) -> bool:
    """True for JSON-ready data that holds no answer (``...`` or ``{"type": "missing"}``); None is an answer."""
    return data is Ellipsis or isinstance(data, dict) and data.get("type") == "missing"


def as_number(value: Any) -> float | None:
    """A JSON-ready answer as a finite float, or None when it is not one (a bool, text, a list of two, 10**400)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            x = float(value)
        except OverflowError:
            return None
        return x if math.isfinite(x) else None
    if isinstance(value, list) and len(value) == 1:
        return as_number(value[0])
    return None


def describe(data: Any) -> str:
    """A short text for an answer that is not of the asked form."""
    if isinstance(data, dict):
        data = data.get("repr", data.get("type", data))
        return str(data)[:120]
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) >= 10**300:
        return t("check.huge_integer", digits=len(str(abs(data))))
    return repr(data)[:120]


# ------------------------------------------------------------------------------------ numbers
def _number_feedback(q: Question, x: float, expected: float, hints: tuple[tuple, ...]) -> tuple[bool, str]:
    unit = f" {unit_text(q.unit)}" if q.unit else ""
    if q.rtol == 0.0:
        if abs(x - expected) <= WHOLE_RTOL * max(1.0, abs(expected)):
            return True, t("check.correct_exact", expected=expected, unit=unit)
    elif is_close(x, expected, q.rtol):
        return True, t("check.correct_within", expected=expected, unit=unit, tolerance=percent(q.rtol))
    if x != 0 and expected != 0:
        r = x / expected
        own = first_hint(list(hints), r)  # the question's own hints first
        if own is not None:
            return False, own
        if is_close(r, -1.0, HINT_RTOL):
            return False, t("check.wrong_sign")
        if is_close(x * expected, 1.0, 2 * max(q.rtol, 0.001)) and not is_close(expected, 1.0, 0.2):
            return False, reciprocal_hint(q)
        usual = first_hint(usual_hints(q), r)
        if usual is not None:
            return False, usual
    return False, recheck_message(q, x, percent(q.rtol))


# ------------------------------------------------------------------------------------ words
VERDICT_WORDS = {"memory": "memory", "memory-bound": "memory", "memory bound": "memory", "bandwidth": "memory",
                 "bandwidth-bound": "memory", "compute": "compute", "compute-bound": "compute",
                 "compute bound": "compute", "compute-limited": "compute", "memory-limited": "memory",
                 "访存受限": "memory", "访存密集型": "memory", "带宽受限": "memory",
                 "计算受限": "compute", "计算密集型": "compute"}
"""Accepted spellings of a verdict -> the verdict (the Chinese words of the source blog and the glossary too)."""


def missing_result(q: Question) -> CheckResult:
    """The result for no answer at all."""
    return CheckResult(q.name, False, t("check.no_answer", name=q.name), 0, q.points, "missing")


def none_result(q: Question) -> CheckResult:
    """The result for an answer that is None (a function that printed instead of returning)."""
    return CheckResult(q.name, False, t("check.got_none", name=q.name), 0, q.points, "invalid")


def not_a_number(q: Question, data: Any) -> str:
    """The message for a numeric question answered with something that is not a finite number."""
    return t("check.not_a_number", unit=unit_text(q.unit), got=describe(data))[:300]


def _verdict_feedback(value: Any, expected: str, why: Callable[[], str] | None) -> tuple[bool, str]:
    if not isinstance(value, str) or value.strip().lower() not in VERDICT_WORDS:
        return False, t("check.verdict_form", got=describe(value))
    if VERDICT_WORDS[value.strip().lower()] == expected:
        return True, t("check.correct_verdict", verdict=verdict(expected))
    because = message_text(why()) if why else t("check.it_is", verdict=verdict(expected))
    return False, t("check.wrong_verdict", why=because)


def _choice_feedback(q: Question, value: Any, expected: str, why: Callable[[], str] | None) -> tuple[bool, str]:
    v = value.strip().lower().strip("()").rstrip(")").strip() if isinstance(value, str) else None
    if v not in q.choices:
        return False, t("check.choice_form", choices=", ".join(repr(c) for c in q.choices), got=describe(value))
    if v == expected:
        return True, t("check.correct_choice", choice=expected)
    return False, t("check.not_this_one", why=message_text(why()) if why else t("check.which_roof"))


# ------------------------------------------------------------------------------------ scoring
def score(q: Question, data: Any, expected: Any, hints: tuple[tuple, ...] = (),
          why: Callable[[], str] | None = None) -> CheckResult:
    """Score JSON-ready ``data`` as the answer to ``q`` against ``expected`` (no printing, no recording)."""
    if is_missing(data):
        return missing_result(q)
    if data is None:
        return none_result(q)
    status = "wrong"
    if q.kind == "number":
        x = as_number(data)
        if x is None:
            ok, msg = False, not_a_number(q, data)
            status = "invalid"
        else:
            ok, msg = _number_feedback(q, x, float(expected), hints)
    elif q.kind == "verdict":
        ok, msg = _verdict_feedback(data, str(expected), why)
    elif q.kind == "choice":
        ok, msg = _choice_feedback(q, data, str(expected), why)
    elif q.kind == "roof_plot":
        ok, msg = roof_plot_feedback(q, data, expected)
    else:  # pragma: no cover - a definition error
        raise ValueError(f"unknown question kind {q.kind!r}")
    return CheckResult(q.name, ok, msg, q.points if ok else 0, q.points, "pass" if ok else status)

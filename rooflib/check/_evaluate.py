"""Scoring an answer by question name: the one place where an answer meets the answer key.

Both the student's check call (``_student``) and the grader (``rooflib.grade``, in its own process)
score through :func:`evaluate`. In a student release, a set the instructor grades has no key
(``QuestionSet.keys`` is None) and :func:`evaluate` checks the answer's form only (``_form``).
"""

from __future__ import annotations

from typing import Any

from ._engine import CheckResult, is_missing, score
from ._form import form_score
from ._registry import QUESTIONS, set_of
from ._transport import is_json_ready, to_jsonable

__all__ = ["evaluate", "has_key", "answer_key"]


def evaluate(name: str, value: Any) -> CheckResult:
    """Score ``value`` (a live object or its JSON-ready form) as the answer to question ``name``.

    No printing, no recording. An unknown ``name`` raises KeyError naming the closest questions.
    """
    s = set_of(name)
    q = QUESTIONS[name]
    data = value if is_json_ready(value) else to_jsonable(value)
    if s.keys is None:
        return form_score(q, data, (s.magnitudes or {}).get(name))
    if is_missing(data) or data is None:  # no expected value is computed for a missing answer
        return score(q, data, None)
    key = s.keys[name]
    return score(q, data, key.expected(), key.hints, key.why)


def has_key(name: str) -> bool:
    """True when this installation holds the answer key of question ``name`` (False: a graded set in a release)."""
    return set_of(name).keys is not None


def answer_key(name: str) -> Any:
    """The expected answer of question ``name``, for the course's own tests and release tool (not for students).

    LookupError in a student release for a set the instructor grades (its key is not shipped).
    """
    s = set_of(name)
    if s.keys is None:
        raise LookupError(f"question {name!r} is in graded set {s.number}: its answer key is not in this release")
    return s.keys[name].expected()

"""The question bank's index: every exercise set and question by name, in notebook order.

With ``ROOFLIB_CHECK_KEYLESS=1`` in the environment every set loads without its answer key, as a
graded set does in a student release: checks then validate form only. The grader sets it in the
kernel that runs a submission, so no key is reachable from submitted code through the checker
(the grader scores in its own process, where the keys are).
"""

from __future__ import annotations

import dataclasses
import os

from .._validate import unknown_name
from ._bank_01 import SET_01
from ._bank_02 import SET_02
from ._bank_03 import SET_03
from ._bank_04 import SET_04
from ._bank_05 import SET_05
from ._bank_06 import SET_06
from ._bank_07 import SET_07
from ._engine import Question, QuestionSet

__all__ = ["KEYLESS_ENV", "QUESTION_SETS", "SETS", "QUESTIONS", "questions", "set_of"]

KEYLESS_ENV = "ROOFLIB_CHECK_KEYLESS"

QUESTION_SETS: tuple[QuestionSet, ...] = (SET_01, SET_02, SET_03, SET_04, SET_05, SET_06, SET_07)
"""Every exercise set with its questions, in course order."""
if os.environ.get(KEYLESS_ENV) == "1":
    QUESTION_SETS = tuple(dataclasses.replace(s, keys=None, magnitudes=None) for s in QUESTION_SETS)

SETS: dict[str, str] = {s.number: s.stem for s in QUESTION_SETS}
"""Exercise set number -> notebook stem (``exercises/<stem>.ipynb``, the lecture ``notebooks/<stem>.ipynb``)."""


def _index(sets: tuple[QuestionSet, ...]) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for s in sets:
        for q in s.questions:
            if q.name in out:
                raise ValueError(f"duplicate question name {q.name!r} (sets {out[q.name].set} and {q.set})")
            out[q.name] = q
    return out


QUESTIONS: dict[str, Question] = _index(QUESTION_SETS)
"""Question name (also its answer variable) -> :class:`Question` (no answer key), in course order."""


def questions(set_: str) -> list[Question]:
    """The auto-graded questions of exercise set ``set_`` ("01" ... "07"), in notebook order (no answer key)."""
    if set_ not in SETS:
        raise unknown_name("exercise set", set_, SETS)
    return [q for q in QUESTIONS.values() if q.set == set_]


def set_of(name: str) -> QuestionSet:
    """The :class:`QuestionSet` that holds question ``name`` (KeyError naming the closest questions)."""
    if name not in QUESTIONS:
        raise unknown_name("question", name, QUESTIONS)
    number = QUESTIONS[name].set
    return next(s for s in QUESTION_SETS if s.number == number)

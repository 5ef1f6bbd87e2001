"""The student-facing checks: ``rl.check.<question_name>(value)`` and ``rl.check.answer(name, value)``.

Each prints one PASS / FAIL line (RECEIVED for a graded set in a student release, where only the
answer's form is checked) and records the value (``_transport.record``) so the grader can
fall back on it when the answer variable was renamed or deleted. With ``ROOFLIB_CHECK_RAISE=1``
in the environment (nbgrader's autograded check cells), a failing check also raises AssertionError.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..i18n import t
from ._evaluate import evaluate
from ._registry import QUESTIONS
from ._transport import record

__all__ = ["RAISE_ENV", "answer", "check_function"]

RAISE_ENV = "ROOFLIB_CHECK_RAISE"
"""Environment variable: ``1`` makes a failing check raise AssertionError after printing its line."""


def answer(name: str, value: Any) -> None:
    """Check ``value`` as the answer to question ``name``: print a PASS / FAIL (or RECEIVED) line, record the value."""
    record(name, value)
    result = evaluate(name, value)
    if result.status == "received":  # a graded set in a student release: form only, the grade comes later
        symbol, mark = "\U0001f4dd", t("check.received")
    else:
        symbol, mark = ("\u2705", t("check.pass")) if result.passed else ("\u274c", t("check.fail"))
    print(t("check.line", symbol=symbol, mark=mark, name=name, message=result.message))
    if not result.passed and result.status != "received" and os.environ.get(RAISE_ENV) == "1":
        raise AssertionError(f"{name}: {result.message}")


def check_function(name: str) -> Callable[[Any], None]:
    """``rl.check.<name>``: the one-argument check of question ``name``; AttributeError for an unknown name."""
    if name not in QUESTIONS:
        raise AttributeError(f"module 'rooflib.check' has no attribute {name!r}; questions are named after "
                             "their answer variables, e.g. rl.check.ridge_1080ti(ridge_1080ti)")

    def check(value: Any) -> None:
        answer(name, value)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Check the answer to question {name!r} (set {QUESTIONS[name].set}); prints PASS or FAIL."
    return check

"""Answer checking for the exercise sets in ``exercises/`` (each generated from its worked solution notebook).

How checks work
---------------
Every question has a name (``ridge_1080ti``) and the answer is bound to a variable of that same
name, stated in the question. The check cell under the answer calls ``rl.check.<name>(<name>)``
(or ``rl.check.answer("<name>", value)``): it prints one PASS / FAIL line, with a specific hint
when the miss is a recognisable mistake, and records the value it was given.

Expected values are never stored as literals: each question's answer key computes its expected
value with rooflib (``rl.platforms``, ``rl.kernels``, ``rl.cnn``, ``rl.llm``) from the constants the
question states. Numbers pass within a relative tolerance of ``RTOL`` (1 %, unless a question states
otherwise: 0.1 % for the stencil, whose boundary is 0.4 % of the count; a whole number must be exact,
up to float noise: 48.000000001 is 48). Any real number is accepted (int, float, numpy scalars,
``Fraction``, ``Decimal``); None is reported as "got None". On a miss, the ratio answer / expected is
compared (within 1 %; 0.1 % for the 1.024**k ratios) with the usual slips:

- 2 or 1/2: a multiply-add counted as one FLOP (an FMA is 2 FLOPs), or a dtype size off by 2;
- 4 or 1/4: a dtype size off by 4 (fp32 = 4 bytes, fp16/bf16 = 2, int8 = 1);
- 1e±3, 1e±6, 1e±9, 1e±12: a unit prefix (ms against s, GB/s against bytes/s, TFLOP/s against FLOP/s);
- for quantities with binary units only (bytes, bytes/s): 1.024, 1.024**2, 1.024**3 (and inverses),
  binary (KiB, MiB, GiB) against decimal (kB, MB, GB) units, and 2**10, 2**20, 2**30 (and inverses),
  an answer given in KiB, MiB or GiB where bytes were asked;
- the reciprocal: bytes/FLOP where FLOP/byte was asked (a ratio question: divided the wrong way round);
  a sign slip;
- for verdict questions ("memory" or "compute"), a wrong verdict is explained with the numbers.

A question may add its own hints for ratios it expects (e.g. 2/3 when the write of the output is
forgotten). A miss that matches no known slip says what to recheck (the quantity, the convention,
the unit) and never the factor or the direction of the miss, so a check is not an answer oracle.

The answer key is not part of the public names: :data:`QUESTIONS` and :func:`questions` give
:class:`Question` objects (name, set, kind, points, unit, tolerance) that hold no answer, and
:func:`evaluate` is the one way to score. The grader (``python -m rooflib.grade``) executes each
submission in a fresh kernel, reads each question's variable from the kernel (or, if the student
renamed or deleted it, the value the student's own check call recorded), and scores it with
:func:`evaluate` in the grading process, so deleted or edited check cells change nothing.

In a student release (``make release``, ``tools/make_release.py``) a set the instructor marks as
graded ships without its key: its checks validate form only (a finite number of the answer's order
of magnitude, a verdict word, a letter, an Axes on log axes), print RECEIVED and say that the grade
comes after submission. Practice sets keep full instant feedback.

Every message comes from the catalogues of ``rl.i18n`` (``check.*`` and, for each set's own hints and
explanations, ``setNN.*`` in ``rooflib/i18n/en.toml`` / ``zh.toml``): after ``rl.i18n.set_language("zh")``
(the zh notebooks do it) the lines, hints and explanations are Chinese, and the verdict words of the source
blog (访存受限, 访存密集型, 带宽受限; 计算受限, 计算密集型) are accepted answers.

Set ``ROOFLIB_CHECK_RAISE=1`` in the environment (e.g. when nbgrader autogrades the check
cells) to make a failing check raise ``AssertionError`` after printing its line.

Layout (private modules, one job each)
--------------------------------------
- ``_engine``: :class:`Question` (public, no answer), ``Key`` (the answer key of one question),
  ``QuestionSet``, :class:`CheckResult` and scoring (knows no answer: it scores against an expected
  value it is handed); ``_hints``: tolerances, the usual slips and what a miss asks to recheck;
  ``_roof_plot``: the plot question's comparison; ``_form``: form-only checks for graded sets in a
  student release.
- ``_bank_01`` ... ``_bank_06``: each set's constants, questions and keys (expected-value functions,
  hints); ``_bank_common``: what several sets share. A release replaces a graded set's bank with a
  generated one that holds no key.
- ``_registry``: ``SETS``, ``QUESTIONS``, :func:`questions`.
- ``_evaluate``: :func:`evaluate`, the one place an answer meets its key.
- ``_transport``: answers as JSON, the values check calls recorded, :func:`collect` (the grader's cell).
- ``_student``: the entry points ``rl.check.<name>(value)`` and :func:`answer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._engine import BINARY_RTOL, HINT_RTOL, RTOL, CheckResult, Question
from ._evaluate import evaluate
from ._registry import QUESTIONS, SETS, questions
from ._student import answer, check_function
from ._transport import collect, recorded, to_jsonable

__all__ = ["RTOL", "HINT_RTOL", "BINARY_RTOL", "Question", "CheckResult", "QUESTIONS", "SETS", "questions", "evaluate",
           "answer", "recorded", "to_jsonable", "collect"]


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(QUESTIONS))


def __getattr__(name: str) -> Callable[[Any], None]:
    """``rl.check.<question name>``: the check for that question (see :func:`answer`)."""
    return check_function(name)

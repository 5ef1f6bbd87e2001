"""The grade of one submission, and the points each exercise set is worth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import check

__all__ = ["STATUSES", "Grade", "auto_questions", "auto_max"]

STATUSES = ("graded", "flagged", "timed out", "failed", "corrupt", "unknown set")
"""graded: ran, nothing suspicious. flagged: tamper evidence (see ``flags``); only the answers that
stood before the first flagged cell count. timed out: the run hit the total time limit or a cell
could not be interrupted; answers before that cell count. failed: the kernel could not be started.
corrupt: the file is not a readable notebook (0 of its set's points). unknown set: nothing says
which set it is."""


def auto_questions(set_: str) -> list[Any]:
    """The auto-graded questions of ``set_`` (``rooflib.check.questions``, written ones left out)."""
    return [q for q in check.questions(set_) if getattr(q, "kind", "") != "written"]


def auto_max(set_: str) -> float:
    """Points of ``set_``'s auto-graded questions."""
    return float(sum(q.points for q in auto_questions(set_)))


@dataclass
class Grade:
    """One submission's grade: auto-graded ``points`` and hand-marked ``manual`` points, of ``max_points``.

    ``results`` holds every question's message (PASS or the hint), ``feedback`` the misses only;
    ``flags`` and ``errors`` cite the file's own cell numbers ("cell 12: ..."). ``language`` is the
    submission's (``metadata.rooflib.language``, "zh" for the Chinese edition): its messages and its
    feedback page are in it.
    """

    file: str
    student: str = ""
    lms_id: str = ""
    set: str = ""
    status: str = "graded"
    reason: str = ""
    sandbox: str = ""
    points: dict[str, float] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)
    written_max: dict[str, float] = field(default_factory=dict)
    manual: dict[str, float] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    answer_code: dict[str, str] = field(default_factory=dict)
    total_ignoring_flags: float | None = None
    email: str = ""
    login: str = ""
    sis_id: str = ""
    section: str = ""
    language: str = "en"

    @property
    def auto_total(self) -> float:
        """Points from the auto-graded questions."""
        return float(sum(self.points.values()))

    @property
    def total(self) -> float:
        """Auto-graded points plus the hand-marked points merged so far."""
        return self.auto_total + float(sum(self.manual.values()))

    @property
    def max_points(self) -> float:
        """Every point of the set: auto-graded questions plus written answers (as nbgrader's metadata counts)."""
        if self.set not in check.SETS:
            return 0.0
        return auto_max(self.set) + float(sum(self.written_max.values()))

"""The grades as a CSV, a summary dict (and its printed table), and the gradebook CSVs Canvas and Moodle import."""

from __future__ import annotations

import collections
import csv
import io
import os
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

from .. import check
from ..i18n import language, t
from ._model import Grade, auto_questions

__all__ = ["CSV_HEAD", "write_csv", "summary", "summary_text", "write_lms", "LMS"]

CSV_HEAD = ["student", "lms_id", "file", "set", "status", "sandbox", "total", "max"]
"""The first columns of the grades CSV; then each question's points, each written answer's points, and
``total_ignoring_flags``, ``flags``, ``reason``, ``feedback``."""
LMS = ("canvas", "moodle")


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _sets(grades: Sequence[Grade]) -> list[str]:
    return sorted({g.set for g in grades if g.set in check.SETS})


def _columns(grades: Sequence[Grade]) -> tuple[list[str], list[str]]:
    """(auto-graded question columns, written answer columns) over the sets present, in notebook order."""
    auto, written = [], []
    for s in _sets(grades):
        auto += [q.name for q in auto_questions(s)]
        for g in grades:
            written += [w for w in g.written_max if g.set == s and w not in written]
    return auto, written


@contextmanager
def _open(out: io.TextIOBase | str | os.PathLike):
    if hasattr(out, "write"):
        yield out
    else:
        with open(out, "w", newline="", encoding="utf-8") as f:
            yield f


def write_csv(grades: Sequence[Grade], out: io.TextIOBase | str | os.PathLike) -> None:
    """One row per submission: who, file, set, status, sandbox, total, max, every question's points, flags, why.

    Written answers' columns stay empty until hand-marked points are merged (``python -m rooflib.grade merge``).
    """
    auto, written = _columns(grades)
    with _open(out) as f:
        w = csv.writer(f)
        w.writerow([*CSV_HEAD, *auto, *written, "total_ignoring_flags", "flags", "reason", "feedback"])
        for g in grades:
            w.writerow([g.student, g.lms_id, g.file, g.set, g.status, g.sandbox, _num(g.total), _num(g.max_points),
                        *[_num(g.points.get(c)) for c in auto], *[_num(g.manual.get(c)) for c in written],
                        _num(g.total_ignoring_flags), " | ".join(g.flags), g.reason,
                        "; ".join(f"{k}: {v}" for k, v in g.feedback.items())])


def summary(grades: Sequence[Grade]) -> dict[str, Any]:
    """The class at a glance, as a dict: counts by status and sandbox, the flagged files, and per question
    the set, mean points, max, how many got it right, how many were graded and the most common miss."""
    questions: dict[str, dict[str, Any]] = {}
    for s in _sets(grades):
        gs = [g for g in grades if g.set == s and g.points]
        for q in auto_questions(s):
            misses = collections.Counter(" ".join(g.feedback[q.name].split())[:90] for g in gs if q.name in g.feedback)
            questions[q.name] = {
                "set": s, "max": float(q.points), "graded": len(gs),
                "mean": (sum(g.points.get(q.name, 0.0) for g in gs) / len(gs)) if gs else 0.0,
                "right": sum(g.points.get(q.name, 0.0) >= q.points for g in gs),
                "most_common_miss": misses.most_common(1)[0][0] if misses else ""}
    return {"submissions": len(grades),
            "statuses": dict(collections.Counter(g.status for g in grades)),
            "sandbox": dict(collections.Counter(g.sandbox.split(":")[0] or "not run" for g in grades)),
            "flagged": [{"file": g.file, "student": g.student, "flags": list(g.flags)}
                        for g in grades if g.status == "flagged"],
            "questions": questions}


def summary_text(data: dict[str, Any]) -> str:
    """The printed form of :func:`summary`'s dict: one line of counts, the flagged files, a table of questions."""
    lines = [f"{data['submissions']} submission(s); statuses: "
             + ", ".join(f"{k} {v}" for k, v in data["statuses"].items())
             + "; sandbox: " + ", ".join(f"{k} {v}" for k, v in data["sandbox"].items())]
    for item in data["flagged"]:
        lines.append(f"FLAGGED {item['student'] or item['file']} ({item['file']}): {item['flags'][0]}"
                     + (f" (+{len(item['flags']) - 1} more)" if len(item["flags"]) > 1 else ""))
    lines.append(f"{'question':<30} {'set':>3} {'mean':>6} {'max':>4} {'right':>9}  most common miss")
    for name, q in data["questions"].items():
        lines.append(f"{name:<30} {q['set']:>3} {q['mean']:>6.2f} {q['max']:>4g} {q['right']:>4}/{q['graded']:<4}  "
                     f"{q['most_common_miss'][:70]}")
    return "\n".join(lines)


def _assignment(s: str) -> str:
    return f"Roofline Lab {s}: {check.SETS[s].split('_', 1)[1].replace('_', ' ')}"


def write_lms(grades: Sequence[Grade], kind: str, out: io.TextIOBase | str | os.PathLike,
              set_: str | None = None) -> None:
    """A gradebook CSV that ``kind`` imports: ``"canvas"`` (one row per student, one column per set) or
    ``"moodle"`` (one set's grading worksheet: Identifier, Full name, Email address, Grade, Maximum Grade,
    Feedback comments; ``set_`` picks the set when the grades hold several)."""
    if kind not in LMS:
        raise ValueError(f"kind must be one of {', '.join(LMS)}, got {kind!r}")
    with _open(out) as f:
        w = csv.writer(f)
        if kind == "canvas":
            sets = _sets(grades)
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *[_assignment(s) for s in sets]])
            w.writerow(["    Points Possible", "", "", "", "",
                        *[_num(next(g.max_points for g in grades if g.set == s)) for s in sets]])
            by_student: dict[str, dict[str, Grade]] = collections.defaultdict(dict)
            for g in grades:
                by_student[g.lms_id or g.student][g.set] = g
            for per_set in by_student.values():
                first = next(iter(per_set.values()))
                w.writerow([first.student, first.lms_id, first.sis_id, first.login, first.section,
                            *[_num(per_set[s].total) if s in per_set else "" for s in sets]])
            return
        sets = [set_] if set_ else _sets(grades)
        if len(sets) != 1:
            raise ValueError(f"a Moodle worksheet holds one set; the grades hold {', '.join(sets)}: pass set_")
        w.writerow(["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"])
        for g in grades:
            if g.set == sets[0]:
                with language(getattr(g, "language", "") or "en"):      # the student reads it: their language
                    note = f"{g.status}: {g.reason}" if g.status != "graded" else \
                        t("grade.revisit", count=len(g.feedback))
                w.writerow([f"Participant {g.lms_id}" if g.lms_id else g.student, g.student, g.email, _num(g.total),
                            _num(g.max_points), note])

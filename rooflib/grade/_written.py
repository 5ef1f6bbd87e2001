"""Written answers: exported for hand-marking (``--written DIR``), and the marks merged back (``merge``).

``--written DIR`` writes ``written_NN.csv`` per set: one row per submission and written question
with the student, the file, the question, its maximum (nbgrader's points, the same the grades
CSV's ``max`` counts), an empty ``manual_points`` column for the instructor, and the answer's
text. ``python -m rooflib.grade merge grades.csv written_*.csv --out final.csv`` puts those points
into the grades (the written question's column) and recomputes each total; a blank stays unmarked.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from .. import check
from ._model import Grade, auto_questions
from ._notebook import written_points
from ._report import CSV_HEAD

__all__ = ["WRITTEN_HEAD", "export_written", "read_grades", "apply_manual", "merge_manual"]

WRITTEN_HEAD = ["student", "lms_id", "file", "set", "question", "max_points", "manual_points", "answer"]
_TAIL = ("total_ignoring_flags", "flags", "reason", "feedback")


def export_written(grades: Sequence[Grade], folder: str | Path) -> list[Path]:
    """Write ``written_NN.csv`` for each set with written questions into ``folder``; the files written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in sorted({g.set for g in grades if g.set in check.SETS}):
        rows = [[g.student, g.lms_id, g.file, s, name, f"{maxp:g}", "", g.written.get(name, "")]
                for g in grades if g.set == s for name, maxp in g.written_max.items()]
        if not rows:
            continue
        path = out / f"written_{s}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(WRITTEN_HEAD)
            w.writerows(rows)
        paths.append(path)
    return paths


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return None if text == "" else float(text)


def read_grades(path: str | Path) -> list[Grade]:
    """The grades CSV written by ``write_csv``, back as :class:`Grade` objects (points, manual points, status)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0].keys()) if rows else []
    if header[: len(CSV_HEAD)] != CSV_HEAD:
        raise ValueError(f"{str(path)!r} is not a grades CSV from python -m rooflib.grade (its columns start "
                         f"{', '.join(header[:4])})")
    grades = []
    for row in rows:
        s = row["set"]
        g = Grade(file=row["file"], student=row["student"], lms_id=row["lms_id"], set=s, status=row["status"],
                  sandbox=row["sandbox"], reason=row.get("reason", ""),
                  flags=[x for x in (row.get("flags") or "").split(" | ") if x],
                  total_ignoring_flags=_float(row.get("total_ignoring_flags", "")))
        if s in check.SETS:
            g.points = {q.name: _float(row.get(q.name, "")) or 0.0 for q in auto_questions(s)}
            g.written_max = written_points(s)
            g.manual = {w: v for w in g.written_max if (v := _float(row.get(w, ""))) is not None}
        grades.append(g)
    return grades


def apply_manual(grades: Sequence[Grade], written_csvs: Sequence[str | Path]) -> tuple[int, int]:
    """Put the hand-marked points of ``written_csvs`` into ``grades`` (in place); (marked, still blank).

    ValueError listing every problem (a file not among the grades, a question the set does not have,
    points that are not a number from 0 to the question's maximum), with the CSV's line numbers.
    """
    by_file = {g.file: g for g in grades}
    problems, marked, blank = [], 0, 0
    for path in written_csvs:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if [h for h in (reader.fieldnames or []) if h in WRITTEN_HEAD] != WRITTEN_HEAD:
                raise ValueError(f"{str(path)!r} is not a written-answers CSV (columns {', '.join(WRITTEN_HEAD)})")
            for line, row in enumerate(reader, start=2):
                where = f"{Path(path).name} line {line}"
                g = by_file.get(row["file"])
                if g is None:
                    problems.append(f"{where}: file {row['file']!r} is not in the grades")
                    continue
                name = row["question"]
                if name not in g.written_max:
                    problems.append(f"{where}: set {g.set} has no written question {name!r}")
                    continue
                try:
                    points = _float(row["manual_points"])
                except ValueError:
                    problems.append(f"{where}: manual_points must be a number, got {row['manual_points']!r}")
                    continue
                if points is None:
                    blank += 1
                    continue
                if not (math.isfinite(points) and 0 <= points <= g.written_max[name]):
                    problems.append(f"{where}: manual_points must be from 0 to {g.written_max[name]:g}, got {points:g}")
                    continue
                g.manual[name] = points
                marked += 1
    if problems:
        raise ValueError("cannot merge the hand-marked points:\n  " + "\n  ".join(problems[:20]))
    return marked, blank


def merge_manual(grades_csv: str | Path, written_csvs: Sequence[str | Path],
                 out: str | Path) -> tuple[list[Grade], int, int]:
    """Write ``out``: the grades CSV with the hand-marked points in the written questions' columns and each
    total recomputed; every other column kept as it was. Returns (grades, marked, still blank)."""
    grades = read_grades(grades_csv)
    marked, blank = apply_manual(grades, written_csvs)
    with open(grades_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    for g in grades:
        for name in g.written_max:
            if name not in header:
                header.insert(header.index(_TAIL[0]), name)
    for row, g in zip(rows, grades):
        for name in g.written_max:
            row[name] = f"{g.manual[name]:g}" if name in g.manual else ""
        if g.set in check.SETS:
            row["total"] = f"{g.total:g}"
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return grades, marked, blank

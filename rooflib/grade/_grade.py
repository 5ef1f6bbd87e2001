"""Grading one submission, and many at once.

A submission is read (never written), its set found, its code cells read for tamper evidence
(:mod:`._scan`), then run in a fresh kernel in the sandbox with the collector watching
(:mod:`._execute`). The collector's signed report gives the answers as they stood before every
cell; the grader scores them in its own process with :func:`rooflib.check.evaluate`. With no flag,
the answers at the end count. With flags, only the answers that stood before the first flagged
cell count, and ``total_ignoring_flags`` says what the rest would have scored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import check, i18n
from ._execute import Limits, execute
from ._identity import Student
from ._model import Grade, auto_questions
from ._notebook import (answer_code, code_cells, find_language, find_set, read_notebook, set_from_name, written_answers,
                        written_points)
from ._scan import rooflib_aliases, scan

__all__ = ["DEFAULT_CELL_TIMEOUT", "DEFAULT_TOTAL_TIMEOUT", "grade_notebook", "grade_many"]

DEFAULT_CELL_TIMEOUT = 30
DEFAULT_TOTAL_TIMEOUT = 600
MISSING = {"source": "missing", "value": {"type": "missing"}}


def _short(text: Any, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _score(set_: str, state: dict[str, Any], language: str = "en") -> tuple[dict[str, float], dict[str, str],
                                                                           dict[str, str]]:
    """(points, message of every question, misses only) for the answers in ``state``, in ``language``."""
    with i18n.language(language):
        return _score_in(set_, state)


def _score_in(set_: str, state: dict[str, Any]) -> tuple[dict[str, float], dict[str, str], dict[str, str]]:
    points, results, misses = {}, {}, {}
    for q in auto_questions(set_):
        entry = state.get(q.name) or MISSING
        value = entry.get("value")
        try:
            res = check.evaluate(q.name, value)
            passed, pts, msg, status = bool(res.passed), float(res.points), str(res.message), str(res.status)
        except Exception as exc:  # noqa: BLE001 - a strange value must not crash the grader
            passed, pts, msg, status = False, 0.0, i18n.t("grade.could_not_check", error=type(exc).__name__), "invalid"
        points[q.name] = pts
        if passed:
            results[q.name] = f"PASS: {msg}"
            continue
        if entry.get("source") == "variable" and value is None:
            msg = i18n.t("grade.got_none", name=q.name)
        elif entry.get("source") == "missing":
            msg = i18n.t("grade.missing", name=q.name)
        else:
            via = i18n.t("grade.via_check_call") if entry.get("source") == "check call" else ""
            msg = i18n.t("grade.miss", status=i18n.t(f"grade.status.{status}"), via=via, message=msg)
        results[q.name] = misses[q.name] = msg
    return points, results, misses


def _states(records: list[dict]) -> tuple[dict[int, dict], dict | None, list[tuple[int, str]], list[str]]:
    """The answers before each cell (by run index), at the end, the runtime flags and the report's own problems."""
    current: dict[str, Any] = {}
    states, end, flags, problems = {}, None, [], []
    expected = 0
    if not records or records[0].get("k") != "ready":
        problems.append("the grader's collector did not report that it was installed")
    for r in records:
        kind, cell = r.get("k"), int(r.get("cell", -1))
        if kind in ("sync", "end"):
            if cell != expected:
                problems.append("the grader's collector was triggered out of order")
            expected = cell + 1
            current = {**current, **(r.get("answers") or {})}
            if kind == "sync":
                states[cell] = current
            else:
                end = current
        elif kind == "flag":
            flags.append((cell, _short(r.get("why"), 200)))
    return states, end, flags, list(dict.fromkeys(problems))


def _errors(cells: list[tuple[int, str]], runner: dict, cell_timeout: float) -> list[str]:
    out = []
    for (number, _), info in zip(cells, runner.get("cells") or []):
        for ename, evalue in info.get("errors", []):
            if ename in ("CellTimeoutError", "KeyboardInterrupt"):
                out.append(f"cell {number}: ran past the per-cell timeout ({cell_timeout:g} s) and was interrupted")
            else:
                out.append(f"cell {number}: {ename}: {_short(evalue, 100)}")
        if info.get("truncated"):
            out.append(f"cell {number}: printed more output than the grader keeps; the rest was dropped")
    return out


def _where(cells: list[tuple[int, str]], index: int) -> str:
    return f"cell {cells[index][0]}" if 0 <= index < len(cells) else "before the first cell"


def grade_notebook(path: str | os.PathLike, *, set_: str | None = None, cell_timeout: float = DEFAULT_CELL_TIMEOUT,
                   total_timeout: float = DEFAULT_TOTAL_TIMEOUT, sandbox: bool = True, limits: Limits = Limits(),
                   student: Student | None = None, hidden: Sequence[str] = ()) -> Grade:
    """Grade one submission in a fresh kernel; never raises for what the submission holds or does.

    ``sandbox=False`` runs without bwrap (the ``sandbox`` field says so either way); ``hidden`` are
    folders the submission must not open (other submissions, the grader's output).
    """
    p = Path(path)
    who = student or Student(name=p.stem)
    grade = Grade(file=str(path), student=who.name, lms_id=who.lms_id, email=who.email, login=who.login,
                  sis_id=who.sis_id, section=who.section)
    try:
        nb = read_notebook(p)
    except ValueError as exc:
        grade.status, grade.reason = "corrupt", _short(exc)
        grade.set = set_ or set_from_name(p.name) or ""
        if grade.set in check.SETS:
            grade.written_max = written_points(grade.set)
            grade.points = {q.name: 0.0 for q in auto_questions(grade.set)}
            grade.feedback = {q: "not graded: " + grade.reason for q in grade.points}
            grade.results = dict(grade.feedback)
        return grade
    s = set_ or find_set(nb, p)
    if s not in check.SETS:
        grade.status = "unknown set"
        grade.reason = ("could not tell which exercise set this is (no metadata.rooflib.exercise_set, "
                        "no NN_ in the name)")
        return grade
    has_key = getattr(check, "has_key", None)
    if has_key is not None and not all(has_key(q.name) for q in auto_questions(s)):
        grade.set, grade.status = s, "failed"
        grade.reason = (f"this rooflib holds no answer key for set {s} (a student release): grade in the "
                        "instructor's tree")
        return grade
    grade.set, grade.written, grade.answer_code = s, written_answers(nb), answer_code(nb)
    grade.language = find_language(nb)
    grade.written_max = written_points(s, nb)
    cells = code_cells(nb)
    aliases = rooflib_aliases([src for _, src in cells])
    static = [(i, why) for i, (_, src) in enumerate(cells) for why in scan(src, aliases)]
    run = execute([src for _, src in cells], [(q.name, q.kind) for q in auto_questions(s)], cell_timeout=cell_timeout,
                  total_timeout=total_timeout, limits=limits, sandbox=sandbox, hidden=hidden)
    grade.sandbox = run.sandbox
    states, end, runtime, problems = _states(run.records)
    r = run.runner
    grade.errors = _errors(cells, r, cell_timeout)
    flags = static + runtime + [(i, "printed the grader's marker") for i, c in enumerate(r.get("cells") or [])
                                if c.get("marker")]
    if r.get("died_at") is not None:
        flags.append((int(r["died_at"]), "the kernel ended during this cell (os._exit, a crash or a resource limit)"))
    if r.get("install") == "ok":
        flags += [(0, why) for why in problems + run.problems]
    flags.sort(key=lambda f: f[0])
    grade.flags = list(dict.fromkeys(f"{_where(cells, i)}: {why}" for i, why in flags))
    last = end if end is not None else (states[max(states)] if states else {})
    if flags:
        first = max(0, flags[0][0])
        before = [k for k in states if k <= first]
        state = states[max(before)] if before else {}
        grade.status = "flagged"
        grade.reason = _short(f"{len(grade.flags)} flag(s); only answers before {_where(cells, first)} count; "
                              f"first: {grade.flags[0]}", 300)
        grade.total_ignoring_flags = float(sum(_score(s, last, grade.language)[0].values()))
    elif end is not None:
        state = end
    elif r.get("timed_out") or r.get("stuck_at") is not None:
        reached = r.get("stuck_at") if r.get("stuck_at") is not None else r.get("reached", -1)
        state = last
        grade.status = "timed out"
        grade.reason = (f"{_where(cells, reached)} was still running after {total_timeout:g} s in total "
                        "(or could not be interrupted); answers before it count")
    else:
        state = last
        grade.status = "failed"
        grade.reason = _short(r.get("error") or r.get("install") or "the kernel could not be started", 300)
    grade.points, grade.results, grade.feedback = _score(s, state, grade.language)
    grade.answers = {name: (state.get(name) or MISSING).get("value") for name in grade.points}
    if grade.status == "flagged":
        for name, message in _score(s, last, grade.language)[1].items():
            if message.startswith("PASS") and name in grade.feedback:
                with i18n.language(grade.language):
                    grade.feedback[name] = grade.results[name] = i18n.t("grade.not_counted", message=message)
    if grade.status == "graded" and grade.errors:
        grade.reason = _short(f"{len(grade.errors)} cell error(s); first: {grade.errors[0]}", 300)
    return grade


def grade_many(paths: Iterable[str | os.PathLike], *, set_: str | None = None,
               cell_timeout: float = DEFAULT_CELL_TIMEOUT, total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
               progress: bool = True, jobs: int = 1, sandbox: bool = True, limits: Limits = Limits(),
               students: dict[str, Student] | None = None, hidden: Sequence[str] = ()) -> list[Grade]:
    """Grade every path (one fresh kernel each), ``jobs`` at a time, in the order given; tqdm bar on stderr.

    ``students`` maps a path (as given) to its student; ``hidden`` lists folders no submission may
    open (the folders of every path given are added).
    """
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    paths = [str(p) for p in paths]
    hide = sorted(set(hidden) | {str(Path(p).resolve().parent) for p in paths})
    kw = {"set_": set_, "cell_timeout": cell_timeout, "total_timeout": total_timeout, "sandbox": sandbox,
          "limits": limits, "hidden": hide}
    bar = tqdm(total=len(paths), desc="grading", unit="notebook", file=sys.stderr, disable=not progress)

    def one(p: str) -> Grade:
        try:
            return grade_notebook(p, student=(students or {}).get(p), **kw)
        except Exception as exc:  # noqa: BLE001 - a grader bug on one file must not lose the others
            return Grade(file=p, status="failed", reason=_short(f"{type(exc).__name__}: {exc}"))
        finally:
            bar.update()

    try:
        with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
            return list(pool.map(one, paths))
    finally:
        bar.close()

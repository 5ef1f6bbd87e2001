"""Grade exercise submissions into a CSV: ``python -m rooflib.grade SUBMISSION.ipynb... [--out grades.csv]``.

How grading works
-----------------
1. Each submission is read (a corrupt or non-notebook file scores 0 with the reason) and its
   exercise set found: ``--set``, else the notebook's ``metadata.rooflib.exercise_set``, else a
   file name starting ``NN_``, else the question names in its cells' ``metadata.rooflib``.
2. A copy, outputs cleared, is executed top to bottom in a fresh ``python3`` kernel in a temporary
   folder (the submitted file is only read, never modified, moved or deleted). Every cell runs
   even when an earlier one raises; a cell that runs past ``--timeout`` seconds is interrupted
   and counts as an error; a whole notebook past ``--total-timeout`` is stopped.
3. One extra cell, appended by the grader, reads each question's answer variable from the kernel
   (questions are named after their variables, e.g. ``ridge_1080ti``); for a variable that is
   missing (renamed, deleted) it takes the value the student's own ``rl.check.<name>(...)`` call
   recorded, if any. The values travel back as JSON and are scored here, in the grading process,
   by :func:`rooflib.check.evaluate`, so deleted, reordered or edited check cells do not matter.
4. One CSV row per submission: file, set, status, total, max, the points of every question, and
   feedback (the first lines of each miss). A per-question summary is printed; a tqdm progress
   bar runs on stderr. ``--jobs N`` grades N submissions at once (one kernel each).

Exit status: 0 when every argument was graded (whatever the scores), 2 for unusable arguments
(no files, a path that does not exist, an output folder that does not exist).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import check

__all__ = ["Grade", "grade_notebook", "grade_many", "write_csv", "summary", "find_set", "main"]

MARKER = "__ROOFLIB_GRADE_RESULT__"
DEFAULT_CELL_TIMEOUT = 30
DEFAULT_TOTAL_TIMEOUT = 600


@dataclass
class Grade:
    """The grade of one submission: ``points`` by question name, ``total`` of ``max_points``, and why."""

    file: str
    set: str = ""
    status: str = "graded"  # graded | corrupt | unknown set | kernel died | timed out
    reason: str = ""
    points: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))

    @property
    def max_points(self) -> float:
        return float(sum(q.points for q in check.questions(self.set))) if self.set in check.SETS else 0.0


# ------------------------------------------------------------------------------------------ helpers
def find_set(nb: dict, path: Path) -> str | None:
    """The exercise set of a notebook: metadata, else file name ``NN_...``, else its questions' names."""
    meta = (nb.get("metadata") or {}).get("rooflib") or {}
    s = str(meta.get("exercise_set", "")) if isinstance(meta, dict) else ""
    if s in check.SETS:
        return s
    m = re.match(r"(\d\d)[_\-]", path.name)
    if m and m.group(1) in check.SETS:
        return m.group(1)
    votes: collections.Counter[str] = collections.Counter()
    for cell in nb.get("cells") or []:
        qmeta = ((cell.get("metadata") or {}).get("rooflib") or {}) if isinstance(cell, dict) else {}
        name = qmeta.get("question") if isinstance(qmeta, dict) else None
        if isinstance(name, str) and name in check.QUESTIONS:
            votes[check.QUESTIONS[name].set] += 1
    return votes.most_common(1)[0][0] if votes else None


def _collect_source(set_: str) -> str:
    return ("import json as __rooflib_json\nimport rooflib.check as __rooflib_check\n"
            f"print({MARKER!r} + __rooflib_json.dumps(__rooflib_check.collect({set_!r}, globals())))\n")


def _execute(nb, workdir: str, cell_timeout: int, total_timeout: float) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran past {cell_timeout} s and was interrupted",
                          "traceback": []},
        record_timing=False, resources={"metadata": {"path": workdir}}, startup_timeout=120)

    async def run() -> None:
        await asyncio.wait_for(client.async_execute(), total_timeout)

    try:
        asyncio.run(run())
    finally:
        km = getattr(client, "km", None)
        if km is not None:
            try:
                if km.has_kernel:
                    km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass


def _cell_errors(nb) -> list[str]:
    out = []
    for i, cell in enumerate(nb.cells[:-1]):
        if cell.get("cell_type") != "code":
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                if o.get("ename") in ("KeyboardInterrupt", "CellTimeoutError"):
                    out.append(f"cell {i}: ran past the per-cell timeout and was interrupted")
                else:
                    out.append(f"cell {i}: {o.get('ename')}: {str(o.get('evalue'))[:80]}")
    return out


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


# ------------------------------------------------------------------------------------------ grading
def grade_notebook(path: str | os.PathLike, *, set_: str | None = None, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                   total_timeout: float = DEFAULT_TOTAL_TIMEOUT) -> Grade:
    """Execute one submission in a fresh kernel (on a temporary copy) and score every question.

    Never raises for a bad submission: a corrupt file, a crash or a timeout gives a Grade with
    ``status`` and ``reason`` set and 0 points where nothing could be read.
    """
    import nbformat

    p = Path(path)
    grade = Grade(file=str(path))
    try:
        text = p.read_bytes().decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cell list")
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a corrupt submission
        grade.status, grade.reason = "corrupt", _short(f"not a readable notebook: {type(exc).__name__}: {exc}")
        found = re.match(r"(\d\d)[_\-]", p.name)
        grade.set = set_ or (found.group(1) if found and found.group(1) in check.SETS else "")
        _zero(grade, "not graded: " + grade.reason)
        return grade

    s = set_ or find_set(nb, p)
    if s not in check.SETS:
        grade.status = "unknown set"
        grade.reason = "could not tell which exercise set this is (no metadata.rooflib.exercise_set, no NN_ file name)"
        return grade
    grade.set = s

    run_nb = nbformat.v4.new_notebook()
    run_nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        new = nbformat.v4.new_code_cell(src)
        new.pop("id", None)
        run_nb.cells.append(new)
    run_nb.cells.append(nbformat.v4.new_code_cell(_collect_source(s)))
    for c in run_nb.cells:
        c.pop("id", None)
    run_nb.nbformat_minor = 4

    with tempfile.TemporaryDirectory(prefix="rooflib-grade-") as tmp:
        nbformat.write(run_nb, os.path.join(tmp, "submission.ipynb"))
        try:
            _execute(run_nb, tmp, cell_timeout, total_timeout)
        except (asyncio.TimeoutError, TimeoutError):
            grade.status, grade.reason = "timed out", f"the notebook ran past {total_timeout:g} s in total"
        except Exception as exc:  # noqa: BLE001 - DeadKernelError, startup failures, ...
            name = type(exc).__name__
            grade.status = "kernel died" if "Dead" in name else "execution failed"
            grade.reason = _short(f"{name}: {exc}")

    grade.errors = _cell_errors(run_nb)
    answers = _read_answers(run_nb)
    if answers is None:
        if grade.status == "graded":
            grade.status, grade.reason = "execution failed", "the grader could not read the answers back"
        _zero(grade, "not graded: " + grade.reason)
        return grade
    for q in check.questions(s):
        entry = answers.get(q.name) or {"source": "missing", "value": {"type": "missing"}}
        try:
            res = check.evaluate(q.name, entry.get("value"))
        except Exception as exc:  # noqa: BLE001 - a strange value must not crash the grader
            res = check.CheckResult(q.name, False, f"could not check this answer ({type(exc).__name__})", 0,
                                    q.points, "invalid")
        grade.points[q.name] = float(res.points)
        if res.status == "missing":
            grade.feedback[q.name] = f"missing: no variable `{q.name}` and no rl.check.{q.name}(...) call"
        elif not res.passed:
            via = " (value from the check call)" if entry.get("source") == "check call" else ""
            grade.feedback[q.name] = f"{res.status}{via}: {res.message}"
    if grade.status == "graded" and grade.errors:
        grade.reason = f"{len(grade.errors)} cell(s) raised; first: {grade.errors[0]}"
    return grade


def _zero(grade: Grade, why: str) -> None:
    if grade.set in check.SETS:
        for q in check.questions(grade.set):
            grade.points[q.name] = 0.0
            grade.feedback.setdefault(q.name, why)


def _read_answers(nb) -> dict | None:
    cell = nb.cells[-1]
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            for line in str(o.get("text", "")).splitlines():
                if line.startswith(MARKER):
                    try:
                        data = json.loads(line[len(MARKER):])
                    except ValueError:
                        return None
                    return data if isinstance(data, dict) else None
    return None


def grade_many(paths: Iterable[str | os.PathLike], *, set_: str | None = None, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
               total_timeout: float = DEFAULT_TOTAL_TIMEOUT, progress: bool = True, jobs: int = 1) -> list[Grade]:
    """Grade every path (one fresh kernel each), ``jobs`` at a time, with a tqdm progress bar on stderr.

    Results come back in the order of ``paths``.
    """
    from tqdm import tqdm

    paths = list(paths)
    kw = {"set_": set_, "cell_timeout": cell_timeout, "total_timeout": total_timeout}
    bar = tqdm(total=len(paths), desc="grading", unit="notebook", file=sys.stderr, disable=not progress)
    out: list[Grade | None] = [None] * len(paths)
    try:
        if jobs <= 1 or len(paths) <= 1:
            for i, p in enumerate(paths):
                out[i] = grade_notebook(p, **kw)
                bar.update()
        else:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(grade_notebook, p, **kw): i for i, p in enumerate(paths)}
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        out[i] = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker crash is that submission's grade
                        out[i] = Grade(file=str(paths[i]), status="execution failed",
                                       reason=_short(f"{type(exc).__name__}: {exc}"))
                    bar.update()
    finally:
        bar.close()
    return [g for g in out if g is not None]


# ------------------------------------------------------------------------------------------ reports
def _columns(grades: Sequence[Grade]) -> list[str]:
    sets = sorted({g.set for g in grades if g.set in check.SETS})
    return [q.name for s in sets for q in check.questions(s)]


def write_csv(grades: Sequence[Grade], out: io.TextIOBase | str | os.PathLike) -> None:
    """One row per submission: file, set, status, total, max, each question's points, reason, feedback."""
    cols = _columns(grades)
    own = not hasattr(out, "write")
    f = open(out, "w", newline="", encoding="utf-8") if own else out  # noqa: SIM115
    try:
        w = csv.writer(f)
        w.writerow(["file", "set", "status", "total", "max", *cols, "reason", "feedback"])
        for g in grades:
            pts = [f"{g.points[c]:g}" if c in g.points else "" for c in cols]
            fb = "; ".join(f"{k}: {_short(v, 120)}" for k, v in g.feedback.items())
            w.writerow([g.file, g.set, g.status, f"{g.total:g}", f"{g.max_points:g}", *pts, g.reason, fb])
    finally:
        if own:
            f.close()


def summary(grades: Sequence[Grade]) -> str:
    """A per-question table: mean points, how many got it, and the most common miss."""
    cols = _columns(grades)
    lines = [f"{len(grades)} submission(s); statuses: "
             + ", ".join(f"{k} {v}" for k, v in collections.Counter(g.status for g in grades).items())]
    lines.append(f"{'question':<30} {'set':>3} {'mean':>6} {'max':>4} {'right':>9}  most common miss")
    for c in cols:
        q = check.QUESTIONS[c]
        gs = [g for g in grades if c in g.points]
        if not gs:
            continue
        mean = sum(g.points[c] for g in gs) / len(gs)
        right = sum(g.points[c] >= q.points for g in gs)
        misses = collections.Counter(_short(g.feedback[c], 70) for g in gs if c in g.feedback)
        common = misses.most_common(1)[0][0] if misses else ""
        lines.append(f"{c:<30} {q.set:>3} {mean:>6.2f} {q.points:>4} {right:>4}/{len(gs):<4}  {common}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ CLI
def _expand(args: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            found = sorted(p.glob("*.ipynb"))
            if not found:
                raise ValueError(f"folder {a!r} holds no .ipynb files")
            paths += found
        elif p.is_file():
            paths.append(p)
        else:
            raise ValueError(f"no such file or folder: {a!r}")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rooflib.grade",
        description="Grade Roofline Lab exercise submissions (each run in a fresh kernel on a temporary copy).")
    parser.add_argument("submissions", nargs="+", help="submission notebooks, or folders of them")
    parser.add_argument("--out", help="CSV file to write (default: the CSV goes to stdout)")
    parser.add_argument("--set", dest="set_", help=f"exercise set for every submission ({', '.join(check.SETS)}); "
                                                   "default: read from each notebook")
    parser.add_argument("--timeout", type=int, default=DEFAULT_CELL_TIMEOUT,
                        help=f"per-cell timeout in seconds (default {DEFAULT_CELL_TIMEOUT})")
    parser.add_argument("--total-timeout", type=float, default=DEFAULT_TOTAL_TIMEOUT,
                        help=f"per-notebook timeout in seconds (default {DEFAULT_TOTAL_TIMEOUT})")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.timeout < 1 or args.total_timeout <= 0:
        parser.error(f"--timeout and --total-timeout must be positive, got {args.timeout} and {args.total_timeout}")
    if args.jobs < 1:
        parser.error(f"--jobs must be a whole number >= 1, got {args.jobs}")
    if args.set_ is not None and args.set_ not in check.SETS:
        parser.error(f"--set must be one of {', '.join(check.SETS)}, got {args.set_!r}")
    if args.out is not None and not Path(args.out).resolve().parent.is_dir():
        parser.error(f"--out: folder {str(Path(args.out).resolve().parent)!r} does not exist")
    try:
        paths = _expand(args.submissions)
    except ValueError as exc:
        parser.error(str(exc))
    grades = grade_many(paths, set_=args.set_, cell_timeout=args.timeout, total_timeout=args.total_timeout,
                        progress=not args.no_progress, jobs=args.jobs)
    if args.out:
        write_csv(grades, args.out)
        print(summary(grades))
        print(f"wrote {args.out}")
    else:
        write_csv(grades, sys.stdout)
        print(summary(grades), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

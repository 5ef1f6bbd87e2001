"""Generate exercises/NN_topic.ipynb from solutions/NN_topic.ipynb (the single source). `make exercises`.

Usage: python tools/make_exercises.py            (every solutions/*.ipynb)
       python tools/make_exercises.py --check    (exit 1 if exercises/ differs from what would be written)

What changes between a solution and its exercise:
- in code cells, each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's
  markers) becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError("Replace this line with your
  answer: <hint>")``, the hint taken from a ``# HINT: ...`` line inside the region;
- in markdown cells, the region becomes ``YOUR ANSWER HERE``;
- every output, execution count and widget state is dropped;
- a first markdown cell says the file is generated and must not be edited.
Everything else (cell ids, metadata, lines outside the regions) is kept, so the output is
deterministic and byte-stable: running the command twice writes the same bytes.

The student release (``tools/make_release.py``) uses :func:`render_release`: the same notebook with
a header that names no solution file and, for a set the instructor grades, a "How checks work"
cell that says the checks validate form only and the grade comes after submission.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = re.compile(r"^\s*#\s*HINT:\s*(.*)$")
DEFAULT_HINT = "see the question above"

__all__ = ["strip_solutions", "make_exercise", "render", "render_release", "exercise_path", "main"]

RELEASE_HEADER = ("*Roofline Lab, exercise set {num}. Write your answers where a cell says `# YOUR CODE HERE` or "
                  "`YOUR ANSWER HERE`; keep the answer variables' names and the check cells as they are.*")
GRADED_HOW_CHECKS = """## How checks work (a graded set)
- **This set is graded.** Your instructor grades it after you submit, with the course's grader, which re-runs
  your notebook from the top in a fresh kernel and reads your answer variables: keep the variable names.
- Each question names the variable to store your answer in (for example `ridge_1080ti`), with its unit.
  Answers are plain numbers in SI units (FLOPs, bytes, seconds, FLOP/s, bytes/s, FLOP/byte), or the
  strings `"memory"` / `"compute"` for a verdict, or a letter for a choice.
- Replace the `raise NotImplementedError(...)` line with your code, run the cell, then run the check cell
  under it. In this set the check only looks at the **form** of your answer: a finite number of the right
  order of magnitude for its unit, a verdict word, one of the letters, an Axes on log axes. It prints
  **RECEIVED** when the form is right and **FAIL** with the reason when it is not; it does not say whether
  the answer is right. The grade comes after you submit.
- Numbers are graded with a relative tolerance of 1 % unless the question states another; a whole-number
  answer such as a batch size must be exact.
- Conventions: a FLOP is one add or one multiply, a multiply-add is 2 FLOPs; bytes are bytes moved to or
  from memory; 1 GB = 1e9 bytes, 1 GiB = 2**30 bytes."""


def _regions(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of each marked region; ValueError if the markers do not pair up."""
    out, start = [], None
    for i, line in enumerate(lines):
        s = line.strip()
        if s == BEGIN:
            if start is not None:
                raise ValueError(f"{where}: nested {BEGIN!r} at line {i + 1}")
            start = i
        elif s == END:
            if start is None:
                raise ValueError(f"{where}: {END!r} without {BEGIN!r} at line {i + 1}")
            out.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"{where}: {BEGIN!r} at line {start + 1} is never closed")
    return out


def strip_solutions(source: str, cell_type: str, where: str = "cell") -> str:
    """The student version of one cell's source (unchanged if it has no solution region)."""
    lines = source.split("\n")
    regions = _regions(lines, where)
    if not regions:
        return source
    out: list[str] = []
    prev = 0
    for b, e in regions:
        out += lines[prev:b]
        indent = lines[b][: len(lines[b]) - len(lines[b].lstrip())]
        if cell_type == "code":
            hints = [m.group(1).strip() for m in (HINT.match(x) for x in lines[b + 1:e]) if m]
            hint = hints[0] if hints else DEFAULT_HINT
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}raise NotImplementedError({json.dumps('Replace this line with your answer: ' + hint)})")
        else:
            out.append("YOUR ANSWER HERE")
        prev = e + 1
    out += lines[prev:]
    return "\n".join(out)


def exercise_path(solution: Path) -> Path:
    return ROOT / "exercises" / solution.name


def make_exercise(nb: nbformat.NotebookNode, solution_name: str, *, release: bool = False,
                  graded: bool = False) -> nbformat.NotebookNode:
    """The exercise notebook for a solution notebook (a new object; ``nb`` is not changed).

    ``release``: the student release's version, whose header names no solution file; ``graded`` (a
    release only): the set is graded, so its "How checks work" cell says the checks validate form only.
    """
    if graded and not release:
        raise ValueError("graded=True is for a student release (release=True)")
    ex = copy.deepcopy(nb)
    ex.metadata.pop("widgets", None)
    for i, cell in enumerate(ex.cells):
        cell.source = strip_solutions(cell.source, cell.cell_type, f"{solution_name} cell {i}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    if graded:
        how = next(c for c in ex.cells if c.get("id") == "how-checks-work")
        how.source = GRADED_HOW_CHECKS
    if release:
        text = RELEASE_HEADER.format(num=solution_name[:2])
    else:
        text = (f"*Generated by `tools/make_exercises.py` from `solutions/{solution_name}`; do not edit. "
                "Change the solution notebook and run `make exercises`.*")
    header = nbformat.v4.new_markdown_cell(text)
    header.id = "generated-header"
    header.metadata["rooflib"] = {"generated": True}
    ex.cells.insert(0, header)
    nbformat.validate(ex)
    return ex


def render(solution: Path) -> str:
    """The exact text the exercise file for ``solution`` should hold."""
    nb = nbformat.read(solution, as_version=4)
    return nbformat.writes(make_exercise(nb, solution.name)) + "\n"


def render_release(solution: Path, graded: bool = False) -> str:
    """The exercise file for ``solution`` as a student release ships it (see tools/make_release.py)."""
    nb = nbformat.read(solution, as_version=4)
    return nbformat.writes(make_exercise(nb, solution.name, release=True, graded=graded)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if exercises/ is stale")
    args = parser.parse_args(argv)
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    if not solutions:
        print("no solutions/*.ipynb found", file=sys.stderr)
        return 1
    stale = []
    for sol in solutions:
        target = exercise_path(sol)
        text = render(sol)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(target)
            if not args.check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {target.relative_to(ROOT)}")
    wanted = {exercise_path(s).name for s in solutions}
    extra = sorted(p for p in (ROOT / "exercises").glob("*.ipynb") if p.name not in wanted)
    if args.check:
        for p in stale + extra:
            print(f"out of date: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale or extra else 0
    for p in extra:
        print(f"note: {p.relative_to(ROOT)} has no solution notebook", file=sys.stderr)
    if not stale:
        print("exercises/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

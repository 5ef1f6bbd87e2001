"""rooflib.grade: solutions score full marks, exercises zero, and what students send never crashes it.

Every notebook is executed once, in one module-scoped grading run (a fresh kernel per submission),
and the tests read that run's results.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rooflib import check, grade

pytestmark = pytest.mark.slow  # about a minute: one fresh kernel per graded notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
SOL01 = ROOT / "solutions" / "01_terminology.ipynb"


def _sol01() -> nbformat.NotebookNode:
    return nbformat.read(SOL01, as_version=4)


def _answer_cell(nb, name):
    return next(c for c in nb.cells if c.metadata.get("rooflib", {}).get("question") == name)


def _check_cell(nb, name):
    return next(c for c in nb.cells if c.metadata.get("rooflib", {}).get("check") == name)


def _write(folder: Path, name: str, nb) -> Path:
    path = folder / name
    nbformat.write(nb, path)
    return path


def make_cases(folder: Path) -> dict[str, Path]:
    """Submissions that students really send, built from the set-01 solution."""
    cases: dict[str, Path] = {}

    nb = _sol01()  # an exception in one answer cell
    _answer_cell(nb, "dot_flops").source = "n = 4096\ndot_flops = 2 * n / 0 + undefined_name"
    cases["exception"] = _write(folder, "01_exception.ipynb", nb)

    nb = _sol01()  # an infinite loop
    _answer_cell(nb, "stencil_flops").source = "while True:\n    pass"
    cases["loop"] = _write(folder, "01_loop.ipynb", nb)

    nb = _sol01()  # check cells deleted and questions in reverse order
    cells = [c for c in nb.cells if "check" not in c.metadata.get("rooflib", {})]
    nb.cells = cells[:3] + cells[3:][::-1]
    cases["deleted_reordered"] = _write(folder, "01_deleted_reordered.ipynb", nb)

    nb = _sol01()  # renamed variables: one still checked (recorded), one not
    _answer_cell(nb, "dot_flops").source = "n = 4096\nmy_flops = 2 * n"
    _check_cell(nb, "dot_flops").source = "rl.check.dot_flops(my_flops)"
    _answer_cell(nb, "matmul_flops").source = "n = 1024\nflops_mm = 2 * n**3"
    nb.cells.remove(_check_cell(nb, "matmul_flops"))
    cases["renamed"] = _write(folder, "01_renamed.ipynb", nb)

    nb = _sol01()  # planted wrong answer: multiply-add counted once
    _answer_cell(nb, "dot_flops").source = "n = 4096\ndot_flops = n"
    cases["mac_once"] = _write(folder, "01_mac_once.ipynb", nb)

    nb = _sol01()  # never executed: outputs stripped
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nb.metadata.pop("rooflib")
    cases["unexecuted"] = _write(folder, "01_unexecuted.ipynb", nb)

    nb = _sol01()  # the kernel dies half way
    _answer_cell(nb, "stencil_flops").source = "import os\nos._exit(1)"
    cases["dies"] = _write(folder, "01_dies.ipynb", nb)

    nb = _sol01()  # no set metadata, no NN_ file name, but the cells still say which set
    nb.metadata.pop("rooflib")
    cases["by_cells"] = _write(folder, "my_homework.ipynb", nb)

    nb = copy.deepcopy(_sol01())  # nothing says which set
    nb.metadata.pop("rooflib")
    for c in nb.cells:
        c.metadata.pop("rooflib", None)
    cases["unknown"] = _write(folder, "homework.ipynb", nb)

    (folder / "01_corrupt.ipynb").write_text('{"cells": [ {"cell_type": "code", "sour', encoding="utf-8")
    cases["corrupt"] = folder / "01_corrupt.ipynb"
    (folder / "01_empty.ipynb").write_bytes(b"")
    cases["empty"] = folder / "01_empty.ipynb"
    (folder / "02_not_a_notebook.ipynb").write_text("[1, 2, 3]", encoding="utf-8")
    cases["json_list"] = folder / "02_not_a_notebook.ipynb"
    (folder / "03_binary.ipynb").write_bytes(bytes(range(256)))
    cases["binary"] = folder / "03_binary.ipynb"
    return cases


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    cases = make_cases(folder)
    before_cases = _digest(folder)
    before_repo = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SOLUTIONS + EXERCISES}
    loop = cases.pop("loop")
    paths = SOLUTIONS + EXERCISES + list(cases.values())
    grades = grade.grade_many(paths, cell_timeout=60, total_timeout=300, progress=False)
    # the infinite loop alone, with a short per-cell timeout
    grades.append(grade.grade_notebook(loop, cell_timeout=5, total_timeout=300))
    paths.append(loop)
    cases["loop"] = loop
    by_path = dict(zip(paths, grades, strict=True))
    return {"cases": cases, "by_path": by_path, "grades": grades, "folder": folder, "before_cases": before_cases,
            "before_repo": before_repo}


def _g(run, key):
    return run["by_path"][run["cases"][key]]


@pytest.mark.parametrize("sol", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_scores_full_marks(run, sol):
    g = run["by_path"][sol]
    assert g.status == "graded" and g.errors == [] and g.feedback == {}
    assert g.total == g.max_points == sum(q.points for q in check.questions(sol.name[:2])) > 0


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda p: p.stem)
def test_every_exercise_scores_zero(run, ex):
    g = run["by_path"][ex]
    assert g.status == "graded" and g.total == 0 and g.max_points > 0
    assert set(g.points) == {q.name for q in check.questions(ex.name[:2])}
    assert all("missing" in f for f in g.feedback.values())
    assert any("NotImplementedError" in e for e in g.errors)


def test_submissions_are_never_modified(run):
    assert _digest(run["folder"]) == run["before_cases"]  # same files, same bytes, nothing added
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in run["before_repo"]} == run["before_repo"]


def test_exception_costs_only_its_question(run):
    g = _g(run, "exception")
    assert g.status == "graded" and g.points["dot_flops"] == 0 and g.total == g.max_points - 1
    assert "ZeroDivisionError" in g.reason


def test_infinite_loop_is_interrupted(run):
    g = _g(run, "loop")
    assert g.status == "graded" and g.points["stencil_flops"] == 0 and g.points["matmul_bytes_fp16"] == 1
    assert any("per-cell timeout" in e for e in g.errors) and "timeout" in g.reason


def test_deleted_and_reordered_cells_still_grade(run):
    g = _g(run, "deleted_reordered")
    assert g.total == g.max_points


def test_renamed_variables(run):
    g = _g(run, "renamed")
    assert g.points["dot_flops"] == 1  # found through the value its check call recorded
    assert g.points["matmul_flops"] == 0 and "missing" in g.feedback["matmul_flops"]
    assert g.total == g.max_points - 1


def test_planted_wrong_answer_gets_its_hint(run):
    g = _g(run, "mac_once")
    assert g.points["dot_flops"] == 0 and "multiply-add" in g.feedback["dot_flops"]


def test_unexecuted_notebook_is_executed(run):
    g = _g(run, "unexecuted")
    assert g.set == "01" and g.total == g.max_points


def test_dead_kernel(run):
    g = _g(run, "dies")
    assert g.status == "kernel died" and g.total == 0 and g.reason
    assert set(g.points) == {q.name for q in check.questions("01")}


def test_set_found_from_cells_or_not_at_all(run):
    assert _g(run, "by_cells").set == "01" and _g(run, "by_cells").total == _g(run, "by_cells").max_points
    g = _g(run, "unknown")
    assert g.status == "unknown set" and g.total == 0 and "exercise set" in g.reason


@pytest.mark.parametrize("key", ["corrupt", "empty", "json_list", "binary"])
def test_unreadable_files_score_zero_with_a_reason(run, key):
    g = _g(run, key)
    assert g.status == "corrupt" and g.total == 0 and g.reason.startswith("not a readable notebook")
    assert g.set == run["cases"][key].name[:2]
    assert all(v == 0 for v in g.points.values()) and g.points


def test_csv_and_summary(run):
    buf = io.StringIO()
    grade.write_csv(run["grades"], buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == len(run["grades"])
    header = buf.getvalue().splitlines()[0].split(",")
    assert header[:5] == ["file", "set", "status", "total", "max"] and header[-2:] == ["reason", "feedback"]
    assert set(header[5:-2]) == set(check.QUESTIONS)
    for row in rows:
        if row["file"] in map(str, SOLUTIONS):
            assert row["total"] == row["max"] != "0"
            s = Path(row["file"]).name[:2]
            assert all(row[q.name] == f"{q.points:g}" for q in check.questions(s))
            assert all(row[q.name] == "" for q in check.QUESTIONS.values() if q.set != s)
    text = grade.summary(run["grades"])
    for name in check.QUESTIONS:
        assert name in text
    assert "multiply-add" in text or "missing" in text


# ------------------------------------------------------------------------------------------ the CLI
def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rooflib.grade", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_cli_grades_a_folder_to_csv(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "02_a.ipynb").write_text("not json", encoding="utf-8")
    (subs / "04_b.ipynb").write_bytes(b"\x00\x01")
    (subs / "notes.txt").write_text("ignored", encoding="utf-8")
    out = tmp_path / "grades.csv"
    r = _cli(str(subs), "--out", str(out), "--jobs", "2")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(Path(x["file"]).name, x["status"], x["total"], x["max"]) for x in rows] == \
        [("02_a.ipynb", "corrupt", "0", f"{sum(q.points for q in check.questions('02')):g}"),
         ("04_b.ipynb", "corrupt", "0", f"{sum(q.points for q in check.questions('04')):g}")]
    assert "grading" in r.stderr and "100%" in r.stderr  # the tqdm bar
    assert "ridge_1080ti" in r.stdout  # the per-question summary


@pytest.mark.parametrize("args,words", [
    ((), "required"),
    (("does_not_exist.ipynb",), "no such file"),
    (("EMPTY_DIR",), "holds no .ipynb"),
    (("X.ipynb", "--out", "/no/such/folder/g.csv"), "does not exist"),
    (("X.ipynb", "--set", "42"), "--set must be one of"),
    (("X.ipynb", "--timeout", "0"), "must be positive"),
    (("X.ipynb", "--jobs", "0"), "--jobs must be"),
])
def test_cli_unusable_arguments(tmp_path, args, words):
    (tmp_path / "EMPTY_DIR").mkdir()
    (tmp_path / "X.ipynb").write_text("{}", encoding="utf-8")
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and words in r.stderr, r.stderr

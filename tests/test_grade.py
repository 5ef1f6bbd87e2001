"""rooflib.grade: solutions score full marks, exercises zero, and what students really send never crashes it.

Every notebook is executed once, in one module-scoped grading run (a fresh sandboxed kernel per
submission, two at a time), and the tests read that run's results. The red-team suite is in
test_grade_redteam.py; reports and instructor paths in test_grade_outputs.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rooflib import check, grade

pytestmark = pytest.mark.slow  # about 30 s: one fresh kernel per graded notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted(p for p in (ROOT / "solutions").glob("*.ipynb") if p.name[:2] in check.SETS)
EXERCISES = sorted(p for p in (ROOT / "exercises").glob("*.ipynb") if p.name[:2] in check.SETS)
SOL01 = ROOT / "solutions" / "01_terminology.ipynb"
AUTO01 = sum(q.points for q in check.questions("01"))
SANDBOXED, SANDBOX = grade.sandbox_status()  # (True, "bwrap") where bubblewrap works (make test installs it)


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

    nb = _sol01()  # a function that prints instead of returning: the answer is None
    _answer_cell(nb, "dot_flops").source = "def count(n):\n    print(2 * n)\n\ndot_flops = count(4096)"
    cases["none_answer"] = _write(folder, "01_none_answer.ipynb", nb)

    nb = _sol01()  # honest but unusual code: none of it is tamper evidence
    nb.cells.append(nbformat.v4.new_code_cell(
        "%timeit -n1 -r1 sum(range(10))\nfrom threadpoolctl import threadpool_info\ninfo = threadpool_info()\n"
        "import inspect, gc\nsig = inspect.signature(rl.kernels.dot)\nnames = dir(rl.check)\n"
        "help(rl.kernels.dot)\nassert 'dot_flops' in globals()\ngc.collect()\n"
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nplt.close(fig)"))
    cases["honest_extras"] = _write(folder, "01_honest_extras.ipynb", nb)

    nb = _sol01()  # never executed: outputs stripped, no set metadata
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nb.metadata.pop("rooflib")
    cases["unexecuted"] = _write(folder, "01_unexecuted.ipynb", nb)

    nb = _sol01()  # the kernel dies half way: flagged, the answers before that cell count
    _answer_cell(nb, "stencil_flops").source = "import os\nos._exit(1)"
    cases["dies"] = _write(folder, "01_dies.ipynb", nb)

    nb = _sol01()  # an LMS download name and no set metadata: the set comes from the name
    nb.metadata.pop("rooflib")
    cases["lms_name"] = _write(folder, "lovelaceada_12345_67890_01_terminology.ipynb", nb)

    nb = _sol01()  # no set metadata, no set in the file name, but the cells still say which set
    nb.metadata.pop("rooflib")
    cases["by_cells"] = _write(folder, "my_homework.ipynb", nb)

    nb = _sol01()  # nothing says which set
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
    (folder / "smith_777_888_03_gtx1080ti_vgg_mobilenet.ipynb").write_bytes(bytes(range(256)))
    cases["binary"] = folder / "smith_777_888_03_gtx1080ti_vgg_mobilenet.ipynb"
    return cases


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    cases = make_cases(folder)
    course = {}  # the course's own notebooks, copied as they are now (others may be editing the originals)
    for p in SOLUTIONS + EXERCISES:
        course[p] = folder / p.parent.name / p.name
        course[p].parent.mkdir(exist_ok=True)
        course[p].write_bytes(p.read_bytes())
    before = _digest(folder)
    paths = [course[p] for p in SOLUTIONS + EXERCISES] + list(cases.values())
    grades = grade.grade_many(paths, cell_timeout=60, total_timeout=300, progress=False, jobs=2)
    nb = _sol01()  # an infinite loop, alone, with a short per-cell timeout
    _answer_cell(nb, "stencil_flops").source = "while True:\n    pass"
    cases["loop"] = _write(folder, "01_loop.ipynb", nb)
    before["01_loop.ipynb"] = _digest(folder)["01_loop.ipynb"]
    grades.append(grade.grade_notebook(cases["loop"], cell_timeout=3, total_timeout=120))
    paths.append(cases["loop"])
    by_path = dict(zip(paths, grades, strict=True))
    by_path.update({p: by_path[c] for p, c in course.items()})
    return {"cases": cases, "by_path": by_path, "grades": grades, "folder": folder, "before": before,
            "course": course}


def _g(run, key):
    return run["by_path"][run["cases"][key]]


@pytest.mark.parametrize("sol", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_scores_full_marks(run, sol):
    g = run["by_path"][sol]
    assert g.status == "graded" and g.errors == [] and g.feedback == {} and g.flags == []
    assert g.sandbox == SANDBOX
    assert g.auto_total == sum(q.points for q in check.questions(sol.name[:2])) > 0
    assert all(m.startswith("PASS") for m in g.results.values())


@pytest.mark.parametrize("sol", SOLUTIONS, ids=lambda p: p.stem)
def test_max_agrees_with_nbgrader_metadata(run, sol):
    """The CSV's max counts the written answers too: the sum of every graded cell's nbgrader points."""
    nb = nbformat.read(run["course"][sol], as_version=4)
    nbgrader_total = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
    assert run["by_path"][sol].max_points == nbgrader_total


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda p: p.stem)
def test_every_exercise_scores_zero(run, ex):
    g = run["by_path"][ex]
    assert g.status == "graded" and g.total == 0 and g.max_points > 0 and g.flags == []
    assert set(g.points) == {q.name for q in check.questions(ex.name[:2])}
    assert all("missing" in f for f in g.feedback.values())
    assert any("NotImplementedError" in e for e in g.errors)
    assert all(text == "" for text in g.written.values()) and g.written  # "YOUR ANSWER HERE" is no answer


def test_submissions_are_never_modified(run):
    assert _digest(run["folder"]) == run["before"]  # same files, same bytes, nothing added


def test_exception_costs_only_its_question_and_cites_the_files_cell(run):
    g = _g(run, "exception")
    assert g.status == "graded" and g.points["dot_flops"] == 0 and g.auto_total == AUTO01 - 1
    number = next(i for i, c in enumerate(nbformat.read(run["cases"]["exception"], as_version=4).cells, start=1)
                  if c.metadata.get("rooflib", {}).get("question") == "dot_flops")
    assert g.errors[0].startswith(f"cell {number}: ZeroDivisionError") and "ZeroDivisionError" in g.reason


def test_infinite_loop_is_interrupted(run):
    g = _g(run, "loop")
    assert g.status == "graded" and g.points["stencil_flops"] == 0 and g.points["matmul_bytes_fp16"] == 1
    assert any("per-cell timeout" in e for e in g.errors) and "timeout" in g.reason


def test_deleted_and_reordered_cells_still_grade(run):
    assert _g(run, "deleted_reordered").auto_total == AUTO01


def test_renamed_variables(run):
    g = _g(run, "renamed")
    assert g.points["dot_flops"] == 1  # found through the value its check call recorded
    assert g.points["matmul_flops"] == 0 and "missing" in g.feedback["matmul_flops"]
    assert g.auto_total == AUTO01 - 1


def test_planted_wrong_answer_gets_its_hint(run):
    g = _g(run, "mac_once")
    assert g.points["dot_flops"] == 0 and "multiply-add" in g.feedback["dot_flops"]


def test_none_answer_says_got_none(run):
    g = _g(run, "none_answer")
    assert g.points["dot_flops"] == 0 and g.feedback["dot_flops"].startswith("got None")


def test_honest_but_unusual_code_is_not_flagged(run):
    g = _g(run, "honest_extras")
    assert g.status == "graded" and g.flags == [] and g.errors == [] and g.auto_total == AUTO01


def test_unexecuted_notebook_is_executed(run):
    g = _g(run, "unexecuted")
    assert g.set == "01" and g.auto_total == AUTO01


def test_dead_kernel_is_flagged_with_the_honest_part(run):
    g = _g(run, "dies")
    assert g.status == "flagged" and "kernel ended" in " ".join(g.flags)
    before = ["vector_add_flops", "vector_add_bytes", "dot_flops", "dot_intensity"]
    assert g.auto_total == len(before) and all(g.points[q] == 1 for q in before)
    assert set(g.points) == {q.name for q in check.questions("01")}


def test_set_from_lms_name_cells_or_not_at_all(run):
    g = _g(run, "lms_name")
    assert g.set == "01" and g.auto_total == AUTO01
    assert _g(run, "by_cells").set == "01" and _g(run, "by_cells").auto_total == AUTO01
    g = _g(run, "unknown")
    assert g.status == "unknown set" and g.total == 0 and "exercise set" in g.reason


@pytest.mark.parametrize("key,set_", [("corrupt", "01"), ("empty", "01"), ("json_list", "02"), ("binary", "03")])
def test_unreadable_files_are_a_zero_row_in_their_set(run, key, set_):
    g = _g(run, key)
    assert g.status == "corrupt" and g.total == 0 and g.reason.startswith("not a readable notebook")
    assert g.set == set_ and g.max_points > 0 and g.points and all(v == 0 for v in g.points.values())


def test_csv_and_summary(run):
    buf = io.StringIO()
    grade.write_csv(run["grades"], buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == len(run["grades"])
    header = buf.getvalue().splitlines()[0].split(",")
    assert header[:8] == ["student", "lms_id", "file", "set", "status", "sandbox", "total", "max"]
    assert header[-4:] == ["total_ignoring_flags", "flags", "reason", "feedback"]
    assert {q.name for s in check.SETS for q in check.questions(s)} <= set(header)
    for row in rows:
        if row["file"] in {str(run["course"][p]) for p in SOLUTIONS}:
            s = Path(row["file"]).name[:2]
            assert row["sandbox"] == SANDBOX and row["status"] == "graded"
            assert all(row[q.name] == f"{q.points:g}" for q in check.questions(s))
            assert float(row["total"]) == sum(q.points for q in check.questions(s)) < float(row["max"])
    data = grade.summary(run["grades"])
    assert isinstance(data, dict) and data["submissions"] == len(run["grades"])
    assert data["statuses"]["corrupt"] == 4 and data["statuses"]["flagged"] == 1
    assert [f["file"] for f in data["flagged"]] == [str(run["cases"]["dies"])]
    assert data["questions"]["dot_flops"]["right"] >= 1 and data["questions"]["dot_flops"]["set"] == "01"
    text = grade.summary_text(data)
    assert "FLAGGED" in text and "dot_flops" in text and ("multiply-add" in text or "missing" in text)


# ------------------------------------------------------------------------------------------ the CLI
def _cli(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "rooflib.grade", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env=env)


@pytest.mark.parametrize("args,words", [
    ((), "required"),
    (("does_not_exist.ipynb",), "no such file"),
    (("EMPTY_DIR",), "holds no .ipynb"),
    (("X.ipynb", "--out", "/no/such/folder/g.csv"), "does not exist"),
    (("X.ipynb", "--set", "42"), "--set must be one of"),
    (("X.ipynb", "--timeout", "0"), "must be positive"),
    (("X.ipynb", "--jobs", "0"), "--jobs must be"),
    (("X.ipynb", "--name-pattern", "([a-z]+"), "missing )"),
    (("X.ipynb", "--name-pattern", "(?P<who>[a-z]+)"), "needs a (?P<student>"),
    (("merge", "nope.csv", "w.csv", "--out", "m.csv"), "no such file"),
    (("check-env", "no_such_notebook.ipynb"), "no such file"),
])
def test_cli_unusable_arguments(tmp_path, args, words):
    (tmp_path / "EMPTY_DIR").mkdir()
    (tmp_path / "X.ipynb").write_text("{}", encoding="utf-8")
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and words in r.stderr, r.stderr


def test_sandbox_keeps_a_course_that_lives_under_tmp_visible_and_trusted(tmp_path):
    """CI clones the course into a fresh folder that may be under /tmp: the sandbox's private /tmp must not
    hide its venv or rooflib, and the submission's private folders must not contain them (else the library's
    own code looks like student code and an honest notebook is flagged)."""
    from rooflib.grade import _sandbox

    course = (tmp_path / "course" / "rooflib").resolve()
    course.mkdir(parents=True)
    assert str(course).startswith("/tmp/")
    args = _sandbox.bwrap_command("bwrap", course, {}, Path("/var/tmp/report"), "/sandbox/work", {}, ["python"])
    tmpfs = args.index("/tmp", args.index("--tmpfs"))
    bind = next(i for i in range(len(args) - 1) if args[i] == "--ro-bind" and args[i + 1] == str(course))
    assert tmpfs < bind
    assert not (str(course) + "/").startswith(_sandbox.SANDBOX_TOP.rstrip("/") + "/")

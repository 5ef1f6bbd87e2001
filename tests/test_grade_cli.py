"""The instructor's command line end to end: a class folder as an LMS and a shared drive leave it, graded once
with every report, and ``check-env`` on this environment as installed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rooflib import check, grade

pytestmark = pytest.mark.slow  # about 15 s: a few kernels

ROOT = Path(__file__).resolve().parents[1]
SOL01 = ROOT / "solutions" / "01_terminology.ipynb"
SANDBOXED, SANDBOX = grade.sandbox_status()
ESSAY = "Each element of u is loaded once and its neighbours come from cache, until rows stop fitting in cache."


def _sol01(wrong: bool = False, essay: str = "", boom: bool = False):
    nb = nbformat.read(SOL01, as_version=4)
    nb.metadata.pop("rooflib")  # the set must come from the LMS file name
    for cell in nb.cells:
        meta = cell.metadata.get("rooflib", {})
        if wrong and meta.get("question") == "dot_intensity":
            cell.source = "dot_intensity = 0.2417"
        if wrong and meta.get("question") == "matmul_intensity":
            cell.source = "matmul_intensity = 99.1"
        if essay and meta.get("explain"):
            cell.source = essay
    if boom:
        nb.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))  # the file's cell 4
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    subs = base / "subs"
    (subs / "canvas").mkdir(parents=True)
    (subs / "shared" / "grace" / ".ipynb_checkpoints").mkdir(parents=True)
    (subs / "moodle").mkdir()
    nbformat.write(_sol01(wrong=True, essay=ESSAY), subs / "canvas" / "lovelaceada_12345_67890_01_terminology.ipynb")
    nbformat.write(_sol01(wrong=True, essay=ESSAY.upper(), boom=True),
                   subs / "canvas" / "turingalan_LATE_555_777_01_terminology.ipynb")
    nbformat.write(_sol01(), subs / "shared" / "grace" / "01_terminology.ipynb")
    (subs / "shared" / "grace" / ".ipynb_checkpoints" / "01_terminology-checkpoint.ipynb").write_text("{}")
    (subs / "moodle" / "Katherine Johnson_4242_assignsubmission_file_02_roofline_derived.ipynb").write_text("oops")
    (base / "roster.csv").write_text("Name,ID,Email\nAda Lovelace,12345,ada@example.org\n", encoding="utf-8")
    out = base / "out"
    out.mkdir()
    r = subprocess.run([sys.executable, "-m", "rooflib.grade", str(subs), "--out", str(out / "grades.csv"),
                        "--jobs", "2", "--roster", str(base / "roster.csv"), "--feedback", str(out / "feedback"),
                        "--lms", "canvas", "--lms", "moodle", "--written", str(out / "written"),
                        "--similarity", str(out / "similarity.csv"), "--no-progress"],
                       capture_output=True, text=True, timeout=600, cwd=base)
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))} \
        if r.returncode == 0 else {}
    return {"r": r, "out": out, "rows": rows}


def test_every_submission_has_a_row_with_its_student(graded):
    assert graded["r"].returncode == 0, graded["r"].stderr
    rows = graded["rows"]
    assert set(rows) == {"Ada Lovelace", "turingalan", "grace", "Katherine Johnson"}  # the checkpoint is skipped
    assert (rows["Ada Lovelace"]["lms_id"], rows["turingalan"]["lms_id"]) == ("12345", "555")
    auto = sum(q.points for q in check.questions("01"))
    max01 = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nbformat.read(SOL01, as_version=4).cells)
    assert (rows["grace"]["total"], rows["grace"]["max"]) == (f"{auto:g}", f"{max01:g}")
    assert rows["grace"]["sandbox"] == SANDBOX
    assert rows["Ada Lovelace"]["total"] == f"{auto - 2:g}" and rows["Ada Lovelace"]["explain_traffic"] == ""


def test_corrupt_file_is_a_zero_row_in_its_set(graded):
    row = graded["rows"]["Katherine Johnson"]
    nb = nbformat.read(ROOT / "solutions" / "02_roofline_derived.ipynb", as_version=4)
    max02 = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
    assert (row["set"], row["status"], row["total"], row["max"]) == ("02", "corrupt", "0", f"{max02:g}")
    assert row["lms_id"] == "4242"


def test_errors_cite_the_files_cell_numbers(graded):
    assert "cell 4: ZeroDivisionError" in graded["rows"]["turingalan"]["reason"]


def test_reports_are_written(graded):
    out = graded["out"]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == \
        ["Ada_Lovelace_01.html", "Katherine_Johnson_02.html", "grace_01.html", "index.html", "turingalan_01.html"]
    canvas = list(csv.reader((out / "canvas_gradebook.csv").open(encoding="utf-8")))
    assert canvas[2][:2] == ["Ada Lovelace", "12345"]
    assert (out / "moodle_01.csv").is_file() and (out / "moodle_02.csv").is_file()
    written = list(csv.DictReader((out / "written" / "written_01.csv").open(encoding="utf-8")))
    assert {w["student"]: w["answer"] for w in written}["Ada Lovelace"] == ESSAY


def test_similarity_report_lists_the_planted_pair(graded):
    pairs = list(csv.DictReader((graded["out"] / "similarity.csv").open(encoding="utf-8")))
    assert len(pairs) == 1
    pair = pairs[0]
    assert {pair["student_a"], pair["student_b"]} == {"Ada Lovelace", "turingalan"}
    assert "dot_intensity=0.2417" in pair["shared_wrong_answers"]
    assert pair["shared_written_answers"] == "explain_traffic"


def test_check_env_on_this_environment():
    r = subprocess.run([sys.executable, "-m", "rooflib.grade", "check-env", str(SOL01)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[-1] == "environment is ready"
    assert any(line.startswith("OK" if SANDBOXED else "WARN") and "sandbox" in line and SANDBOX in line
               for line in lines)
    assert any(line.startswith("OK") and "kernel and grader" in line for line in lines)
    assert any(line.startswith("OK") and "numpy" in line for line in lines)
    assert any(line.startswith("OK") and "01_terminology.ipynb" in line for line in lines)

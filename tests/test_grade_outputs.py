"""rooflib.grade's reports and instructor paths: feedback pages, LMS gradebooks, the collusion report, written
answers and the merge of hand-marked points, student identity, the static scan, the kernel-side serialiser,
and check-env. Most tests build grades by hand (no kernel); the end-to-end ones are marked slow.
"""

from __future__ import annotations

import csv
import fractions
import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import numpy as np
import pytest

from rooflib import check, grade

ROOT = Path(__file__).resolve().parents[1]
SOL01 = ROOT / "solutions" / "01_terminology.ipynb"
Q01 = [q.name for q in check.questions("01")]


def _grade(student, *, wrong=None, code=None, written="", lms_id="", status="graded", flags=()):
    """A set-01 grade by hand: every question right except ``wrong`` {name: value}."""
    wrong = wrong or {}
    points = {q: 0.0 if q in wrong else 1.0 for q in Q01}
    feedback = {q: f"wrong: got {v}" for q, v in wrong.items()}
    results = {q: feedback.get(q, "PASS: correct") for q in Q01}
    return grade.Grade(file=f"/subs/{student}_01_terminology.ipynb", student=student, lms_id=lms_id, set="01",
                       status=status, sandbox="bwrap", points=points, results=results, feedback=feedback,
                       flags=list(flags), written={"explain_traffic": written}, written_max={"explain_traffic": 1.0},
                       answers={q: wrong.get(q, 1.0) for q in Q01}, answer_code=dict(code or {}))


# ------------------------------------------------------------------------------------------ static scan
@pytest.mark.parametrize("source,words", [
    ("dot_flops = 2 * 4096", None),
    ("%matplotlib inline\nimport numpy as np\nx = np.logspace(-1, 3, 10)", None),
    ("import re\nr = re.compile('a')\nprint(getattr(r, 'pattern'))", None),
    ("import inspect, gc\nprint(inspect.signature(rl.kernels.dot), 'dot_flops' in globals(), gc.collect())", None),
    ("print({'expected': 1, 'got': 2})", None),
    ("vars(rl.check)['QUESTIONS']", "names the checker's internals"),
    ("import rooflib.check as c\nc.collect = None", "checker's internals"),
    ("from rooflib import check as chk\nchk.dot_flops = print", "replaces chk.dot_flops"),
    ("key = rl.check.QUESTIONS['dot_flops'].expected()", "checker's internals"),
    ("getattr(rl.check, 'QUEST' + 'IONS')", "attribute name at run time"),
    ("import rooflib.check._bank_01 as bank", "checker's internals"),
    ("from rooflib.check import QUESTIONS", "imports QUESTIONS"),
    ("import rooflib.grade", "imports rooflib.grade"),
    ("get_ipython().events.register('post_run_cell', f)", "IPython's internals"),
    ("import sys\nsys.modules['rooflib.check'] = object()", "module table"),
    ("import os\nos._exit(0)", "ends the kernel"),
    ("import json\njson.dumps = str", "replaces json.dumps"),
    ("print('__ROOFLIB_GRADE_RESULT__')", "marker"),
    ("exec('x = 1')", "built at run time"),
    ("f.__closure__[0].cell_contents", "interpreter internals"),
])
def test_scan(source, words):
    found = grade.scan(source, grade.rooflib_aliases([source]))
    if words is None:
        assert found == []
    else:
        assert any(words in f for f in found), found


def test_scan_finds_nothing_in_the_course_notebooks():
    for folder in ("solutions", "exercises", "notebooks"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            for i, cell in enumerate(nbformat.read(path, as_version=4).cells, start=1):
                if cell.cell_type == "code":
                    assert grade.scan(cell.source) == [], f"{path.name} cell {i}"


# ------------------------------------------------------------------------------------------ kernel-side serialiser
@pytest.fixture(scope="module")
def serialiser():
    ns: dict = {}
    exec(compile((ROOT / "rooflib" / "grade" / "_serialise.py").read_text(), "<serialise>", "exec"), ns)
    import decimal
    plain = ns["make_plain"](np, fractions, decimal, sys.modules)
    return plain, ns["make_encode"]()


class Sneaky:
    def __float__(self):
        raise AssertionError("the collector must never call a student's __float__")


def test_plain_values(serialiser):
    plain, _ = serialiser
    assert plain(8192) == 8192 and plain(2.5) == 2.5 and plain(True) is True and plain(None) is None
    assert plain(np.float32(0.5)) == 0.5 and plain(np.int64(7)) == 7 and plain(np.bool_(True)) is True
    assert plain(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]] and plain((1.0, "a")) == [1.0, "a"]
    assert plain(fractions.Fraction(1, 4)) == 0.25 and plain(Decimal("1.5")) == 1.5
    assert plain(float("inf")) == {"type": "nonfinite", "repr": "inf"}
    assert plain(10**400) == {"type": "nonfinite", "repr": "a number of 401 digits, too large for a float"}
    assert plain(10**300) == 1e300
    assert plain(Sneaky()) == {"type": "unsupported", "repr": "an object of type Sneaky"}
    assert "function" in plain(len)["repr"] and "function" in plain(lambda: 1)["repr"]
    assert plain([[[[[1]]]]])[0][0][0][0]["type"] == "unsupported"  # nested beyond what an answer needs


def test_plain_axes(serialiser):
    plain, _ = serialiser
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    x = np.logspace(-1, 3, 20)
    ax.loglog(x, np.minimum(11.3e12, 484e9 * x))
    ax.scatter([4.0], [484e9 * 4])
    ax.plot([4.0], [484e9 * 4], "o")
    data = plain(ax)
    assert data["type"] == "axes" and data["xscale"] == "log" and len(data["lines"][0][0]) == 20
    assert data["line_markers"] == [False, True]  # what rooflib.check's own transport says too
    to_jsonable = getattr(check, "to_jsonable", None)  # the checker's own form of a plot, where it shows it
    assert to_jsonable is None or to_jsonable(ax) == data
    assert data["points"] == [[4.0, 484e9 * 4]] and plain(fig) == data
    assert check.evaluate("roof_ax", data).passed
    plt.close(fig)


@pytest.mark.parametrize("value", ["plain", 'quote " and \\ backslash', "tab\tnewline\ncontrol\x01", "ünïcödé 算",
                                   "lone \ud800 surrogate", [1, -2.5e-300, None, True, {"type": "missing"}],
                                   {"type": "axes", "lines": [[[0.1, float("nan")], [1.0, float("inf")]]]}])
def test_encode_is_json(serialiser, value):
    _, encode = serialiser
    back = json.loads(encode(value))
    if isinstance(value, str) and "\ud800" not in value:
        assert back == value
    elif isinstance(value, dict):
        assert math.isnan(back["lines"][0][0][1]) and back["lines"][0][1][1] == math.inf
    elif isinstance(value, list):
        assert back == value


# ------------------------------------------------------------------------------------------ identity
def test_identify_from_lms_names_folders_patterns_and_roster(tmp_path):
    canvas = grade.identify(Path("subs/lovelaceada_LATE_12345_67890_02_roofline_derived.ipynb"))
    assert (canvas.name, canvas.lms_id) == ("lovelaceada", "12345")
    moodle = grade.identify(Path("subs/Ada Lovelace_4242_assignsubmission_file_02_roofline_derived.ipynb"))
    assert (moodle.name, moodle.lms_id) == ("Ada Lovelace", "4242")
    folder = grade.identify(Path("subs/ada/02_roofline_derived.ipynb"), root=Path("subs"))
    assert folder.name == "ada"
    import re

    custom = grade.identify(Path("hw2-s1234567.ipynb"), pattern=re.compile(r"hw\d-s(?P<id>\d+)"))
    assert custom.lms_id == "1234567"
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text("Name,ID,SIS Login ID,Email\nAda Lovelace,12345,lovelaceada,ada@example.org\n"
                          "Alan Turing,555,turingalan,alan@example.org\n", encoding="utf-8")
    roster = grade.load_roster(roster_csv)
    hit = grade.identify(Path("subs/lovelaceada_12345_67890_02_roofline_derived.ipynb"), roster=roster)
    assert (hit.name, hit.email, hit.login, hit.on_roster) == ("Ada Lovelace", "ada@example.org", "lovelaceada", True)
    (tmp_path / "bad.csv").write_text("colour\nred\n", encoding="utf-8")
    with pytest.raises(ValueError, match="none of the columns"):
        grade.load_roster(tmp_path / "bad.csv")


def test_expand_searches_folders_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    for p in ("x.ipynb", "a/y.ipynb", "a/b/z.ipynb", "a/.ipynb_checkpoints/y-checkpoint.ipynb", "a/notes.txt"):
        (tmp_path / p).write_text("{}", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p, _ in grade.expand([str(tmp_path)])]
    assert found == ["a/b/z.ipynb", "a/y.ipynb", "x.ipynb"]


# ------------------------------------------------------------------------------------------ reports
def test_feedback_pages(tmp_path):
    good = _grade("ada", written="Because the neighbours stay in cache.")
    bad = _grade("<script>alert(1)</script>", wrong={"dot_flops": 4096}, status="flagged",
                 flags=["cell 5: reads the checker's internals (rl.check.QUESTIONS)"])
    pages = grade.write_feedback([good, bad], tmp_path / "fb")
    assert len(pages) == 2 and (tmp_path / "fb" / "index.html").is_file()
    text = pages[0].read_text(encoding="utf-8")
    assert text.count("PASS") == len(Q01) and "Because the neighbours stay in cache." in text
    assert "marked by hand" in text
    text = pages[1].read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;" in text  # escaped
    assert "wrong: got 4096" in text and "rl.check.QUESTIONS" in text and "Flags" in text and "flagged" in text


def test_lms_gradebooks(tmp_path):
    gs = [_grade("lovelaceada", lms_id="12345"), _grade("turingalan", lms_id="555", wrong={"dot_flops": 1})]
    grade.write_lms(gs, "canvas", tmp_path / "canvas.csv")
    rows = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8")))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5].startswith("Roofline Lab 01") and rows[1][0].strip() == "Points Possible" and rows[1][5] == "10"
    assert rows[2][:2] == ["lovelaceada", "12345"] and rows[2][5] == "9" and rows[3][5] == "8"
    grade.write_lms(gs, "moodle", tmp_path / "moodle.csv")
    rows = list(csv.DictReader((tmp_path / "moodle.csv").open(encoding="utf-8")))
    assert rows[0]["Identifier"] == "Participant 12345" and rows[1]["Grade"] == "8" and rows[1]["Maximum Grade"] == "10"
    with pytest.raises(ValueError, match="one of canvas, moodle"):
        grade.write_lms(gs, "blackboard", tmp_path / "x.csv")


def test_similarity_finds_the_planted_pairs_only():
    essay = "The stencil reads each element once because its neighbours are still in cache from the last row."
    helper = {"stencil_flops": "def count(nx, ny):\n    return 9 * (nx - 2) * (ny - 2)  # mine\n"
                               "stencil_flops = count(1026, 1026)",
              "stencil_bytes": "def traffic(nx, ny):\n    return (nx * ny - 4 + (nx - 2) * (ny - 2)) * 4\n"
                               "stencil_bytes = traffic(1026, 1026)"}
    helper_b = {k: v.replace("# mine", "# copied").replace("    ", "  ") for k, v in helper.items()}
    gs = [_grade("a1", wrong={"dot_intensity": 0.2417, "matmul_intensity": 99.1}),
          _grade("a2", wrong={"dot_intensity": 0.2417, "matmul_intensity": 99.1}),
          _grade("c1", code=helper), _grade("c2", code=helper_b),
          _grade("e1", written=essay), _grade("e2", written=essay.upper()),
          *[_grade(f"slip{i}", wrong={"dot_flops": 4096, "matmul_flops": 2**30}) for i in range(4)]]
    pairs = grade.similarity(gs)
    found = {(p.student_a, p.student_b): p for p in pairs}
    assert set(found) == {("a1", "a2"), ("c1", "c2"), ("e1", "e2")}  # a slip four students share is no evidence
    assert found[("a1", "a2")].shared_wrong == ("dot_intensity=0.2417", "matmul_intensity=99.1")
    assert found[("c1", "c2")].shared_code == ("stencil_flops", "stencil_bytes")
    assert found[("e1", "e2")].shared_written == ("explain_traffic",) and pairs[0].student_a == "e1"


def test_written_export_and_merge(tmp_path):
    gs = [_grade("ada", written="cache"), _grade("alan", wrong={"dot_flops": 1}), _grade("grace")]
    grade.write_csv(gs, tmp_path / "grades.csv")
    (path,) = grade.export_written(gs, tmp_path / "written")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["student"] for r in rows] == ["ada", "alan", "grace"] and rows[0]["answer"] == "cache"
    assert all(r["max_points"] == "1" and r["manual_points"] == "" for r in rows)
    rows[0]["manual_points"], rows[1]["manual_points"] = "1", "0.5"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = subprocess.run([sys.executable, "-m", "rooflib.grade", "merge", str(tmp_path / "grades.csv"), str(path),
                        "--out", str(tmp_path / "final.csv"), "--lms", "canvas"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "merged 2" in r.stdout and "1 written answer(s) still unmarked" in r.stdout
    final = {row["student"]: row for row in csv.DictReader((tmp_path / "final.csv").open(encoding="utf-8"))}
    assert (final["ada"]["total"], final["ada"]["explain_traffic"], final["ada"]["max"]) == ("10", "1", "10")
    assert (final["alan"]["total"], final["grace"]["total"], final["grace"]["explain_traffic"]) == ("8.5", "9", "")
    assert (tmp_path / "canvas_gradebook.csv").is_file()
    rows[2]["manual_points"] = "3"  # more than the question is worth
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ValueError, match="line 4: manual_points must be from 0 to 1, got 3"):
        grade.merge_manual(tmp_path / "grades.csv", [path], tmp_path / "final2.csv")
    assert not (tmp_path / "final2.csv").exists()

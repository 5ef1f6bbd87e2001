"""The student release (`make release`, tools/make_release.py): built into a temporary folder and inspected.

No solutions and no worked answers in it; the graded sets' answer keys are not there and cannot be
computed through its checks (which validate form only and say RECEIVED); the practice sets are checked
in full by the release's own library, run in a subprocess with the release first on PYTHONPATH.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from rooflib import check
from rooflib.check._evaluate import answer_key

ROOT = Path(__file__).resolve().parents[1]
GRADED = ["02", "05"]
PRACTICE = [s for s in check.SETS if s not in GRADED]

_spec = importlib.util.spec_from_file_location("make_release", ROOT / "tools" / "make_release.py")
mr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mr)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "roofline-lab"
    assert mr.main([str(dest), "--graded", ",".join(GRADED)]) == 0
    return dest


def run_in_release(release: Path, code: str) -> dict:
    """Run ``code`` (which prints one JSON line last) with the release's rooflib first on the path."""
    env = dict(os.environ, PYTHONPATH=str(release), ROOFLIB_CHECK_RAISE="0", MPLBACKEND="Agg")
    prelude = ("import json, rooflib\n"
               f"assert rooflib.__file__.startswith({str(release)!r}), rooflib.__file__\n")
    r = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                       cwd=release, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def text_files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".ipynb", ".md", ".toml", ".yml", ".json", ".txt", ""):
            yield p, p.read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- what is in it
def test_release_layout(release):
    top = sorted(p.name for p in release.iterdir())
    assert top == [".gitignore", "README.md", "environment.yml", "exercises", "notebooks", "pyproject.toml",
                   "release.json", "rooflib"]
    assert json.loads((release / "release.json").read_text()) == {"graded": GRADED, "practice": PRACTICE}
    assert sorted(p.name for p in (release / "exercises").iterdir()) == [f"{s}.ipynb" for s in check.SETS.values()]
    assert sorted(p.name for p in (release / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert not list(release.rglob("__pycache__")) and not list(release.rglob("*.pyc"))
    assert (release / "rooflib" / "data" / "platforms.toml").is_file()


def test_no_solutions_and_no_worked_answers(release):
    assert not (release / "solutions").exists() and not (release / "tests").exists()
    for path, text in text_files(release):
        assert "BEGIN SOLUTION" not in text, path
        if "rooflib" not in path.relative_to(release).parts:  # what a student reads points at no solutions
            assert "solutions/" not in text, path
    worked = []  # the written answers and the answer lines of every solution
    for sol in sorted((ROOT / "solutions").glob("*.ipynb")):
        for c in nbformat.read(sol, as_version=4).cells:
            if "### BEGIN SOLUTION" in c.source:
                body = c.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                worked += [line.strip() for line in body.split("\n") if len(line.strip()) > 25
                           and not line.strip().startswith("# HINT")]
    for ex in (release / "exercises").glob("*.ipynb"):
        nb = nbformat.read(ex, as_version=4)
        nbformat.validate(nb)
        sources = "\n".join(c.source for c in nb.cells)
        assert not [w for w in worked if w in sources], ex.name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert "solution" not in nb.cells[0].source.lower()  # the header names no solution file


def test_course_map_keeps_its_other_bullets(release):
    nb = nbformat.read(release / "notebooks" / "00_course_map.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "Worked solutions" not in text and "check cell" in text
    assert mr.drop_solution_mentions("- a\n- see `solutions/`\n  for more\n- b") == "- a\n- b"


def test_graded_exercises_say_so(release):
    for number, stem in check.SETS.items():
        nb = nbformat.read(release / "exercises" / f"{stem}.ipynb", as_version=4)
        how = next(c.source for c in nb.cells if c.id == "how-checks-work")
        assert ("This set is graded" in how) == (number in GRADED)
        assert ("RECEIVED" in how) == (number in GRADED)
    readme = (release / "README.md").read_text()
    assert "Sets 02, 05 are **graded**" in readme and "pip install -e ." in readme


# --------------------------------------------------------------------------- graded sets: no key
def _bank_definitions(number: str) -> list[str]:
    """Every name the instructor's bank ``_bank_<number>.py`` defines but its SET_NN (constants, key functions)."""
    tree = ast.parse((ROOT / "rooflib" / "check" / f"_bank_{number}.py").read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return [n for n in names if n not in ("__all__", "_S", f"SET_{number}")]  # _S: every bank's set number


@pytest.mark.parametrize("number", GRADED)
def test_graded_sets_key_is_not_in_the_release(release, number):
    shared = {n for p in (ROOT / "rooflib" / "check").glob("_bank_*.py") if p.stem != f"_bank_{number}"
              for n in _bank_definitions(p.stem.removeprefix("_bank_"))}
    names = [n for n in _bank_definitions(number) if n not in shared]  # the names only this set's key defines
    assert len(names) >= 5  # the constants and expected-value functions really are found
    bank = (release / "rooflib" / "check" / f"_bank_{number}.py").read_text()
    for word in ("lambda", "def ", "Key(", "hints", "ask(", "from .. import", "from ._bank_common"):
        assert word not in bank, word
    for path, text in text_files(release / "rooflib"):
        for name in names:
            assert f"{name} =" not in text and f"def {name}(" not in text, (path, name)
    instructor_bank = ast.parse((ROOT / "rooflib" / "check" / f"_bank_{number}.py").read_text())
    hints = [c.value for c in ast.walk(instructor_bank) if isinstance(c, ast.Constant) and isinstance(c.value, str)
             and len(c.value) > 30]  # the slip hints of a graded set are part of its key too
    assert hints and not [h for h in hints if h in bank]


def test_graded_checks_validate_form_only(release):
    cases = {}
    for number in GRADED:
        for q in check.questions(number):
            if q.kind == "number" and q.rtol == 0:  # a whole number: wrong ones are whole numbers too
                right = int(answer_key(q.name))
                cases[q.name] = [right, right + 7, right // 2, right * 1000, "twelve"]
            elif q.kind == "number":
                right = float(answer_key(q.name))
                cases[q.name] = [right, right * 1.3, right * 0.5, right * 1e3, "twelve"]
            elif q.kind == "verdict":
                cases[q.name] = ["memory", "compute", "banana"]
            elif q.kind == "choice":
                cases[q.name] = list(q.choices) + ["z"]
    got = run_in_release(release, f"""
        from rooflib import check
        from rooflib.check import _evaluate, _registry
        cases = {cases!r}
        out = {{name: [[r.status, r.passed, r.message] for r in (check.evaluate(name, v) for v in values)]
               for name, values in cases.items()}}
        out["_keys"] = {{s.number: s.keys is not None for s in _registry.QUESTION_SETS}}
        try:
            _evaluate.answer_key("ridge_1080ti")
            out["_lookup"] = "found"
        except LookupError as exc:
            out["_lookup"] = str(exc)
        print(json.dumps(out))
    """)
    assert got.pop("_keys") == {s: s not in GRADED for s in check.SETS}
    assert "not in this release" in got.pop("_lookup")
    for name, results in got.items():
        q = check.QUESTIONS[name]
        if q.kind == "number":
            (right, higher, half, unit_slip, text) = results
            assert right[0] == higher[0] == half[0] == "received", (name, results)
            assert not right[1] and not higher[1]
            # the same words for the right answer and a wrong one: the check is no oracle
            echo = f"{{:.{6 if q.rtol == 0 else 4}g}}"
            wrong = float(answer_key(name)) + 7 if q.rtol == 0 else float(answer_key(name)) * 1.3
            assert right[2].replace(echo.format(float(answer_key(name))), "X") == \
                higher[2].replace(echo.format(wrong), "X")
            assert unit_slip[0] == "invalid" and "order of magnitude" in unit_slip[2]
            assert text[0] == "invalid"
        else:
            *words, bad = results
            assert {r[0] for r in words} == {"received"} and bad[0] == "invalid", (name, results)
        assert "graded after you submit" in results[0][2]


def test_graded_check_call_prints_received_and_plot_form(release):
    got = run_in_release(release, """
        import contextlib, io
        import matplotlib.pyplot as plt
        import numpy as np
        import rooflib as rl
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rl.check.ridge_1080ti(23.35)
            rl.check.ridge_1080ti(99.0)
            fig, ax = plt.subplots()
            ax.loglog([0.1, 1000], [1e10, 1e13])
            rl.check.roof_ax(ax)
            fig, ax = plt.subplots()
            ax.plot([0.1, 1000], [1e10, 1e13])
            rl.check.roof_ax(ax)
        print(json.dumps(buf.getvalue().splitlines()))
    """)
    assert got[0].startswith("\U0001f4dd RECEIVED ridge_1080ti") and got[1].startswith("\U0001f4dd RECEIVED")
    assert got[2].startswith("\U0001f4dd RECEIVED roof_ax") and "FAIL roof_ax" in got[3] and "log scales" in got[3]


# --------------------------------------------------------------------------- practice sets: full feedback
def test_practice_sets_are_fully_checked_in_the_release(release):
    right = {q.name: answer_key(q.name) for s in PRACTICE for q in check.questions(s) if q.kind != "roof_plot"}
    got = run_in_release(release, f"""
        from rooflib import check
        right = {right!r}
        out = {{name: check.evaluate(name, value).passed for name, value in right.items()}}
        out["_mac"] = check.evaluate("dot_flops", right["dot_flops"] / 2).message
        out["_verdict"] = check.evaluate("vgg16_verdict", "memory").message
        out["_miss"] = check.evaluate("gemm_time_s", 1.0).message
        print(json.dumps(out))
    """)
    assert "multiply-add" in got.pop("_mac")
    assert "wrong verdict" in got.pop("_verdict")
    assert "recheck" in got.pop("_miss")
    assert got == {name: True for name in right}


def test_release_installs_as_a_package(release, tmp_path):
    # setuptools builds the release's source distribution from its pyproject.toml (what `pip install .` reads)
    import shutil

    copy = shutil.copytree(release, tmp_path / "copy")  # the build writes rooflib.egg-info into its folder
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path)!r}))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=copy, timeout=300)
    assert r.returncode == 0, r.stderr
    import tarfile

    with tarfile.open(tmp_path / r.stdout.strip().splitlines()[-1]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        assert {"pyproject.toml", "README.md", "rooflib/data/platforms.toml", "rooflib/check/_bank_02.py"} <= names
        assert not any(n.startswith(("solutions", "tests")) for n in names)
        bank = tar.extractfile(next(n for n in tar.getnames() if n.endswith("rooflib/check/_bank_02.py"))).read()
        assert b"keys=None" in bank


# --------------------------------------------------------------------------- the command
def test_graded_sets_from_flag_and_config(tmp_path):
    config = tmp_path / "release.toml"
    config.write_text('graded = ["5", "03"]\n')
    assert mr.graded_sets("2, 05", config) == ["02", "03", "05"]
    assert mr.graded_sets(None, None) == []
    with pytest.raises(ValueError, match="one of 01"):
        mr.graded_sets("99")
    config.write_text('graded = "02"\n')
    with pytest.raises(ValueError, match="must be a list"):
        mr.graded_sets(None, config)


def test_dest_rules(tmp_path, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("mine")
    assert mr.main([str(busy)]) == 2
    assert mr.main([str(busy), "--force"]) == 2 and (busy / "thesis.tex").exists()  # only a release is replaced
    assert mr.main([str(ROOT)]) == 2
    assert "not empty" in capsys.readouterr().err
    out = tmp_path / "rel"
    assert mr.main([str(out)]) == 0 and mr.main([str(out), "--force", "--graded", "01"]) == 0
    assert json.loads((out / "release.json").read_text())["graded"] == ["01"]

"""The red-team suite: submissions that try to get marks without the work, or to reach the grader's machine.

Each attack (tests/redteam/attacks.py) is one cell in a set-01 submission, graded in the sandbox,
two at a time. Every one must end with the honest score or flagged (those in MUST_FLAG: flagged,
and never more than the honest score); the grader must survive; every submission file must be
byte-identical afterwards, with nothing added; the grader's home must hold nothing new. A few
attacks run again without the sandbox (the fallback path), and the command line must say loudly
when it grades without one.
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rooflib import check, grade
from redteam.attacks import ATTACKS, MUST_FLAG, build, expected_honest

pytestmark = pytest.mark.slow  # about 30 s

ROOT = Path(__file__).resolve().parents[1]
HOME = Path(os.path.expanduser("~"))
AUTO01 = sum(q.points for q in check.questions("01"))
SANDBOXED, SANDBOX = grade.sandbox_status()  # the suite runs sandboxed wherever bubblewrap works
FALLBACK = ["read_other_submission", "write_submissions", "network", "write_grader_home"]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _grade_all(folder: Path, names: list[str], sandbox: bool) -> dict:
    paths = build(folder, ROOT, HOME)
    before = _digest(folder)
    grades = grade.grade_many([paths[n] for n in names], cell_timeout=6, total_timeout=120, progress=False, jobs=2,
                              sandbox=sandbox)
    return {"grades": dict(zip(names, grades, strict=True)), "folder": folder, "before": before,
            "after": _digest(folder)}


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    return _grade_all(tmp_path_factory.mktemp("redteam"), ["other", *ATTACKS], sandbox=True)


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    return _grade_all(tmp_path_factory.mktemp("redteam-fallback"), FALLBACK, sandbox=False)


def _honest(name: str) -> float:
    return expected_honest(ATTACKS[name][0], check.questions("01"))


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_ends_honest_or_flagged(sandboxed, name):
    g = sandboxed["grades"][name]
    assert g.sandbox == SANDBOX
    if name in MUST_FLAG:
        assert g.status == "flagged", (g.status, g.reason)
    if g.status == "flagged":
        assert g.flags and all(f.startswith("cell ") for f in g.flags) and "count" in g.reason
        assert g.auto_total == _honest(name), g.flags  # the honest part: the answers before the flagged cell
    else:
        assert g.status == "graded", (g.status, g.reason)
        assert g.auto_total == (AUTO01 if ATTACKS[name][0] != "blank" else 0)  # a harmless failure costs nothing


def test_no_silent_full_marks_for_the_answer_key(sandboxed):
    for name in ("key_lookup", "key_lookup_obfuscated", "key_via_private_module", "check_oracle_search",
                 "patch_collector", "post_run_cell_hook", "sys_modules_swap", "forge_marker", "forge_marker_split"):
        g = sandboxed["grades"][name]
        assert g.status == "flagged" and g.total == 0, name


def test_flags_name_the_reason(sandboxed):
    flags = {name: " ".join(g.flags) for name, g in sandboxed["grades"].items()}
    assert "rl.check.QUESTIONS" in flags["key_lookup"]
    assert "event hook" in flags["hook_through_exec"]  # seen at run time: the cell's text only shows exec()
    assert "printed the grader's marker" in flags["forge_marker_split"]  # seen in the output
    assert "sys.modules['rooflib.check']" in flags["sys_modules_swap"]
    assert "kernel ended" in flags["os_exit"] and "audit hook" in flags["audit_hook"]
    assert "network" in flags["network"]


def test_the_machine_is_protected(sandboxed):
    gs = sandboxed["grades"]
    assert gs["other"].status == "graded" and gs["other"].auto_total == AUTO01  # the grader survived them all
    assert any("MemoryError" in e for e in gs["memory_30gb"].errors)
    assert any("per-cell timeout" in e for e in gs["endless_output"].errors)
    assert any("dropped" in e for e in gs["endless_output"].errors)
    assert any("PermissionError" in e for e in gs["spawn_loop"].errors)
    assert not (HOME / "planted.txt").exists() and not (HOME / "planted_by_a_student.txt").exists()


def test_submissions_are_byte_identical_afterwards(sandboxed):
    assert sandboxed["after"] == sandboxed["before"]


@pytest.mark.parametrize("name", FALLBACK)
def test_fallback_without_sandbox_still_blocks_and_flags(unsandboxed, name):
    g = unsandboxed["grades"][name]
    assert g.sandbox == "none: turned off (--no-sandbox)"
    assert g.status == "flagged" and g.auto_total == _honest(name), (g.status, g.flags)
    assert unsandboxed["after"] == unsandboxed["before"]
    assert not (HOME / "planted_by_a_student.txt").exists()


def _tiny(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["rooflib"] = {"exercise_set": "01"}
    nb.cells = [nbformat.v4.new_code_cell("dot_flops = 2 * 4096")]
    path = folder / "01_tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_fallback_is_loud(tmp_path):
    """A bwrap that fails as it does where user namespaces are off: the run goes on, the CSV and stderr say so."""
    subs = tmp_path / "subs"
    subs.mkdir()
    _tiny(subs)
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "ROOFLIB_BWRAP": str(fake)}
    r = subprocess.run([sys.executable, "-m", "rooflib.grade", str(subs), "--out", str(tmp_path / "g.csv"),
                        "--no-progress"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "WARNING: grading WITHOUT a sandbox (bwrap fails on this machine" in r.stderr
    row = next(csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8")))
    assert row["sandbox"] == "none: bwrap fails on this machine (bwrap: No permissions to creating new namespace)"
    assert row["status"] == "graded" and row["total"] == "1"


def test_sandbox_status_says_why(monkeypatch, tmp_path):
    assert SANDBOX == "bwrap" if SANDBOXED else SANDBOX.startswith("none: ")
    assert grade.sandbox_status(False) == (False, "none: turned off (--no-sandbox)")
    monkeypatch.setenv("ROOFLIB_BWRAP", str(tmp_path / "no-bwrap-here"))
    usable, why = grade.sandbox_status()
    assert not usable and why.startswith("none: bwrap is not installed") and "apt-get install bubblewrap" in why

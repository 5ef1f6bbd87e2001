"""environment.yml (conda, Binder) must name the same dependencies as pyproject.toml, with the same pins."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment_lines() -> list[str]:
    """The list items of environment.yml (a tiny reader: conda cannot run here, and PyYAML is not a dependency)."""
    return [m.group(1).strip() for m in re.finditer(r"^\s*-\s+(.+?)\s*$",
                                                     (ROOT / "environment.yml").read_text(encoding="utf-8"), re.M)]


def _reqs(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in out, f"{req.name} is listed twice"
        out[name] = str(req.specifier)
    return out


def test_environment_pins_equal_pyproject_dependencies():
    py = _reqs(_pyproject()["project"]["dependencies"])
    env_pip = [x for x in _environment_lines() if re.match(r"^[A-Za-z0-9_.\-\[\]]+\s*(==|>=|<=|~=|<|>)", x)]
    env = _reqs(env_pip)
    assert env == py, (f"only in environment.yml: {sorted(set(env) - set(py))}; "
                       f"only in pyproject.toml: {sorted(set(py) - set(env))}; "
                       f"different pins: {[n for n in set(env) & set(py) if env[n] != py[n]]}")


def test_every_dependency_is_pinned_exactly():
    for line in _pyproject()["project"]["dependencies"] + _pyproject()["project"]["optional-dependencies"]["dev"]:
        spec = Requirement(line).specifier
        assert len(spec) == 1 and next(iter(spec)).operator == "==", f"{line} is not pinned with =="


def test_environment_installs_the_project_and_python_matches():
    lines = _environment_lines()
    assert "-e ." in lines, "environment.yml must install the course itself (pip: -e .)"
    pythons = [x for x in lines if x.startswith("python")]
    assert pythons == ["python=3.11"], pythons
    requires = _pyproject()["project"]["requires-python"]
    assert requires == ">=3.11", requires
    assert "pip" in lines


@pytest.mark.parametrize("target", ["lab", "test"])
def test_readme_commands_exist_in_makefile(target):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"
    assert f"make {target}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*make test\b", ci, re.M), ".ci/run must call `make test`"
    assert "set -e" in ci


def test_make_lab_serves_the_whole_course_and_opens_the_course_map():
    """`make lab` must serve the repository root (a notebook's ../exercises/ links resolve inside the
    server) and open notebooks/00_course_map.ipynb first. Passing the notebook as a path would make
    notebooks/ the root and cut the exercises off."""
    recipe = subprocess.run(["make", "-n", "lab", "-o", ".venv/.installed-stamp"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ")
    line = next(x for x in recipe.splitlines() if "jupyter lab" in x)
    assert f'--ServerApp.root_dir="{ROOT}"' in line or f"--ServerApp.root_dir={ROOT}" in line, line
    url = re.search(r"--LabApp.default_url=/lab/tree/(\S+)", line).group(1)
    assert (ROOT / url).is_file() and url == "notebooks/00_course_map.ipynb"

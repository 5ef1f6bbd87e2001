"""Links and navigation: every relative link in the course resolves, and every lecture notebook ends
with the navigation tools/nav.py generates.

- Links: markdown links and images (``[text](target)``, ``![alt](target)``) and HTML ``href`` / ``src``
  attributes in the markdown cells of notebooks/, solutions/ and exercises/ and in README.md. A
  relative target (not http(s), mailto or a bare ``#anchor``) must be an existing file; a
  ``#anchor`` on a notebook or a markdown file must name one of its headings (Jupyter's anchor, the
  heading with spaces as ``-``, or GitHub's lowercase slug).
- Navigation: the nav cell of each notebooks/NN_*.ipynb equals what ``tools/nav.py`` would write;
  ``python tools/nav.py`` fixes a failure (``--check`` lists the stale notebooks).
- The link extractor and nav.py are first tested on synthetic inputs, so these tests fail when
  they should.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TREES = ("notebooks", "solutions", "exercises")
LINKED_SUFFIXES = (".ipynb", ".md", ".png", ".svg", ".jpg", ".jpeg", ".gif", ".py", ".toml", ".txt", ".yml",
                   ".cfg", ".html", ".pdf")


def _load_nav():
    spec = importlib.util.spec_from_file_location("rooflab_nav", ROOT / "tools" / "nav.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nav = _load_nav()

# [text](target "title") and ![alt](target); the target may be wrapped in <...>
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_FENCE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def extract_links(markdown: str) -> list[str]:
    """Link targets in a piece of markdown (code spans and fenced blocks ignored)."""
    text = _FENCE.sub("", markdown)
    return _MD_LINK.findall(text) + _HTML_LINK.findall(text)


def is_relative(target: str) -> bool:
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) and not target.startswith(("#", "//"))


def anchors_of(path: Path) -> set[str]:
    """Heading anchors of a notebook or markdown file, as Jupyter and GitHub spell them."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    out = set()
    for h in _HEADING.findall(_FENCE.sub("", text)):
        plain = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", r"\1", h).strip()
        out.add(plain.replace(" ", "-"))                                     # Jupyter
        out.add(re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-"))    # GitHub
    return out


def link_problems(source_file: Path, markdown: str) -> list[str]:
    """Broken relative links in ``markdown`` that lives in ``source_file``."""
    problems = []
    for target in extract_links(markdown):
        if not is_relative(target):
            continue
        path_part, _, anchor = target.partition("#")
        path_part = unquote(path_part.split("?")[0])
        resolved = (source_file.parent / path_part).resolve()
        if not resolved.exists():
            problems.append(f"{target!r}: {resolved} does not exist")
            continue
        if anchor and resolved.suffix in (".ipynb", ".md") and unquote(anchor) not in anchors_of(resolved):
            problems.append(f"{target!r}: no heading with anchor {anchor!r} in {resolved.name}")
    return problems


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _course_files() -> list[Path]:
    files = [p for tree in TREES for p in sorted((ROOT / tree).glob("*.ipynb"))]
    readme = ROOT / "README.md"
    return files + ([readme] if readme.exists() else [])


COURSE_FILES = _course_files()
LECTURES = nav.lecture_notebooks(ROOT / "notebooks")


# --- the checker itself ---------------------------------------------------------------------------

def test_extract_links_finds_links_images_and_html_but_not_code():
    md = ("See [02](02_roofline_derived.ipynb#The-two-regions), ![plot](img/roof.png \"a roof\"), "
          "[web](https://example.org/x.ipynb), <a href=\"../README.md\">readme</a>, "
          "`[not](a_link.ipynb)` and\n```\n[nor](this.ipynb)\n```\n[nested [brackets]](x.md)")
    assert extract_links(md) == ["02_roofline_derived.ipynb#The-two-regions", "img/roof.png",
                                 "https://example.org/x.ipynb", "x.md", "../README.md"]


def test_link_problems_reports_missing_files_and_anchors(tmp_path):
    target = tmp_path / "target.ipynb"
    nb = new_notebook(cells=[new_markdown_cell("# 01 · Title\n\n## The two regions")])
    nbformat.write(nb, target)
    (tmp_path / "notes.md").write_text("# Notes\n\n## Read me first\n", encoding="utf-8")
    src = tmp_path / "src.md"
    good = ("[a](target.ipynb) [b](target.ipynb#The-two-regions) [c](target.ipynb#the-two-regions) "
            "[d](notes.md#read-me-first) [e](#local) [f](https://x.org/missing.ipynb) [g](mailto:a@b.c)")
    assert link_problems(src, good) == []
    bad = "[a](missing.ipynb) [b](target.ipynb#no-such-heading) [c](sub/notes.md)"
    problems = link_problems(src, bad)
    assert len(problems) == 3
    assert "missing.ipynb" in problems[0] and "no-such-heading" in problems[1] and "sub/notes.md" in problems[2]


# --- the course's links ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", COURSE_FILES or [pytest.param(None, marks=pytest.mark.skip("no course files"))],
                         ids=lambda p: str(p.relative_to(ROOT)) if p else "none")
def test_every_relative_link_resolves(path):
    problems = link_problems(path, markdown_of(path))
    assert not problems, f"{path.relative_to(ROOT)} has broken links:\n" + "\n".join(problems)


def test_lecture_notebooks_link_their_exercise_set():
    for p in LECTURES:
        if p.name.startswith("00_"):
            continue
        links = extract_links(markdown_of(p))
        assert f"../exercises/{p.name}" in links, f"{p.name} does not link ../exercises/{p.name}"


# --- navigation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", LECTURES or [pytest.param(None, marks=pytest.mark.skip("no lectures"))],
                         ids=lambda p: p.name if p else "none")
def test_nav_cell_is_what_nav_py_generates(path):
    expected = nav.expected(ROOT / "notebooks")[path]
    nb = nbformat.read(path, as_version=4)
    navs = [c for c in nb.cells if nav.is_nav(c)]
    assert len(navs) == 1, f"{path.name} has {len(navs)} nav cells; run python tools/nav.py"
    assert nb.cells[-1] is navs[0], f"{path.name}: the nav cell is not the last cell; run python tools/nav.py"
    assert navs[0].source == expected, f"{path.name}: stale navigation; run python tools/nav.py"
    assert navs[0].source.startswith("<!-- generated by tools/nav.py; do not edit -->")


def _lecture(title: str, extra_cells=()) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n*subtitle*"), new_code_cell("1 + 1"), *extra_cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, title in [("00_course_map.ipynb", "00 · Course map"), ("01_terms.ipynb", "01 · Terms"),
                        ("02_roof.ipynb", "02 · The roof")]:
        nbformat.write(_lecture(title), folder / name)
    (folder / "notes.ipynb").write_text("{}", encoding="utf-8")        # not NN_*: ignored
    return folder


def test_nav_links_previous_contents_next(course):
    exp = {p.name: s for p, s in nav.expected(course).items()}
    assert set(exp) == {"00_course_map.ipynb", "01_terms.ipynb", "02_roof.ipynb"}
    assert exp["00_course_map.ipynb"].endswith("[01 · Terms →](01_terms.ipynb)")
    assert "←" not in exp["00_course_map.ipynb"] and "Contents" not in exp["00_course_map.ipynb"]
    assert exp["01_terms.ipynb"].endswith("[← 00 · Course map](00_course_map.ipynb) | "
                                          "[Contents: 00 · Course map](00_course_map.ipynb) | "
                                          "[02 · The roof →](02_roof.ipynb)")
    assert "→" not in exp["02_roof.ipynb"]


def test_nav_update_is_idempotent_and_check_detects_staleness(course):
    assert len(nav.out_of_date(course)) == 3
    assert len(nav.update(course)) == 3
    before = {p: p.read_bytes() for p in course.glob("*.ipynb")}
    assert nav.update(course) == [] and nav.out_of_date(course) == []
    assert {p: p.read_bytes() for p in course.glob("*.ipynb")} == before       # a rerun changes nothing
    # a hand edit of the nav cell is stale
    p = course / "01_terms.ipynb"
    nb = nbformat.read(p, as_version=4)
    nb.cells[-1].source += " edited"
    nbformat.write(nb, p)
    assert nav.out_of_date(course) == [p]
    # a new notebook makes its neighbour stale, and an update fixes both
    nbformat.write(_lecture("03 · Next"), course / "03_next.ipynb")
    stale = {q.name for q in nav.out_of_date(course)}
    assert stale == {"01_terms.ipynb", "02_roof.ipynb", "03_next.ipynb"}
    nav.update(course)
    assert nav.out_of_date(course) == []
    code = [c.source for c in nbformat.read(course / "02_roof.ipynb", as_version=4).cells if c.cell_type == "code"]
    assert code == ["1 + 1"]                                                   # other cells untouched


def test_nav_replaces_duplicates_and_moves_the_cell_last(course):
    nav.update(course)
    p = course / "02_roof.ipynb"
    nb = nbformat.read(p, as_version=4)
    dup = nav.make_nav_cell("old nav")
    dup.id = "nav-old"
    nb.cells.insert(1, dup)
    nbformat.write(nb, p)
    assert nav.out_of_date(course) == [p]
    nav.update(course)
    nb = nbformat.read(p, as_version=4)
    assert [c.source for c in nb.cells if nav.is_nav(c)] == [nav.expected(course)[p]]
    assert nav.is_nav(nb.cells[-1])
    nbformat.validate(nb)


def test_nav_cli_check_exit_codes_and_only_paths(course):
    cmd = [sys.executable, str(ROOT / "tools" / "nav.py"), "--dir", str(course)]
    assert subprocess.run([*cmd, "--check"], capture_output=True).returncode == 1
    only = course / "01_terms.ipynb"
    subprocess.run([*cmd, str(only)], check=True, capture_output=True)
    assert {q.name for q in nav.out_of_date(course)} == {"00_course_map.ipynb", "02_roof.ipynb"}
    subprocess.run(cmd, check=True, capture_output=True)
    done = subprocess.run([*cmd, "--check"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == ""

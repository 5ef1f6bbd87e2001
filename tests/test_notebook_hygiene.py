"""Notebook hygiene: every stored notebook is valid, cleanly executed, deterministic and follows the course layout.

Trees (globbed, so new notebooks are picked up without editing this file):
- notebooks/  lectures: executed, with reveal.js slide metadata on every cell;
- solutions/  executed exercise solutions;
- exercises/  student versions: no outputs and no execution counts.

Rules (from the course style, /work/shared/STYLE.md, and tools/execute_notebooks.py):
valid nbformat 4; no per-cell "execution" timing metadata; no stored error outputs (except in cells
tagged ``raises-exception``); every non-empty code cell executed (except ``skip-execution``) with
execution counts 1, 2, 3, ... in order; no timestamps in outputs outside cells tagged
``nbval-ignore-output``; the first cell is a markdown title ``# NN · Title`` whose NN is the file's
number; exactly one cell contains ``import rooflib as rl``; kernelspec ``python3``; file names
``NN_topic.ipynb`` and never ``Untitled*``.

The checks are plain functions returning a list of problems; the first tests below feed them
good and bad notebooks built here, so they are shown to catch what they claim to even before any
course notebook exists.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
LECTURE_DIR, SOLUTION_DIR, EXERCISE_DIR = ROOT / "notebooks", ROOT / "solutions", ROOT / "exercises"

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
IMPORT_LINE = "import rooflib as rl"
TITLE = re.compile(r"^# (\d{2}) · \S")
FILENAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
TIMESTAMP = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"        # ISO 8601 date-time: 2026-11-24T03:11, 2026-11-24 03:11
    r"|\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"          # a time of day: 03:11:32, 3:11:32.123
)


def _found(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb")) if folder.is_dir() else []


def _params(paths: list[Path], what: str) -> list:
    if not paths:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {what} notebooks exist yet"),
                             id=f"no-{what}")]
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in paths]


LECTURES, SOLUTIONS, EXERCISES = _found(LECTURE_DIR), _found(SOLUTION_DIR), _found(EXERCISE_DIR)
EXECUTED = LECTURES + SOLUTIONS
EVERY = LECTURES + SOLUTIONS + EXERCISES


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _where(i: int, cell) -> str:
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
    return f"cell {i} ({cell.cell_type}: {first!r})"


# ---------------------------------------------------------------------------------------------
# The checks.
# ---------------------------------------------------------------------------------------------


def format_problems(nb) -> list[str]:
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        return [f"invalid nbformat: {e.message}"]
    return [] if nb.nbformat == 4 else [f"nbformat {nb.nbformat}, expected 4"]


def timing_metadata_problems(nb) -> list[str]:
    return [f"{_where(i, c)} has execution timing metadata {dict(c.metadata['execution'])}"
            for i, c in enumerate(nb.cells) if "execution" in c.get("metadata", {})]


def error_output_problems(nb) -> list[str]:
    return [f"{_where(i, c)} stores an error: {o.get('ename')}: {o.get('evalue')}"
            for i, c in enumerate(nb.cells) if c.cell_type == "code" and "raises-exception" not in _tags(c)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def execution_problems(nb) -> list[str]:
    problems, counts = [], []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or not c.source.strip() or "skip-execution" in _tags(c):
            continue
        if c.execution_count is None:
            problems.append(f"{_where(i, c)} was not executed")
        else:
            counts.append(c.execution_count)
    if counts != list(range(1, len(counts) + 1)):
        problems.append(f"execution counts are {counts}, expected 1, 2, 3, ... (one fresh run, top to bottom)")
    return problems


def _output_texts(output) -> list[str]:
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    texts = []
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"):
            texts.append(value if isinstance(value, str) else "".join(value))
    if output.get("output_type") == "error":
        texts += [output.get("evalue", "")] + list(output.get("traceback", []))
    return texts


def timestamp_problems(nb) -> list[str]:
    problems = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or "nbval-ignore-output" in _tags(c):
            continue
        for o in c.get("outputs", []):
            for text in _output_texts(o):
                m = TIMESTAMP.search(text)
                if m:
                    problems.append(f"{_where(i, c)} prints a timestamp {m.group(0)!r}; tag the cell "
                                    "nbval-ignore-output or do not print it")
    return problems


def _is_generated_banner(cell) -> bool:
    """The "Generated by tools/make_exercises.py ...; do not edit" note that heads a generated notebook."""
    return (cell.cell_type == "markdown" and cell.get("metadata", {}).get("rooflib", {}).get("generated") is True
            and "generated by" in cell.source.lower())


def title_problems(nb, filename: str) -> list[str]:
    cells = nb.cells[1:] if nb.cells and _is_generated_banner(nb.cells[0]) else nb.cells
    if not cells or cells[0].cell_type != "markdown":
        return ["the first cell must be a markdown title '# NN · Title'"]
    m = TITLE.match(cells[0].source)
    if not m:
        return [f"the first cell must start with '# NN · Title', got {cells[0].source[:40]!r}"]
    number = filename[:2]
    if m.group(1) != number:
        return [f"title number {m.group(1)} does not match the file name {filename!r}"]
    return []


def import_problems(nb) -> list[str]:
    hits = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and IMPORT_LINE in c.source]
    return [] if len(hits) == 1 else [f"expected exactly one cell with {IMPORT_LINE!r}, found {len(hits)} "
                                      f"(cells {hits})"]


def kernelspec_problems(nb) -> list[str]:
    name = nb.metadata.get("kernelspec", {}).get("name")
    return [] if name == "python3" else [f"kernelspec name is {name!r}, expected 'python3'"]


def slide_problems(nb) -> list[str]:
    return [f"{_where(i, c)} has slide_type {c.get('metadata', {}).get('slideshow', {}).get('slide_type')!r}; "
            f"expected one of {sorted(SLIDE_TYPES)}"
            for i, c in enumerate(nb.cells)
            if c.get("metadata", {}).get("slideshow", {}).get("slide_type") not in SLIDE_TYPES]


def clean_problems(nb) -> list[str]:
    return [f"{_where(i, c)} has {'outputs' if c.outputs else 'an execution count'}"
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]


def filename_problems(path: Path) -> list[str]:
    if path.name.lower().startswith("untitled"):
        return [f"{path.name}: an Untitled notebook"]
    return [] if FILENAME.match(path.name) else [f"{path.name}: expected NN_topic.ipynb (lowercase, underscores)"]


CHECK_TAG = "course-check"


def _has_assert(source: str) -> bool:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:     # IPython magics: strip them and try again
        try:
            tree = ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            return False
    return any(isinstance(n, ast.Assert) for n in ast.walk(tree))


def check_cell_problems(nb) -> list[str]:
    """Learner-visible cells hold no bare asserts: checks that guard the course live in cells tagged
    course-check, stored collapsed (JupyterLab shows one line) and left out of the site and slides."""
    problems = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        if CHECK_TAG in _tags(c):
            if not c.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
                problems.append(f"{_where(i, c)} is tagged {CHECK_TAG} but not stored collapsed (source_hidden)")
        elif _has_assert(c.source):
            problems.append(f"{_where(i, c)} shows a bare assert to the learner; move it to a cell tagged {CHECK_TAG}")
    return problems


def lecture_problems(nb, filename: str) -> list[str]:
    """Every check a lecture notebook must pass."""
    return (format_problems(nb) + timing_metadata_problems(nb) + error_output_problems(nb)
            + execution_problems(nb) + timestamp_problems(nb) + title_problems(nb, filename)
            + import_problems(nb) + kernelspec_problems(nb) + slide_problems(nb) + check_cell_problems(nb))


# ---------------------------------------------------------------------------------------------
# The checks catch what they claim to (synthetic notebooks).
# ---------------------------------------------------------------------------------------------


def _slide(cell, kind: str = "slide"):
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def good_lecture() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                               "language": "python"}})
    c1 = new_code_cell("%matplotlib widget\nimport rooflib as rl", execution_count=1)
    c2 = new_code_cell("rl.ridge_point(11.3e12, 484e9)", execution_count=2,
                       outputs=[new_output("execute_result", {"text/plain": "23.347107438016527"},
                                           execution_count=2)])
    c3 = new_code_cell("import time; print(time.strftime('%H:%M:%S'))", execution_count=3,
                       outputs=[new_output("stream", name="stdout", text="03:11:32\n")])
    c3.metadata["tags"] = ["nbval-ignore-output"]
    c4 = new_code_cell("rl.Platform('p', -1, 1)", execution_count=4,
                       outputs=[new_output("error", ename="ValueError", evalue="peak_flops_per_s must be ...",
                                           traceback=[])])
    c4.metadata["tags"] = ["raises-exception"]
    nb.cells = [_slide(new_markdown_cell("# 02 · The roofline\nOne model, two roofs.")),
                _slide(c1, "skip"), _slide(c2), _slide(c3, "-"), _slide(c4, "fragment"),
                _slide(new_code_cell(""), "-"), _slide(new_markdown_cell("**Takeaway:** ..."), "notes")]
    return nb


def test_an_assert_in_a_visible_cell_is_caught_and_a_collapsed_check_cell_is_not():
    nb = good_lecture()
    nb.cells[2].source += "\nassert 1 + 1 == 2"
    assert any("bare assert" in p for p in check_cell_problems(nb))
    check = new_code_cell("for k in range(3):\n    assert k >= 0")
    check.metadata = {"tags": [CHECK_TAG], "slideshow": {"slide_type": "skip"}}
    nb = good_lecture()
    nb.cells.append(check)
    assert any("not stored collapsed" in p for p in check_cell_problems(nb))
    check.metadata["jupyter"] = {"source_hidden": True}
    assert check_cell_problems(nb) == []


def test_a_good_lecture_passes_every_check():
    assert lecture_problems(good_lecture(), "02_roofline.ipynb") == []


def _problems_after(mutate) -> list[str]:
    nb = good_lecture()
    mutate(nb)
    return lecture_problems(nb, "02_roofline.ipynb")


@pytest.mark.parametrize("mutate, expected", [
    (lambda nb: nb.cells[1].metadata.update(execution={"iopub.status.busy": "2026-11-24T03:11:32.1Z"}),
     "timing metadata"),
    (lambda nb: nb.cells[3].metadata.update(tags=[]), "timestamp '03:11:32'"),
    (lambda nb: nb.cells[2].outputs.append(new_output("stream", name="stdout", text="at 2026-11-24T03:11\n")),
     "timestamp '2026-11-24T03:11'"),
    (lambda nb: nb.cells[2].outputs.append(new_output("display_data", {"text/html": "<p>2026-11-24 03:11</p>"})),
     "timestamp"),
    (lambda nb: nb.cells[4].metadata.update(tags=[]), "stores an error: ValueError"),
    (lambda nb: setattr(nb.cells[2], "execution_count", None), "was not executed"),
    (lambda nb: setattr(nb.cells[2], "execution_count", 7), "execution counts are [1, 7, 3, 4]"),
    (lambda nb: [setattr(c, "execution_count", c.execution_count + 1) for c in nb.cells[1:5]],
     "execution counts are [2, 3, 4, 5]"),
    (lambda nb: nb.cells.pop(0), "first cell must be a markdown title"),
    (lambda nb: setattr(nb.cells[0], "source", "# 2 · The roofline"), "must start with '# NN · Title'"),
    (lambda nb: setattr(nb.cells[0], "source", "# 02 - The roofline"), "must start with '# NN · Title'"),
    (lambda nb: setattr(nb.cells[0], "source", "# 03 · The roofline"), "does not match the file name"),
    (lambda nb: nb.cells.append(new_code_cell("import rooflib as rl", execution_count=5)),
     "exactly one cell with 'import rooflib as rl', found 2"),
    (lambda nb: setattr(nb.cells[1], "source", "import rooflib"), "found 0"),
    (lambda nb: nb.metadata.update(kernelspec={"name": "python3.11", "display_name": "x"}),
     "kernelspec name is 'python3.11'"),
    (lambda nb: nb.cells[2].metadata.pop("slideshow"), "slide_type None"),
    (lambda nb: nb.cells[2].metadata.update(slideshow={"slide_type": "page"}), "slide_type 'page'"),
    (lambda nb: nb.cells[2].outputs.append({"output_type": "bogus"}), "invalid nbformat"),
])
def test_each_check_catches_its_problem(mutate, expected):
    problems = _problems_after(mutate)
    assert any(expected in p for p in problems), problems


def test_generated_banner_may_precede_the_title():
    nb = good_lecture()
    banner = new_markdown_cell("*Generated by `tools/make_exercises.py` from `solutions/02_roofline.ipynb`; "
                               "do not edit.*", metadata={"rooflib": {"generated": True}})
    nb.cells.insert(0, banner)
    assert title_problems(nb, "02_roofline.ipynb") == []
    banner.metadata = {}  # an ordinary markdown cell before the title is still an error
    assert title_problems(nb, "02_roofline.ipynb") != []


def test_clean_check_flags_outputs_and_counts():
    nb = good_lecture()
    assert len(clean_problems(nb)) == 4  # the four executed cells
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    assert clean_problems(nb) == []


@pytest.mark.parametrize("name, ok", [("02_roofline.ipynb", True), ("10_llm_inference.ipynb", True),
                                      ("Untitled.ipynb", False), ("Untitled1.ipynb", False),
                                      ("untitled-3.ipynb", False), ("2_roofline.ipynb", False),
                                      ("02-roofline.ipynb", False), ("02_Roofline.ipynb", False)])
def test_filename_check(name, ok):
    assert (filename_problems(Path(name)) == []) is ok


def test_execute_notebooks_tool_writes_notebooks_that_pass(tmp_path):
    """tools/execute_notebooks.py on a small lecture: fresh kernel, no timing metadata, counts 1..N."""
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    nb = good_lecture()
    nb.cells = [c for c in nb.cells if "raises-exception" not in _tags(c)]
    for c in nb.cells:  # as written by a script: nothing executed yet
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nb.cells[1].source = "import rooflib as rl"  # plain pytest has no ipympl kernel front end
    nb.metadata["kernelspec"] = {"name": "some-local-env", "display_name": "x"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    path = tmp_path / "02_roofline.ipynb"
    nbformat.write(nb, path)
    tool.execute(path, timeout=120)
    out = _read(path)
    assert lecture_problems(out, path.name) == []
    assert float(out.cells[2].outputs[0]["data"]["text/plain"]) == pytest.approx(23.35, abs=0.005)
    assert out.metadata["language_info"] == {"name": "python"}  # no interpreter version stored


# ---------------------------------------------------------------------------------------------
# The course's notebooks.
# ---------------------------------------------------------------------------------------------


def _assert_none(problems: list[str], path: Path) -> None:
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", _params(EVERY, "course"))
def test_notebook_is_valid_and_laid_out(path):
    nb = _read(path)
    _assert_none(format_problems(nb) + filename_problems(path) + title_problems(nb, path.name)
                 + import_problems(nb) + kernelspec_problems(nb) + timing_metadata_problems(nb), path)


@pytest.mark.parametrize("path", _params(EXECUTED, "lecture or solution"))
def test_notebook_is_cleanly_executed(path):
    nb = _read(path)
    _assert_none(execution_problems(nb) + error_output_problems(nb) + timestamp_problems(nb), path)


@pytest.mark.parametrize("path", _params(LECTURES, "lecture"))
def test_lecture_has_slide_metadata_on_every_cell(path):
    _assert_none(slide_problems(_read(path)), path)


@pytest.mark.parametrize("path", _params(LECTURES, "lecture"))
def test_lecture_shows_no_bare_asserts(path):
    _assert_none(check_cell_problems(_read(path)), path)


@pytest.mark.parametrize("path", _params(EXERCISES, "exercise"))
def test_exercise_is_stored_clean(path):
    _assert_none(clean_problems(_read(path)), path)


def test_no_untitled_notebooks_anywhere():
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"node_modules", "_build", "build"}]
        found += [os.path.join(folder, f) for f in files if f.lower().startswith("untitled")]
    assert not found, [os.path.relpath(p, ROOT) for p in found]


@pytest.mark.parametrize("folder", _params([LECTURE_DIR] if LECTURES else [], "lecture"))
def test_the_course_opens_with_a_course_map(folder):
    assert (folder / "00_course_map.ipynb").is_file(), "notebooks/ has lectures but no 00_course_map.ipynb"


@pytest.mark.parametrize("path", _params(EXERCISES, "exercise"))
def test_each_exercise_set_has_a_solution_notebook(path):
    assert (SOLUTION_DIR / path.name).is_file(), f"exercises/{path.name} has no solutions/{path.name}"

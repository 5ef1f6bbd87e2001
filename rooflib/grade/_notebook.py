"""Reading a submission: the notebook, its exercise set, its cells (numbered as in the file), its written answers.

Cell numbers are the file's own: cell N is the N-th cell of the notebook counting from 1,
markdown cells included (what an instructor counts when opening the file).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .. import check, i18n
from ._execute import rooflib_dir

__all__ = ["BLANK_ANSWERS", "read_notebook", "set_from_name", "find_set", "find_language", "question_sets",
           "code_cells", "written_answers", "answer_code", "reference_notebook", "written_points"]

BLANK_ANSWERS = ("YOUR ANSWER HERE", "")
"""What an untouched written answer holds (nbgrader's placeholder)."""
_SET_IN_NAME = re.compile(r"(?:^|[_\-\s])(\d\d)[_\-]")


def read_notebook(path: str | Path) -> Any:
    """The notebook at ``path`` (nbformat v4); ValueError saying why when it is not a readable notebook."""
    import nbformat

    try:
        text = Path(path).read_bytes().decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a corrupt submission
        raise ValueError(f"not a readable notebook: {type(exc).__name__}: {' '.join(str(exc).split())[:120]}") \
            from None
    if not isinstance(nb.get("cells"), list) or not all(isinstance(c, dict) for c in nb.cells):
        raise ValueError("not a readable notebook: no list of cells")
    return nb


@functools.lru_cache(maxsize=1)
def question_sets() -> dict[str, str]:
    """Question name -> its exercise set, over every set."""
    return {q.name: s for s in check.SETS for q in check.questions(s)}


def set_from_name(name: str) -> str | None:
    """The set a file name says: ``..._02_roofline_derived.ipynb`` (LMS downloads too), else an ``NN_`` part."""
    for s, stem in check.SETS.items():
        if name.endswith(stem + ".ipynb") or name.endswith(stem):
            return s
    found = [m.group(1) for m in _SET_IN_NAME.finditer(name) if m.group(1) in check.SETS]
    return found[-1] if found else None


def _meta(cell: Any) -> dict:
    meta = (cell.get("metadata") or {}).get("rooflib") or {}
    return meta if isinstance(meta, dict) else {}


def find_language(nb: Any) -> str:
    """The submission's language: ``metadata.rooflib.language`` (tools/make_zh.py writes "zh"), else English."""
    meta = (nb.get("metadata") or {}).get("rooflib") or {}
    lang = meta.get("language") if isinstance(meta, dict) else None
    try:
        return i18n.normalise_language(lang) if isinstance(lang, str) else "en"
    except KeyError:
        return "en"


def find_set(nb: Any, path: str | Path) -> str | None:
    """The exercise set: ``metadata.rooflib.exercise_set``, else the file name, else its questions' names."""
    meta = (nb.get("metadata") or {}).get("rooflib") or {}
    s = str(meta.get("exercise_set", "")) if isinstance(meta, dict) else ""
    if s in check.SETS:
        return s
    s = set_from_name(Path(path).name)
    if s:
        return s
    names = question_sets()
    votes = Counter(names[q] for q in (_meta(c).get("question") for c in nb.cells) if isinstance(q, str) and q in names)
    return votes.most_common(1)[0][0] if votes else None


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def code_cells(nb: Any) -> list[tuple[int, str]]:
    """(file cell number, source) of every non-empty code cell, in order."""
    return [(i, _source(c)) for i, c in enumerate(nb.cells, start=1)
            if c.get("cell_type") == "code" and _source(c).strip()]


def written_answers(nb: Any) -> dict[str, str]:
    """Written (hand-graded) answers by name: the markdown cells marked ``metadata.rooflib.explain``."""
    out: dict[str, str] = {}
    for cell in nb.cells:
        name = _meta(cell).get("explain")
        if isinstance(name, str) and cell.get("cell_type") == "markdown":
            text = _source(cell).strip()
            out[name] = "" if text in BLANK_ANSWERS else text
    return out


def answer_code(nb: Any) -> dict[str, str]:
    """The code of each question's answer cell (``metadata.rooflib.question``), by question name."""
    return {q: _source(c) for c in nb.cells if isinstance(q := _meta(c).get("question"), str)}


@functools.lru_cache(maxsize=16)
def reference_notebook(set_: str) -> Any:
    """The course's notebook of ``set_``: ``solutions/`` (else ``exercises/``) beside the rooflib package, or None."""
    import nbformat

    for folder in ("solutions", "exercises"):
        path = rooflib_dir().parent / folder / f"{check.SETS[set_]}.ipynb"
        if path.is_file():
            return nbformat.read(path, as_version=4)
    return None


def _points(nb: Any) -> dict[str, float]:
    return {name: float((c.get("metadata", {}).get("nbgrader") or {}).get("points", 0) or 0)
            for c in nb.cells if isinstance(name := _meta(c).get("explain"), str)}


def written_points(set_: str, nb: Any = None) -> dict[str, float]:
    """The points of each written answer of ``set_``, from nbgrader's metadata in the course's own notebook.

    The reference is ``solutions/`` (else ``exercises/``) next to the rooflib package; without one
    (rooflib installed on its own) the submission's metadata ``nb`` is read instead.
    """
    ref = reference_notebook(set_)
    if ref is not None:
        return _points(ref)
    return _points(nb) if nb is not None else {}

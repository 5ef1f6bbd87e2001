"""Build the Chinese edition, zh/, from the English notebooks and the translation catalogues in i18n/zh/. `make zh`.

Usage: python tools/make_zh.py              build zh/notebooks and zh/solutions (executed, outputs stored) and
                                            zh/exercises (from the zh solutions, as tools/make_exercises.py does)
       python tools/make_zh.py --check      exit 1 when a translation is stale or missing, or zh/ is not what
                                            the build makes (names the notebook and the cell id)
       python tools/make_zh.py --no-execute write the sources only (a quick preview; nbval needs the outputs)
       python tools/make_zh.py --all        also re-execute the zh notebooks whose sources did not change (after a
                                            library change, beside `tools/execute_notebooks.py --all`)
       python tools/make_zh.py --status     per notebook: cells translated, missing, stale; notebooks not started
       python tools/make_zh.py --extract notebooks/NN_topic.ipynb [--with-code]
                                            create or update that notebook's catalogue: new cells get an empty
                                            "zh", a changed cell gets "en_new" (the new English beside the old)
       python tools/make_zh.py --accept notebooks/NN_topic.ipynb [--cell ID ...]
                                            after updating "zh": record the current English as translated

The English notebooks are the source. ``i18n/zh/<tree>/<stem>.json`` (tree: notebooks or solutions) holds,
per cell id, the sha256 of the English cell source it translates, that English ("en") and the Chinese ("zh"),
both as lists of lines. Translatable: every markdown cell except the generated navigation (tagged ``nav``,
rebuilt here from the Chinese titles). Code cells are copied; a catalogue entry for a code cell (optional,
``--with-code``) may translate its comments only: the code must stay token for token the same, and the
solution markers and ``# HINT:`` lines stay. The import cell gains ``rl.i18n.set_language("zh")`` under
``import rooflib as rl``. A stale or missing translation falls back to the English cell (and --check fails).
Links to a notebook without a zh edition point at the English one. The zh exercises are made by
tools/make_exercises.py's ``make_exercise`` from the zh solutions; its generated header and the placeholder's
prompt are put into Chinese (the "YOUR CODE HERE" / "YOUR ANSWER HERE" markers stay: the grader reads them).
Lecture notebooks and solutions are executed by tools/execute_notebooks.py (deterministic, no timings) only
when their sources changed, so a rebuild of an unchanged tree touches nothing.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import importlib.util
import io
import json
import posixpath
import re
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TREES = ("notebooks", "solutions")
LANG = "zh"
SET_LANGUAGE = 'rl.i18n.set_language("zh")  # 中文输出：检查信息、控件与图中文字'
IMPORT_LINE = "import rooflib as rl"
HEADER_ID = "zh-header"
EN_PROMPT = "Replace this line with your answer: "
ZH_PROMPT = "把这一行换成你的答案："
HINT = re.compile(r"^\s*#\s*HINT:")
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
CJK = re.compile(r"[\u3400-\u9fff]")

__all__ = ["Problem", "build", "catalogue_path", "check", "extract", "accept", "problems", "render_exercise",
           "sha256", "sources", "output_path", "main"]


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mk = _tool("make_exercises")
nav = _tool("nav")
execute_notebooks = _tool("execute_notebooks")


# ------------------------------------------------------------------------------------------------ catalogues
def sha256(text: str) -> str:
    """The hash a catalogue records: sha256 of the English cell source (UTF-8), hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _text(lines: list[str] | str) -> str:
    return lines if isinstance(lines, str) else "\n".join(lines)


def catalogue_path(source: Path, root: Path = ROOT) -> Path:
    """``notebooks/07_x.ipynb`` -> ``i18n/zh/notebooks/07_x.json``."""
    return root / "i18n" / LANG / source.parent.name / f"{source.stem}.json"


def output_path(source: Path, root: Path = ROOT) -> Path:
    """``notebooks/07_x.ipynb`` -> ``zh/notebooks/07_x.ipynb``."""
    return root / LANG / source.parent.name / source.name


def sources(root: Path = ROOT) -> list[Path]:
    """The English notebooks that have a catalogue (so a zh edition), notebooks then solutions."""
    out = []
    for tree in TREES:
        for cat in sorted((root / "i18n" / LANG / tree).glob("*.json")):
            if (root / tree / f"{cat.stem}.ipynb").exists():     # else --check reports the catalogue
                out.append(root / tree / f"{cat.stem}.ipynb")
    return out


def load_catalogue(path: Path) -> dict:
    if not path.exists():
        return {"source": "", "language": LANG, "cells": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def save_catalogue(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def is_nav(cell) -> bool:
    return nav.is_nav(cell)


def translatable(cell) -> bool:
    """A cell that must have a translation: markdown, except the generated navigation."""
    return cell.cell_type == "markdown" and not is_nav(cell)


def _has_comment(code: str) -> bool:
    try:
        return any(t.type == tokenize.COMMENT for t in tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "#" in code


def _code_tokens(code: str) -> list[tuple[int, str]] | None:
    """The code's tokens without comments and blank lines (None when it does not tokenize)."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return [(t.type, t.string) for t in toks if t.type not in (tokenize.COMMENT, tokenize.NL)]


def same_code(english: str, chinese: str) -> bool:
    """True when two code cells differ at most in their comments (token for token otherwise)."""
    a, b = _code_tokens(english), _code_tokens(chinese)
    return a == b if a is not None and b is not None else english == chinese


def _marker_lines(text: str) -> list[str]:
    return [s.strip() for s in text.split("\n") if s.strip() in MARKERS]


def _literal_stars(markdown: str) -> int:
    """How many ``*`` / ``_`` delimiters CommonMark leaves as text (outside code): an emphasis that did not render."""
    import mistune

    html = mistune.create_markdown(escape=False)(markdown)
    html = re.sub(r"<code>.*?</code>|<pre>.*?</pre>|\$[^$]*\$", "", html, flags=re.S)
    return len(re.findall(r"\*+|(?<![\w\\])_+(?!\w)", re.sub(r"<[^>]+>", "", html)))


@dataclass(frozen=True)
class Problem:
    """Something that keeps a zh edition from being complete: ``kind`` is stale, missing, orphan, code,
    markers or emphasis; ``message`` names the notebook and the cell id."""

    kind: str
    notebook: str
    cell: str
    message: str

    def __str__(self) -> str:
        return self.message


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def problems(source: Path, root: Path = ROOT) -> list[Problem]:
    """Every stale, missing or malformed translation of ``source`` (an English notebook), in cell order."""
    nb = nbformat.read(source, as_version=4)
    cat_path = catalogue_path(source, root)
    cells = load_catalogue(cat_path)["cells"]
    name, where = _rel(source, root), _rel(cat_path, root)
    fix = f"run `python tools/make_zh.py --extract {name}`, translate, then `--accept {name}`"
    out: list[Problem] = []
    ids = set()
    for cell in nb.cells:
        cid = cell.get("id", "")
        ids.add(cid)
        entry = cells.get(cid)
        if entry is None:
            if translatable(cell):
                out.append(Problem("missing", name, cid, f"{name}: cell {cid!r} has no Chinese translation in "
                                                         f"{where}; {fix}"))
            continue
        zh = _text(entry.get("zh", []))
        if entry.get("sha256") != sha256(cell.source):
            diff = "\n".join(difflib.unified_diff(_lines(_text(entry.get("en", []))), _lines(cell.source),
                                                  "translated English", "English now", lineterm="", n=0))
            out.append(Problem("stale", name, cid, f"{name}: cell {cid!r} is stale: its English changed after it "
                                                   f"was translated ({where}); {fix}\n{diff}"))
        if cell.cell_type != entry.get("type"):
            out.append(Problem("code", name, cid, f"{name}: cell {cid!r} is {cell.cell_type} in English but "
                                                  f"{entry.get('type')!r} in {where}"))
        elif translatable(cell) and not zh.strip():
            out.append(Problem("missing", name, cid, f"{name}: cell {cid!r} has an empty translation in {where}; "
                                                     f"{fix}"))
        elif cell.cell_type == "code" and zh.strip() and not same_code(cell.source, zh):
            out.append(Problem("code", name, cid, f"{name}: code cell {cid!r} differs from the English in more "
                                                  f"than its comments ({where}); translate comments only"))
        if zh.strip() and _marker_lines(zh) != _marker_lines(cell.source):
            out.append(Problem("markers", name, cid, f"{name}: cell {cid!r} must keep the English's "
                                                     f"{' / '.join(MARKERS)} lines unchanged ({where})"))
        if cell.cell_type == "code" and zh.strip() and (
                sum(bool(HINT.match(x)) for x in _lines(zh)) != sum(bool(HINT.match(x)) for x in _lines(cell.source))):
            out.append(Problem("markers", name, cid, f"{name}: cell {cid!r} must keep its `# HINT:` lines as "
                                                     f"`# HINT: ...` (translate the text after it) ({where})"))
        if cell.cell_type == "markdown" and zh.strip() and _literal_stars(zh) > _literal_stars(cell.source):
            out.append(Problem("emphasis", name, cid, f"{name}: cell {cid!r}: a bold or italic does not render "
                                                      "(a ** or * between a Chinese character and punctuation: "
                                                      f"move the punctuation outside the emphasis) ({where})"))
    for cid in cells:
        if cid not in ids:
            out.append(Problem("orphan", name, cid, f"{name}: {where} translates cell {cid!r}, which the English "
                                                    f"notebook no longer has; {fix} (it drops the entry)"))
    return out


# ------------------------------------------------------------------------------------------------ building
_LINK = re.compile(r"(\]\(|href=\")([^)\"\s]+)")


def relink(markdown: str, tree: str, available: set[str]) -> str:
    """Rewrite relative links of a cell moved from ``<tree>/`` to ``zh/<tree>/``: a notebook with a zh edition
    (``available``: repository paths of English files that have one) stays in zh/, anything else points back
    at the English file."""
    def fix(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith(("#", "/")):
            return m.group(0)
        path, hash_, anchor = target.partition("#")
        english = posixpath.normpath(posixpath.join(tree, path))
        dest = f"{LANG}/{english}" if english in available else english
        return m.group(1) + posixpath.relpath(dest, f"{LANG}/{tree}") + hash_ + anchor
    return _LINK.sub(fix, markdown)


def available(root: Path = ROOT) -> set[str]:
    """Repository paths of the English files that have a zh edition (exercises follow their solutions)."""
    out = set()
    for src in sources(root):
        out.add(_rel(src, root))
        if src.parent.name == "solutions":
            out.add(f"exercises/{src.name}")
    return out


def title_of(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = nav._TITLE.search(cell.source)
            if m:
                return m.group(1)
    return None


def _nav_source(source: Path, root: Path, avail: set[str]) -> str:
    lectures = nav.lecture_notebooks(source.parent)
    titles = {}
    for p in lectures:
        if f"notebooks/{p.name}" in avail:
            titles[p.name] = title_of(_translated_cells_only(p, root)) or nav.title_of(p)
        else:
            titles[p.name] = f"{nav.title_of(p)}（英文）"
    text = nav.nav_source(source, lectures, titles).replace("[Contents: ", "[目录：")
    return relink(text, "notebooks", avail)


def _translated_cells_only(source: Path, root: Path):
    """``source`` with its markdown cells in Chinese where a fresh translation exists (for titles)."""
    nb = nbformat.read(source, as_version=4)
    cells = load_catalogue(catalogue_path(source, root))["cells"]
    for cell in nb.cells:
        entry = cells.get(cell.get("id", ""))
        if entry and entry.get("sha256") == sha256(cell.source) and _text(entry.get("zh", [])).strip():
            cell.source = _text(entry["zh"])
    return nb


def _header(source: Path, root: Path) -> nbformat.NotebookNode:
    name = _rel(source, root)
    english = posixpath.relpath(name, f"{LANG}/{source.parent.name}")
    text = (f"*中文版：由 `tools/make_zh.py` 根据英文原版 `{name}` 和翻译目录 "
            f"`{_rel(catalogue_path(source, root), root)}` 生成，请勿直接编辑。* [English version]({english})")
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = HEADER_ID
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    cell.metadata["rooflib"] = {"generated": True}
    return cell


def _set_language(code: str) -> str:
    lines = code.split("\n")
    i = next(i for i, line in enumerate(lines) if line.strip() == IMPORT_LINE)
    return "\n".join(lines[: i + 1] + [SET_LANGUAGE] + lines[i + 1:])


def build(source: Path, root: Path = ROOT) -> nbformat.NotebookNode:
    """The zh edition of ``source`` (sources and metadata; no outputs): translated cells, English where a
    translation is stale or missing, links fixed, the language set in the import cell, a generated header."""
    en = nbformat.read(source, as_version=4)
    nb = copy.deepcopy(en)
    cells = load_catalogue(catalogue_path(source, root))["cells"]
    tree, avail = source.parent.name, available(root)
    nb.metadata.pop("widgets", None)
    imports = [c for c in nb.cells
               if c.cell_type == "code" and IMPORT_LINE in [x.strip() for x in c.source.split("\n")]]
    if not imports:
        raise ValueError(f"{_rel(source, root)}: no code cell has the line {IMPORT_LINE!r}, so the zh edition "
                         "cannot set its language")
    for cell in nb.cells:
        entry = cells.get(cell.get("id", ""))
        fresh = (entry is not None and entry.get("sha256") == sha256(cell.source)
                 and entry.get("type") == cell.cell_type and _text(entry.get("zh", [])).strip())
        if cell.cell_type == "code":
            if fresh and same_code(cell.source, _text(entry["zh"])):
                cell.source = _text(entry["zh"])
            if cell is imports[0]:
                cell.source = _set_language(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            if is_nav(cell) and tree == "notebooks":
                cell.source = _nav_source(source, root, avail)
                continue
            if fresh:
                cell.source = _text(entry["zh"])
            cell.source = relink(cell.source, tree, avail)
        cell.metadata.pop("execution", None)
    nb.cells.insert(0, _header(source, root))
    nb.metadata.setdefault("rooflib", {})["language"] = LANG
    execute_notebooks.clean_metadata(nb)
    nbformat.validate(nb)
    return nb


def render_exercise(zh_solution: nbformat.NotebookNode, name: str) -> str:
    """The zh exercise file for a zh solution notebook: tools/make_exercises.py's ``make_exercise``, with its
    header and the placeholder's prompt in Chinese."""
    sol = copy.deepcopy(zh_solution)
    sol.cells = [c for c in sol.cells if c.get("id") != HEADER_ID]
    ex = mk.make_exercise(sol, name)
    header = next(c for c in ex.cells if c.get("id") == "generated-header")
    header.source = (f"*由 `tools/make_zh.py` 从 `zh/solutions/{name}` 生成（用 `tools/make_exercises.py` 的同一套规则），"
                     "请勿直接编辑。要修改，请改英文的 `solutions/` 或翻译目录 `i18n/zh/solutions/`，然后运行 `make zh`。*")
    placeholder = re.compile(r"^(\s*)raise NotImplementedError\((\".*\")\)$")
    for cell in ex.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        for i, line in enumerate(lines):
            m = placeholder.match(line)
            if m:
                message = json.loads(m.group(2))
                if not message.startswith(EN_PROMPT):
                    raise ValueError(f"{name}: tools/make_exercises.py's prompt changed ({message[:40]!r}); "
                                     "update EN_PROMPT in tools/make_zh.py")
                text = ZH_PROMPT + message[len(EN_PROMPT):]
                lines[i] = f"{m.group(1)}raise NotImplementedError({json.dumps(text, ensure_ascii=False)})"
        cell.source = "\n".join(lines)
    nbformat.validate(ex)
    return nbformat.writes(ex) + "\n"


def sources_only(nb) -> nbformat.NotebookNode:
    """``nb`` without what execution adds (outputs, execution counts, widget state), for comparing with a build."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def executed(nb) -> bool:
    """True when every code cell that runs has an execution count (the notebook was executed and stored)."""
    return all(c.execution_count is not None for c in nb.cells
               if c.cell_type == "code" and "skip-execution" not in c.metadata.get("tags", []))


def expected_files(root: Path = ROOT) -> dict[Path, tuple[str, object]]:
    """zh file -> ("notebook", built notebook) or ("exercise", exact text): everything the build makes."""
    out: dict[Path, tuple[str, object]] = {}
    for src in sources(root):
        nb = build(src, root)
        out[output_path(src, root)] = ("notebook", nb)
        if src.parent.name == "solutions":
            out[root / LANG / "exercises" / src.name] = ("exercise", render_exercise(nb, src.name))
    return out


def _stray(root: Path, wanted: set[Path]) -> list[Path]:
    return sorted(p for tree in (*TREES, "exercises") for p in (root / LANG / tree).glob("*.ipynb") if p not in wanted)


def check(root: Path = ROOT) -> list[str]:
    """Every reason zh/ is not complete and current: translation problems, then files that differ from a build."""
    out = [str(p) for src in sources(root) for p in problems(src, root)]
    for cat in sorted((root / "i18n" / LANG).glob("*/*.json")):
        if cat.parent.name not in TREES or not (root / cat.parent.name / f"{cat.stem}.ipynb").exists():
            out.append(f"{_rel(cat, root)}: no English notebook {cat.parent.name}/{cat.stem}.ipynb to translate")
    files = expected_files(root)
    for path, (kind, want) in files.items():
        rel = _rel(path, root)
        if not path.exists():
            out.append(f"{rel} is missing: run `make zh`")
        elif kind == "exercise":
            if path.read_text(encoding="utf-8") != want:
                out.append(f"{rel} differs from what tools/make_zh.py makes: run `make zh`")
        else:
            stored = nbformat.read(path, as_version=4)
            if sources_only(stored) != want:
                out.append(f"{rel} differs from what tools/make_zh.py makes: run `make zh`")
            elif not executed(stored):
                out.append(f"{rel} is not executed: run `make zh` (without --no-execute)")
    out += [f"{_rel(p, root)} has no catalogue in i18n/{LANG}/: delete it or run `make zh`"
            for p in _stray(root, set(files))]
    return out


def write(root: Path = ROOT, run: bool = True, timeout: int = 600, everything: bool = False) -> int:
    """Build zh/: write what changed, execute the lecture and solution notebooks whose sources changed (with
    ``everything``, re-execute them all; a file whose outputs did not change is left alone)."""
    files = expected_files(root)
    for path, (kind, want) in files.items():
        rel = _rel(path, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "exercise":
            if not path.exists() or path.read_text(encoding="utf-8") != want:
                path.write_text(want, encoding="utf-8")
                print(f"wrote {rel}")
            continue
        stored = nbformat.read(path, as_version=4) if path.exists() else None
        if stored is not None and sources_only(stored) == want and (executed(stored) or not run):
            if run and everything:
                start = time.perf_counter()
                changed = execute_notebooks.execute(path, timeout)
                print(f"executed {rel}: {'stored' if changed else 'unchanged'} ({time.perf_counter() - start:.0f} s)")
            continue
        nbformat.write(want, path)
        if run:
            start = time.perf_counter()
            execute_notebooks.execute(path, timeout)
            print(f"wrote and executed {rel} ({time.perf_counter() - start:.0f} s)")
        else:
            print(f"wrote {rel} (not executed)")
    for p in _stray(root, set(files)):
        p.unlink()
        print(f"removed {_rel(p, root)} (no catalogue)")
    for src in sources(root):
        for p in problems(src, root):
            print(f"warning: {p.message.splitlines()[0]} (the English cell is used)", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------------ translators
def extract(source: Path, root: Path = ROOT, with_code: bool = False) -> Path:
    """Create or update ``source``'s catalogue: a new translatable cell gets an entry with an empty "zh" (a code
    cell with comments too, with ``with_code``, its "zh" the English code); a changed cell gets "en_new"; an
    entry for a cell the English no longer has is dropped. Returns the catalogue's path."""
    nb = nbformat.read(source, as_version=4)
    path = catalogue_path(source, root)
    data = load_catalogue(path)
    old = data.get("cells", {})
    cells = {}
    for cell in nb.cells:
        cid = cell.get("id", "")
        entry = old.get(cid)
        if entry is None:
            if translatable(cell):
                entry = {"type": "markdown", "sha256": sha256(cell.source), "en": _lines(cell.source), "zh": []}
            elif with_code and cell.cell_type == "code" and _has_comment(cell.source):
                entry = {"type": "code", "sha256": sha256(cell.source), "en": _lines(cell.source),
                         "zh": _lines(cell.source)}
            else:
                continue
        elif entry.get("sha256") != sha256(cell.source):
            entry["en_new"] = _lines(cell.source)
        else:
            entry.pop("en_new", None)
        cells[cid] = entry
    for cid in old.keys() - cells.keys():
        print(f"dropped the entry for cell {cid!r}: the English notebook no longer has it", file=sys.stderr)
    save_catalogue(path, {"source": _rel(source, root), "language": LANG, "cells": cells})
    return path


def accept(source: Path, root: Path = ROOT, only: list[str] | None = None) -> list[str]:
    """Record the current English of each stale cell (or of the cells ``only``) as translated; returns their ids.
    Run it after updating "zh" to match the new English."""
    nb = nbformat.read(source, as_version=4)
    path = catalogue_path(source, root)
    data = load_catalogue(path)
    done = []
    for cell in nb.cells:
        cid = cell.get("id", "")
        entry = data["cells"].get(cid)
        if entry is None or (only and cid not in only):
            continue
        if entry.get("sha256") != sha256(cell.source) or "en_new" in entry:
            entry.update(sha256=sha256(cell.source), en=_lines(cell.source))
            entry.pop("en_new", None)
            done.append(cid)
    save_catalogue(path, data)
    return done


def status(root: Path = ROOT) -> str:
    rows = []
    for tree in TREES:
        for src in sorted((root / tree).glob("*.ipynb")):
            nb = nbformat.read(src, as_version=4)
            want = sum(translatable(c) for c in nb.cells)
            if not catalogue_path(src, root).exists():
                rows.append(f"{tree}/{src.name:40s} not started ({want} cells to translate)")
                continue
            ps = problems(src, root)
            count = {k: sum(p.kind == k for p in ps) for k in ("missing", "stale", "orphan")}
            rows.append(f"{tree}/{src.name:40s} {want - count['missing']}/{want} translated, {count['stale']} stale, "
                        f"{count['orphan']} orphaned")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if zh/ or a translation is stale")
    parser.add_argument("--no-execute", action="store_true", help="write sources only, do not execute")
    parser.add_argument("--all", action="store_true", help="re-execute every zh notebook, changed or not")
    parser.add_argument("--status", action="store_true", help="how far each notebook's translation is")
    parser.add_argument("--extract", "--stub", type=Path, metavar="NOTEBOOK", help="create / update a catalogue")
    parser.add_argument("--with-code", action="store_true", help="with --extract: list code cells with comments too")
    parser.add_argument("--accept", type=Path, metavar="NOTEBOOK", help="record the current English as translated")
    parser.add_argument("--cell", action="append", help="with --accept: only these cell ids")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds when executing")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.status:
        print(status(root))
        return 0
    if args.extract or args.accept:
        src = (args.extract or args.accept).resolve()
        if src.parent.name not in TREES or not src.exists():
            parser.error(f"not an English notebook in {' or '.join(TREES)}/: {src}")
        if args.extract:
            path = extract(src, root, args.with_code)
            ps = problems(src, root)
            print(f"wrote {_rel(path, root)}")
            for kind, what in (("missing", "to translate"), ("stale", "changed in English (see \"en_new\")"),
                               ("code", "code changed beyond comments"), ("markers", "markers lost"),
                               ("emphasis", "emphasis that will not render")):
                ids = [p.cell for p in ps if p.kind == kind]
                if ids:
                    print(f"{len(ids)} cell(s) {what}: {', '.join(ids)}")
        else:
            print(f"accepted: {', '.join(accept(src, root, args.cell)) or 'nothing was stale'}")
        return 0
    if args.check:
        issues = check(root)
        for msg in issues:
            print(msg, file=sys.stderr)
        return 1 if issues else 0
    return write(root, run=not args.no_execute, timeout=args.timeout, everything=args.all)


if __name__ == "__main__":
    sys.exit(main())

"""Build reveal.js slides of every lecture notebook (``make slides``): build/slides/index.html.

Each ``notebooks/NN_*.ipynb`` becomes ``build/slides/notebooks/NN_*.slides.html`` through nbconvert's
slides exporter and our template (tools/slides/templates/rooflab_reveal). What goes on which slide is
the notebook's own cell metadata (``metadata.slideshow.slide_type``: slide / subslide / fragment /
skip / notes / "-"); a cell tagged ``hide-input`` shows only its output, cells tagged
``remove-slide``, ``nav`` or ``course-check`` are left out.

Lecture mode, made to be projected (issue 16):
- a 16:9 stage of 1280x720 CSS px that reveal.js scales to the screen; 24 px body text, headings keep
  their case (the theme's upper-casing would turn π into Π); tools/slides/rooflab-slides.css;
- every slide fits: the build moves a cell that would overflow its slide to a subslide of its own
  (``fit_slides``, from an estimate of each cell's height), long code, text outputs and tables scroll
  inside their own box, and tools/slides/rooflab-slides.js zooms out whatever still overflows;
- figures readable from the back row: ``--execute`` runs the notebooks (a copy) in the projector
  style (rooflib/plot_style.py: the environment variable ``ROOFLAB_STYLE=slides`` for the explorers'
  SVG, a matplotlibrc for matplotlib), so figure text is at least as large as the body text;
- ``?print-pdf`` is reveal.js's print view, one slide per page (tools/build_handouts.py prints it).

reveal.js 4.0.2 (the version nbconvert's template targets), require.js, the widget manager and MathJax
are local copies (tools/build_site.py fetches them from npm once), so the slides work offline.

Both languages, as the static site: the Chinese edition (``zh/notebooks/``, tools/make_zh.py) becomes
``zh/notebooks/NN_*.slides.html`` and ``zh/index.html``; every deck and index has a switch (top right,
not printed) to the same deck in the other language; a lecture not translated yet gets a zh page that
says so and links to the English deck. Decks set ``<html lang>`` ("en" / "zh-CN").

Present live, widgets running: ``make present NB=02`` (tools/slides/present.py: Voilà in JupyterLab's server).

Usage: python tools/build_slides.py [--execute] [--out DIR] [NN ...]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import html
import os
import posixpath
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alt_text  # noqa: E402  (alt text for figures, contrast fixes, named sliders)
import build_site  # noqa: E402  (shared: npm assets, local script URLs, executing a copy)
from slides import layout  # noqa: E402  (height estimates for fitting slides)

ROOT = build_site.ROOT
SLIDES_DIR = Path(__file__).resolve().parent / "slides"
TEMPLATE = "rooflab_reveal"
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
REMOVE_TAGS = {"remove-slide", "nav", build_site.CHECK_TAG}
WIDTH, HEIGHT = layout.WIDTH, layout.HEIGHT
STATIC_FILES = ("rooflab-slides.css", "rooflab-slides.js")


def check_metadata(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Problems with a lecture notebook's slide metadata (empty when it is fine)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        st = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if st is None:
            problems.append(f"{name}: cell {i} has no metadata.slideshow.slide_type")
        elif st not in SLIDE_TYPES:
            problems.append(f"{name}: cell {i} has slide_type {st!r}, not one of {sorted(SLIDE_TYPES)}")
    shown = [c for c in nb.cells if c.get("metadata", {}).get("slideshow", {}).get("slide_type") not in ("skip", "notes")]
    if shown and shown[0].get("metadata", {}).get("slideshow", {}).get("slide_type") != "slide":
        # (a zh notebook opens with a skipped note that says it is generated; its title comes next)
        problems.append(f"{name}: the first cell shown (the title) must be a 'slide'")
    return problems


def slide_type(cell: nbformat.NotebookNode) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type") or "-"


def set_slide_type(cell: nbformat.NotebookNode, st: str) -> None:
    cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = st


def remove_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without the cells the slides leave out (``REMOVE_TAGS``).

    A removed cell that started a slide passes that start on to the next shown cell, so the
    slide structure stays whole. (Removing cells after nbconvert's reveal step, as a
    TagRemovePreprocessor does, drops a removed cell's closing ``</section>``: slides nest.)
    """
    out = copy.deepcopy(nb)
    cells, carried = [], None
    rank = {"-": 0, "fragment": 0, "subslide": 1, "slide": 2}
    for cell in out.cells:
        st = slide_type(cell)
        if REMOVE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            if st in ("slide", "subslide") and rank[st] > rank.get(carried or "-", 0):
                carried = st
            continue
        if carried and st not in ("skip", "notes"):
            if rank.get(st, 0) < rank[carried]:
                set_slide_type(cell, carried)
            carried = None
        cells.append(cell)
    out.cells = cells
    return out


def _piece(cell: nbformat.NotebookNode, blocks: list[layout.Block], n: int, first: bool) -> nbformat.NotebookNode:
    """The part of ``cell`` made of ``blocks`` (the ``n``-th part; ``first``: the part the cell starts with)."""
    part = copy.deepcopy(cell)
    if n:
        part["id"] = f"{cell.get('id', 'cell')}-part{n}"
    if cell.get("cell_type") == "markdown":
        prefix = blocks[0].prefix if not first and blocks else ""
        part["source"] = prefix + "".join(b.text for b in blocks)
    else:
        outputs = cell.get("outputs", [])
        part["outputs"] = [outputs[b.output] for b in blocks if b.output is not None]
        if not any(b.output is None for b in blocks):      # the code stays on the part it started on
            tags = part.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
    return part


def language_of(nb: nbformat.NotebookNode) -> str:
    """The notebook's language: ``metadata.rooflib.language`` (tools/make_zh.py sets "zh"), else English."""
    lang = nb.get("metadata", {}).get("rooflib", {}).get("language", "en")
    return lang if lang in build_site.LANGUAGES else "en"


def _continued(heading: str, lang: str = "en") -> nbformat.NotebookNode:
    """A title for a slide the build split off: the heading above it (``"2 Glossary"``), "(continued)"."""
    cell = nbformat.v4.new_markdown_cell("### " + build_site.text("continued", lang, heading=heading.split(" ", 1)[1]))
    set_slide_type(cell, "subslide")
    return cell


def fit_slides(nb: nbformat.NotebookNode, budget: float = layout.BUDGET) -> int:
    """Split slides that would overflow (in place); returns the number of slides added.

    Each cell is cut into blocks a slide may break between (``layout.cell_blocks``: markdown
    paragraphs, list items, table rows; a code cell's input and each output) with estimated heights.
    When the next block would take the slide past ``budget`` stage pixels and the slide already holds
    ``layout.MIN_KEEP`` (a heading and a figure stay together: the slide is zoomed a little instead),
    a new subslide starts there, titled with the heading above it and "(continued)"; a table's header
    rows are repeated. The code of a cell split between its input and outputs stays on the first part.
    """
    state = layout.widget_state(nb)
    lang = language_of(nb)
    cells: list[nbformat.NotebookNode] = []
    used, heading, added, started = 0.0, "", 0, False
    for cell in nb.cells:
        st = slide_type(cell)
        blocks = layout.cell_blocks(cell, state) if st not in ("skip", "notes") else []
        if not blocks:
            cells.append(cell)
            continue
        if st in ("slide", "subslide") or not started:
            used, started = layout.SLIDE_PADDING, True
        parts: list[list[layout.Block]] = [[]]
        titles = [""]                   # per part: the heading a split-off slide continues
        for b in blocks:
            if used + b.height > budget and used >= layout.MIN_KEEP:
                carry: list[layout.Block] = []
                while parts[-1] and parts[-1][-1].keep:        # a heading goes with what follows it
                    carry.insert(0, parts[-1].pop())
                prev = cells[-1] if cells else None
                if (len(parts) == 1 and not parts[0] and not carry and prev is not None
                        and slide_type(prev) in ("-", "fragment")
                        and all(x.keep for x in layout.cell_blocks(prev, state))):
                    set_slide_type(prev, "subslide")           # the heading cell above moves down with us
                    added += 1
                    used = layout.SLIDE_PADDING + layout.cell_height(prev, state)
                else:
                    parts.append(carry)
                    titles.append("" if carry and carry[0].heading else heading)
                    used = layout.SLIDE_PADDING + sum(x.height for x in carry)
                    used += 0 if carry and carry[0].heading else layout.HEADINGS[3]
            parts[-1].append(b)
            used += b.height
            heading = b.heading or heading
        for n, part in enumerate(parts):
            if not part:
                continue
            piece = _piece(cell, part, n, first=(n == 0))
            if n:
                added += 1
                if titles[n]:
                    cells.append(_continued(titles[n], lang))
                    set_slide_type(piece, "-")
                else:
                    set_slide_type(piece, "subslide")
            cells.append(piece)
    nb.cells = cells
    return added


# The language switch of a deck: a small link in the top right corner, above reveal.js, never printed.
DECK_SWITCH_CSS = """<style id="rl-deck-lang">
.rl-deck-lang { position: fixed; top: 8px; right: 12px; z-index: 40; padding: 2px 10px; border-radius: 4px;
  font: 16px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif; color: #1f2937;
  background: rgba(255, 255, 255, 0.85); border: 1px solid #9ca3af; text-decoration: none; }
.rl-deck-lang:hover, .rl-deck-lang:focus { text-decoration: underline; }
html.print-pdf .rl-deck-lang { display: none; }
@media print { .rl-deck-lang { display: none; } }
</style>"""


def deck_path(stem: str, lang: str = "en") -> str:
    """Where a deck lives in the slides folder: ``notebooks/NN_x.slides.html`` (``zh/notebooks/...`` in Chinese)."""
    return f"{build_site.PREFIX[lang]}notebooks/{stem}.slides.html"


def add_switch(page: str, site_path: str, lang: str) -> str:
    """Give a deck its language switch (to ``site_path`` in the other language) and a link to it in its head."""
    rel = "../" * site_path.count("/")
    head = build_site.alternate_link(rel, site_path, lang) + DECK_SWITCH_CSS
    page = page.replace("</head>", head + "\n</head>", 1)
    return build_site.insert_nav(page, build_site.switch_link(rel, site_path, lang, cls="rl-deck-lang"))


def convert(nb_path: Path, out_dir: Path, lang: str = "en", switch: bool = False) -> Path:
    """One notebook -> ``out_dir/notebooks/NN_x.slides.html`` (``out_dir/zh/notebooks/...`` for ``lang`` "zh")
    with local reveal.js and widget scripts, ``<html lang>`` and (``switch``) the language switch."""
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    site_path = deck_path(nb_path.stem, lang)
    rel = "../" * site_path.count("/")
    exporter = SlidesExporter(template_name=TEMPLATE, extra_template_basedirs=[str(SLIDES_DIR / "templates")])
    exporter.language_code = lang
    build_site.configure_exporter(exporter, rel)
    exporter.reveal_url_prefix = f"{rel}static/vendor/reveal.js"
    exporter.reveal_theme = "white"   # its fonts are local (simple/league load Google Fonts)
    exporter.reveal_transition = "none"
    exporter.reveal_width, exporter.reveal_height = str(WIDTH), str(HEIGHT)
    tags = TagRemovePreprocessor(remove_input_tags={"hide-input"})
    tags.enabled = True
    exporter.register_preprocessor(tags, enabled=True)
    nb = remove_cells(nbformat.read(nb_path, as_version=4))
    fit_slides(nb)
    resources = {"metadata": {"name": nb_path.stem},
                 "rooflab": {"static_url": f"{rel}static/", "width": WIDTH, "height": HEIGHT}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = build_site.html_lang(body, lang)
    body = build_site.add_local_widget_config(body, rel)
    body = alt_text.postprocess(body, nb)
    css = f'<link rel="stylesheet" href="{rel}static/rooflab-slides.css">'
    body = body.replace("</head>", css + "\n</head>", 1)   # after the theme, so ours wins
    if switch:
        body = add_switch(body, site_path, lang)
    dest = out_dir / site_path
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body, encoding="utf-8")
    return dest


def index_page(entries: list[build_site.Entry], switch: bool = False) -> str:
    """The slides' contents page of one language (``index.html``, ``zh/index.html``)."""
    lang = entries[0].lang if entries else "en"
    home = f"{build_site.PREFIX[lang]}index.html"
    rel = "../" * home.count("/")
    t = build_site.text

    def href(e: build_site.Entry) -> str:
        return posixpath.relpath(deck_path(e.stem, lang if e.translated else "en"), posixpath.dirname(home) or ".")

    items = "\n".join(
        f'<li id="lecture-{e.stem[:2]}"><a href="{href(e)}"><strong>{html.escape(e.title)}</strong></a>'
        + ("" if e.translated else f' <span class="rl-note">{html.escape(t("not_translated", lang))}</span>')
        + f'<div class="rl-sub">{html.escape(e.subtitle)}</div></li>' for e in entries)
    title = t("slides_title", lang, title=build_site.SITE_TITLE)
    nav = (f'<nav class="rl-nav" aria-label="{html.escape(t("nav_label", lang))}"><a class="rl-home" href="index.html">'
           f'{html.escape(title)}</a>{build_site.switch_link(rel, home, lang) if switch else ""}</nav>')
    main = (f"<h1>{html.escape(title)}</h1>\n<p>{t('slides_intro', lang)} "
            f"{html.escape(t('generated', lang, tool='tools/build_slides.py'))}</p>\n<ol>\n{items}\n</ol>")
    return build_site.page_shell(lang, rel, title, nav, main, build_site.alternate_link(rel, home, lang) if switch else "")


def notice_page(entry: build_site.Entry) -> str:
    """The zh page of a lecture not translated yet: it says so and links to the English deck."""
    site_path = deck_path(entry.stem, entry.lang)
    rel = "../" * site_path.count("/")
    t = build_site.text
    nav = (f'<nav class="rl-nav" aria-label="{html.escape(t("nav_label", entry.lang))}"><a class="rl-home" '
           f'href="{rel}{build_site.PREFIX[entry.lang]}index.html">'
           f'{html.escape(t("slides_title", entry.lang, title=build_site.SITE_TITLE))}</a>'
           f'{build_site.switch_link(rel, site_path, entry.lang)}</nav>')
    main = (f'<h1 lang="en">{html.escape(entry.title)}</h1>\n<p class="rl-notice">'
            f'{html.escape(t("not_translated_page", entry.lang))} <a href="{rel}{deck_path(entry.stem)}" hreflang="en">'
            f'{html.escape(t("read_english", entry.lang))}</a></p>')
    return build_site.page_shell(entry.lang, rel, entry.title, nav, main, build_site.alternate_link(rel, site_path, entry.lang))


def selected(stem: str, only: list[str] | None) -> bool:
    """Is lecture ``stem`` (``02_roofline_derived``) among ``only`` (``["02"]``, or every lecture when None)?"""
    return not only or stem in only or stem.split("_", 1)[0] in only


def prepare_sources(execute: bool, src_root: Path, only: list[str] | None = None, work: Path | None = None) -> Path:
    """The folder whose notebooks/ are turned into slides: ``src_root`` itself, or (``execute``) a copy in
    ``work`` (build/slides-src) whose lectures were executed in the projector style."""
    if not execute:
        return src_root
    work = work or ROOT / "build" / "slides-src"
    shutil.rmtree(work, ignore_errors=True)
    for sub in build_site.SOURCE_FOLDERS:
        if (src_root / sub).is_dir():
            shutil.copytree(src_root / sub, work / sub, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with projector_style(work):
        for lang in build_site.LANGUAGES:
            for nb in sorted((work / build_site.PREFIX[lang] / "notebooks").glob("[0-9][0-9]_*.ipynb")):
                if selected(nb.stem, only):
                    print(f"build_slides: executing {nb.relative_to(work)} (projector style)", flush=True)
                    build_site.execute_for_site(nb)
    return work


@contextlib.contextmanager
def projector_style(work: Path) -> Iterator[None]:
    """Inside the block, kernels started by this process draw figures in the projector style:
    ``ROOFLAB_STYLE=slides`` (rooflib's SVG explorers) and a matplotlibrc with the slide sizes."""
    sys.path.insert(0, str(ROOT))
    from rooflib import plot_style

    rc_dir = work / ".matplotlib-slides"
    rc_dir.mkdir(parents=True, exist_ok=True)
    (rc_dir / "matplotlibrc").write_text(plot_style.matplotlibrc("slides"), encoding="utf-8")
    saved = {k: os.environ.get(k) for k in (plot_style.ENV, "MATPLOTLIBRC")}
    os.environ[plot_style.ENV] = "slides"
    os.environ["MATPLOTLIBRC"] = str(rc_dir)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build(out: Path, *, execute: bool = False, src_root: Path = ROOT, strict: bool = True,
          only: list[str] | None = None, work: Path | None = None) -> Path:
    """Build every lecture's slides into ``out`` (replaced); return the index page's path.

    ``execute`` runs a copy of the notebooks first, in the projector style; ``only`` (``["02"]``)
    limits the build to those lectures; ``work`` is where the executed copy goes (build/slides-src).
    """
    src = prepare_sources(execute, src_root, only, work)
    langs = build_site.languages_of(src)
    switch = len(langs) > 1
    editions = {lang: [e for e in build_site.course_entries(src, lang) if selected(e.stem, only)] for lang in langs}
    if not editions["en"]:
        raise SystemExit(f"build_slides: no lecture notebooks in {src / 'notebooks'}")
    problems = [p for entries in editions.values() for e in entries if e.translated
                for p in check_metadata(nbformat.read(e.source, as_version=4), _rel(e.source, src))]
    if problems and strict:
        raise SystemExit("build_slides: slide metadata missing or wrong:\n  " + "\n  ".join(problems))
    shutil.rmtree(out, ignore_errors=True)
    (out / "static").mkdir(parents=True)
    (out / "static" / "site.css").write_text(build_site.SITE_CSS)
    for name in STATIC_FILES:
        shutil.copy2(SLIDES_DIR / name, out / "static" / name)
    build_site.install_vendor(out / "static", reveal=True)
    decks = []
    for lang, entries in editions.items():
        for e in entries:
            if e.translated:
                decks.append(convert(e.source, out, lang, switch))
            else:               # not translated yet: a page that says so, and links to the English deck
                (out / deck_path(e.stem, lang)).parent.mkdir(parents=True, exist_ok=True)
                (out / deck_path(e.stem, lang)).write_text(notice_page(e), encoding="utf-8")
    copied: set[str] = set()
    for deck in decks:      # links between lectures go to their decks; linked exercise files are copied
        rel = deck.relative_to(out).as_posix()
        deck.write_text(build_site.rewrite_links(deck.read_text(encoding="utf-8"), rel, out, src, copied,
                                                 page_suffix=".slides.html"), encoding="utf-8")
        print(f"build_slides: {rel}", flush=True)
    for lang, entries in editions.items():
        (out / build_site.PREFIX[lang] / "index.html").write_text(index_page(entries, switch), encoding="utf-8")
    return out / "index.html"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    ap.add_argument("--execute", action="store_true", help="execute the lecture notebooks first (a copy), "
                    "figures in the projector style")
    ap.add_argument("lectures", nargs="*", help="only these lectures (NN), e.g. 02 05")
    args = ap.parse_args(argv)
    index = build(args.out.resolve(), execute=args.execute, only=args.lectures or None)
    print(f"build_slides: open {index}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())

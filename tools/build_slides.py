"""Build reveal.js slides of every lecture notebook (``make slides``): build/slides/index.html.

Each ``notebooks/NN_*.ipynb`` becomes ``build/slides/notebooks/NN_*.slides.html`` through nbconvert's
slides exporter. What goes on which slide is the notebook's own cell metadata
(``metadata.slideshow.slide_type``: slide / subslide / fragment / skip / notes / "-"); a cell
tagged ``hide-input`` shows only its output (a widget without the code that builds it), a cell
tagged ``remove-slide`` is left out. reveal.js 4.0.2 (the version nbconvert's template targets),
require.js, the widget manager and MathJax are local copies (tools/build_site.py fetches them from
npm once), so the slides work offline; widgets show their saved first state.

Present: open build/slides/index.html in a browser; ``s`` opens the speaker view (``notes`` cells).
In JupyterLab itself, RISE (jupyterlab-rise) can present the same metadata live; it is optional.

Usage: python tools/build_slides.py [--execute] [--out DIR]
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_site  # noqa: E402  (shared: npm assets, local script URLs, executing a copy)

ROOT = build_site.ROOT
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}

# Large, readable figures and text on a 1280x800 stage; long cells scroll instead of overflowing.
SLIDES_CSS = """<style>
.reveal { font-size: 30px; }
.reveal .slides { text-align: left; }
.reveal .jp-InputArea-editor, .reveal .jp-OutputArea-output pre { font-size: 0.55em; line-height: 1.35; }
.reveal .jp-OutputArea-output pre { white-space: pre; overflow-x: auto; }
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal .jp-RenderedImage img { max-height: 470px; width: auto; }
/* ipympl figures (about 1000x600 px) scaled so a figure, its controls and a title fit one slide */
.reveal .jupyter-matplotlib-figure { zoom: 0.75; }
.reveal .jupyter-matplotlib-toolbar, .reveal .jupyter-matplotlib-footer { display: none !important; }
.reveal .widget-label, .reveal .widget-readout { font-size: 20px; }
.reveal .widget-html-content { font-size: 17px; line-height: 1.3; }
.reveal table { font-size: 0.7em; }
</style>"""


def check_metadata(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Problems with a lecture notebook's slide metadata (empty when it is fine)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        st = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if st is None:
            problems.append(f"{name}: cell {i} has no metadata.slideshow.slide_type")
        elif st not in SLIDE_TYPES:
            problems.append(f"{name}: cell {i} has slide_type {st!r}, not one of {sorted(SLIDE_TYPES)}")
    if nb.cells and nb.cells[0].get("metadata", {}).get("slideshow", {}).get("slide_type") != "slide":
        problems.append(f"{name}: the first cell (the title) must be a 'slide'")
    return problems


def convert(nb_path: Path, out_dir: Path) -> Path:
    """One notebook -> ``out_dir/notebooks/NN_x.slides.html`` with local reveal.js and widget scripts."""
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = SlidesExporter(template_name="reveal")
    build_site.configure_exporter(exporter, "../")
    exporter.reveal_url_prefix = "../static/vendor/reveal.js"
    exporter.reveal_theme = "white"   # its fonts are local (simple/league load Google Fonts)
    exporter.reveal_transition = "none"
    exporter.reveal_scroll = True
    exporter.reveal_width = "1280"
    exporter.reveal_height = "800"
    tags = TagRemovePreprocessor(remove_input_tags={"hide-input"}, remove_cell_tags={"remove-slide", "nav", build_site.CHECK_TAG})
    tags.enabled = True
    exporter.register_preprocessor(tags, enabled=True)
    nb = nbformat.read(nb_path, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb_path.stem}})
    body = build_site.add_local_widget_config(body, "../")
    body = body.replace("</head>", SLIDES_CSS + "\n</head>", 1)
    dest = out_dir / "notebooks" / f"{nb_path.stem}.slides.html"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body, encoding="utf-8")
    return dest


def index_page(entries: list[build_site.Entry]) -> str:
    items = "\n".join(f'<li><a href="notebooks/{e.stem}.slides.html"><strong>{html.escape(e.title)}</strong></a>'
                      f'<div class="rl-sub">{html.escape(e.subtitle)}</div></li>' for e in entries)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{build_site.SITE_TITLE} slides</title>
<link rel="stylesheet" href="static/site.css"></head><body>
<main class="rl-index"><h1>{build_site.SITE_TITLE}: slides</h1>
<p>One deck per lecture. Arrow keys or space to move, <kbd>s</kbd> for the speaker view, <kbd>Esc</kbd>
for the overview. Generated by tools/build_slides.py; do not edit.</p>
<ol>
{items}
</ol></main></body></html>
"""


def build(out: Path, *, execute: bool = False, src_root: Path = ROOT, strict: bool = True) -> Path:
    """Build every lecture's slides into ``out`` (replaced); return the index page's path."""
    src = build_site.prepare_sources(execute, src_root, ROOT / "build" / "slides-src")
    entries = build_site.course_entries(src)
    if not entries:
        raise SystemExit(f"build_slides: no lecture notebooks in {src / 'notebooks'}")
    problems = [p for e in entries for p in check_metadata(nbformat.read(e.source, as_version=4), e.source.name)]
    if problems and strict:
        raise SystemExit("build_slides: slide metadata missing or wrong:\n  " + "\n  ".join(problems))
    shutil.rmtree(out, ignore_errors=True)
    (out / "static").mkdir(parents=True)
    (out / "static" / "site.css").write_text(build_site.SITE_CSS)
    build_site.install_vendor(out / "static", reveal=True)
    decks = [convert(e.source, out) for e in entries]
    copied: set[str] = set()
    for deck in decks:      # links between lectures go to their decks; linked exercise files are copied
        rel = deck.relative_to(out).as_posix()
        deck.write_text(build_site.rewrite_links(deck.read_text(encoding="utf-8"), rel, out, src, copied,
                                                 page_suffix=".slides.html"), encoding="utf-8")
        print(f"build_slides: {rel}", flush=True)
    (out / "index.html").write_text(index_page(entries), encoding="utf-8")
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    ap.add_argument("--execute", action="store_true", help="execute the lecture notebooks first (a copy)")
    args = ap.parse_args(argv)
    index = build(args.out.resolve(), execute=args.execute)
    print(f"build_slides: open {index}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())

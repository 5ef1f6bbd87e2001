"""Lecture mode (issue 16): decks that a lecturer can project and print.

- Every cell of every lecture has slide metadata; leaving cells out keeps the slides' structure;
  the build splits slides that would overflow (markdown tables, long cells, code and its figure).
- In Chromium, every slide of every deck (built from the stored outputs, as nbval checked them)
  fits a 16:9 screen at 1280x720 and at 1920x1080: no visible element outside the window, no slide
  that has to scroll, no heading whose case CSS changes (the theme's upper-casing turns π into Π),
  no widget label cut short.
- In the projector style (``make slides`` executes the notebooks with it) the text of an explorer's
  SVG figure and of a matplotlib figure is at least as large on the slide as the body text.
- ``make handouts``: one PDF page per slide.

Browser tests are marked ``browser`` (Debian's /usr/bin/chromium, no network).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_handouts  # noqa: E402
import build_slides  # noqa: E402
from slides import layout  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SIZES = [(1280, 720), (1920, 1080)]
MIN_ZOOM = 0.55      # a slide zoomed out further than this would have ~13 px body text: split it instead


def _md(source: str, st: str = "-", tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["slideshow"] = {"slide_type": st}
    if tags:
        cell.metadata["tags"] = tags
    return cell


def _code(source: str, outputs: list, st: str = "-") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, outputs=outputs)
    cell.metadata["slideshow"] = {"slide_type": st}
    return cell


def _types(nb: nbformat.NotebookNode) -> list[str]:
    return [build_slides.slide_type(c) for c in nb.cells]


# ---- metadata and structure ---------------------------------------------------------------------

@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_cell_has_slide_metadata(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    assert not build_slides.check_metadata(nb, nb_path.name)
    types = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert types.count("slide") + types.count("subslide") >= 3, f"{nb_path.name}: fewer than 3 slides"
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and c.source.lstrip().startswith("%matplotlib"):
            assert types[i] == "skip", f"{nb_path.name}: setup cell {i} should be slide_type 'skip'"


def test_check_metadata_reports_problems():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1")])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "page"}
    problems = build_slides.check_metadata(nb, "x.ipynb")
    assert len(problems) == 3, problems   # no type on cell 0, bad type on cell 1, title not a slide


def test_removed_cell_passes_its_slide_start_on():
    """A left-out cell (course-check) that starts a slide hands the start to the next shown cell."""
    nb = nbformat.v4.new_notebook(cells=[_md("# t", "slide"), _md("a"), _md("check", "slide", ["course-check"]),
                                         _md("notes", "notes"), _md("b"), _md("c", "fragment")])
    out = build_slides.remove_cells(nb)
    assert [c.source for c in out.cells] == ["# t", "a", "notes", "b", "c"]
    assert _types(out) == ["slide", "-", "notes", "slide", "fragment"]
    assert len(nb.cells) == 6, "the notebook itself is not changed"


def test_long_markdown_table_is_split_with_its_header_and_a_continued_title():
    rows = "".join(f"| term {i} | 术语 {i} |\n" for i in range(40))
    nb = nbformat.v4.new_notebook(cells=[_md("## Glossary\n\nWords.\n\n| English | 中文 |\n|---|---|\n" + rows, "slide")])
    added = build_slides.fit_slides(nb)
    assert added >= 1
    text = [c.source for c in nb.cells]
    assert text[0].startswith("## Glossary")
    assert text[1] == "### Glossary (continued)" and _types(nb)[1] == "subslide"
    assert text[2].startswith("| English | 中文 |\n|---|---|\n| term "), "the header is repeated"
    body = [ln for t in text for ln in t.splitlines() if ln.startswith("| term")]
    assert body == [f"| term {i} | 术语 {i} |" for i in range(40)], "every row once, in order"
    assert all(layout.cell_height(c, {}) <= layout.BUDGET for c in nb.cells)


def test_code_cell_split_keeps_code_on_first_part_and_hides_it_after():
    figure = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAA+gAAAJYCAYAAAA", "text/plain": "<Figure>"}}
    text = {"output_type": "stream", "name": "stdout", "text": "x\n" * 8}
    nb = nbformat.v4.new_notebook(cells=[_md("## Walls\n\n" + "A long paragraph. " * 30, "slide"),
                                         _code("\n".join(f"line{i} = {i}" for i in range(10)), [text, figure])])
    build_slides.fit_slides(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 2
    assert code[0].outputs == [text] and "hide-input" not in code[0].metadata.get("tags", [])
    assert code[1].outputs == [figure] and "hide-input" in code[1].metadata["tags"]
    assert code[1].id != code[0].id
    assert nb.cells[nb.cells.index(code[1]) - 1].source == "### Walls (continued)"


def test_heading_moves_with_the_cell_after_it():
    nb = nbformat.v4.new_notebook(cells=[_md("## One\n\n" + "Text. " * 200, "slide"), _md("### Two"),
                                         _md("word " * 700)])
    build_slides.fit_slides(nb)
    two = next(c for c in nb.cells if c.source.startswith("### Two"))
    assert build_slides.slide_type(two) == "subslide", "a heading is never left at the foot of a slide"


def test_markdown_blocks_give_back_the_source():
    for nb_path in NOTEBOOKS:
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert "".join(b.text for b in layout.markdown_blocks(cell.source)) == cell.source


def _sections_balanced(text: str) -> bool:
    depth = 0
    for m in re.finditer(r"<(/?)section\b", text):
        depth += -1 if m.group(1) else 1
        if depth < 0 or depth > 2:
            return False
    return depth == 0


@pytest.fixture(scope="module")
def slides(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("slides") / "slides"
    build_slides.build(out, execute=False, strict=False)
    return out


def test_slides_build_with_local_reveal(slides):
    from test_site import broken_links

    assert (slides / "static" / "vendor" / "reveal.js" / "dist" / "reveal.js").is_file()
    for name in build_slides.STATIC_FILES:
        assert (slides / "static" / name).is_file()
    for p in NOTEBOOKS:
        deck = slides / "notebooks" / f"{p.stem}.slides.html"
        assert deck.is_file(), f"no slides for {p.name}"
        text = deck.read_text(encoding="utf-8")
        nb = nbformat.read(p, as_version=4)
        n_slides = sum(c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in nb.cells)
        assert text.count("<section") >= n_slides, f"{p.name}: fewer <section>s than slide cells"
        assert _sections_balanced(text), f"{p.name}: <section>s nest deeper than slide/subslide or do not close"
        assert 'revealUrl: "../static/vendor/reveal.js"' in text and "../static/rooflab-slides.css" in text
        assert "course-check" not in re.sub(r"<script.*?</script>", "", text, flags=re.S), \
            f"{p.name}: a course-check cell is on a slide"
    bad = broken_links(slides)
    assert not bad, "broken links in the slides:\n" + "\n".join(bad)


def test_leaf_slide_count():
    html = "<section><section>a</section><section>b</section></section><section>c</section>"
    assert build_handouts.leaf_slides(html) == 3
    assert build_handouts.count_pages(b"<< /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page >>") == 2


# ---- in the browser -----------------------------------------------------------------------------

# Runs in a deck: step through every slide (every fragment shown), fit it as the deck does, and report
# visible elements outside the window, headings whose shown text CSS changed, widget labels cut short,
# the zoom each slide needed and whether it had to scroll.
_JS_CHECK_DECK = r"""() => {
  const W = window.innerWidth, H = window.innerHeight, TOL = 1;
  const visibleBox = (el, stop) => {   // the element's box cut by every ancestor that clips its overflow
    const r = el.getBoundingClientRect();
    let x0 = r.left, y0 = r.top, x1 = r.right, y1 = r.bottom;
    for (let a = el.parentElement; a && a !== stop.parentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const q = a.getBoundingClientRect();
        if (s.overflowX !== 'visible') { x0 = Math.max(x0, q.left); x1 = Math.min(x1, q.right); }
        if (s.overflowY !== 'visible') { y0 = Math.max(y0, q.top); y1 = Math.min(y1, q.bottom); }
      }
    }
    return [x0, y0, x1, y1];
  };
  const name = (el) => {
    const cls = (el.getAttribute('class') || '').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls ? ' class="' + cls + '"' : ''}> "` +
           (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  };
  const out = [];
  for (const s of rooflabSlides.leafSlides()) {
    const idx = Reveal.getIndices(s);
    Reveal.slide(idx.h, idx.v || 0, s.querySelectorAll('.fragment').length);
    for (const f of s.querySelectorAll('.fragment')) f.style.transition = 'none';
    rooflabSlides.fitCurrent();
    const rec = {slide: `${idx.h}.${idx.v || 0}`, zoom: parseFloat(s.dataset.rlZoom || '1'),
                 scrolls: s.style.overflowY === 'auto', outside: [], transformed: [], cut: [], headings: 0};
    for (const el of s.querySelectorAll('*')) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') continue;
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      const [x0, y0, x1, y1] = visibleBox(el, s);
      if (x1 - x0 < 1 || y1 - y0 < 1) continue;                 // scrolled out of its own box
      if (x0 < -TOL || y0 < -TOL || x1 > W + TOL || y1 > H + TOL)
        rec.outside.push(`${name(el)} at (${Math.round(x0)}, ${Math.round(y0)})-(${Math.round(x1)}, ${Math.round(y1)})`);
    }
    for (const h of s.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      rec.headings++;
      const tt = getComputedStyle(h).textTransform;
      const copy = h.cloneNode(true);
      copy.querySelectorAll('.anchor-link').forEach(a => a.remove());
      const text = copy.textContent.replace(/\s+/g, ' ').trim();
      const shown = h.innerText.replace(/[¶\s]+/g, ' ').trim();
      const maths = h.querySelector('.MathJax, .MathJax_Preview, mjx-container, script');
      if (tt !== 'none' || (!maths && shown !== text))
        rec.transformed.push(`${name(h)}: text-transform ${tt}, shown as "${shown}"`);
    }
    for (const l of s.querySelectorAll('.widget-label, .widget-readout'))
      if (l.offsetParent && l.scrollWidth > l.clientWidth + 1) rec.cut.push(name(l));
    out.push(rec);
  }
  return out;
}"""


def _open_deck(page, deck: Path) -> None:
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && window.rooflabSlides && document.querySelector('.reveal.ready')",
                           timeout=30_000)
    page.evaluate("() => rooflabSlides.rendered(15000)")


@pytest.fixture(scope="module")
def browser():
    from test_browser import chromium

    with chromium() as b:
        yield b


@pytest.mark.browser
def test_every_slide_fits_16_9_and_headings_keep_their_case(slides, browser):
    """Every slide of every deck at 1280x720 and 1920x1080: nothing outside the screen, no scrolling
    slide, no zoom below MIN_ZOOM, headings shown as written (π stays π), widget labels whole."""
    page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    remote: list[str] = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else (remote.append(r.request.url), r.abort()))
    problems, zooms, n_slides, n_headings = [], {}, 0, 0
    try:
        for p in NOTEBOOKS:
            deck = slides / "notebooks" / f"{p.stem}.slides.html"
            _open_deck(page, deck)
            for w, h in SIZES:
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(100)
                for rec in page.evaluate(_JS_CHECK_DECK):
                    where = f"{p.stem} slide {rec['slide']} at {w}x{h}"
                    n_slides += 1
                    n_headings += rec["headings"]
                    zooms[f"{p.stem[:2]} {rec['slide']}"] = min(rec["zoom"], zooms.get(f"{p.stem[:2]} {rec['slide']}", 1))
                    problems += [f"{where}: outside the screen: {x}" for x in rec["outside"][:3]]
                    problems += [f"{where}: heading case changed: {x}" for x in rec["transformed"]]
                    problems += [f"{where}: widget label cut: {x}" for x in rec["cut"]]
                    if rec["scrolls"]:
                        problems.append(f"{where}: the slide only fits by scrolling")
                    if rec["zoom"] < MIN_ZOOM:
                        problems.append(f"{where}: zoomed out to {rec['zoom']:.2f} (< {MIN_ZOOM}): split it")
    finally:
        page.close()
    assert n_slides >= 2 * len(NOTEBOOKS) * 3 and n_headings > len(NOTEBOOKS)
    assert not remote, f"the slides tried to fetch from the network: {sorted(set(remote))[:5]}"
    small = {k: round(v, 2) for k, v in zooms.items() if v < 0.9}
    assert not problems, f"{len(problems)} problems (zoomed slides: {small}):\n" + "\n".join(problems[:40])


# ---- readable from the back row -----------------------------------------------------------------

READABILITY_CELLS = [
    ("markdown", "# Readability\n\nThe projector style.", "slide"),
    ("code", "%matplotlib widget\nimport matplotlib.pyplot as plt\nfrom matplotlib.text import Text\nimport rooflib as rl",
     "skip"),
    ("markdown", "## An explorer\n\nBody text of the slide, in a paragraph.", "slide"),
    ("code", 'rl.widgets.roofline_explorer("gtx-1080-ti", intensity=7.0)', "-"),
    ("markdown", "## A figure\n\nBody text of the slide, in a paragraph.", "slide"),
    ("code", 'gtx = rl.platforms.get("gtx-1080-ti")\n'
             'real = gtx.with_ceiling("no FMA", gtx.peak_flops_per_s / 2, "compute")\n'
             'fig, ax = rl.widgets.figure()\n'
             '_ = rl.plot.roofline(real, [rl.kernels.dot(10**7), rl.kernels.gemm(2048, 2048, 2048)], ax=ax,\n'
             '                     title="GTX 1080 Ti")\n'
             'fig.canvas', "-"),
    ("code", "import json\n"
             "fig.canvas.draw()\n"
             "texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]\n"
             "print('FIGURE', json.dumps({'min_px': min(t.get_size() for t in texts) * fig.dpi / 72,\n"
             "      'width_px': float(fig.get_size_inches()[0] * fig.dpi),\n"
             "      'smallest': min(texts, key=lambda t: t.get_size()).get_text()}))", "skip"),
]

_JS_TEXT_SIZES = r"""() => {
  // body text: a paragraph's CSS font size (the same on every slide) times the slide's scale on screen
  const bodyFont = parseFloat(getComputedStyle(document.querySelector('.jp-RenderedMarkdown p')).fontSize);
  const out = [];
  for (const s of rooflabSlides.leafSlides()) {
    const idx = Reveal.getIndices(s);
    Reveal.slide(idx.h, idx.v || 0, 99);
    rooflabSlides.fitCurrent();
    const scale = s.getBoundingClientRect().width / s.offsetWidth;     // reveal.js's scale x the slide's zoom
    const svgText = [...s.querySelectorAll('.rl-figure svg text')].filter(t => t.textContent.trim()).map(t => {
      const m = t.getScreenCTM();
      return {text: t.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)};
    });
    const canvas = s.querySelector('.jupyter-matplotlib-canvas-div');
    out.push({slide: `${idx.h}.${idx.v || 0}`, body: bodyFont * scale, svgText,
              canvasWidth: canvas ? canvas.getBoundingClientRect().width : null});
  }
  return out;
}"""


@pytest.mark.browser
def test_figure_text_is_at_least_body_text_in_the_projector_style(tmp_path, browser):
    """``make slides`` executes the notebooks in the projector style: on a 1280x720 slide the smallest
    text of an explorer's SVG and of a matplotlib figure is at least the slide's body text."""
    src = tmp_path / "course"
    (src / "notebooks").mkdir(parents=True)
    cells = []
    for kind, text, st in READABILITY_CELLS:
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        cell.metadata["slideshow"] = {"slide_type": st}
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), src / "notebooks" / "01_readability.ipynb")
    out = tmp_path / "slides"
    build_slides.build(out, execute=True, src_root=src, work=tmp_path / "work", strict=False)
    executed = nbformat.read(tmp_path / "work" / "notebooks" / "01_readability.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    fig = json.loads(re.search(r"FIGURE (\{.*\})", printed).group(1))

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        _open_deck(page, out / "notebooks" / "01_readability.slides.html")
        sizes = page.evaluate(_JS_TEXT_SIZES)
    finally:
        page.close()
    explorer = next(s for s in sizes if s["svgText"])
    smallest = min(explorer["svgText"], key=lambda t: t["px"])
    assert smallest["px"] >= explorer["body"] - 0.01, (
        f"explorer figure text {smallest['px']:.1f} px ({smallest['text']!r}) is smaller than the slide's body "
        f"text {explorer['body']:.1f} px: is rl.widgets.Style's default taken from rooflib.plot_style?")
    figure = next(s for s in sizes if s["canvasWidth"])
    shown = fig["min_px"] * figure["canvasWidth"] / fig["width_px"]
    assert shown >= figure["body"] - 0.01, (
        f"matplotlib figure text {shown:.1f} px ({fig['smallest']!r}) is smaller than the slide's body text "
        f"{figure['body']:.1f} px: fixed font sizes in code should be relative (fontsize='small')")


# ---- handouts -------------------------------------------------------------------------------------

@pytest.mark.browser
def test_handouts_have_one_page_per_slide(slides, browser, tmp_path):
    """``make handouts``: every deck prints to a PDF with exactly one page per slide."""
    pdfs = build_handouts.print_decks(slides, tmp_path / "handouts", browser=browser)
    assert [p.stem for p in pdfs] == [p.stem for p in NOTEBOOKS]
    for pdf in pdfs:
        deck = slides / "notebooks" / f"{pdf.stem}.slides.html"
        n_slides = build_handouts.leaf_slides(deck.read_text(encoding="utf-8"))
        assert build_handouts.count_pages(pdf.read_bytes()) == n_slides, f"{pdf.name}: pages != slides"


# ---- the projector style (rooflib/plot_style.py) ---------------------------------------------------

def test_plot_style_is_chosen_by_the_environment(monkeypatch, tmp_path):
    from rooflib import plot_style

    monkeypatch.delenv(plot_style.ENV, raising=False)
    assert plot_style.current() == "notebook" and plot_style.svg_style() == {} and plot_style.matplotlib_rc() == {}
    monkeypatch.setenv(plot_style.ENV, "Slides")
    assert plot_style.current() == "slides"
    assert plot_style.svg_style()["font"] >= 24 and plot_style.matplotlib_rc()["font.size"] >= 21
    monkeypatch.setenv(plot_style.ENV, "projector")
    with pytest.raises(KeyError, match="ROOFLAB_STYLE.*'projector'.*notebook, slides"):
        plot_style.current()
    with pytest.raises(KeyError, match="unknown figure style 'big'"):
        plot_style.svg_style("big")


def test_slides_matplotlibrc_is_read_by_matplotlib_as_written(tmp_path):
    """The file the build hands the kernels (MATPLOTLIBRC) parses to the same rcParams; 'small' text is
    still at least the slides' 24 px body text at 100 dpi."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    from rooflib import plot_style

    path = tmp_path / "matplotlibrc"
    path.write_text(plot_style.matplotlibrc("slides"))
    rc = matplotlib.rc_params_from_file(str(path), use_default_template=False)
    wanted = plot_style.matplotlib_rc("slides")
    assert {k: rc[k] for k in wanted} == {k: matplotlib.RcParams({k: v})[k] for k, v in wanted.items()}
    small_pt = FontProperties(size="small").get_size_in_points() * wanted["font.size"] / matplotlib.rcParams["font.size"]
    assert small_pt * 100 / 72 >= 24

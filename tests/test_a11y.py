"""A course every learner can use (issue 14): pages, figures and explorers, checked in a real browser.

- **Alt text** (no browser): the static site and the slides are built from the stored outputs, as
  tests/test_site.py does; every figure must say what it shows. An explorer's SVG carries
  ``role="img"`` and an ``aria-label`` that names the ridge when it draws one and the verdict when it
  shades the regions; every matplotlib figure's output is labelled by tools/alt_text.py from the
  figure's own description (stored by rl.plot.show), never the section-heading fallback; every
  ``<img>`` has alt text.
- **axe-core** (browser): axe-core (npm, fetched once like the site's own JavaScript, by
  tools/build_site.py's ``npm_package``) runs on every page of the static site after its widgets
  have drawn: no violation of impact serious or critical.
- **Keyboard** (browser): one JupyterLab server opens every lecture notebook that shows an explorer
  in one page (its own tab each, run at the same time), then, explorer by explorer: Tab from the
  output reaches every control; Tab reaches the first slider and the arrow keys move it, and the
  explorer's SVG changes; every other control changes its value from the keyboard (a menu opened with
  Space and stepped with the arrows, a checkbox or a toggle button with Space).

Run the browser part alone: ``.venv/bin/python -m pytest -m browser tests/test_a11y.py`` (about a
minute: one server, one pass over the notebooks). The helpers that start JupyterLab and Chromium
are tests/test_browser.py's.
"""

from __future__ import annotations

import contextlib
import html
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import alt_text  # noqa: E402
import build_site  # noqa: E402
import build_slides  # noqa: E402
import test_browser as tb  # noqa: E402  (the JupyterLab server, Chromium and notebook helpers)

AXE_CORE = ("4.14.1", "MPL-2.0")          # npm axe-core: version, license (only the tests load it)
BLOCKING = ("serious", "critical")       # axe impacts that fail the test
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SVG_VALUE = re.compile(r"^\s*<svg\b")


# --------------------------------------------------------------------------------------------
# Builds (shared by the alt-text and axe tests)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a11y-site") / "site"
    build_site.build(out, quiet=True)
    return out


@pytest.fixture(scope="module")
def slides(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a11y-slides") / "slides"
    build_slides.build(out, strict=False)
    return out


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "static" not in p.relative_to(root).parts)


def _source_notebook(page: Path, root: Path) -> nbformat.NotebookNode | None:
    """The notebook a page of the site or the slides was made from (None for an index page)."""
    rel = page.relative_to(root)
    if len(rel.parts) < 2:
        return None
    stem = page.name.split(".")[0]
    path = ROOT.joinpath(*rel.parts[:-1]) / f"{stem}.ipynb"   # zh/notebooks/... reads the zh notebook
    return nbformat.read(path, as_version=4) if path.exists() else None


# --------------------------------------------------------------------------------------------
# Alt text (static)
# --------------------------------------------------------------------------------------------

def explorer_svg_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Explorer figures (SVG held by an HTML widget) without alt text that names what they show."""
    problems = []
    for mid, model in nb.get("metadata", {}).get("widgets", {}).get(alt_text.WIDGET_STATE, {}).get("state", {}).items():
        value = model.get("state", {}).get("value")
        if not isinstance(value, str) or not SVG_VALUE.match(value):
            continue
        head = value[: value.index(">") + 1]
        label = re.search(r'\baria-label="([^"]*)"', head)
        alt = html.unescape(label.group(1)) if label else ""
        where = f"{name}: explorer figure {mid[:8]}"
        if 'role="img"' not in head or not alt.strip():
            problems.append(f"{where} has no role=img + aria-label")
        elif re.search(r'class="rl-ridge(?:-line)?"', value) and "ridge" not in alt:
            problems.append(f"{where} draws a ridge its alt text does not name: {alt[:120]!r}")
        elif "rl-region-" in value and not re.search(r"\b(memory|compute)", alt):
            problems.append(f"{where} shades the regions but its alt text gives no verdict: {alt[:120]!r}")
    return problems


def page_figure_problems(page: Path, root: Path) -> list[str]:
    """matplotlib figures that are unlabelled or labelled only by their section; <img> without alt."""
    text = page.read_text(encoding="utf-8")
    where = str(page.relative_to(root))
    problems = [f"{where}: <img> without alt: {m.group(0)[:100]}"
                for m in re.finditer(r"<img\b(?![^>]*\balt=)[^>]*>", text)]
    nb = _source_notebook(page, root)
    if nb is None:
        return problems
    labelled = {m.group(1): m.group(0) for m in re.finditer(
        r'<div\b[^>]*\bdata-rl-alt="[^"]*"[^>]*>\s*(?:<script type="text/javascript">.*?</script>)?\s*'
        r'<script type="application/vnd\.jupyter\.widget-view\+json">\s*\{"model_id": "([0-9a-f]+)"', text, re.S)}
    shown = set(re.findall(r'<script type="application/vnd\.jupyter\.widget-view\+json">\s*\{"model_id": "([0-9a-f]+)"',
                           text))
    for mid, (alt, source) in alt_text.figure_alts(nb).items():
        if mid not in shown:
            continue                                     # the cell is not on this page (course-check, slides)
        if mid not in labelled:
            problems.append(f"{where}: figure {mid[:8]} has no accessible name")
        elif source == alt_text.FALLBACK:
            problems.append(f"{where}: figure {mid[:8]} has only the fallback alt text {alt!r} (end its cell with "
                            "rl.plot.show(fig), which stores the figure's description, and re-execute the notebook)")
    return problems


@pytest.mark.slow
def test_every_figure_in_the_site_and_slides_says_what_it_shows(site, slides):
    problems = []
    for nb_path in NOTEBOOKS + sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")):
        problems += explorer_svg_problems(nbformat.read(nb_path, as_version=4), nb_path.name)
    for root in (site, slides):
        for page in _pages(root):
            problems += page_figure_problems(page, root)
    assert not problems, "figures without alt text that says what they show:\n" + "\n".join(problems)


# The checks themselves, on small made-up notebooks (no build, no browser).

def _canvas_notebook(alt: str, cell_alt: str = "") -> nbformat.NotebookNode:
    """A notebook whose one code cell shows a matplotlib (ipympl) figure, displayed with output metadata ``alt``."""
    cell = nbformat.v4.new_code_cell("rl.plot.show(fig)", id="c1")
    if cell_alt:
        cell.metadata["alt"] = cell_alt
    cell.outputs = [nbformat.v4.new_output("display_data", metadata={"alt": alt} if alt else {}, data={
        "text/plain": "Canvas()", "application/vnd.jupyter.widget-view+json":
        {"model_id": "abc123", "version_major": 2, "version_minor": 0}})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## The section", id="m1"), cell])
    nb.metadata["widgets"] = {alt_text.WIDGET_STATE: {"state": {"abc123": {
        "model_name": alt_text.MPL_CANVAS, "state": {}}}}}
    return nb


_PAGE = ('<html><head><style>:root { --jp-cell-editor-background: var(--md-grey-100); --md-grey-100: #f5f5f5;'
         ' --jp-mirror-editor-number-color: #080; --jp-mirror-editor-keyword-color: #008000; }</style></head><body>'
         '<div class="jp-Cell" id="cell-id=c1"><div class="jupyter-widgets jp-OutputArea-output" id="x" tabindex="0">'
         '<script type="text/javascript">var element = 1;</script>'
         '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "abc123", "version_major": 2}</script>'
         '</div><img src="a.png"></div></body></html>')


def test_alt_text_comes_from_the_figure_then_the_cell_then_the_section():
    said = alt_text.postprocess(_PAGE, _canvas_notebook("Roofline of X: ridge point 23.3 FLOP/byte."))
    assert 'role="figure" aria-label="Roofline of X: ridge point 23.3 FLOP/byte." data-rl-alt="figure"' in said
    own = alt_text.postprocess(_PAGE, _canvas_notebook("from the figure", cell_alt="the author's words"))
    assert 'aria-label="the author&#x27;s words" data-rl-alt="cell"' in own
    assert 'alt="the author&#x27;s words"' in own                               # the <img> of that cell too
    bare = alt_text.postprocess(_PAGE, _canvas_notebook(""))
    assert 'data-rl-alt="fallback"' in bare and "The section" in bare
    assert alt_text.postprocess(said, _canvas_notebook("other")) == said           # processed once


def test_contrast_fixes_lift_only_the_colours_that_fall_short():
    css = alt_text.contrast_css(_PAGE)
    fixed = dict(re.findall(r"--([\w-]+): (#[0-9a-f]{6});", css))
    assert set(fixed) == {"jp-mirror-editor-number-color"}       # #080 is 4.25:1 on #f5f5f5; #008000 passes
    assert 4.5 <= alt_text.contrast_ratio(fixed["jp-mirror-editor-number-color"], "#f5f5f5") < 4.7
    assert "text-decoration: underline" in css


def test_explorer_checks_catch_missing_alt_text():
    def nb_with(svg):
        nb = nbformat.v4.new_notebook()
        nb.metadata["widgets"] = {alt_text.WIDGET_STATE: {"state": {"m": {"state": {"value": svg}}}}}
        return nb
    assert explorer_svg_problems(nb_with('<svg role="img" aria-label="A roof"><path class="rl-ridge"/></svg>'), "x")
    assert explorer_svg_problems(nb_with('<svg><title>t</title></svg>'), "x")
    assert not explorer_svg_problems(nb_with('<svg role="img" aria-label="ridge 23; memory-bound">'
                                             '<path class="rl-ridge"/><polygon class="rl-region-memory"/></svg>'), "x")


# --------------------------------------------------------------------------------------------
# axe-core on every page of the site (browser)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def axe_js() -> Path:
    with pytest.MonkeyPatch.context() as mp:           # fetched like the site's own JavaScript, not vendored
        mp.setitem(build_site.NPM_PACKAGES, "axe-core", AXE_CORE)
        return build_site.npm_package("axe-core") / "axe.min.js"


_JS_AXE = """async (impacts) => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.html.slice(0, 120) + ' | ' +
                                   (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200)),
    count: v.nodes.length}));
}"""


@pytest.mark.browser
def test_axe_finds_no_serious_violations_on_any_page(site, axe_js):
    pages = _pages(site)
    assert len(pages) > len(NOTEBOOKS), f"the site has only {len(pages)} pages"
    problems = []
    with tb.chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                   else route.abort())
        try:
            for p in pages:
                page.goto(p.as_uri())
                if p.parent.name in ("notebooks", "exercises"):    # widgets drawn (and sliders named) first
                    tb.wait_for(page, tb._JS_STATIC_WIDGETS, what=f"{p.name} to draw its widgets", timeout_s=20,
                                want=lambda s: s["live"] >= s["views"] and s["svgs"] >= s["expectedSvgs"])
                page.add_script_tag(path=str(axe_js))
                for v in page.evaluate(_JS_AXE, list(BLOCKING)):
                    problems.append(f"{p.relative_to(site)}: {v['id']} ({v['impact']}, {v['count']} nodes): "
                                    f"{v['help']}\n      " + "\n      ".join(v["nodes"]))
        finally:
            page.close()
    assert not problems, "axe-core violations (serious / critical):\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# Every explorer from the keyboard, in JupyterLab (browser)
# --------------------------------------------------------------------------------------------

def _explorer_notebooks() -> list[Path]:
    """Lecture notebooks whose code builds an explorer (rl.widgets.*_explorer), in the course that
    tests/test_browser.py serves (the repository, or $ROOFLAB_COURSE_DIR)."""
    out = []
    for p in tb.NOTEBOOKS:
        nb = nbformat.read(p, as_version=4)
        if any(c.cell_type == "code" and re.search(r"\bwidgets\.\w+_explorer\(", c.source) for c in nb.cells):
            out.append(p)
    return out


# JavaScript run in JupyterLab. Every function finds its notebook by path (``nbw``), its explorer by index
# among the notebook's ``.rl-explorer`` elements (``exp``) and a control by its ``rl-control-<name>`` class.
_JS_LIB = """
const nbw = (path) => [...window.jupyterapp.shell.widgets('main')]
  .find(w => w.context && w.context.path === path && w.content && w.sessionContext);
const exp = (path, i) => nbw(path).content.node.querySelectorAll('.rl-explorer')[i];
const ctrlName = (el) => { const c = el && el.closest('[class*="rl-control-"]');
  return c ? [...c.classList].find(k => k.startsWith('rl-control-')).slice(11) : null; };
"""


def _js(args: str, body: str) -> str:
    return f"({args}) => {{ {_JS_LIB} {body} }}"


_JS_RESTORED = """() => Promise.race([window.jupyterapp.restored.then(() => true),
                                       new Promise(r => setTimeout(() => r(false), 60000))])"""

_JS_OPEN = _js("paths", "for (const path of paths) "
                        "window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});")

# Per notebook: its kernel's state, and once run, how many cells are left to run and which failed.
_JS_STATES = _js("paths", """
  const out = {};
  for (const path of paths) {
    const w = nbw(path);
    if (!w || !w.context.isReady) { out[path] = {status: 'loading'}; continue; }
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    let pending = 0; const failed = [];
    w.content.widgets.forEach((c, n) => {
      if (c.model.type !== 'code' || c.model.sharedModel.getSource().trim() === '') return;
      if (c.model.executionCount === null) pending++;
      const tags = c.model.getMetadata('tags') || [];
      for (let j = 0; j < c.model.outputs.length; j++) {
        const o = c.model.outputs.get(j).toJSON();
        if (o.output_type === 'error' && !tags.includes('raises-exception'))
          failed.push(`cell ${n}: ${o.ename}: ${o.evalue}`);
      }
    });
    const status = !k ? 'no kernel' : k.connectionStatus === 'connected' ? k.status : k.connectionStatus;
    out[path] = {status, pending, failed};
  }
  return out;""")

# Bring a notebook's tab to the front; true once it is the current widget (the notebook commands act on it).
_JS_ACTIVATE = _js("path", """
  const app = window.jupyterapp, w = nbw(path);
  if (app.shell.currentWidget !== w) app.shell.activateById(w.id);
  return app.shell.currentWidget === w;""")

_JS_RUN = """() => { const app = window.jupyterapp;
  app.commands.execute('notebook:clear-all-cell-outputs');
  app.commands.execute('notebook:run-all-cells'); }"""

# The explorers of a notebook: for each, its visible controls (name, kind) in page order.
_JS_EXPLORERS = _js("path", """
  return [...nbw(path).content.node.querySelectorAll('.rl-explorer')].map(ex =>
    [...ex.querySelectorAll('[class*="rl-control-"]')].filter(c => c.getClientRects().length).map(c => ({
      name: ctrlName(c),
      kind: c.querySelector('.noUi-handle') ? 'slider' : c.querySelector('select') ? 'select'
        : c.querySelector('input[type=checkbox]') ? 'checkbox'
        : c.querySelector('button') ? 'buttons' : 'other'})));""")

# Put the focus just before explorer i (on its output, the notebook in command mode): a keyboard user arriving.
_JS_FOCUS_BEFORE = _js("[path, i]", """
  const nb = nbw(path).content, ex = exp(path, i), cell = ex.closest('.jp-Cell');
  nb.activeCellIndex = nb.widgets.findIndex(c => c.node === cell);
  nb.mode = 'command';
  const out = ex.closest('.jp-OutputArea-output');
  out.setAttribute('tabindex', '-1');
  out.focus();
  return document.activeElement === out;""")

# Where the focus is: inside explorer i? on which control? which element (a slider handle has role="slider")?
_JS_FOCUS = _js("[path, i]", """
  const a = document.activeElement;
  return {inside: !!(a && exp(path, i).contains(a)), control: ctrlName(a), tag: a ? a.tagName : null,
          role: a ? a.getAttribute('role') : null};""")

# The explorer's view (a fingerprint of its SVG and of its text) and each control's value as the page shows it.
_JS_SNAPSHOT = _js("[path, i]", """
  const ex = exp(path, i), values = {};
  const hash = (d) => { let h = 0; for (let k = 0; k < d.length; k += 3) h = (h * 31 + d.charCodeAt(k)) | 0;
                        return h + ':' + d.length; };
  for (const c of ex.querySelectorAll('[class*="rl-control-"]')) {
    const h = c.querySelector('.noUi-handle'), s = c.querySelector('select');
    const b = c.querySelector('input[type=checkbox]');
    values[ctrlName(c)] = h ? h.getAttribute('aria-valuenow') : s ? s.value : b ? String(b.checked)
      : [...c.querySelectorAll('button')].map(x => x.classList.contains('mod-active')).join(',');
  }
  const svg = ex.querySelector('.rl-figure svg'), text = ex.querySelector('.rl-text');
  return {svg: svg ? hash(svg.outerHTML) : null, text: text ? hash(text.innerText) : null, values};""")

# Focus a control's keyboard target: the slider handle, the menu, the checkbox, or a toggle button not pressed.
_JS_FOCUS_CONTROL = _js("[path, i, name]", """
  const c = exp(path, i).querySelector('.rl-control-' + name);
  const t = c.querySelector('.noUi-handle') || c.querySelector('select') || c.querySelector('input[type=checkbox]')
    || [...c.querySelectorAll('button')].find(b => !b.classList.contains('mod-active'))
    || c.querySelector('input, button');
  if (!t) return false;
  t.focus();
  return document.activeElement === t;""")

# Is a control at the end its forward keys move towards (a slider at its maximum, a menu at its last option)?
_JS_AT_END = _js("[path, i, name]", """
  const c = exp(path, i).querySelector('.rl-control-' + name);
  const h = c.querySelector('.noUi-handle'), s = c.querySelector('select');
  return h ? h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')
           : s ? s.selectedIndex === s.options.length - 1 : false;""")

# The key sequences that change each kind of control, forward first. A menu (<select>) is opened with Space,
# stepped with an arrow and closed with Enter: in command mode JupyterLab takes the arrow keys from a closed
# menu to move between cells (jupyter-widgets/ipywidgets#3912), so that is how a keyboard user changes one.
KEYS = {"slider": (("ArrowRight",), ("ArrowLeft",)),
        "select": (("Space", "ArrowDown", "Enter"), ("Space", "ArrowUp", "Enter")),
        "checkbox": (("Space",),), "buttons": (("Space",),), "other": (("ArrowUp",),)}


def _key_order(page, path: str, i: int, control: dict) -> tuple[tuple[str, ...], ...]:
    """The key sequences for ``control``, backwards first when it already sits at its forward end."""
    seqs = KEYS[control["kind"]]
    return seqs[::-1] if page.evaluate(_JS_AT_END, [path, i, control["name"]]) else seqs


def _keys(kind: str) -> str:
    return " or ".join("+".join(seq) for seq in KEYS[kind])


def _changed(before: dict, after: dict, key: str) -> bool:
    """Did the snapshot's ``key`` (``"svg"``, ``"text"`` or a control's name) change?"""
    if key in before["values"]:
        return after["values"].get(key) != before["values"].get(key)
    return after[key] != before[key]


def _press_until_changed(page, path: str, i: int, control: dict, key: str, timeout_s: float) -> tuple[dict, dict]:
    """Press ``control``'s key sequences in turn until the snapshot's ``key`` changes; (before, after)."""
    arg = [path, i]
    for keys in _key_order(page, path, i, control):
        before = after = page.evaluate(_JS_SNAPSHOT, arg)
        for k in keys:
            page.keyboard.press(k)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not _changed(before, after, key):
            time.sleep(0.05)
            after = page.evaluate(_JS_SNAPSHOT, arg)
        if _changed(before, after, key):
            break
    return before, after


def _tab_to(page, path: str, i: int, limit: int, stop=lambda focus: False) -> tuple[list[str], list[dict]]:
    """Tab from just before explorer ``i`` until ``stop(focus)`` or the focus leaves the explorer: the
    controls reached, in order, and where each press put the focus."""
    assert page.evaluate(_JS_FOCUS_BEFORE, [path, i]), f"{path}: cannot put the focus before explorer {i}"
    reached, stops = [], []
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = page.evaluate(_JS_FOCUS, [path, i])
        stops.append(f)
        if f["control"] and f["inside"] and f["control"] not in reached:
            reached.append(f["control"])
        if not f["inside"] or stop(f):
            break
    return reached, stops


def _keyboard_problems(page, path: str, i: int, controls: list[dict]) -> list[str]:
    """Explorer ``i``: Tab reaches every control and leaves the explorer; Tab reaches its first slider
    (else its first control) and the keyboard moves it and redraws the SVG; the keyboard changes the
    value of every other control."""
    where, limit = f"{path} explorer {i}", 4 * len(controls) + 6
    problems = []
    reached, stops = _tab_to(page, path, i, limit)
    missing = [c["name"] for c in controls if c["name"] not in reached]
    if missing:
        problems.append(f"{where}: Tab never reaches {missing} (it went: {[(s['tag'], s['control']) for s in stops]})")
    if stops and stops[-1]["inside"]:
        problems.append(f"{where}: Tab does not leave the explorer (a keyboard trap)")
    first = next((c for c in controls if c["kind"] == "slider"), controls[0])

    def on_it(f: dict) -> bool:
        return f["control"] == first["name"] and (first["kind"] != "slider" or f["role"] == "slider")

    _, stops = _tab_to(page, path, i, limit, stop=on_it)
    if not (stops and on_it(stops[-1])):
        return problems + [f"{where}: Tab does not reach {first['name']}"]
    before, after = _press_until_changed(page, path, i, first, "svg", timeout_s=15)
    if not _changed(before, after, "svg"):
        was, now = before["values"].get(first["name"]), after["values"].get(first["name"])
        problems.append(f"{where}: {_keys(first['kind'])} on {first['name']} ({first['kind']}) did not redraw the "
                        f"figure (value {was!r} -> {now!r})")
    for c in controls:
        if c is first:
            continue
        if not page.evaluate(_JS_FOCUS_CONTROL, [path, i, c["name"]]):
            problems.append(f"{where}: {c['name']} ({c['kind']}) has nothing to focus")
        elif not _changed(*_press_until_changed(page, path, i, c, c["name"], timeout_s=3), c["name"]):
            problems.append(f"{where}: {_keys(c['kind'])} does not change {c['name']} ({c['kind']})")
    return problems


def _run_all_at_once(page, paths: list[str], timeout_s: float = 240) -> dict:
    """Open every notebook in its own tab and Run All in each as soon as its kernel is idle (the kernels work
    at the same time); return the final states (``_JS_STATES``)."""
    page.evaluate(_JS_OPEN, paths)
    started: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while True:
        states = page.evaluate(_JS_STATES, paths)
        if all(p in started and v["status"] == "idle" and (v["pending"] == 0 or v["failed"])
               for p, v in states.items()):
            return states
        ready = [p for p, v in states.items() if p not in started and v["status"] == "idle"]
        if ready and page.evaluate(_JS_ACTIVATE, ready[0]):
            page.evaluate(_JS_RUN)
            started.add(ready[0])
        assert time.monotonic() < deadline, f"the notebooks did not all run within {timeout_s:.0f} s: {states}"
        time.sleep(0.2)


@pytest.mark.browser
def test_every_explorer_works_from_the_keyboard():
    notebooks = _explorer_notebooks()
    assert notebooks, "no lecture notebook builds an explorer"
    paths = [f"notebooks/{p.name}" for p in notebooks]
    problems: list[str] = []
    with tb.lab_server() as lab, tb.chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        try:
            page.goto(lab.notebook_url(paths[0]), wait_until="domcontentloaded")
            tb.wait_for(page, "() => !!window.jupyterapp", what="JupyterLab to load", want=bool, timeout_s=60)
            assert page.evaluate(_JS_RESTORED), "JupyterLab did not finish starting within 60 s"
            states = _run_all_at_once(page, paths)
            for path in paths:
                if states[path]["failed"]:
                    problems.append(f"{path}: Run All failed: {states[path]['failed'][:2]}")
                    continue
                tb.wait_for(page, _JS_ACTIVATE, path, what=f"{path} in front", want=bool, timeout_s=10)
                explorers = tb.wait_for(page, _JS_EXPLORERS, path, what=f"{path}'s explorers to render",
                                        timeout_s=30, want=lambda e: e and all(e))
                for i in range(len(explorers)):   # the controls shown now: moving one may show or hide others
                    problems += _keyboard_problems(page, path, i, page.evaluate(_JS_EXPLORERS, path)[i])
        except BaseException:
            with contextlib.suppress(Exception):
                tb.screenshot(page, tb.SCREENSHOTS / "a11y-keyboard.FAILED.png")
            raise
        finally:
            page.close()
    assert not problems, "explorers not usable from the keyboard:\n" + "\n".join(problems)

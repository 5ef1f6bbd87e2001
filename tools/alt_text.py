"""Alt text for the figures of the static site and the slides, and the pages' accessibility fixes (issue 14).

tools/build_site.py and tools/build_slides.py pass every page nbconvert writes through
``page = alt_text.postprocess(page, nb)`` (``nb``: the notebook the page was made from).

- **Figures.** The explorers' figures are SVG that carry ``role="img"`` and an ``aria-label`` saying what
  they show (rl.widgets). A static matplotlib figure is shown by ``rl.plot.show(fig)``, which puts the
  figure's description (rl.plot.describe: the platform, the ridge point, the verdicts) in the output's
  metadata as ``"alt"``. nbconvert's lab template (7.17) ignores alt text in output and cell metadata, and
  under ``%matplotlib widget`` it shows the figure's widget, not its PNG, so the build labels the output
  itself: ``role="figure"`` and an ``aria-label`` (an ``<img>`` gets ``alt``). The text comes from, in
  order: the cell's metadata ``alt`` (an author's own words), the output's metadata ``alt``, else
  "Figure in section «heading»", marked ``data-rl-alt="fallback"`` (tests/test_a11y.py refuses those).
- **Contrast.** nbconvert's lab theme draws the prompts grey at half opacity (2.2:1 on white), some
  syntax colours (numbers, comments, operators) under 4.5:1 on the code background, and links in text
  that differ from the text by colour alone. The page's own theme variables are read and every colour
  below 4.5:1 is darkened just enough (rl.palette.darken_to_contrast); links are underlined.
- **Sliders.** ipywidgets' sliders (noUiSlider handles, ``role="slider"``) have no accessible name; a
  small script names each handle after its slider's description once the widget manager draws it.

Run it alone to check a built site: ``python tools/alt_text.py build/site`` lists every figure and its
alt text.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import nbformat

from rooflib.palette import contrast_ratio, darken_to_contrast

__all__ = ["postprocess", "figure_alts", "contrast_css", "figure_report", "A11Y_MARK", "FALLBACK"]

A11Y_MARK = "rl-a11y"        # id of the <style> this module adds: a page is processed once
FALLBACK = "fallback"        # data-rl-alt value of a figure described only by its section
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MPL_CANVAS = "MPLCanvasModel"

# Prompts are drawn on the page background, syntax colours on the code cell's background.
_PAGE_VARS = ("jp-cell-prompt-not-active-font-color", "jp-cell-inprompt-font-color", "jp-cell-outprompt-font-color",
              "jp-content-link-color")
_CODE_VAR_PREFIX = "jp-mirror-editor-"

# Names each slider handle after its widget's description (ipywidgets 8 draws noUiSlider handles
# with role="slider" and no name); runs again whenever the widget manager adds widgets.
SLIDER_NAMES_JS = """<script>
(function () {
  function nameHandles() {
    document.querySelectorAll('.noUi-handle[role="slider"]:not([aria-label]):not([aria-labelledby])')
      .forEach(function (h) {
        var w = h.closest('.widget-slider'), l = w && w.querySelector('.widget-label');
        var t = l ? (l.textContent || l.getAttribute('title') || '').trim() : '';
        h.setAttribute('aria-label', t || 'slider');
      });
  }
  new MutationObserver(nameHandles).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', nameHandles);
})();
</script>"""


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def _models(nb: nbformat.NotebookNode) -> dict[str, dict]:
    return nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _canvases(model_id: str, models: dict[str, dict]) -> list[str]:
    """Every ipympl canvas reachable from the widget ``model_id`` (itself, or children of a box)."""
    seen, todo, out = set(), [model_id], []
    while todo:
        mid = todo.pop(0)
        if mid in seen or mid not in models:
            continue
        seen.add(mid)
        if models[mid].get("model_name") == MPL_CANVAS:
            out.append(mid)
        todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(models[mid].get("state", {}).get("children", [])))
    return out


def _heading_before(nb: nbformat.NotebookNode, index: int) -> str:
    """The last markdown heading at or before cell ``index`` (without the #s and markup)."""
    for cell in reversed(nb.cells[: index + 1]):
        if cell.cell_type == "markdown":
            heads = [ln for ln in cell.source.splitlines() if ln.lstrip().startswith("#")]
            if heads:
                return re.sub(r"[*_`]", "", heads[-1].lstrip("# ").strip())
    return ""


def _alt_of(nb: nbformat.NotebookNode, index: int, output: dict | None) -> tuple[str, str]:
    """(alt text, source) of an output of cell ``index``: cell metadata, output metadata, else the section."""
    cell = nb.cells[index]
    own = str(cell.get("metadata", {}).get("alt", "")).strip()
    if own:
        return own, "cell"
    outs = [output] if output is not None else cell.get("outputs", [])
    said = next((str(o.get("metadata", {}).get("alt", "")).strip() for o in outs
                 if str(o.get("metadata", {}).get("alt", "")).strip()), "")
    if said:
        return said, "figure"
    head = _heading_before(nb, index)
    return (f"Figure in section “{head}”" if head else "Figure"), FALLBACK


def figure_alts(nb: nbformat.NotebookNode) -> dict[str, tuple[str, str]]:
    """{widget model id: (alt text, source)} for every widget view output that shows a matplotlib figure;
    source is ``"cell"`` (cell metadata ``alt``), ``"figure"`` (output metadata ``alt``) or :data:`FALLBACK`."""
    models = _models(nb)
    out: dict[str, tuple[str, str]] = {}
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            view = o.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and _canvases(view["model_id"], models):
                out[view["model_id"]] = _alt_of(nb, i, o)
    return out


_VIEW = re.compile(r'(?P<open><div\b[^>]*\bclass="jupyter-widgets jp-OutputArea-output[^"]*"[^>]*>)'
                   r'(?P<body>(?:\s*<script type="text/javascript">.*?</script>)?\s*'
                   r'<script type="application/vnd\.jupyter\.widget-view\+json">\s*(?P<json>\{.*?\})\s*</script>)',
                   re.S)
_CELL = re.compile(r'\bid="cell-id=(?P<id>[^"]+)"')
_IMG = re.compile(r"<img\b(?![^>]*\balt=)[^>]*>", re.I)


def _label_views(page: str, alts: dict[str, tuple[str, str]]) -> str:
    def fix(m: re.Match) -> str:
        try:
            mid = json.loads(m["json"])["model_id"]
        except (ValueError, KeyError):
            return m.group(0)
        if mid not in alts or "aria-label=" in m["open"]:
            return m.group(0)
        text, source = alts[mid]
        attrs = f' role="figure" aria-label="{html.escape(text, quote=True)}" data-rl-alt="{source}"'
        return m["open"][:-1] + attrs + ">" + m["body"]

    return _VIEW.sub(fix, page)


def _alt_images(page: str, nb: nbformat.NotebookNode) -> str:
    """Give every <img> without an alt attribute the alt text of its cell's outputs (see :func:`_alt_of`)."""
    cells = {c.get("id"): i for i, c in enumerate(nb.cells)}
    starts = [(m.start(), m["id"]) for m in _CELL.finditer(page)]

    def fix(m: re.Match) -> str:
        cid = next((cid for pos, cid in reversed(starts) if pos < m.start()), None)
        i = cells.get(cid)
        text, source = _alt_of(nb, i, None) if i is not None else ("Figure", FALLBACK)
        return m.group(0)[:-1].rstrip("/ ") + f' alt="{html.escape(text, quote=True)}" data-rl-alt="{source}">'

    return _IMG.sub(fix, page)


# --------------------------------------------------------------------------------------------
# Contrast
# --------------------------------------------------------------------------------------------

_DECL = re.compile(r"--(?P<name>[\w-]+)\s*:\s*(?P<value>[^;}]+)")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _variables(page: str) -> dict[str, str]:
    """The page's CSS custom properties (first declaration of each name: the light theme's ``:root``)."""
    out: dict[str, str] = {}
    for style in re.findall(r"<style[^>]*>(.*?)</style>", page, re.S):
        for m in _DECL.finditer(style):
            out.setdefault(m["name"], m["value"].strip())
    return out


def _colour(name: str, variables: dict[str, str]) -> str | None:
    """The hex colour a variable resolves to (following var(--x) references), or None."""
    value = variables.get(name, "")
    for _ in range(10):
        ref = re.fullmatch(r"var\(--([\w-]+)\)", value)
        if not ref:
            break
        value = variables.get(ref.group(1), "")
    value = {"white": "#ffffff", "black": "#000000", "blue": "#0000ff"}.get(value, value)
    return value if _HEX.match(value) else None


def contrast_css(page: str, ratio: float = 4.5) -> str:
    """CSS that lifts the page's theme colours to ``ratio`` (WCAG AA text) where nbconvert's theme falls short:
    prompts on the page, syntax colours on the code background; prompts at full opacity; links underlined."""
    v = _variables(page)
    page_bg = _colour("jp-layout-color0", v) or "#ffffff"
    code_bg = _colour("jp-cell-editor-background", v) or "#f5f5f5"
    fixes = {}
    for name in v:
        bg = code_bg if name.startswith(_CODE_VAR_PREFIX) and name.endswith("-color") else (
            page_bg if name in _PAGE_VARS else None)
        c = _colour(name, v) if bg else None
        if c and contrast_ratio(c, bg) < ratio:
            fixes[name] = darken_to_contrast(c, bg, ratio)
    decls = "".join(f"  --{k}: {c};\n" for k, c in sorted(fixes.items()))
    return (":root {\n  --jp-cell-prompt-not-active-opacity: 1;\n  --jp-cell-prompt-opacity: 1;\n" + decls + "}\n"
            ".jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }\n")


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

def postprocess(page: str, nb: nbformat.NotebookNode) -> str:
    """``page`` (nbconvert HTML of ``nb``) with alt text on every figure, contrast fixes and named sliders."""
    if f'id="{A11Y_MARK}"' in page:
        return page
    page = _label_views(page, figure_alts(nb))
    page = _alt_images(page, nb)
    style = f'<style id="{A11Y_MARK}">\n{contrast_css(page)}</style>\n'
    page = page.replace("</head>", style + "</head>", 1)
    return page.replace("</body>", SLIDER_NAMES_JS + "\n</body>", 1)


def figure_report(site: Path) -> list[tuple[str, str, str]]:
    """(page, source, alt text) of every labelled figure output and <img> in the built ``site``."""
    rows = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<(?:div|img)\b[^>]*\bdata-rl-alt="([^"]+)"[^>]*>', text):
            label = re.search(r'\b(?:aria-label|alt)="([^"]*)"', m.group(0))
            rows.append((str(page.relative_to(site)), m.group(1), html.unescape(label.group(1)) if label else ""))
    return rows


if __name__ == "__main__":
    for where, source, text in figure_report(Path(sys.argv[1] if len(sys.argv) > 1 else "build/site")):
        print(f"{where} [{source}]: {text}")

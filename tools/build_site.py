"""Build the static course site (``make site``): build/site/index.html and one page per notebook.

Why nbconvert and a generated index page (not Jupyter Book / MyST): it is already a dependency
(pyproject.toml), it works offline, and it embeds the saved widget state so the first view of
every widget shows on the page. Jupyter Book v2 / mystmd fetch their theme from the internet at
build time; Jupyter Book v1 would be a new, large dependency for a single-level course.

- Lecture notebooks (``notebooks/NN_*.ipynb``, course order = file-name order) and the matching
  exercise sets (``exercises/NN_*.ipynb``) become ``notebooks/NN_*.html`` / ``exercises/NN_*.html``.
- Every page gets a navigation bar: contents, previous / next lecture, this lecture's exercises.
- Links between notebooks (``../exercises/02_x.ipynb``) are rewritten to the HTML pages; any
  other relative link to a file of the repository is copied into the site so it resolves.
  The .ipynb files are copied beside the pages for download.
- All JavaScript is local (offline): require.js, the widget manager
  (@jupyter-widgets/html-manager embed-amd.js) and MathJax 2 from npm (``npm pack``, cached in
  build/npm), ipympl's AMD bundle (jupyter-matplotlib) from the venv. Licenses go to
  static/vendor/LICENSES.txt.

Usage:
    python tools/build_site.py            # stored outputs (what nbval checked); quick
    python tools/build_site.py --execute  # execute every lecture notebook into build/site-src first
    python tools/build_site.py --out DIR
"""

from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

import alt_text  # tools/alt_text.py: alt text for figures, contrast fixes, named sliders

ROOT = Path(__file__).resolve().parents[1]
NPM_CACHE = ROOT / "build" / "npm"
SITE_TITLE = "Roofline Lab"

# npm packages fetched at build time (never committed): name -> (version, license).
NPM_PACKAGES = {
    "@jupyter-widgets/html-manager": ("1.0.15", "BSD-3-Clause"),   # ipywidgets 8 embed manager
    "requirejs": ("2.3.8", "MIT"),
    "mathjax": ("2.7.9", "Apache-2.0"),                            # nbconvert's templates use MathJax 2
    "jquery": ("3.7.1", "MIT"),                                    # the reveal template wants it
    "reveal.js": ("4.0.2", "MIT"),                                 # the version nbconvert's template targets
}

# The MathJax 2 files the TeX-AMS_CHTML-full configuration loads (the package is 60 MB unpacked).
MATHJAX_PARTS = ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
                 "jax/input/TeX", "jax/output/CommonHTML", "jax/element", "localization/en",
                 "fonts/HTML-CSS/TeX/woff", "LICENSE"]

# nbconvert's templates import mermaid as an ES module; no notebook uses it. A data: URL (a module
# file would be refused from file:// pages) that does nothing keeps pages offline and quiet.
MERMAID_STUB_URL = "data:text/javascript,export%20default%20%7Binitialize()%7B%7D%2Crun()%7B%7D%7D%3B"

SITE_CSS = """
.rl-nav { position: sticky; top: 0; z-index: 1000; display: flex; flex-wrap: wrap; gap: 0.4em 1.4em;
  align-items: center; padding: 0.5em 1.2em; background: #1f2937; color: #f9fafb;
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
.rl-nav a { color: #f9fafb; text-decoration: none; }
.rl-nav a:hover { text-decoration: underline; }
.rl-nav .rl-home { font-weight: 600; margin-right: auto; }
.rl-nav .rl-disabled { color: #9ca3af; }
.rl-index { max-width: 52em; margin: 2em auto; padding: 0 1.2em;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; }
.rl-index h1 { font-size: 2em; margin-bottom: 0.2em; }
.rl-index ol { padding-left: 1.4em; }
.rl-index li { margin: 0.8em 0; }
.rl-index .rl-sub { color: #4b5563; }
.rl-index .rl-links { font-size: 0.92em; }
.rl-index .rl-links a { margin-right: 1em; }
"""


# --------------------------------------------------------------------------------------------
# npm assets
# --------------------------------------------------------------------------------------------

def npm_package(name: str, cache: Path = NPM_CACHE) -> Path:
    """The unpacked npm package ``name`` at the pinned version (``npm pack`` once, then cached)."""
    version = NPM_PACKAGES[name][0]
    dest = cache / f"{name.replace('@', '').replace('/', '-')}-{version}"
    if (dest / "package" / "package.json").exists():
        return dest / "package"
    cache.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("build_site: npm is needed to fetch the page's JavaScript once "
                         f"({name}@{version}); install Node.js/npm (apt-get install -y npm)")
    # A private folder per process: two builds at once (pytest -n 2) must not trip over each other.
    work = Path(tempfile.mkdtemp(prefix="npm-", dir=cache))
    try:
        out = subprocess.run([npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", str(work)],
                             capture_output=True, text=True, cwd=work)
        if out.returncode != 0:
            raise SystemExit(f"build_site: `npm pack {name}@{version}` failed:\n{out.stderr[-2000:]}")
        tgz = work / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tf:
            if hasattr(tarfile, "data_filter"):          # Python >= 3.11.4: refuse odd paths and links
                tf.extractall(work / "x", filter="data")
            else:
                tf.extractall(work / "x")
        try:
            (work / "x").rename(dest)
        except OSError:
            if not (dest / "package" / "package.json").exists():   # not another process's finished copy
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest / "package"


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dst)


def install_vendor(static: Path, *, reveal: bool = False) -> None:
    """Copy the page JavaScript into ``static``/vendor (and reveal.js when ``reveal``), with licenses."""
    vendor = static / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    licenses = []
    hm = npm_package("@jupyter-widgets/html-manager")
    for f in (hm / "dist").iterdir():      # embed-amd.js and the icon fonts it loads from its own folder
        if f.name in ("embed-amd.js",) or f.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg"):
            _copy(f, vendor / "html-manager" / f.name)
    _copy(npm_package("requirejs") / "require.js", vendor / "require.js")
    _copy(npm_package("jquery") / "dist" / "jquery.min.js", vendor / "jquery.min.js")
    mj = npm_package("mathjax")
    for part in MATHJAX_PARTS:
        if (mj / part).exists():
            _copy(mj / part, vendor / "mathjax" / part)
    import ipympl

    nbext = Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "jupyter-matplotlib"
    if not (nbext / "index.js").exists():
        raise SystemExit(f"build_site: ipympl's AMD bundle {nbext / 'index.js'} is missing (pip install ipympl)")
    _copy(nbext / "index.js", vendor / "jupyter-matplotlib" / "index.js")
    for name, (version, lic) in NPM_PACKAGES.items():
        if name != "reveal.js" or reveal:
            licenses.append(f"{name} {version} (npm): {lic}")
    licenses.append(f"jupyter-matplotlib (ipympl {ipympl.__version__}, from the Python package): BSD-3-Clause")
    if reveal:
        rv = npm_package("reveal.js")
        for part in ("dist", "plugin/notes", "LICENSE"):
            _copy(rv / part, vendor / "reveal.js" / part)
    (vendor / "LICENSES.txt").write_text(
        "Third-party files in this folder, fetched at build time by tools/build_site.py; not part of the\n"
        "course repository. Each keeps its own license:\n\n" + "\n".join(f"- {x}" for x in licenses) + "\n")


def page_head_js(rel: str) -> str:
    """Script run after require.js: load ipympl's widgets and the manager's fonts from our folder."""
    return ("<script>require.config({paths: {'jupyter-matplotlib': '%sstatic/vendor/jupyter-matplotlib/index'}});"
            "window.__jupyter_widgets_assets_path__ = '%sstatic/vendor/html-manager/';</script>" % (rel, rel))


def configure_exporter(exporter, rel: str) -> None:
    """Point an nbconvert HTML/Slides exporter's script URLs at the local copies."""
    v = f"{rel}static/vendor/"
    exporter.require_js_url = v + "require.js"
    exporter.widget_renderer_url = v + "html-manager/embed-amd.js"
    exporter.mathjax_url = v + "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    exporter.jquery_url = v + "jquery.min.js"
    exporter.mermaid_js_url = MERMAID_STUB_URL
    if hasattr(exporter, "mermaid_layout_elk_js_url"):
        exporter.mermaid_layout_elk_js_url = exporter.mermaid_js_url


def add_local_widget_config(page: str, rel: str) -> str:
    """Insert the require.js configuration right after the require.js script tag."""
    tag = re.search(r'<script src="[^"]*static/vendor/require\.js"></script>', page)
    if not tag:
        return page
    return page[:tag.end()] + page_head_js(rel) + page[tag.end():]


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One lecture notebook: its source, title, subtitle and matching exercise set (if any)."""

    source: Path
    title: str
    subtitle: str
    exercise: Path | None

    @property
    def stem(self) -> str:
        return self.source.stem


def title_of(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first markdown ``# Title`` and the line after it (the subtitle)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip()]
        for i, ln in enumerate(lines):
            if ln.startswith("# "):
                sub = lines[i + 1] if i + 1 < len(lines) and not lines[i + 1].startswith("#") else ""
                return ln[2:].strip(), re.sub(r"[*_`]", "", sub)
        break
    return fallback, ""


def course_entries(src: Path) -> list[Entry]:
    """Lecture notebooks in course order (their NN_ prefix), each with its exercise set."""
    entries = []
    for nb_path in sorted((src / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        title, sub = title_of(nb, nb_path.stem)
        ex = src / "exercises" / nb_path.name
        entries.append(Entry(nb_path, title, sub, ex if ex.exists() else None))
    return entries


def nav_bar(rel: str, entries: list[Entry], i: int | None, kind: str) -> str:
    """The bar at the top of every page: contents, previous / next lecture, exercises or lecture."""
    def link(href: str | None, text: str, cls: str = "") -> str:
        if href is None:
            return f'<span class="rl-disabled {cls}">{text}</span>'
        return f'<a class="{cls}" href="{href}">{text}</a>'

    parts = [link(f"{rel}index.html", f"{SITE_TITLE} · Contents", "rl-home")]
    if i is not None:
        e = entries[i]
        prev = f"{rel}notebooks/{entries[i - 1].stem}.html" if i > 0 else None
        nxt = f"{rel}notebooks/{entries[i + 1].stem}.html" if i + 1 < len(entries) else None
        parts.append(link(prev, "← Previous", "rl-prev"))
        parts.append(link(nxt, "Next →", "rl-next"))
        if kind == "lecture" and e.exercise is not None:
            parts.append(link(f"{rel}exercises/{e.stem}.html", "Exercises", "rl-exercises"))
        if kind == "exercise":
            parts.append(link(f"{rel}notebooks/{e.stem}.html", "Lecture", "rl-lecture"))
        folder = "notebooks" if kind == "lecture" else "exercises"
        parts.append(link(f"{rel}{folder}/{e.stem}.ipynb", "Download .ipynb", "rl-download"))
    return f'<nav class="rl-nav">{"".join(parts)}</nav>'


_LINK = re.compile(r'''(?P<attr>\b(?:href|src))=(?P<q>["'])(?P<url>[^"']*)(?P=q)''')


def _is_external(url: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("//")


def rewrite_links(page: str, page_rel: str, site: Path, src_root: Path, copied: set[str],
                  page_suffix: str = ".html") -> str:
    """Rewrite ``*.ipynb`` links to their pages (``NN_x`` + ``page_suffix``); copy other linked files in.

    ``page_rel`` is the page's path inside the site (``notebooks/02_x.html``); the site mirrors
    the repository layout, so a relative link means the same file in both.
    """
    here = posixpath.dirname(page_rel)

    def fix(m: re.Match) -> str:
        url = html.unescape(m["url"])
        if not url or url.startswith("#") or _is_external(url):
            return m.group(0)
        path, sep, frag = url.partition("#")
        path = path.split("?", 1)[0]
        target = posixpath.normpath(posixpath.join(here, path)) if path else page_rel
        if target.startswith(".."):
            return m.group(0)
        as_page = target[:-len(".ipynb")] + page_suffix
        if m["attr"] == "href" and target.endswith(".ipynb") and (site / as_page).exists():
            new = posixpath.relpath(as_page, here or ".") + (sep + frag if sep else "")
            return f'{m["attr"]}={m["q"]}{html.escape(new, quote=True)}{m["q"]}'
        if not (site / target).exists():
            for root in (src_root, ROOT):          # the executed copy holds only notebooks/, exercises/
                if (root / target).is_file():
                    _copy(root / target, site / target)
                    copied.add(target)
                    break
        return m.group(0)

    return _LINK.sub(fix, page)


CHECK_TAG = "course-check"   # the tag tools/execute_notebooks.py stores collapsed


def convert(nb_path: Path, page_rel: str, site: Path, nav: str) -> str:
    """One notebook -> an HTML page string (lab template, local scripts, navigation bar)."""
    from nbconvert import HTMLExporter

    rel = "../" * page_rel.count("/")
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="lab")
    configure_exporter(exporter, rel)
    # course-check cells guard the course (asserts); they run under nbval but are not part of the page
    tags = TagRemovePreprocessor(remove_cell_tags={CHECK_TAG})
    tags.enabled = True
    exporter.register_preprocessor(tags, enabled=True)
    nb = nbformat.read(nb_path, as_version=4)
    # speaker notes (slide_type "notes") are for the lecturer's view of the slides, not for the page
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("slideshow", {}).get("slide_type") != "notes"]
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb_path.stem}})
    body = add_local_widget_config(body, rel)
    body = alt_text.postprocess(body, nb)
    css = f'<link rel="stylesheet" href="{rel}static/site.css">'
    body = body.replace("</head>", css + "\n</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
    return body


def index_page(entries: list[Entry]) -> str:
    items = []
    for e in entries:
        links = [f'<a href="notebooks/{e.stem}.html">Lecture</a>']
        if e.exercise is not None:
            links.append(f'<a href="exercises/{e.stem}.html">Exercises</a>')
        links.append(f'<a href="notebooks/{e.stem}.ipynb">.ipynb</a>')
        items.append(f'<li><a href="notebooks/{e.stem}.html"><strong>{html.escape(e.title)}</strong></a>'
                     f'<div class="rl-sub">{html.escape(e.subtitle)}</div>'
                     f'<div class="rl-links">{"".join(links)}</div></li>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{SITE_TITLE}</title>
<link rel="stylesheet" href="static/site.css">
</head><body>
<nav class="rl-nav"><a class="rl-home" href="index.html">{SITE_TITLE} · Contents</a></nav>
<main class="rl-index">
<h1>{SITE_TITLE}</h1>
<p>An open, tested, interactive course on the roofline performance model. The pages show each
notebook as it was last run, with the widgets in their first state; to move the sliders, open the
notebooks in JupyterLab (<code>make lab</code>) or on Binder.</p>
<ol>
{chr(10).join(items)}
</ol>
<p class="rl-sub">Generated by tools/build_site.py; do not edit.</p>
</main></body></html>
"""


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def execute_for_site(path: Path, timeout: int = 600) -> None:
    """Execute ``path`` in place in a fresh kernel, saving widget state with every figure's picture
    (the same executor that stores the tracked notebooks: tools/execute_notebooks.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import execute_notebooks

    execute_notebooks.execute(path, timeout)


def prepare_sources(execute: bool, src_root: Path, work: Path) -> Path:
    """The folder whose notebooks/ and exercises/ are rendered: the repo, or an executed copy."""
    if not execute:
        return src_root
    shutil.rmtree(work, ignore_errors=True)
    for sub in ("notebooks", "exercises"):
        if (src_root / sub).is_dir():
            shutil.copytree(src_root / sub, work / sub, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for nb in sorted((work / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"build_site: executing {nb.relative_to(work)}", flush=True)
        execute_for_site(nb)
    return work


def build(out: Path, *, execute: bool = False, src_root: Path = ROOT, quiet: bool = False) -> Path:
    """Build the site into ``out`` (replaced) and return the index page's path."""
    src = prepare_sources(execute, src_root, ROOT / "build" / "site-src")
    entries = course_entries(src)
    if not entries:
        raise SystemExit(f"build_site: no lecture notebooks in {src / 'notebooks'}")
    shutil.rmtree(out, ignore_errors=True)
    (out / "static").mkdir(parents=True)
    (out / "static" / "site.css").write_text(SITE_CSS)
    install_vendor(out / "static")
    pages: dict[str, str] = {}
    for i, e in enumerate(entries):
        pages[f"notebooks/{e.stem}.html"] = convert(e.source, f"notebooks/{e.stem}.html", out,
                                                     nav_bar("../", entries, i, "lecture"))
        _copy(e.source, out / "notebooks" / e.source.name)
        if e.exercise is not None:
            pages[f"exercises/{e.stem}.html"] = convert(e.exercise, f"exercises/{e.stem}.html", out,
                                                         nav_bar("../", entries, i, "exercise"))
            _copy(e.exercise, out / "exercises" / e.exercise.name)
        if not quiet:
            print(f"build_site: {e.stem}", flush=True)
    for rel, page in pages.items():          # write all first, so links between pages can be checked
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(page, encoding="utf-8")
    copied: set[str] = set()
    for rel, page in pages.items():
        (out / rel).write_text(rewrite_links(page, rel, out, src, copied), encoding="utf-8")
    (out / "index.html").write_text(index_page(entries), encoding="utf-8")
    (out / "build-info.json").write_text(json.dumps({
        "generator": "tools/build_site.py", "executed": execute,
        "lectures": [e.stem for e in entries], "copied_files": sorted(copied)}, indent=1))
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    ap.add_argument("--execute", action="store_true", help="execute the lecture notebooks first (a copy)")
    args = ap.parse_args(argv)
    index = build(args.out.resolve(), execute=args.execute)
    print(f"build_site: open {index}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())

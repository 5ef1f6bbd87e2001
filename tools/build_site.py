"""Build the static course site (``make site``): build/site/index.html and one page per notebook.

Why nbconvert and a generated index page (not Jupyter Book / MyST): it is already a dependency
(pyproject.toml), it works offline, and it embeds the saved widget state so the first view of
every widget shows on the page. Jupyter Book v2 / mystmd fetch their theme from the internet at
build time; Jupyter Book v1 would be a new, large dependency for a single-level course.

- Lecture notebooks (``notebooks/NN_*.ipynb``, course order = file-name order) and the matching
  exercise sets (``exercises/NN_*.ipynb``) become ``notebooks/NN_*.html`` / ``exercises/NN_*.html``.
- Both languages: the Chinese edition (``zh/notebooks``, ``zh/exercises``: tools/make_zh.py) becomes
  ``zh/notebooks/NN_*.html`` / ``zh/exercises/NN_*.html`` with its own index, ``zh/index.html``. Pages
  set ``<html lang>`` ("en" / "zh-CN"); the site's own words (navigation, index, notices) are the
  ``site.*`` messages of rooflib/i18n/en.toml and zh.toml. A lecture with no zh edition yet is linked
  from the zh pages to its English page, marked "（英文）"; its zh page says so and links there.
- Every page gets a navigation bar: contents, previous / next lecture, this lecture's exercises, the
  .ipynb, and the language switch: a link to the same page in the other language.
- Links between notebooks (``../exercises/02_x.ipynb``) are rewritten to the HTML pages; any
  other relative link to a file of the repository is copied into the site so it resolves.
  The .ipynb files are copied beside the pages for download.
- All JavaScript is local (offline): require.js, the widget manager
  (@jupyter-widgets/html-manager embed-amd.js) and MathJax 2 from npm (``npm pack``, cached in
  build/npm), ipympl's AMD bundle (jupyter-matplotlib) from the venv. Licenses go to
  static/vendor/LICENSES.txt.

Usage:
    python tools/build_site.py            # stored outputs (what nbval checked); quick
    python tools/build_site.py --execute  # execute every lecture notebook (both languages) into build/site-src first
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
.rl-nav .rl-lang { border: 1px solid #9ca3af; border-radius: 4px; padding: 0 0.5em; }
.rl-nav .rl-note { font-size: 0.85em; color: #d1d5db; }
.rl-index .rl-note { font-size: 0.9em; color: #92400e; }
.rl-index .rl-notice { padding: 0.8em 1em; background: #fef3c7; border-left: 4px solid #b45309; }
:lang(zh) .rl-nav, :lang(zh) .rl-index { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
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
# Languages
# --------------------------------------------------------------------------------------------

LANGUAGES = ("en", "zh")                 # English (the source) and the Chinese edition (zh/, tools/make_zh.py)
HTML_LANG = {"en": "en", "zh": "zh-CN"}  # the pages' <html lang>
PREFIX = {"en": "", "zh": "zh/"}         # where a language's pages live in the site (and in the repository)


def text(key: str, lang: str, /, **fields) -> str:
    """The site's own words (navigation, index, notices): ``site.<key>`` in rooflib/i18n/<lang>.toml."""
    from rooflib.i18n import translate

    return translate(f"site.{key}", lang, **fields)


def other(lang: str) -> str:
    """The language a page's switch leads to."""
    return "zh" if lang == "en" else "en"


def languages_of(src: Path) -> tuple[str, ...]:
    """The languages ``src`` has: English, and Chinese when it holds zh/notebooks/ (tools/make_zh.py)."""
    return LANGUAGES if (src / "zh" / "notebooks").is_dir() else ("en",)


def counterpart(site_path: str, lang: str) -> str:
    """The same page in the other language (``notebooks/02_x.html`` <-> ``zh/notebooks/02_x.html``)."""
    tail = site_path[len(PREFIX[lang]):]
    return PREFIX[other(lang)] + tail


def html_lang(page: str, lang: str) -> str:
    """Set the page's ``<html lang>`` (nbconvert accepts only ISO 639-1 codes: ``zh``, not ``zh-CN``)."""
    return re.sub(r'<html\b[^>]*?\blang="[^"]*"', f'<html lang="{HTML_LANG[lang]}"', page, count=1)


def switch_link(rel: str, site_path: str, lang: str, *, cls: str = "rl-lang") -> str:
    """The language switch: a link to this page in the other language, named in that language."""
    to = other(lang)
    return (f'<a class="{cls}" href="{rel}{counterpart(site_path, lang)}" hreflang="{HTML_LANG[to]}" '
            f'lang="{HTML_LANG[to]}" title="{html.escape(text("switch_title", to))}">'
            f'{html.escape(text("language_name", to))}</a>')


def alternate_link(rel: str, site_path: str, lang: str) -> str:
    """``<link rel="alternate" hreflang>`` for the page's head: the same page in the other language."""
    to = other(lang)
    return f'<link rel="alternate" hreflang="{HTML_LANG[to]}" href="{rel}{counterpart(site_path, lang)}">'


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One lecture notebook in one language: its source, title, subtitle and matching exercise set (if any).

    ``translated`` / ``exercise_translated`` are False where the language has no edition of its own yet
    (a zh lecture not translated): then ``source`` / ``exercise`` are the English files and the
    language's pages link to the English pages.
    """

    source: Path
    title: str
    subtitle: str
    exercise: Path | None
    lang: str = "en"
    translated: bool = True
    exercise_translated: bool = True

    @property
    def stem(self) -> str:
        return self.source.stem

    def page(self, kind: str = "lecture") -> str:
        """The site path of this entry's lecture (or exercise) page that this language links to."""
        folder = "notebooks" if kind == "lecture" else "exercises"
        own = self.translated if kind == "lecture" else self.exercise_translated
        return f"{PREFIX[self.lang] if own else ''}{folder}/{self.stem}.html"

    def own_page(self, kind: str = "lecture") -> str:
        """Where this language's own page of the lecture (or exercise) is (a notice when not translated)."""
        folder = "notebooks" if kind == "lecture" else "exercises"
        return f"{PREFIX[self.lang]}{folder}/{self.stem}.html"


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
        if any(ln.startswith("#") for ln in lines):     # the first section, not a title: give up
            break                                         # (a zh notebook opens with a note, then its title)
    return fallback, ""


def course_entries(src: Path, lang: str = "en") -> list[Entry]:
    """Lecture notebooks in course order (their NN_ prefix, the English set), each with its exercise set,
    in ``lang``: the language's edition (``src/zh/notebooks/``) where it has one, else the English files."""
    entries = []
    for nb_path in sorted((src / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        ex = src / "exercises" / nb_path.name
        ex = ex if ex.exists() else None
        own, own_ex = src / PREFIX[lang] / "notebooks" / nb_path.name, src / PREFIX[lang] / "exercises" / nb_path.name
        translated = own.exists()
        exercise_translated = ex is not None and own_ex.exists()
        source = own if translated else nb_path
        title, sub = title_of(nbformat.read(source, as_version=4), nb_path.stem)
        entries.append(Entry(source, title, sub, own_ex if exercise_translated else ex, lang,
                             translated, exercise_translated))
    return entries


def nav_bar(rel: str, entries: list[Entry], i: int | None, kind: str, site_path: str | None = None) -> str:
    """The bar at the top of every page: contents, previous / next lecture, exercises or lecture, download,
    and the language switch (``site_path``: this page's path in the site; None: no switch)."""
    lang = entries[0].lang if entries else "en"

    def link(href: str | None, label: str, cls: str = "", english: bool = False) -> str:
        if href is None:
            return f'<span class="rl-disabled {cls}">{label}</span>'
        if english:          # a lecture with no edition in this language: its English page, said so
            label += f' <span class="rl-note">{html.escape(text("in_english", lang))}</span>'
        return f'<a class="{cls}" href="{href}">{label}</a>'

    parts = [link(f"{rel}{PREFIX[lang]}index.html", f"{SITE_TITLE} · {html.escape(text('contents', lang))}", "rl-home")]
    if i is not None:
        e = entries[i]
        prev = entries[i - 1] if i > 0 else None
        nxt = entries[i + 1] if i + 1 < len(entries) else None
        parts.append(link(prev and f"{rel}{prev.page()}", html.escape(text("previous", lang)), "rl-prev",
                          bool(prev) and not prev.translated))
        parts.append(link(nxt and f"{rel}{nxt.page()}", html.escape(text("next", lang)), "rl-next",
                          bool(nxt) and not nxt.translated))
        if kind == "lecture" and e.exercise is not None:
            parts.append(link(f"{rel}{e.page('exercise')}", html.escape(text("exercises", lang)), "rl-exercises",
                              not e.exercise_translated))
        if kind == "exercise":
            parts.append(link(f"{rel}{e.page('lecture')}", html.escape(text("lecture", lang)), "rl-lecture",
                              not e.translated))
        own = e.translated if kind == "lecture" else e.exercise_translated
        if own:
            parts.append(link(f"{rel}{e.page(kind)[:-len('.html')]}.ipynb", html.escape(text("download", lang)),
                              "rl-download"))
    if site_path is not None:
        parts.append(switch_link(rel, site_path, lang))
    label = html.escape(text("nav_label", lang))
    return f'<nav class="rl-nav" aria-label="{label}">{"".join(parts)}</nav>'


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


def convert(nb_path: Path, page_rel: str, site: Path, nav: str, lang: str = "en", head: str = "") -> str:
    """One notebook -> an HTML page string (lab template, local scripts, navigation bar, ``<html lang>``)."""
    from nbconvert import HTMLExporter

    rel = "../" * page_rel.count("/")
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="lab")
    exporter.language_code = lang
    configure_exporter(exporter, rel)
    # course-check cells guard the course (asserts); they run under nbval but are not part of the page
    tags = TagRemovePreprocessor(remove_cell_tags={CHECK_TAG})
    tags.enabled = True
    exporter.register_preprocessor(tags, enabled=True)
    nb = nbformat.read(nb_path, as_version=4)
    # speaker notes (slide_type "notes") are for the lecturer's view of the slides, not for the page
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("slideshow", {}).get("slide_type") != "notes"]
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb_path.stem}})
    body = html_lang(body, lang)
    body = add_local_widget_config(body, rel)
    body = alt_text.postprocess(body, nb)
    css = f'<link rel="stylesheet" href="{rel}static/site.css">'
    body = body.replace("</head>", css + head + "\n</head>", 1)
    return insert_nav(body, nav)


def insert_nav(page: str, nav: str) -> str:
    """Put the navigation bar at the top of the page's body."""
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, page, count=1) if nav else page


def page_shell(lang: str, rel: str, title: str, nav: str, main: str, head: str = "") -> str:
    """A page of the site's own (an index, a notice) in ``lang``."""
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{rel}static/site.css">{head}
</head><body>
{nav}
<main class="rl-index">
{main}
</main></body></html>
"""


def index_page(entries: list[Entry], switch: bool = False) -> str:
    """The contents page of one language (``index.html``, ``zh/index.html``): every lecture in course order."""
    lang = entries[0].lang if entries else "en"
    home = f"{PREFIX[lang]}index.html"
    here = posixpath.dirname(home) or "."
    rel = "../" * home.count("/")

    def href(path: str) -> str:
        return posixpath.relpath(path, here)

    items = []
    for e in entries:
        note = "" if e.translated else f' <span class="rl-note">{html.escape(text("not_translated", lang))}</span>'
        links = [f'<a href="{href(e.page())}">{html.escape(text("lecture", lang))}</a>']
        if e.exercise is not None:
            links.append(f'<a href="{href(e.page("exercise"))}">{html.escape(text("exercises", lang))}</a>')
        links.append(f'<a href="{href(e.page()[:-len(".html")])}.ipynb">.ipynb</a>')
        items.append(f'<li id="lecture-{e.stem[:2]}"><a href="{href(e.page())}"><strong>{html.escape(e.title)}</strong></a>'
                     f'{note}<div class="rl-sub">{html.escape(e.subtitle)}</div>'
                     f'<div class="rl-links">{"".join(links)}</div></li>')
    nav = (f'<nav class="rl-nav" aria-label="{html.escape(text("nav_label", lang))}"><a class="rl-home" '
           f'href="{href(home)}">{SITE_TITLE} · {html.escape(text("contents", lang))}</a>'
           f'{switch_link(rel, home, lang) if switch else ""}</nav>')
    main = (f"<h1>{SITE_TITLE}</h1>\n<p>{text('intro', lang)}</p>\n<ol>\n{chr(10).join(items)}\n</ol>\n"
            f'<p class="rl-sub">{html.escape(text("generated", lang, tool="tools/build_site.py"))}</p>')
    return page_shell(lang, rel, SITE_TITLE, nav, main, alternate_link(rel, home, lang) if switch else "")


def notice_page(entries: list[Entry], i: int, kind: str) -> str:
    """This language's page of a lecture (or exercise set) it has not translated yet: it says so, links to
    the English page, and keeps the language's navigation and switch."""
    e = entries[i]
    site_path = e.own_page(kind)
    rel = "../" * site_path.count("/")
    english = e.page(kind)
    main = (f'<h1 lang="en">{html.escape(e.title)}</h1>\n'
            f'<p class="rl-notice">{html.escape(text("not_translated_page", e.lang))} '
            f'<a href="{rel}{english}" hreflang="en">{html.escape(text("read_english", e.lang))}</a></p>')
    return page_shell(e.lang, rel, e.title, nav_bar(rel, entries, i, kind, site_path), main,
                 alternate_link(rel, site_path, e.lang))


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def execute_for_site(path: Path, timeout: int = 600) -> None:
    """Execute ``path`` in place in a fresh kernel, saving widget state with every figure's picture
    (the same executor that stores the tracked notebooks: tools/execute_notebooks.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import execute_notebooks

    execute_notebooks.execute(path, timeout)


SOURCE_FOLDERS = ("notebooks", "exercises", "zh/notebooks", "zh/exercises")


def prepare_sources(execute: bool, src_root: Path, work: Path) -> Path:
    """The folder whose notebooks/ and exercises/ (and zh/...) are rendered: the repo, or an executed copy."""
    if not execute:
        return src_root
    shutil.rmtree(work, ignore_errors=True)
    for sub in SOURCE_FOLDERS:
        if (src_root / sub).is_dir():
            shutil.copytree(src_root / sub, work / sub, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for lang in LANGUAGES:
        for nb in sorted((work / PREFIX[lang] / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            print(f"build_site: executing {nb.relative_to(work)}", flush=True)
            execute_for_site(nb)
    return work


def build(out: Path, *, execute: bool = False, src_root: Path = ROOT, quiet: bool = False,
          languages: tuple[str, ...] | None = None) -> Path:
    """Build the site into ``out`` (replaced) and return the index page's path.

    English pages at ``notebooks/`` / ``exercises/``, the Chinese edition (when ``src_root`` has
    ``zh/notebooks/``) under ``zh/``; every page has a switch to its counterpart in the other language.
    ``languages=("en",)`` builds the English pages alone (no switch).
    """
    src = prepare_sources(execute, src_root, ROOT / "build" / "site-src")
    langs = tuple(lang for lang in languages_of(src) if languages is None or lang in languages)
    switch = len(langs) > 1
    editions = {lang: course_entries(src, lang) for lang in langs}
    if not editions["en"]:
        raise SystemExit(f"build_site: no lecture notebooks in {src / 'notebooks'}")
    shutil.rmtree(out, ignore_errors=True)
    (out / "static").mkdir(parents=True)
    (out / "static" / "site.css").write_text(SITE_CSS)
    install_vendor(out / "static")
    pages: dict[str, str] = {}
    navs: dict[str, str] = {}          # added after the links are rewritten (its download link stays .ipynb)
    notices: dict[str, str] = {}
    for lang, entries in editions.items():
        for i, e in enumerate(entries):
            for kind, own, source in (("lecture", e.translated, e.source),
                                      ("exercise", e.exercise_translated, e.exercise)):
                if source is None:
                    continue
                rel_path = e.own_page(kind)
                if not own:
                    notices[rel_path] = notice_page(entries, i, kind)
                    continue
                rel = "../" * rel_path.count("/")
                head = alternate_link(rel, rel_path, lang) if switch else ""
                pages[rel_path] = convert(source, rel_path, out, "", lang, head)
                navs[rel_path] = nav_bar(rel, entries, i, kind, rel_path if switch else None)
                _copy(source, out / rel_path.replace(".html", ".ipynb"))
            if not quiet:
                print(f"build_site: {PREFIX[lang]}{e.stem}", flush=True)
    for rel, page in {**pages, **notices}.items():    # write all first, so links between pages can be checked
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(page, encoding="utf-8")
    copied: set[str] = set()
    for rel, page in pages.items():
        (out / rel).write_text(insert_nav(rewrite_links(page, rel, out, src, copied), navs[rel]), encoding="utf-8")
    for lang, entries in editions.items():
        (out / PREFIX[lang] / "index.html").write_text(index_page(entries, switch), encoding="utf-8")
    (out / "build-info.json").write_text(json.dumps({
        "generator": "tools/build_site.py", "executed": execute, "languages": list(langs),
        "lectures": [e.stem for e in editions["en"]],
        "not_translated": {lang: [e.stem for e in entries if not e.translated]
                           for lang, entries in editions.items() if lang != "en"},
        "copied_files": sorted(copied)}, indent=1))
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

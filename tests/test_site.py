"""The static site and the slides: built from the stored outputs (no re-execution), then checked.

- every internal link (href / src, with #anchors) of every page resolves inside the site;
- pages load nothing from the internet (scripts, styles: all local, so the site works offline);
- the index lists the lecture notebooks in course order, each with its exercise set;
- every lecture page has previous / next links in course order;
- every widget shown in a notebook has its state embedded in the page, figures with their picture.

``make site`` executes the notebooks first (a copy); this test uses what nbval checked. The slides
(``make slides``) are checked in tests/test_slides.py.
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class _Links(HTMLParser):
    """Collect (tag, attribute, url) of every link, plus every id / name an anchor can point at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None and not (tag == "a" and key == "src"):
                self.links.append((tag, key, a[key]))
        if tag == "script":
            self._script, self._text = a, []

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def parse(page: Path) -> _Links:
    p = _Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def _external(url: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("//")


def broken_links(site: Path) -> list[str]:
    """Every relative link in ``site``'s HTML pages whose file or #anchor does not exist."""
    cache: dict[Path, _Links] = {}

    def parsed(p: Path) -> _Links:
        if p not in cache:
            cache[p] = parse(p)
        return cache[p]

    bad = []
    for page in sorted(site.rglob("*.html")):
        for tag, attr, url in parsed(page).links:
            if not url or _external(url):
                continue
            parts = urlsplit(url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            where = f"{page.relative_to(site)}: <{tag} {attr}={url!r}>"
            if site.resolve() not in target.parents and target != site.resolve():
                bad.append(f"{where} points outside the site")
            elif not target.is_file():
                bad.append(f"{where}: no such file")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in parsed(target).ids \
                    and not parts.fragment.startswith("/"):          # reveal.js uses #/slide
                bad.append(f"{where}: no id {parts.fragment!r} in {target.name}")
    return bad


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site.build(out, execute=False, quiet=True)
    return out


def test_lecture_notebooks_exist():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb"


# ---- the link checker itself ------------------------------------------------------------------

def test_link_checker_reports_missing_files_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a href="b.html#x">b</a><a href="a.html#top">me</a>'
                                     '<img src="missing.png"><a href="https://example.org/">ext</a>')
    (tmp_path / "b.html").write_text('<p id="y">B</p><a href="../outside.html">out</a>')
    bad = broken_links(tmp_path)
    assert len(bad) == 3, bad
    assert any("no id 'x'" in b for b in bad)
    assert any("missing.png" in b for b in bad)
    assert any("outside the site" in b for b in bad)


def test_rewrite_links_points_notebook_links_at_pages_and_copies_repo_files(tmp_path):
    site = tmp_path / "site"
    (site / "notebooks").mkdir(parents=True)
    (site / "notebooks" / "02_x.html").write_text("page")
    page = ('<a href="02_x.ipynb#sec">a</a><a href="../pyproject.toml">b</a>'
            '<a href="03_missing.ipynb">c</a><a href="https://example.org/a.ipynb">d</a>')
    copied: set[str] = set()
    out = build_site.rewrite_links(page, "notebooks/01_y.html", site, tmp_path / "nowhere", copied)
    assert out == ('<a href="02_x.html#sec">a</a><a href="../pyproject.toml">b</a>'
                   '<a href="03_missing.ipynb">c</a><a href="https://example.org/a.ipynb">d</a>')
    assert copied == {"pyproject.toml"} and (site / "pyproject.toml").is_file()


# ---- the site -----------------------------------------------------------------------------------

def test_every_internal_link_resolves(site):
    bad = broken_links(site)
    assert not bad, "broken links:\n" + "\n".join(bad)


def test_pages_load_nothing_from_the_internet(site):
    remote = []
    for page in sorted(site.rglob("*.html")):
        for tag, attr, url in parse(page).links:
            if tag in ("script", "link", "img", "iframe") and _external(url) and not url.startswith("data:"):
                remote.append(f"{page.relative_to(site)}: <{tag} {attr}={url}>")
    assert not remote, "pages fetch from the internet (the site must work offline):\n" + "\n".join(remote)
    vendor = site / "static" / "vendor"
    for f in ("require.js", "html-manager/embed-amd.js", "jupyter-matplotlib/index.js", "mathjax/MathJax.js",
              "LICENSES.txt"):
        assert (vendor / f).is_file(), f"static/vendor/{f} missing"


def test_index_lists_lectures_in_course_order_with_exercises(site):
    hrefs = [url for tag, attr, url in parse(site / "index.html").links if tag == "a"]
    lectures = [h for h in hrefs if re.fullmatch(r"notebooks/\d\d_[^/]+\.html", h)]
    expected = [f"notebooks/{p.stem}.html" for p in NOTEBOOKS]
    assert list(dict.fromkeys(lectures)) == expected
    for p in NOTEBOOKS:
        if (ROOT / "exercises" / p.name).exists():
            assert f"exercises/{p.stem}.html" in hrefs, f"index does not link the exercises of {p.stem}"


def test_lecture_pages_link_previous_next_and_exercises(site):
    stems = [p.stem for p in NOTEBOOKS]
    for i, stem in enumerate(stems):
        text = (site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        nav = re.search(r'<nav class="rl-nav">(.*?)</nav>', text, re.S)
        assert nav, f"{stem}: no navigation bar"
        links = dict(re.findall(r'<a class="(rl-[a-z]+)" href="([^"]+)"', nav.group(1)))
        assert links.get("rl-home") == "../index.html"
        assert links.get("rl-prev") == (f"../notebooks/{stems[i - 1]}.html" if i else None), stem
        assert links.get("rl-next") == (f"../notebooks/{stems[i + 1]}.html" if i + 1 < len(stems) else None), stem
        if (ROOT / "exercises" / f"{stem}.ipynb").exists():
            assert links.get("rl-exercises") == f"../exercises/{stem}.html", stem
        for tag, attr, url in parse(site / "notebooks" / f"{stem}.html").links:
            if tag == "a" and url.endswith(".ipynb") and not url.endswith(f"/{stem}.ipynb"):
                page = (site / "notebooks" / url).resolve().with_suffix(".html")
                assert not page.exists(), f"{stem}: link {url} should point at the page {page.name}"


def _widget_views(nb: nbformat.NotebookNode) -> list[str]:
    return [o["data"][WIDGET_VIEW]["model_id"] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_widget_state_is_embedded_so_first_views_show(site, nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    views = _widget_views(nb)
    page = parse(site / "notebooks" / f"{nb_path.stem}.html")
    states = [json.loads(text) for attrs, text in page.scripts if attrs.get("type") == WIDGET_STATE]
    if not views:
        return
    assert states, f"{nb_path.name} shows widgets but its page embeds no widget state"
    models = states[0]["state"]
    missing = [m for m in views if m not in models]
    assert not missing, f"{nb_path.name}: widget views without saved state: {missing}"
    shown = [attrs for attrs, text in page.scripts if attrs.get("type") == WIDGET_VIEW]
    assert len(shown) == len(views)
    blank = [mid for mid, m in models.items()
             if m["model_name"] == "MPLCanvasModel" and not m["state"].get("_data_url")]
    assert not blank, (f"{nb_path.name}: ipympl figures saved without their picture (_data_url), so the static "
                       f"page shows an empty figure; re-execute with tools/execute_notebooks.py: {blank}")

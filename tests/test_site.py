"""The static site and the slides: built from the stored outputs (no re-execution), then checked.

- every internal link (href / src, with #anchors) of every page resolves inside the site;
- pages load nothing from the internet (scripts, styles: all local, so the site works offline);
- the index lists the lecture notebooks in course order, each with its exercise set;
- every lecture page has previous / next links in course order;
- every widget shown in a notebook has its state embedded in the page, figures with their picture;
- both languages: English pages at notebooks/, exercises/, the Chinese edition (zh/, tools/make_zh.py)
  at zh/notebooks/, zh/exercises/; every page has a switch to the same page in the other language,
  sets ``<html lang>`` ("en" / "zh-CN"), and its site chrome is in its language; a lecture with no zh
  edition yet (06) is linked to in English, and its zh page says so.

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


def is_external(url: str) -> bool:
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
            if not url or is_external(url):
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
            if tag in ("script", "link", "img", "iframe") and is_external(url) and not url.startswith("data:"):
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
        nav = re.search(r'<nav class="rl-nav"[^>]*>(.*?)</nav>', text, re.S)
        assert nav, f"{stem}: no navigation bar"
        links = dict(re.findall(r'<a class="(rl-[a-z]+)" href="([^"]+)"', nav.group(1)))
        assert links.get("rl-home") == "../index.html"
        assert links.get("rl-download") == f"../notebooks/{stem}.ipynb", f"{stem}: the download link is not the notebook"
        assert (site / "notebooks" / f"{stem}.ipynb").is_file()
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


# ---- both languages ------------------------------------------------------------------------------

ZH_NOTEBOOKS = sorted((ROOT / "zh" / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def html_pages(root: Path) -> list[Path]:
    """The HTML pages of a built site or slides folder (not the vendored files under static/)."""
    return sorted(p for p in root.rglob("*.html") if "static" not in p.relative_to(root).parts)


def html_lang_of(text: str) -> str | None:
    m = re.search(r'<html\b[^>]*\blang="([^"]*)"', text)
    return m and m.group(1)


def switches(text: str) -> list[re.Match]:
    """The page's language switches: (href, hreflang, lang, label) each (``rl-lang``; a deck's ``rl-deck-lang``)."""
    return list(re.finditer(r'<a class="rl-(?:deck-)?lang" href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)"[^>]*>'
                            r'([^<]+)</a>', text))


def visible_text(text: str) -> str:
    """A page's text without its scripts, styles and tags."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def switch_problems(root: Path) -> list[str]:
    """Pages of ``root`` (a site or the slides) without exactly one language switch to the mirrored page in
    the other language (notebooks/x.html <-> zh/notebooks/x.html) that switches back; a wrong <html lang>."""
    problems = []
    for page in html_pages(root):
        rel = page.relative_to(root).as_posix()
        lang = "zh" if rel.startswith("zh/") else "en"
        text = page.read_text(encoding="utf-8")
        want, other = ("zh-CN", "en") if lang == "zh" else ("en", "zh-CN")
        if html_lang_of(text) != want:
            problems.append(f"{rel}: <html lang={html_lang_of(text)!r}>, expected {want!r}")
        switch = switches(text)
        if len(switch) != 1:
            problems.append(f"{rel}: {len(switch)} language switches")
            continue
        href, hreflang, link_lang, label = switch[0].groups()
        target = (page.parent / href).resolve()
        mirror = rel[len("zh/"):] if lang == "zh" else "zh/" + rel
        if target != (root / mirror).resolve() or not target.is_file():
            problems.append(f"{rel}: the switch leads to {href}, not to the page {mirror}")
            continue
        target_text = target.read_text(encoding="utf-8")
        back = switches(target_text)
        if len(back) != 1 or (target.parent / back[0].group(1)).resolve() != page.resolve():
            problems.append(f"{rel}: its counterpart {mirror} does not switch back to it")
        if (hreflang, link_lang) != (other, other) or html_lang_of(target_text) != other:
            problems.append(f"{rel}: the switch is marked hreflang={hreflang!r} lang={link_lang!r}, expected {other!r}")
        if label.strip() != ("English" if lang == "zh" else "中文"):
            problems.append(f"{rel}: the switch reads {label!r}")
    return problems


def test_zh_edition_exists():
    assert ZH_NOTEBOOKS, "no zh/notebooks/NN_*.ipynb: run tools/make_zh.py"


def test_every_page_switches_to_the_same_page_in_the_other_language(site):
    """One switch per page, to the mirrored path (notebooks/x.html <-> zh/notebooks/x.html), and back."""
    pages = html_pages(site)
    assert len(pages) >= 2 * (2 * len(NOTEBOOKS)), f"only {len(pages)} pages: is the zh edition built?"
    problems = switch_problems(site)
    assert not problems, "\n".join(problems)


def test_zh_pages_are_in_chinese_and_english_pages_in_english(site):
    """The zh edition's pages show Chinese text (body and site chrome); the English chrome stays English."""
    for nb in ZH_NOTEBOOKS:
        for folder in ("notebooks", "exercises"):
            page = site / "zh" / folder / f"{nb.stem}.html"
            if folder == "exercises" and not (ROOT / "zh" / "exercises" / nb.name).exists():
                continue
            assert page.is_file(), f"no zh page {page.relative_to(site)}"
            text = page.read_text(encoding="utf-8")
            body = visible_text(text)
            assert len(CJK.findall(body)) >= 100, f"{page.relative_to(site)}: hardly any Chinese text"
            nav = re.search(r'<nav class="rl-nav"[^>]*>(.*?)</nav>', text, re.S).group(1)
            assert "目录" in nav and ("上一讲" in nav or "下一讲" in nav), f"{page.relative_to(site)}: nav not translated"
            assert not re.search(r">(Contents|Previous|Next|Exercises|Download)\b", nav), nav
    for page in [site / "index.html", *sorted((site / "notebooks").glob("*.html"))]:
        nav = re.search(r'<nav class="rl-nav"[^>]*>(.*?)</nav>', page.read_text(encoding="utf-8"), re.S).group(1)
        assert "Contents" in nav and not CJK.search(re.sub(r'<a class="rl-lang".*?</a>', "", nav)), page.name
    index = (site / "zh" / "index.html").read_text(encoding="utf-8")
    assert len(CJK.findall(visible_text(index))) >= 100, "zh/index.html is not in Chinese"


def test_zh_index_lists_every_lecture_in_course_order(site):
    """zh/index.html lists every lecture: its zh page, or (no zh edition yet) the English page, said so."""
    text = (site / "zh" / "index.html").read_text(encoding="utf-8")
    items = re.findall(r'<li id="lecture-(\d\d)"><a href="([^"]+)">.*?</li>', text, re.S)
    assert [n for n, _ in items] == [p.stem[:2] for p in NOTEBOOKS]
    zh = {p.stem for p in ZH_NOTEBOOKS}
    for p, (_, href) in zip(NOTEBOOKS, items):
        if p.stem in zh:
            assert href == f"notebooks/{p.stem}.html", href
        else:
            assert href == f"../notebooks/{p.stem}.html", f"{p.stem} has no zh edition: link the English page"
            item = re.search(rf'<li id="lecture-{p.stem[:2]}">.*?</li>', text, re.S).group(0)
            assert "尚未翻译" in item, f"{p.stem}: the zh index does not say the page is in English"
            notice = (site / "zh" / "notebooks" / f"{p.stem}.html").read_text(encoding="utf-8")
            assert "尚未翻译" in notice and f'href="../../notebooks/{p.stem}.html"' in notice


def test_zh_lecture_pages_link_previous_next_in_course_order(site):
    stems = [p.stem for p in NOTEBOOKS]
    zh = {p.stem for p in ZH_NOTEBOOKS}

    def page(stem: str) -> str:
        return f"../../zh/notebooks/{stem}.html" if stem in zh else f"../../notebooks/{stem}.html"

    for i, stem in enumerate(stems):
        text = (site / "zh" / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        nav = re.search(r'<nav class="rl-nav"[^>]*>(.*?)</nav>', text, re.S).group(1)
        links = dict(re.findall(r'<a class="(rl-[a-z]+)" href="([^"]+)"', nav))
        assert links.get("rl-home") == "../../zh/index.html"
        assert links.get("rl-prev") == (page(stems[i - 1]) if i else None), stem
        assert links.get("rl-next") == (page(stems[i + 1]) if i + 1 < len(stems) else None), stem
        if i + 1 < len(stems) and stems[i + 1] not in zh:
            assert "（英文）" in re.search(r'<a class="rl-next".*?</a>', nav).group(0), f"{stem}: next is English, unsaid"

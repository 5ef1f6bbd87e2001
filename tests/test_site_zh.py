"""Both languages in the slides, and the site's rules for a lecture with no Chinese edition yet.

The static site's pages in both languages are checked in tests/test_site.py (one build for both). Here:

- the slides (``make slides``, built from the stored outputs): every deck and index page has one switch,
  to the same page in the other language (``notebooks/02_x.slides.html`` <-> ``zh/notebooks/...``), and
  back; ``<html lang>`` is "en" / "zh-CN"; the zh decks and index are in Chinese; every internal link
  and anchor resolves; nothing is loaded from the internet;
- a small made-up course (two lectures, the second not translated): the zh site links the untranslated
  lecture's English pages and says so, its zh page says so and links to the English page, a course
  with no zh/ builds English only, with no switch.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_site  # noqa: E402
import build_slides  # noqa: E402
from test_site import (CJK, broken_links, html_pages, is_external, parse, switch_problems,  # noqa: E402
                       switches, visible_text)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ZH_NOTEBOOKS = sorted((ROOT / "zh" / "notebooks").glob("[0-9][0-9]_*.ipynb"))


# ---- the slides ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def slides(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("slides-zh") / "slides"
    build_slides.build(out, execute=False, strict=False)
    return out


def test_every_deck_switches_to_the_same_deck_in_the_other_language(slides):
    pages = html_pages(slides)
    assert len(pages) == 2 * (len(NOTEBOOKS) + 1), [p.relative_to(slides).as_posix() for p in pages]
    problems = switch_problems(slides)
    assert not problems, "\n".join(problems)
    for p in NOTEBOOKS:                     # the switch sits outside reveal.js's slides: on no slide, never printed
        text = (slides / "notebooks" / f"{p.stem}.slides.html").read_text(encoding="utf-8")
        assert re.search(r'<body[^>]*>\s*<a class="rl-deck-lang"', text), p.stem
        assert "html.print-pdf .rl-deck-lang { display: none; }" in text


def test_zh_decks_are_chinese_and_untranslated_ones_say_so(slides):
    assert ZH_NOTEBOOKS, "no zh/notebooks: run tools/make_zh.py"
    zh = {p.stem for p in ZH_NOTEBOOKS}
    index = (slides / "zh" / "index.html").read_text(encoding="utf-8")
    assert "幻灯片" in index and len(CJK.findall(visible_text(index))) >= 100
    for p in NOTEBOOKS:
        deck = slides / "zh" / "notebooks" / f"{p.stem}.slides.html"
        text = deck.read_text(encoding="utf-8")
        item = re.search(rf'<li id="lecture-{p.stem[:2]}"><a href="([^"]+)".*?</li>', index, re.S)
        if p.stem in zh:
            assert "reveal" in text and len(CJK.findall(visible_text(text))) >= 100, f"{deck.name}: not in Chinese"
            assert item.group(1) == f"notebooks/{p.stem}.slides.html"
            nb = nbformat.read(ROOT / "zh" / "notebooks" / p.name, as_version=4)
            assert not build_slides.check_metadata(nb, p.name), "the zh notebook's slide metadata"
        else:
            assert "尚未翻译" in text and f'href="../../notebooks/{p.stem}.slides.html"' in text, deck.name
            assert item.group(1) == f"../notebooks/{p.stem}.slides.html" and "尚未翻译" in item.group(0)


def test_slides_links_resolve_and_load_nothing_from_the_internet(slides):
    bad = broken_links(slides)
    assert not bad, "broken links in the slides:\n" + "\n".join(bad)
    remote = [f"{p.relative_to(slides)}: <{tag} {attr}={url}>" for p in html_pages(slides)
              for tag, attr, url in parse(p).links
              if tag in ("script", "link", "img", "iframe") and is_external(url) and not url.startswith("data:")]
    assert not remote, "\n".join(remote)
    for p in ZH_NOTEBOOKS:
        text = (slides / "zh" / "notebooks" / f"{p.stem}.slides.html").read_text(encoding="utf-8")
        assert 'revealUrl: "../../static/vendor/reveal.js"' in text and "../../static/rooflab-slides.css" in text


def test_a_split_slide_continues_in_the_notebooks_language():
    rows = "".join(f"| 术语 {i} | term {i} |\n" for i in range(40))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## 术语表\n\n| 中文 | English |\n|---|---|\n" + rows)],
                                  metadata={"rooflib": {"language": "zh"}})
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    assert build_slides.fit_slides(nb) >= 1
    assert nb.cells[1].source == "### 术语表（续）"


# ---- a lecture with no Chinese edition yet (a made-up course) ------------------------------------

def _notebook(path: Path, title: str, body: str, lang: str = "en") -> None:
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n*{body}*"),
             nbformat.v4.new_markdown_cell(f"## {body}\n\n{body * 3}\n\n[exercises](../exercises/01_a.ipynb)")]
    for c in cells:
        c.metadata["slideshow"] = {"slide_type": "slide"}
    meta = {"rooflib": {"language": lang}} if lang != "en" else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=meta), path)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("course")
    for stem, title in (("01_a", "01 · Alpha"), ("02_b", "02 · Beta")):
        _notebook(src / "notebooks" / f"{stem}.ipynb", title, f"The {title} lecture.")
        _notebook(src / "exercises" / f"{stem}.ipynb", title, f"The {title} exercises.")
    _notebook(src / "zh" / "notebooks" / "01_a.ipynb", "01 · 甲", "第一讲讲的是计算强度与屋脊点。", "zh")
    _notebook(src / "zh" / "exercises" / "01_a.ipynb", "01 · 甲", "第一讲的练习。", "zh")
    return src


def test_an_untranslated_lecture_links_to_the_english_pages_and_says_so(course, tmp_path):
    site = tmp_path / "site"
    build_site.build(site, src_root=course, quiet=True)
    assert not broken_links(site), broken_links(site)
    assert not switch_problems(site), switch_problems(site)
    index = (site / "zh" / "index.html").read_text(encoding="utf-8")
    beta = re.search(r'<li id="lecture-02">.*?</li>', index, re.S).group(0)
    assert 'href="../notebooks/02_b.html"' in beta and 'href="../exercises/02_b.html"' in beta and "尚未翻译" in beta
    alpha = (site / "zh" / "notebooks" / "01_a.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="rl-nav"[^>]*>(.*?)</nav>', alpha, re.S).group(1)
    assert re.search(r'<a class="rl-next" href="\.\./\.\./notebooks/02_b\.html">下一讲 →.*?（英文）', nav), nav
    assert 'class="rl-exercises" href="../../zh/exercises/01_a.html"' in nav
    assert 'class="rl-download" href="../../zh/notebooks/01_a.ipynb"' in nav and (site / "zh/notebooks/01_a.ipynb").is_file()
    notice = (site / "zh" / "notebooks" / "02_b.html").read_text(encoding="utf-8")
    assert "尚未翻译" in notice and 'href="../../notebooks/02_b.html"' in notice
    english = (site / "notebooks" / "02_b.html").read_text(encoding="utf-8")
    assert switches(english)[0].group(1) == "../zh/notebooks/02_b.html"


def test_a_course_without_zh_builds_english_only_with_no_switch(course, tmp_path):
    src = tmp_path / "course"
    for sub in ("notebooks", "exercises"):
        (src / sub).mkdir(parents=True)
        for f in (course / sub).iterdir():
            (src / sub / f.name).write_bytes(f.read_bytes())
    site = tmp_path / "site"
    build_site.build(site, src_root=src, quiet=True)
    assert not (site / "zh").exists()
    assert not any(switches(p.read_text(encoding="utf-8")) for p in html_pages(site))
    assert not broken_links(site)

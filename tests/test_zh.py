"""The Chinese edition: rl.i18n (language, catalogues, CJK fonts) and zh/, built by tools/make_zh.py.

The English notebooks are the source; i18n/zh/<tree>/<stem>.json translates their cells, each entry
recording the sha256 of the English it translates. These tests fail when a translation is stale (the
English changed after it; the message names the notebook and the cell id), missing, or malformed (code
changed beyond its comments, solution markers or HINT lines lost, emphasis that will not render), and
when zh/ is not exactly what the generator makes. nbval runs the zh notebooks (`make zh-test`).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

import rooflib
from rooflib import i18n

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("make_zh", ROOT / "tools" / "make_zh.py")
mz = importlib.util.module_from_spec(_spec)
sys.modules["make_zh"] = mz   # its dataclass looks itself up there
_spec.loader.exec_module(mz)

SOURCES = mz.sources()
EXPECTED = mz.expected_files()
GLYPH = "Glyph .* missing from"


@pytest.fixture(autouse=True)
def english_after():
    """Every test starts and ends in English (the language setting is process-wide)."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


# ------------------------------------------------------------------------------------------ rl.i18n
def test_language_setting_and_aliases(monkeypatch):
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    assert i18n.get_language() == "en"
    for tag in ("zh", "zh_CN", "zh-Hans", "ZH"):
        i18n.set_language(tag)
        assert i18n.get_language() == "zh"
    with i18n.language("en"):
        assert i18n.t("verdict.memory") == "memory-bound"
    assert i18n.get_language() == "zh" and i18n.t("verdict.memory") == "访存受限"
    with pytest.raises(KeyError, match="unknown language 'fr'"):
        i18n.set_language("fr")
    with pytest.raises(KeyError, match="unknown language"):
        i18n.set_language(None)


def test_language_from_the_environment(monkeypatch):
    """The grader or CI can choose the language without touching a notebook."""
    code = "import rooflib.i18n as i; print(i.get_language(), i.t('verdict.compute'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, i18n.LANGUAGE_ENV: "zh"})
    assert out.stdout.split() == ["zh", "计算受限"], out.stderr


def test_rl_i18n_loads_lazily_without_matplotlib():
    """``rl.i18n`` is one of the lazy submodules, and setting the language does not import matplotlib."""
    code = ("import sys, rooflib as rl; rl.i18n.set_language('zh'); rl.i18n.t('axis.intensity'); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr + "\n(add 'i18n' to _LAZY in rooflib/__init__.py)"
    assert "i18n" in rooflib._LAZY


def test_t_falls_back_to_english_and_names_bad_keys(monkeypatch):
    real = i18n.catalogue

    def without(lang="en"):
        cat = dict(real(lang))
        if lang == "zh":
            cat.pop("plot.ridge")
        return cat
    monkeypatch.setattr(sys.modules["rooflib.i18n._catalogue"], "catalogue", without)
    i18n.set_language("zh")
    assert i18n.t("plot.ridge", ridge=23.31) == "ridge 23.3 FLOP/B"        # no Chinese text: English
    assert i18n.t("axis.intensity") == "计算强度 I (FLOP/byte)"
    with pytest.raises(KeyError, match="plot.ridg'.*did you mean 'plot.ridge'"):
        i18n.t("plot.ridg")
    with pytest.raises(ValueError, match="needs the field.*ridge"):
        i18n.t("plot.ridge")


def test_zh_catalogue_matches_english_fields():
    """Every Chinese message has an English one, the same {fields} with the same format specs, and formats."""
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert set(zh) <= set(en), set(zh) - set(en)
    assert set(en) - set(zh) == set(), "keys without a Chinese text (they fall back to English)"
    sample = {"ridge": 23.3, "fraction": 0.5, "share": 0.25, "expected": 2.5e9, "value": 3.0, "factor": 2.0,
              "n": 1, "batch": 16, "count": 3, "total": 16}
    for key, text in zh.items():
        assert text.strip(), key
        assert sorted(i18n.fields_of(text)) == sorted(i18n.fields_of(en[key])), key
        fields = {name: sample.get(name, "x") for name, _ in i18n.fields_of(text)}
        i18n.translate(key, "zh", **fields)
        i18n.translate(key, "en", **fields)


def test_verdict_words_keep_the_data_words():
    assert [i18n.verdict(v) for v in ("memory", "compute")] == ["memory-bound", "compute-bound"]
    i18n.set_language("zh")
    assert [i18n.verdict(v) for v in ("memory", "compute", "communication")] == ["访存受限", "计算受限", "通信受限"]


# ------------------------------------------------------------------------------------------ fonts
def _draw(text: str, legend: dict | None = None, **kw) -> None:
    """Draw ``text`` as an axis label, a title and a legend entry, and render the figure (Agg)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlabel(text, **kw)
    ax.set_title(text, **kw)
    ax.plot([1, 2], [1, 2], label=text)
    ax.legend(prop=legend)
    try:
        fig.savefig(io.BytesIO(), format="png")
    finally:
        plt.close(fig)


def test_chinese_figure_text_has_its_glyphs():
    """With the CJK font found (Debian's fonts-noto-cjk here), Chinese axis labels, titles and legends draw with no
    missing glyph; the same text without the font's keywords does warn, so the check has teeth."""
    if i18n.cjk_font() is None:
        pytest.skip("no CJK font on this machine (apt install fonts-noto-cjk); the fallback test covers it")
    i18n.set_language("zh")
    text = i18n.figure_text("axis.intensity") + " " + i18n.figure_text("verdict.memory")
    assert re.search("[\u4e00-\u9fff]", text)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH)
        _draw(text, legend=i18n.legend_prop(8), **i18n.font_kwargs())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _draw(text)
    assert any(re.search(GLYPH, str(w.message)) for w in caught)


def test_without_a_cjk_font_figures_stay_english_with_one_notice(monkeypatch, capsys):
    monkeypatch.setenv(i18n.FONT_ENV, "none")
    monkeypatch.setattr(sys.modules["rooflib.i18n._fonts"], "_noticed", [])
    i18n.set_language("zh")
    assert i18n.cjk_font() is None and i18n.figure_language() == "en"
    assert i18n.figure_text("axis.intensity") == "arithmetic intensity I (FLOP/byte)"
    assert i18n.font_kwargs() == {} and i18n.legend_prop(8) == {"size": 8}
    assert i18n.t("axis.intensity") == "计算强度 I (FLOP/byte)"      # prose and widgets stay Chinese
    i18n.figure_text("verdict.memory")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fonts-noto-cjk" in err and "未找到中文字体" in err
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH)
        _draw(i18n.figure_text("axis.intensity"), **i18n.font_kwargs())


def test_a_callers_chinese_label_gets_the_font_in_english_too():
    """A learner's own Chinese label or title draws in the CJK font even when the language is English."""
    if i18n.cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    assert i18n.font_kwargs("memory-bound") == {}
    assert i18n.font_kwargs("我的 kernel") == {"fontfamily": ["sans-serif", i18n.cjk_font()]}


def test_font_can_be_named_or_turned_off(monkeypatch):
    found = i18n.cjk_font()
    if found is None:
        pytest.skip("no CJK font on this machine")
    monkeypatch.setenv(i18n.FONT_ENV, found)
    assert i18n.cjk_font() == found
    monkeypatch.setenv(i18n.FONT_ENV, "No Such Font 123")
    assert i18n.cjk_font() is None


# ------------------------------------------------------------------------------------------ the catalogues
def test_there_is_a_zh_edition_to_check():
    assert {p.relative_to(ROOT).as_posix() for p in SOURCES} >= {
        "notebooks/00_course_map.ipynb", "notebooks/07_beyond_one_chip.ipynb", "solutions/07_beyond_one_chip.ipynb"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_translation_is_complete_and_current(source):
    """No stale, missing, orphaned or malformed translation (the message names the notebook and the cell)."""
    problems = mz.problems(source)
    assert not problems, "\n\n".join(p.message for p in problems)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_translations_are_chinese(source):
    """Every translated markdown cell holds Chinese (no English pasted as a translation)."""
    cells = json.loads(mz.catalogue_path(source).read_text(encoding="utf-8"))["cells"]
    english = [cid for cid, e in cells.items() if e["type"] == "markdown" and not mz.CJK.search("\n".join(e["zh"]))]
    assert not english, f"{source.name}: cells {english} are not in Chinese"


def _copy_course(tmp_path: Path) -> Path:
    for tree in ("notebooks", "solutions"):
        (tmp_path / tree).mkdir()
        for src in SOURCES:
            if src.parent.name == tree:
                shutil.copy(src, tmp_path / tree / src.name)
                cat = mz.catalogue_path(src, tmp_path)
                cat.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(mz.catalogue_path(src), cat)
    return tmp_path


def _edit_cell(path: Path, cell_id: str, old: str, new: str) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new, 1)
    nbformat.write(nb, path)


def test_changing_one_english_sentence_makes_the_translation_stale(tmp_path):
    """The issue's acceptance test, on a copy: one English sentence changes -> the check fails and names the cell."""
    root = _copy_course(tmp_path)
    source = root / "notebooks" / "07_beyond_one_chip.ipynb"
    assert mz.problems(source, root) == []
    _edit_cell(source, "links", "InfiniBand\nbetween nodes.", "InfiniBand\nbetween nodes, and Ethernet between racks.")
    problems = mz.problems(source, root)
    assert [(p.kind, p.cell) for p in problems] == [("stale", "links")]
    assert "notebooks/07_beyond_one_chip.ipynb: cell 'links' is stale" in problems[0].message
    assert "+between nodes, and Ethernet between racks." in problems[0].message       # the diff to translate
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_zh.py"), "--check", "--root", str(root)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and "cell 'links' is stale" in out.stderr
    # the built notebook falls back to the current English for that cell, not the stale Chinese
    built = mz.build(source, root)
    assert "Ethernet between racks" in next(c.source for c in built.cells if c.get("id") == "links")


def test_extract_and_accept_round_trip(tmp_path):
    """A translator's loop: --extract shows the new English beside the old, --accept records it."""
    root = _copy_course(tmp_path)
    source = root / "notebooks" / "07_beyond_one_chip.ipynb"
    _edit_cell(source, "title", "Beyond one chip", "Beyond a single chip")
    mz.extract(source, root)
    entry = json.loads(mz.catalogue_path(source, root).read_text(encoding="utf-8"))["cells"]["title"]
    assert entry["en_new"][0] == "# 07 · Beyond a single chip" and entry["en"][0] == "# 07 · Beyond one chip"
    assert [p.cell for p in mz.problems(source, root)] == ["title"]
    assert mz.accept(source, root) == ["title"]
    assert mz.problems(source, root) == []
    # a notebook without a catalogue: the skeleton lists every translatable cell, untranslated
    fresh = root / "notebooks" / "00_course_map.ipynb"
    mz.catalogue_path(fresh, root).unlink()
    mz.extract(fresh, root)
    cells = json.loads(mz.catalogue_path(fresh, root).read_text(encoding="utf-8"))["cells"]
    nb = nbformat.read(fresh, as_version=4)
    assert list(cells) == [c.id for c in nb.cells if mz.translatable(c)]
    assert all(e["zh"] == [] for e in cells.values())
    assert {p.kind for p in mz.problems(fresh, root)} == {"missing"}


def _edit_translation(root: Path, source: Path, cell_id: str, old: str, new: str) -> None:
    path = mz.catalogue_path(source, root)
    data = json.loads(path.read_text(encoding="utf-8"))
    text = "\n".join(data["cells"][cell_id]["zh"])
    assert old in text
    data["cells"][cell_id]["zh"] = text.replace(old, new, 1).split("\n")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("tree, cell_id, old, new, kind", [
    ("notebooks", "links-code", '"infiniband-ndr"', '"nvlink4"', "code"),                   # code, not a comment
    ("solutions", "explain_pp_latency-answer", "### END SOLUTION", "", "markers"),
    ("solutions", "ring_bytes_sent-answer", "# HINT: ", "# 提示：", "markers"),
    ("notebooks", "links-takeaway", "**要点：**", "这是**要点（takeaway）**的", "emphasis"),
    ("notebooks", "goals", "**你将学到**", "", None),
])
def test_malformed_translations_are_caught(tmp_path, tree, cell_id, old, new, kind):
    root = _copy_course(tmp_path)
    source = root / tree / "07_beyond_one_chip.ipynb"
    _edit_translation(root, source, cell_id, old, new)
    assert [(p.kind, p.cell) for p in mz.problems(source, root)] == ([(kind, cell_id)] if kind else [])


def test_relink_points_at_zh_editions_or_back_at_english():
    avail = {"notebooks/07_beyond_one_chip.ipynb", "exercises/07_beyond_one_chip.ipynb"}
    md = ("[a](07_beyond_one_chip.ipynb) [b](01_terminology.ipynb#counting) [c](../exercises/07_beyond_one_chip.ipynb) "
          "[d](../exercises/01_terminology.ipynb) [e](https://example.org/x.ipynb) [f](#top) "
          "<a href=\"../README.md\">r</a>")
    assert mz.relink(md, "notebooks", avail) == (
        "[a](07_beyond_one_chip.ipynb) [b](../../notebooks/01_terminology.ipynb#counting) "
        "[c](../exercises/07_beyond_one_chip.ipynb) [d](../../exercises/01_terminology.ipynb) "
        "[e](https://example.org/x.ipynb) [f](#top) <a href=\"../../README.md\">r</a>")


# ------------------------------------------------------------------------------------------ zh/
@pytest.mark.parametrize("path", list(EXPECTED), ids=lambda p: p.relative_to(ROOT / "zh").as_posix())
def test_zh_file_is_what_the_generator_makes(path):
    kind, want = EXPECTED[path]
    assert path.exists(), f"run `make zh`: {path.relative_to(ROOT)} is missing"
    if kind == "exercise":
        assert path.read_text(encoding="utf-8") == want, f"run `make zh`: {path.relative_to(ROOT)} is stale"
    else:
        stored = nbformat.read(path, as_version=4)
        assert mz.sources_only(stored) == want, f"run `make zh`: {path.relative_to(ROOT)} is stale"
        assert mz.executed(stored), f"run `make zh`: {path.relative_to(ROOT)} was written without its outputs"


def test_no_stray_zh_files_and_check_mode():
    stray = [p for tree in ("notebooks", "solutions", "exercises") for p in (ROOT / "zh" / tree).glob("*.ipynb")
             if p not in EXPECTED]
    assert not stray, f"zh files without a catalogue: {stray}"
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_zh.py"), "--check"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_zh_notebook_runs_the_english_code_in_chinese(source):
    """Same cells, same ids, same code (comments aside); the import cell sets the language; metadata says zh."""
    en = nbformat.read(source, as_version=4)
    zh = nbformat.read(mz.output_path(source), as_version=4)
    assert zh.cells[0].id == mz.HEADER_ID and zh.metadata["rooflib"]["language"] == "zh"
    assert [c.id for c in zh.cells[1:]] == [c.id for c in en.cells]
    first = True
    for e, z in zip(en.cells, zh.cells[1:]):
        assert e.cell_type == z.cell_type and e.metadata.get("tags") == z.metadata.get("tags")
        if e.cell_type != "code":
            continue
        code = z.source
        if first and "import rooflib as rl" in e.source:
            assert mz.SET_LANGUAGE in code.split("\n")
            code = "\n".join(x for x in code.split("\n") if x != mz.SET_LANGUAGE)
            first = False
        assert mz.same_code(e.source, code), f"{source.name}: code cell {e.id!r} differs from the English"
    assert not first, "no import cell set the language"


def test_zh_exercises_keep_the_grader_markers():
    for path, (kind, _) in EXPECTED.items():
        if kind != "exercise":
            continue
        ex = nbformat.read(path, as_version=4)
        english = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
        assert [c.id for c in ex.cells] == [c.id for c in english.cells]
        for z, e in zip(ex.cells, english.cells):
            assert z.source.count("# YOUR CODE HERE") == e.source.count("# YOUR CODE HERE"), z.id
            assert z.source.count("YOUR ANSWER HERE") == e.source.count("YOUR ANSWER HERE"), z.id
            for line in z.source.split("\n"):
                if line.lstrip().startswith("raise NotImplementedError("):
                    assert mz.ZH_PROMPT in line and mz.CJK.search(line.split(mz.ZH_PROMPT)[1]), line


def test_zh_links_resolve():
    bad = []
    for path in EXPECTED:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)\s]+)\)", cell.source):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                if not (path.parent / target.split("#")[0]).resolve().exists():
                    bad.append(f"{path.relative_to(ROOT)} cell {cell.id!r}: {target}")
    assert not bad, "\n".join(bad)


def test_zh_navigation_is_chinese_and_links_the_other_edition():
    nb = nbformat.read(ROOT / "zh" / "notebooks" / "07_beyond_one_chip.ipynb", as_version=4)
    nav_cell = nb.cells[-1].source
    assert "Contents" not in nav_cell and "[目录：00 · 课程地图](00_course_map.ipynb)" in nav_cell
    assert "../../notebooks/07_beyond_one_chip.ipynb" in nb.cells[0].source      # the English version

"""The library speaks the language setting: rl.check's lines and hints, the explorers' SVG, rl.plot / rl.comm / rl.llm
figures, LLMResult's and GenerateResult's prose and the grader's feedback pages follow ``rl.i18n.set_language``.

English is the source and must not change: the English strings below were captured from the code before it read
the catalogues, and switching to Chinese and back leaves every output byte-identical. Chinese figure text must never
draw empty boxes: matplotlib's missing-glyph warning is an error in this module.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import rooflib as rl  # noqa: E402
from rooflib import check, grade, i18n  # noqa: E402
from rooflib import widgets as W  # noqa: E402
from rooflib.check import _form, _registry, _student  # noqa: E402
from rooflib.check._evaluate import answer_key  # noqa: E402
from rooflib.check._hints import Hint  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error:Glyph .* missing from font:UserWarning")

ROOT = Path(__file__).resolve().parents[1]
NS = "{http://www.w3.org/2000/svg}"
CJK = re.compile("[\u4e00-\u9fff]")
TEST_GPU = rl.Platform("test-gpu", 10e12, 500e9, memory_bytes=80 * 2**30, display_name="Test GPU")
FONT = i18n.cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font on this machine (apt install fonts-noto-cjk)")


@pytest.fixture(autouse=True)
def english_after():
    i18n.set_language("en")
    yield
    i18n.set_language("en")
    plt.close("all")


def zh(key: str, **fields) -> str:
    return i18n.translate(key, "zh", **fields)


# ------------------------------------------------------------------------------------------ the catalogues
AREAS = sorted({k.split(".")[0] for k in i18n.catalogue("en")})
KEY = re.compile(rf"(?:{'|'.join(AREAS)})(?:\.[a-z0-9_]+)+")
# keys code builds at run time (f"phase.{phase}"): each family with every member the code can ask for
DYNAMIC = {
    "verdict.": ("memory", "compute", "communication"),
    "bound.": ("memory", "compute"),
    "phase.": ("prefill", "decode"),
    "plot.region_": ("memory", "compute"),
    "check.recheck.": ("flops", "bytes", "intensity", "rate", "time", "bandwidth", "count", "ratio", "default"),
    "grade.status.": tuple(s.replace(" ", "_") for s in grade.STATUSES),
    "optimisation.drive_": tuple(rl.moves.DRIVES),
    "control.": tuple(c for _, c, _, _ in rl.moves.DRIVES.values()),
}


def _keys_in_code() -> dict[str, set[str]]:
    """Message keys written as string literals in rooflib (a literal that is a whole key), and f-string prefixes."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "rooflib").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside:
                if KEY.fullmatch(node.value):
                    found.setdefault(node.value, set()).add(path.name)
            if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if re.fullmatch(rf"(?:{'|'.join(AREAS)})[a-z0-9_.]*[._]", head):
                    found.setdefault(head, set()).add(path.name)
    return found


def test_every_key_the_code_uses_is_in_both_catalogues_with_the_same_fields():
    en, zh_ = i18n.catalogue("en"), i18n.catalogue("zh")
    used = _keys_in_code()
    prefixes = {k for k in used if k.endswith((".", "_"))}
    assert prefixes <= set(DYNAMIC), f"a key built at run time: list its members in DYNAMIC: {prefixes - set(DYNAMIC)}"
    keys = (set(used) - prefixes) | {p + m for p in DYNAMIC for m in DYNAMIC[p]}
    assert len(keys) > 300
    for key in sorted(keys):
        assert key in en, f"{key} (used in {sorted(used.get(key, ['a dynamic family']))}) is not in en.toml"
        assert key in zh_, f"{key} has no Chinese text in zh.toml"
        assert sorted(i18n.fields_of(zh_[key])) == sorted(i18n.fields_of(en[key])), key
        assert zh_[key] != en[key] or key in SAME, f"{key} is not translated"


# texts that read the same in both languages: units, names and symbols only
SAME = {"axis.rate_decode", "comm.kernel", "working_set.dram", "parallel.bubble_value"}


def test_every_bank_hint_and_explanation_has_its_own_chinese_text():
    """Each question's own hints (rooflib/check/_bank_NN.py) read as English and show in Chinese."""
    count = 0
    for s in _registry.QUESTION_SETS:
        for name, key in s.keys.items():
            for _, msg, *_ in key.hints:
                assert isinstance(msg, Hint), (name, msg)
                text = zh(msg.key, **msg.fields)
                assert CJK.search(text) and text != str(msg), (name, msg.key)
                count += 1
    assert count > 80


# ------------------------------------------------------------------------------------------ rl.check
# one question per set with a hint of its own, and the wrong answer that triggers it (answer / expected)
OWN_HINT = {"01": ("vector_add_bytes", 2 / 3), "02": ("attainable_at_4", None), "03": ("conv3_1_flops", 1 / 9),
            "04": ("unfused_bytes", 12 / 20), "05": ("kv_cache_bytes", None), "06": ("triad_bandwidth", 4 / 3),
            "07": ("nvlink_per_direction", 2.0)}


@pytest.mark.parametrize("set_", sorted(OWN_HINT))
def test_a_wrong_answer_in_each_set_prints_a_chinese_fail_line_with_the_chinese_hint(set_, capsys):
    name, ratio = OWN_HINT[set_]
    key = _registry.set_of(name).keys[name]
    ratio, msg = next((r, m) for r, m, *_ in key.hints if ratio is None or abs(r - ratio) < 1e-12)
    i18n.set_language("zh")
    getattr(rl.check, name)(float(answer_key(name)) * ratio)
    assert capsys.readouterr().out == f"\u274c 未通过 {name}：{zh(msg.key, **msg.fields)}\n"
    i18n.set_language("en")
    getattr(rl.check, name)(float(answer_key(name)) * ratio)
    assert capsys.readouterr().out == f"\u274c FAIL {name}: {msg}\n"


def test_generic_hints_verdicts_choices_and_passes_are_chinese(capsys):
    i18n.set_language("zh")
    rl.check.dot_flops(4096)                          # a multiply-add counted once: the generic slip
    assert capsys.readouterr().out == ("\u274c 未通过 dot_flops：恰好一半：一次乘加（MAC / FMA）是 2 个 FLOP：一次乘法加一次"
                                       "加法；只算一次会让计算量减半\n")
    rl.check.dot_flops(8192)
    assert capsys.readouterr().out == "\u2705 通过 dot_flops：正确：8192 FLOP（误差在 1% 以内）\n"
    rl.check.verdict_at_4("compute")
    assert capsys.readouterr().out == ("\u274c 未通过 verdict_at_4：判断有误：把计算强度 4 FLOP/byte 与屋脊点 23.3 FLOP/byte "
                                       "比较：它低于屋脊点，所以这个 kernel 是访存受限的\n")
    r = check.evaluate("wall_or_ceiling", "a")
    assert r.message.startswith("不是这个：(a) 标量代码") and "墙（wall）" in r.message
    r = check.evaluate("lt_first_limit", "b" if answer_key("lt_first_limit") == "a" else "a")
    assert r.message.startswith("不是这个：16 位权重时") and CJK.search(r.message)
    r = check.evaluate("ridge_1080ti", 2.0 * 23.3 * 1.37)
    assert r.message.startswith("得到 ") and "请复查所求的量" in r.message
    assert check.evaluate("roof_ax", {"type": "axes", "lines": [], "xscale": "log", "yscale": "log"}).message == \
        zh("check.roof.no_line")
    assert check.evaluate("fusion_speedup", 12 / 20).message.startswith("你算成了倒数")
    assert check.evaluate("dot_flops", None).message.startswith("得到 None：`dot_flops`")


@pytest.mark.parametrize("word,bound", [("访存受限", "memory"), ("访存密集型", "memory"), ("带宽受限", "memory"),
                                        ("计算受限", "compute"), ("计算密集型", "compute")])
def test_the_blogs_chinese_verdict_words_are_accepted(word, bound):
    name = "verdict_at_4" if bound == "memory" else "vgg16_verdict"
    assert answer_key(name) == bound
    assert check.evaluate(name, word).passed and check.evaluate(name, f" {word} ").passed
    other = "vgg16_verdict" if bound == "memory" else "verdict_at_4"
    assert not check.evaluate(other, word).passed


def test_form_only_checks_print_received_in_chinese(monkeypatch, capsys):
    """A graded set in a student release: the RECEIVED line and its message."""
    def form_only(name, value):
        q = check.QUESTIONS[name]
        return _form.form_score(q, check.to_jsonable(value), 3 if q.kind == "number" else None)

    monkeypatch.setattr(_student, "evaluate", form_only)
    i18n.set_language("zh")
    rl.check.dot_flops(8192)
    assert capsys.readouterr().out == ("\U0001f4dd 已收到 dot_flops：已收到 8192 FLOP，大小合理；提交后评分（这个练习集不提供"
                                       "即时反馈）\n")
    rl.check.verdict_at_4("访存受限")
    assert "已收到判断 'memory'" in capsys.readouterr().out
    i18n.set_language("en")
    rl.check.dot_flops(8192)
    assert capsys.readouterr().out == ("\U0001f4dd RECEIVED dot_flops: received 8192 FLOPs, a number of a plausible size; "
                                       "graded after you submit (this set gives no instant feedback)\n")


# ------------------------------------------------------------------------------------------ the explorers (SVG)
def _texts(root: ET.Element, cls: str) -> list[str]:
    return [el.text or "" for el in root.iter(f"{NS}text") if cls in (el.get("class") or "").split()]


def test_roofline_explorer_svg_is_chinese():
    i18n.set_language("zh")
    ex = W.roofline_explorer(TEST_GPU, intensity=2.0)
    root = ET.fromstring(ex.fig.value)
    assert _texts(root, "rl-xlabel") == ["计算强度 I (FLOP/byte)"]
    assert _texts(root, "rl-ylabel") == ["可达性能 (FLOP/s)"]
    assert sorted(_texts(root, "rl-region-label")) == sorted(["访存受限", "计算受限"])
    assert _texts(root, "rl-ridge-label") == ["屋脊点 π/β = 20 FLOP/byte"]
    caption = [el.text for g in root.iter(f"{NS}g") if g.get("class") == "rl-caption" for el in g.iter(f"{NS}text")]
    assert caption == ["访存受限", "可达性能 = β·I = 1 TFLOP/s", "峰值的 10%"]
    assert ex.state["bound"] == "memory"                       # data keeps the bare word
    assert root.get("aria-label") == ("Test GPU 的 Roofline：算力 π = 10 TFLOP/s，带宽 β = 500 GB/s，屋脊点 π/β = 20 "
                                      "FLOP/byte。计算强度 I = 2 FLOP/byte 的负载是访存受限的：可达性能 1 TFLOP/s，为峰值的 10%。")
    assert root.find(f"{NS}title").text == root.get("aria-label")
    assert "这项工作是<b>访存受限</b>的" in ex.text.value
    assert [c.description for c in ex.controls.values()] == ["算力 π", "带宽 β", "计算强度 I (FLOP/byte)"]
    ex.set(intensity=100.0)
    assert "计算受限" in ET.fromstring(ex.fig.value).get("aria-label")


BUILDERS = {
    "gemm": lambda: W.gemm_explorer(platform=TEST_GPU),
    "cnn": lambda: W.cnn_explorer(),
    "llm": lambda: W.llm_explorer(),
    "parallel": lambda: W.parallel_explorer(),
    "optimisation": lambda: W.optimisation_explorer(move="batch"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_explorer_labels_its_axes_alt_text_and_controls_in_chinese(name):
    i18n.set_language("zh")
    ex = BUILDERS[name]()
    root = ET.fromstring(ex.fig.value)
    labels = _texts(root, "rl-xlabel") + _texts(root, "rl-ylabel") + _texts(root, "rl-title")
    assert labels and all(CJK.search(s) for s in labels if s not in ("", "seq_len")), labels
    assert CJK.search(root.get("aria-label")), root.get("aria-label")
    legend = [el.text for g in root.iter(f"{NS}g") if g.get("class") == "rl-legend" for el in g.iter(f"{NS}text")]
    assert all(CJK.search(s) or re.fullmatch(r"(TP|PP)[\d x TP]*", s) for s in legend), legend
    assert CJK.search(ex.text.value)
    described = [c.description for n, c in ex.controls.items() if n not in ("flash",) and c.description]
    assert described and all(CJK.search(d) for d in described), described


def test_explorer_phase_and_precision_menus_keep_their_values():
    i18n.set_language("zh")
    ex = W.llm_explorer()
    assert dict(ex.controls["phase"].options) == {"预填充": "prefill", "解码": "decode"}
    assert "W4A16 KV16 (4 位权重)" in dict(ex.controls["precision"].options)
    ex.set(phase="prefill", precision="W4A16 KV16 (4-bit weights)")
    assert ex.state["phase"] == "prefill" and ex.state["result"].w_bits == 4
    assert ex.state["caption"].startswith("预填充：")


# ------------------------------------------------------------------------------------------ matplotlib figures
def _render(fig) -> None:
    fig.savefig(io.BytesIO(), format="png")          # drawing is where a missing glyph warns (an error here)


def _families(artist) -> list[str]:
    return list(artist.get_fontfamily())


@needs_font
def test_rl_plot_roofline_draws_chinese_with_a_cjk_font_and_no_missing_glyph():
    i18n.set_language("zh")
    ax = rl.plot.roofline(TEST_GPU, [rl.kernels.triad(10**6), ("我的 kernel", 40.0)], title="一张 Roofline 图")
    assert ax.get_xlabel() == "计算强度 I (FLOP/byte)" and ax.get_ylabel() == "可达性能 (FLOP/s)"
    assert FONT in _families(ax.xaxis.label) and FONT in _families(ax.yaxis.label) and FONT in _families(ax.title)
    texts = {t.get_text(): t for t in ax.texts}
    assert "屋脊点 20 FLOP/B" in texts and FONT in _families(texts["屋脊点 20 FLOP/B"])
    assert FONT in _families(texts["我的 kernel"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"访存受限", "计算受限"} <= set(legend)
    assert all(FONT in _families(t) for t in ax.get_legend().get_texts())
    assert "访存受限" in rl.plot.describe(ax.figure) and "屋脊点 20 FLOP/byte" in rl.plot.describe(ax.figure)
    assert rl.plot.describe(ax.figure).endswith("。")                  # one full stop, not "。."
    _render(ax.figure)


@needs_font
def test_comm_and_llm_figures_draw_chinese_without_empty_boxes():
    i18n.set_language("zh")
    left, right = rl.comm.comm_roofline("h100-sxm", "pcie5-x16", [("mlp", 1e12, 1e9, 1e10)])
    assert right.get_xlabel() == "链路计算强度（每个经链路发送的字节对应的 FLOP）"
    assert right.get_title().startswith("链路 Roofline：") and left.get_title().startswith("访存 Roofline：")
    assert {"通信受限", "计算受限"} <= {t.get_text() for t in right.get_legend().get_texts()}
    assert "通信受限" in right.rl_alt
    _render(left.figure)
    curve = rl.llm.latency_throughput("llama-2-7b", "a100-80gb", seq_len=1024, precisions=((4, 16, 16),))
    ax = rl.llm.plot_latency_throughput(curve)
    assert ax.get_ylabel() == "每个输出 token 的延迟 (s)" and "解码" in ax.get_title()
    assert {"显存已满", "临界批大小"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    texts = [t.get_text() for t in ax.texts]
    assert any(s.startswith("临界批大小 ") for s in texts) and any(s.endswith("：显存已满") for s in texts), texts
    _render(ax.figure)


def test_without_a_cjk_font_figures_fall_back_to_english_not_boxes(monkeypatch, capsys):
    monkeypatch.setenv(i18n.FONT_ENV, "none")
    monkeypatch.setattr(sys.modules["rooflib.i18n._fonts"], "_noticed", [])
    i18n.set_language("zh")
    ax = rl.plot.roofline(TEST_GPU, [rl.kernels.triad(10**6)])
    assert ax.get_xlabel() == "arithmetic intensity I (FLOP/byte)"
    assert {"memory-bound", "compute-bound"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    _render(ax.figure)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fonts-noto-cjk" in err          # one notice, once
    assert check.evaluate("dot_flops", 4096).message.startswith("恰好一半")        # prose stays Chinese


# ------------------------------------------------------------------------------------------ results and grading
def test_llm_results_speak_chinese_and_keep_english_column_names():
    i18n.set_language("zh")
    r = rl.llm.analyze("llama-2-7b", TEST_GPU, "decode", 8, 1024)
    text = str(r)
    assert text.splitlines()[0].startswith("Llama-2-7B，解码，Test GPU：batch=8") and "时间均为 Roofline 下界" in text
    assert text.splitlines()[-1].startswith("合计：") and "访存受限" in text.splitlines()[-1]
    assert "时间均为 Roofline 下界" in r._repr_html_()
    assert list(r.to_dataframe().columns)[:3] == ["kind", "count", "flops"]
    assert set(r.to_dataframe()["bound"]) <= {"memory", "compute"}
    g = rl.llm.generate("llama-2-7b", TEST_GPU, prompt_len=128, gen_len=4)
    assert str(g).startswith("提示词 128，生成 4，批大小 1：TTFT ") and "（Roofline 下界）" in g._repr_html_()


def _set01_grade(language: str) -> grade.Grade:
    """A set-01 submission scored as the grader scores it, in ``language``."""
    names = [q.name for q in check.questions("01")]
    answers = {n: float(answer_key(n)) for n in names}
    answers["dot_flops"] /= 2                                   # a multiply-add counted once
    with i18n.language(language):
        results = {n: check.evaluate(n, v) for n, v in answers.items()}
    g = grade.Grade(file=f"/subs/ann_01_{language}.ipynb", student="ann", set="01", sandbox="bwrap",
                    points={n: r.points for n, r in results.items()},
                    results={n: ("PASS: " if r.passed else "wrong: ") + r.message for n, r in results.items()},
                    feedback={n: "wrong: " + r.message for n, r in results.items() if not r.passed},
                    written={"explain_traffic": ""}, written_max={"explain_traffic": 1.0})
    g.language = language
    return g


def test_a_zh_submissions_feedback_page_is_chinese(tmp_path):
    zh_page, en_page = grade.write_feedback([_set01_grade("zh"), _set01_grade("en")], tmp_path)
    page = zh_page.read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page and "<h2>题目</h2>" in page and "<th>反馈</th>" in page
    assert '<span class="pass">通过</span>' in page and '<span class="miss">未通过</span>' in page
    assert "恰好一半：一次乘加" in page and "状态：<b>已评分</b>" in page and "（没有回答）" in page
    assert "在沙箱中评分" in page and i18n.get_language() == "en"
    english = en_page.read_text(encoding="utf-8")
    assert "<html lang='en'>" in english and "<h2>Questions</h2>" in english and "Status: <b>graded</b>" in english
    assert "exactly half: a multiply-add" in english and not CJK.search(english)
    assert not CJK.search((tmp_path / "index.html").read_text(encoding="utf-8"))      # the instructor's index


# ------------------------------------------------------------------------------------------ English unchanged
ENGLISH = {   # captured from the code before it read the catalogues
    "dot_flops": "\u274c FAIL dot_flops: exactly half: a multiply-add (MAC / FMA) is 2 FLOPs, one multiply and one add; "
                 "counting it once halves the FLOPs\n",
    "verdict_at_4": "\u274c FAIL verdict_at_4: wrong verdict: compare the intensity 4 FLOP/byte with the ridge point 23.3 "
                    "FLOP/byte: it is below it, so the kernel is memory-bound\n",
    "roofline_alt": "Roofline of NVIDIA GeForce GTX 1080 Ti: peak π = 11.3 TFLOP/s, bandwidth β = 484 GB/s, ridge point "
                    "π/β = 23.3 FLOP/byte. A workload at I = 7 FLOP/byte is memory-bound: attainable 3.39 TFLOP/s, 30% "
                    "of peak.",
    "roofline_text": "<span style='font-size:130%'>π = 11.3 TFLOP/s, β = 484 GB/s &rarr; ridge I<sub>max</sub> = π/β = "
                     "<b>23.35 FLOP/byte</b>. At I = 7 FLOP/byte the work is <b>memory-bound</b>: attainable = "
                     "min(π, β·I) = <b>3.39 TFLOP/s</b> (30.0% of peak).</span>",
    "roofline_caption": "memory-bound\nattainable = β·I = 3.39 TFLOP/s\n30% of peak",
    "plot_alt": "T. Roofline of Test GPU: peak 10 TFLOP/s, bandwidth 500 GB/s, ridge point 20 FLOP/byte. Under the Test "
                "GPU roof: triad n=1000 fp32 at 0.167 FLOP/byte is memory-bound; my kernel at 30 FLOP/byte is "
                "compute-bound (measured 1 TFLOP/s).",
    "generate": "(roofline lower bounds)",
}


def test_english_output_is_what_it_was(capsys):
    rl.check.dot_flops(4096)
    rl.check.verdict_at_4("compute")
    assert capsys.readouterr().out == ENGLISH["dot_flops"] + ENGLISH["verdict_at_4"]
    ex = W.roofline_explorer()
    assert ET.fromstring(ex.fig.value).get("aria-label") == ENGLISH["roofline_alt"]
    assert ex.text.value == ENGLISH["roofline_text"] and ex.state["caption"] == ENGLISH["roofline_caption"]
    assert [c.description for c in ex.controls.values()] == ["peak π", "bandwidth β", "intensity I (FLOP/byte)"]
    ax = rl.plot.roofline(TEST_GPU, [rl.kernels.triad(1000), ("my kernel", 30.0, 1e12)], title="T")
    assert ax.rl_alt == ENGLISH["plot_alt"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("arithmetic intensity I (FLOP/byte)", "attainable performance (FLOP/s)")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["memory-bound", "compute-bound", "Test GPU"]
    assert ax.get_legend().get_texts()[0].get_fontfamily() == ["sans-serif"]
    r = rl.llm.analyze("llama-2-7b", TEST_GPU, "decode", 8, 1024)
    assert str(r).splitlines()[0] == (
        "Llama-2-7B decode on Test GPU: batch=8, seq_len=1024, W16A16KV16, peak 10 TFLOP/s (fp32) (per instance; "
        "count = instances in the network; times are roofline lower bounds: max(FLOPs / peak, bytes / bandwidth) per "
        "operator, summed)")
    assert str(rl.llm.generate("llama-2-7b", TEST_GPU, 128, 4)).splitlines()[0].endswith(ENGLISH["generate"])


def test_public_english_labels_and_their_catalogue_texts_agree():
    """Labels that modules keep as public English data (rl.moves.DRIVES, the explorers' KINDS and FLAGS,
    rl.llm's LOWER_BOUND) are shown through the catalogue: the English texts must stay the same."""
    for name, (label, control, _, _) in rl.moves.DRIVES.items():
        assert i18n.t(f"optimisation.drive_{name}") == label
        assert i18n.t(f"control.{control}") == control.replace("_", " ")
    assert [i18n.t(f"llm.kind_{k}") for k in W._llm.KINDS] == [label for label, _, _ in W._llm.KINDS.values()]
    assert [i18n.t(f"cnn.flag_{k}") for k in W._cnn.FLAGS] == list(W._cnn.FLAGS.values())
    assert i18n.t("result.lower_bound") == sys.modules["rooflib.llm._result"].LOWER_BOUND
    assert [i18n.t(f"plot.region_{v}") for v in ("memory", "compute")] == \
        [rl.palette.REGIONS[v].label for v in ("memory", "compute")]


def _everything() -> list[str]:
    """Many of the library's English outputs, as text, for the round-trip test."""
    out = [check.evaluate(n, v).message for n in check.QUESTIONS for v in (None, 1.0, 7.0, "memory", "a")]
    for build in (W.roofline_explorer, *BUILDERS.values()):
        ex = build()
        out += [ex.fig.value, ex.text.value, str(ex.state.get("caption"))]
        out += [f"{c.description}{getattr(c, 'options', '')}" for c in ex.controls.values()]
    ax = rl.plot.roofline(TEST_GPU, [("我的", 3.0)], title="t")
    out += [rl.plot.describe(ax.figure), str([t.get_fontfamily() for t in ax.texts])]
    r = rl.llm.analyze("llama-3-70b", "h100-sxm", "prefill", 4, 2048, tp=4, pp=2, micro_batches=2)
    out += [str(r), r._repr_html_()]
    return out


def test_switching_to_chinese_and_back_leaves_english_byte_identical(tmp_path):
    before = _everything()
    page_before = grade.write_feedback([_set01_grade("en")], tmp_path / "a")[0].read_text(encoding="utf-8")
    i18n.set_language("zh")
    chinese = _everything()
    assert sum(1 for a, b in zip(before, chinese) if a != b) > len(before) / 2
    i18n.set_language("en")
    assert _everything() == before
    assert grade.write_feedback([_set01_grade("en")], tmp_path / "b")[0].read_text(encoding="utf-8") == page_before


def test_hierarchical_roofline_speaks_chinese():
    from rooflib.core import MemoryLevel

    i18n.set_language("zh")
    plat = rl.Platform("toy", 150e9, 40e9, peaks={"fp64": 150e9}, dtype="fp64",
                       levels=(MemoryLevel("L1", 400e9), MemoryLevel("L2", 200e9), MemoryLevel("LLC", 100e9)))
    ax = rl.hierarchy.hierarchical(rl.hierarchy.blocked_gemm(1024, register_tile=2, l1_tile=32), plat).plot()
    assert ax.get_xlabel().startswith("各层级的计算强度") and FONT in _families(ax.xaxis.label)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "L1 屋顶，400 GB/s" in legend and all(FONT in _families(t) for t in ax.get_legend().get_texts())
    text = rl.plot.describe(ax.figure)
    assert "L1 是瓶颈" in text and text.endswith("。") and not text.endswith("。.")
    _render(ax.figure)

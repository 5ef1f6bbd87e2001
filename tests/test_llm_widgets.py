"""The notebook 05 explorer (rl.widgets.llm_explorer): moving a control moves the points and rewrites the
numbers exactly as rl.llm.analyze says. Point positions are read back from the SVG (pixels) and compared
with the log-log mapping recomputed here from each operator's FLOPs and bytes."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import rooflib as rl
from rooflib import widgets as W
from rooflib.units import eng
from rooflib.widgets import _llm as lw

NS = "{http://www.w3.org/2000/svg}"
A100 = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                   peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})
H100 = rl.Platform(name="h100-like", peak_flops_per_s=989.4e12, bandwidth=3.35e12, memory_bytes=80e9,
                   peaks={"bf16": 989.4e12, "int8": 1978.9e12, "fp32": 67e12})


@pytest.fixture
def ex():
    # unfused attention, so each of QKᵀ, softmax and SV is its own point (the default fuses them)
    return W.llm_explorer("llama-2-7b", A100, platforms=[A100, H100], flash_attention=False)


def _svg(ex):
    return ET.fromstring(ex.fig.value)


def _panel(root):
    (g,) = [g for g in root.iter(f"{NS}g") if "rl-axes" in (g.get("class") or "").split()]
    return [tuple(map(float, g.get(k).split())) for k in ("data-xlim", "data-ylim", "data-box")]


def _to_px(ax, x, y):
    (x0, x1), (y0, y1), (left, top, w, h) = ax
    return left + w * math.log10(x / x0) / math.log10(x1 / x0), top + h * (1 - math.log10(y / y0) / math.log10(y1 / y0))


def _markers(root, cls):
    out = []
    for el in root.iter(f"{NS}path"):
        if cls in (el.get("class") or "").split():
            m = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", el.get("transform"))
            out.append((float(m.group(1)), float(m.group(2))))
    return np.array(out).reshape(-1, 2)


def _expected(ax, r, kind, roof_pi, beta):
    """Pixel positions of the operators of one kind: intensity = FLOPs / bytes per operator (clipped to the
    plotted 0.1 .. 1e5 FLOP/byte), on the roof min(π, β·I)."""
    xs = [min(max(f / b, 0.1), 1e5) for f, b, k in zip(r.op_flops, r.op_bytes, r.kinds)
          if (k if k in ("linear", "attention") else "other") == kind and b > 0]
    return np.array([_to_px(ax, x, min(roof_pi, beta * x)) for x in xs])


def _check_points(ex, r, roof_pi, beta):
    root = _svg(ex)
    ax = _panel(root)
    for kind in ("linear", "attention", "other"):
        got = _markers(root, f"rl-op-{kind}")
        np.testing.assert_allclose(np.sort(got, axis=0), np.sort(_expected(ax, r, kind, roof_pi, beta), axis=0),
                                   atol=0.02, rtol=0)
    x = r.total_flops() / r.total_bytes()
    np.testing.assert_allclose(_markers(root, "rl-total"), [_to_px(ax, x, min(roof_pi, beta * x))], atol=0.02)


def test_initial_view_is_decode_batch_1(ex):
    r = rl.llm.analyze("llama-2-7b", A100, "decode", batch=1, seq_len=1024, flash_attention=False)
    _check_points(ex, r, 312e12, 2.039e12)
    assert eng(r.total_time_s(), "s") in ex.text.value and "memory-bound" in ex.text.value
    assert ex.text.value.count("<tr>") == len(lw.numbers(r))
    assert ex.state["bound"] == "memory" and ex.state["time_s"] == pytest.approx(r.total_time_s())
    assert ex.state["tokens_per_s"] == pytest.approx(1 / r.total_time_s())
    assert ex.state["result"].total_flops() == r.total_flops()
    label = _svg(ex).get("aria-label")
    assert "Llama-2-7B" in label and "memory-bound" in label and f"{r.ridge_point:.3g} FLOP/byte" in label


def test_batch_slider_moves_linear_points_right(ex):
    before = _markers(_svg(ex), "rl-op-linear")[:, 0].copy()
    ex.set(batch=256)
    r = rl.llm.analyze("llama-2-7b", A100, "decode", batch=256, seq_len=1024, flash_attention=False)
    _check_points(ex, r, 312e12, 2.039e12)
    after = _markers(_svg(ex), "rl-op-linear")[:, 0]
    assert np.all(after > before + 100)                 # decode linear intensity ~ batch: far to the right
    lin = r.op_intensity[[k == "linear" for k in r.kinds]]
    assert np.all(lin > 100)
    att = r.op_intensity[[k == "attention" for k in r.kinds]]
    assert np.all((att > 0.5) & (att < 2))              # attention stays near 1 FLOP/byte whatever the batch
    assert eng(r.total_time_s(), "s") in ex.text.value and eng(r.kv_cache_bytes, "B") in ex.text.value
    assert ex.state["intensity"] == pytest.approx(r.total_intensity())


def test_seq_len_precision_platform_and_phase(ex):
    ex.set(seq_len=32768)
    r = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 32768, flash_attention=False)
    assert eng(r.kv_cache_bytes, "B") in ex.text.value           # 512 KiB x 32769 tokens = 17.2 GB
    assert r.kv_cache_bytes == 512 * 1024 * 32769 and ex.state["kv_cache_bytes"] == r.kv_cache_bytes
    ex.set(precision="W4A16 KV8")
    r = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 32768, w_bits=4, kv_bits=8, flash_attention=False)
    assert eng(r.weight_memory_bytes, "B") in ex.text.value and eng(r.total_time_s(), "s") in ex.text.value
    ex.set(platform="h100-like")
    root = _svg(ex)
    ax = _panel(root)
    (ridge,) = _markers(root, "rl-ridge")
    np.testing.assert_allclose(ridge, _to_px(ax, 989.4e12 / 3.35e12, 989.4e12), atol=0.02)
    ex.set(phase="prefill")
    r = rl.llm.analyze("llama-2-7b", H100, "prefill", 1, 32768, w_bits=4, kv_bits=8, flash_attention=False)
    assert "time to first token" in ex.text.value and eng(r.total_time_s(), "s") in ex.text.value
    assert lw.numbers(r)["fits in memory"] in ex.text.value
    _check_points(ex, r, 989.4e12, 3.35e12)


def test_int8_precision_raises_the_roof(ex):
    ex.set(precision="W8A8 KV8 (int8)")
    r = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 1024, w_bits=8, a_bits=8, kv_bits=8, flash_attention=False)
    assert r.peak_flops_per_s == 624e12
    _check_points(ex, r, 624e12, 2.039e12)


def test_flash_attention_merges_attention_points_and_frees_memory(ex):
    ex.set(phase="prefill", seq_len=32768)
    plain = rl.llm.analyze("llama-2-7b", A100, "prefill", 1, 32768, flash_attention=False)
    # softmax reads and writes 32 heads x 32768² fp16 scores: 2 x 68.7 GB of activations
    assert plain.activation_bytes == 2 * 32 * 32768**2 * 2 and plain.fits is False
    assert lw.numbers(plain)["fits in memory"] in ex.text.value and "NO" in ex.text.value
    assert len(_markers(_svg(ex), "rl-op-attention")) == 3
    ex.set(flash=True)
    root = _svg(ex)
    assert len(_markers(root, "rl-op-attention")) == 1          # QKᵀ, softmax, SV fused into one point
    flash = rl.llm.analyze("llama-2-7b", A100, "prefill", 1, 32768, flash_attention=True)
    att = [j for j, k in enumerate(flash.kinds) if k == "attention"]
    x = sum(flash.op_flops[j] for j in att) / sum(flash.op_bytes[j] for j in att)
    np.testing.assert_allclose(_markers(root, "rl-op-attention")[0], _to_px(_panel(root), x, min(312e12, 2.039e12 * x)),
                               atol=0.02)
    assert flash.fits is True and lw.numbers(flash)["fits in memory"] in ex.text.value
    assert eng(flash.memory_bytes, "B") in ex.text.value


def test_fused_attention_is_the_explorers_default_and_compute_bound_in_prefill():
    ex = W.llm_explorer("llama-2-7b", A100, phase="prefill", platforms=[A100])
    assert ex.controls["flash"].value is True and ex.state["result"].options["flash_attention"] is True
    root = _svg(ex)
    (point,) = _markers(root, "rl-op-attention")                       # one fused attention point
    ax = _panel(root)
    x = 517.0                                                          # T/2 + 5T/(8d) at T = 1024, d = 128
    np.testing.assert_allclose(point, _to_px(ax, x, min(312e12, 2.039e12 * x)), atol=0.02)
    assert ex.state["result"].total_bound("attention") == "compute"
    ex.set(flash=False)
    assert ex.state["result"].total_bound("attention") == "memory"


def test_model_switch_to_gqa_shrinks_kv_cache(ex):
    ex.set(seq_len=4096)
    mha = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 4096).kv_cache_bytes
    ex.set(model="llama-3-8b")
    gqa = rl.llm.analyze("llama-3-8b", A100, "decode", 1, 4096).kv_cache_bytes
    assert gqa == mha / 4 and eng(gqa, "B") in ex.text.value
    assert "Llama-3-8B" in "".join(t.text or "" for t in _svg(ex).iter(f"{NS}text"))


def test_bad_precision_and_sizes_are_rejected():
    with pytest.raises(ValueError, match="precision"):
        W.llm_explorer(precision="W3A3")
    with pytest.raises(ValueError, match="batch"):
        W.llm_explorer(batch=3)


def test_throughput_row_says_what_it_counts():
    # prefill processes batch x seq_len prompt tokens: its rate is prompt tokens/s, not generation speed;
    # decode yields batch new tokens per step.
    pre = rl.llm.analyze("llama-2-7b", A100, "prefill", 2, 1024)
    dec = rl.llm.analyze("llama-2-7b", A100, "decode", 2, 1024)
    assert lw.numbers(pre)["prompt tokens/s (prefill, all sequences)"] == f"{2 * 1024 / pre.total_time_s():,.0f}"
    assert lw.numbers(dec)["tokens/s (all sequences)"] == f"{2 / dec.total_time_s():,.0f}"
    assert not any(k.startswith("tokens/s") for k in lw.numbers(pre))


def test_title_tells_the_two_4_bit_presets_apart(ex):
    def title():
        return [t.text for t in _svg(ex).iter(f"{NS}text") if "rl-title" in (t.get("class") or "").split()][0]

    ex.set(precision="W4A16 KV16 (4-bit weights)")
    t16 = title()
    ex.set(precision="W4A16 KV8")
    t8 = title()
    assert t16 != t8 and "KV8" in t8 and "KV16" in t16

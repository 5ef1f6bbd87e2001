"""The notebook 05 explorer: moving a control moves the points and rewrites the numbers exactly as rl.llm says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless; the builder gives the figure an ipympl canvas itself

import numpy as np
import pytest

import rooflib as rl
from rooflib import llm_widgets as lw

# ipympl's toolbar warns when its canvas is built outside a notebook; harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")
from rooflib.units import eng

A100 = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                   peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})
H100 = rl.Platform(name="h100-like", peak_flops_per_s=989.4e12, bandwidth=3.35e12, memory_bytes=80e9,
                   peaks={"bf16": 989.4e12, "int8": 1978.9e12, "fp32": 67e12})


@pytest.fixture
def box():
    b = lw.llm_explorer("llama-2-7b", A100, platforms=[A100, H100])
    yield b
    import matplotlib.pyplot as plt

    plt.close(b.fig)


def expected_linear_x(**kw):
    r = rl.llm.analyze(**kw)
    return np.array([w.intensity for w in r.workloads() if rl.llm.OPERATORS.get(w.name) == "linear"]), r


def test_initial_view_is_decode_batch_1(box):
    x, r = expected_linear_x(model="llama-2-7b", platform=A100, phase="decode", batch=1, seq_len=1024)
    np.testing.assert_allclose(box.points["linear"].get_offsets()[:, 0], x)
    np.testing.assert_allclose(box.points["linear"].get_offsets()[:, 1], np.minimum(312e12, 2.039e12 * x))
    assert eng(r.time_s, "s") in box.table.value and "memory-bound" in box.table.value
    assert box.table.value.count("<tr>") == len(lw.numbers(r))


def test_batch_slider_moves_linear_points_right(box):
    before = box.points["linear"].get_offsets()[:, 0].copy()
    box.controls["batch"].value = 256
    x, r = expected_linear_x(model="llama-2-7b", platform=A100, phase="decode", batch=256, seq_len=1024)
    after = box.points["linear"].get_offsets()[:, 0]
    np.testing.assert_allclose(after, x)
    assert np.all(after > 100 * before)          # decode linear intensity ~ batch
    # attention stays near 1 FLOP/byte whatever the batch
    att = box.points["attention"].get_offsets()[:, 0]
    assert np.all((att > 0.5) & (att < 2))
    assert eng(r.time_s, "s") in box.table.value and eng(r.kv_cache_bytes, "B") in box.table.value
    np.testing.assert_allclose(box.points["total"].get_offsets()[0, 0], r.intensity)


def test_seq_len_precision_platform_and_phase(box):
    box.controls["seq_len"].value = 32768
    r = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 32768)
    assert eng(r.kv_cache_bytes, "B") in box.table.value           # 512 KiB x 32769 tokens = 17.2 GB
    assert r.kv_cache_bytes == 512 * 1024 * 32769
    box.controls["precision"].value = "W4A16 KV8"
    r = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 32768, w_bits=4, kv_bits=8)
    assert eng(r.weight_memory_bytes, "B") in box.table.value and eng(r.time_s, "s") in box.table.value
    box.controls["platform"].value = "h100-like"
    roof = [ln for ln in box.ax.get_lines() if ln.get_gid() == "roof-h100-like"]
    assert roof and np.max(roof[0].get_ydata()) == pytest.approx(989.4e12)
    box.controls["phase"].value = "prefill"
    r = rl.llm.analyze("llama-2-7b", H100, "prefill", 1, 32768, w_bits=4, kv_bits=8)
    assert "time to first token" in box.table.value and eng(r.time_s, "s") in box.table.value
    assert lw.numbers(r)["fits in memory"] in box.table.value


def test_flash_attention_merges_attention_points_and_frees_memory(box):
    box.controls["phase"].value = "prefill"
    box.controls["seq_len"].value = 32768
    plain = rl.llm.analyze("llama-2-7b", A100, "prefill", 1, 32768)
    # softmax reads and writes 32 heads x 32768² fp16 scores: 2 x 68.7 GB of activations
    assert plain.activation_bytes == 2 * 32 * 32768**2 * 2 and plain.fits is False
    assert lw.numbers(plain)["fits in memory"] in box.table.value and "NO" in box.table.value
    assert len(box.points["attention"].get_offsets()) == 3
    box.controls["flash"].value = True
    assert len(box.points["attention"].get_offsets()) == 1          # QKᵀ, softmax, SV fused into one point
    flash = rl.llm.analyze("llama-2-7b", A100, "prefill", 1, 32768, flash_attention=True)
    assert flash.fits is True and lw.numbers(flash)["fits in memory"] in box.table.value
    assert eng(flash.memory_bytes, "B") in box.table.value


def test_model_switch_to_gqa_shrinks_kv_cache(box):
    box.controls["seq_len"].value = 4096
    mha = rl.llm.analyze("llama-2-7b", A100, "decode", 1, 4096).kv_cache_bytes
    box.controls["model"].value = "llama-3-8b"
    gqa = rl.llm.analyze("llama-3-8b", A100, "decode", 1, 4096).kv_cache_bytes
    assert gqa == mha / 4 and eng(gqa, "B") in box.table.value
    assert "Llama-3-8B" in box.ax.get_title()


def test_bad_precision_is_rejected():
    with pytest.raises(ValueError, match="precision"):
        lw.llm_explorer(precision="W3A3")


def test_throughput_row_says_what_it_counts():
    # prefill processes batch x seq_len prompt tokens: its rate is prompt tokens/s, not generation speed;
    # decode yields batch new tokens per step.
    pre = rl.llm.analyze("llama-2-7b", A100, "prefill", 2, 1024)
    dec = rl.llm.analyze("llama-2-7b", A100, "decode", 2, 1024)
    assert lw.numbers(pre)["prompt tokens/s (prefill, all sequences)"] == f"{2 * 1024 / pre.time_s:,.0f}"
    assert lw.numbers(dec)["tokens/s (all sequences)"] == f"{2 / dec.time_s:,.0f}"
    assert not any(k.startswith("tokens/s") for k in lw.numbers(pre))


def test_title_tells_the_two_4_bit_presets_apart(box):
    box.controls["precision"].value = "W4A16 KV16 (4-bit weights)"
    t16 = box.ax.get_title()
    box.controls["precision"].value = "W4A16 KV8"
    t8 = box.ax.get_title()
    assert t16 != t8 and "KV8" in t8 and "KV16" in t16

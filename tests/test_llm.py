"""rooflib.llm against independent oracles: hand counts for a tiny config, published parameter counts,
the 2 x parameters rule, the KV-cache formula, explicit loops for the vectorised paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rooflib as rl
from rooflib import llm

# An A100-80GB-like roof with explicit numbers (dense bf16 312 TFLOP/s, int8 624 TOP/s, fp32 19.5 TFLOP/s,
# HBM2e 2.039 TB/s, 80 GB; NVIDIA A100 datasheet), independent of the catalogue.
A100 = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                   peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})

# h=8, i=12, 2 layers, 4 query heads, 2 KV heads (GQA group 2), head_dim 2, vocab 10.
TINY = llm.LLMConfig("tiny", hidden_size=8, intermediate_size=12, num_layers=2, num_heads=4, num_kv_heads=2,
                     vocab_size=10)


def rows(r):
    return r.to_dataframe().to_dict("index")


# ----------------------------------------------------------------------------------------- catalogue
def test_catalogue_lists_required_models_with_sources():
    names = llm.names()
    for n in ["llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "mistral-7b", "qwen2.5-7b",
              "mixtral-8x7b"]:
        assert n in names
        cfg = llm.get(n)
        assert cfg.source.startswith("https://huggingface.co/") and cfg.source.endswith("config.json")
    assert all(n == n.lower() for n in names)
    assert llm.get("Llama-2-7B") is llm.get("llama-2-7b")
    assert llm.get("mixtral-8x7b").num_experts == 8 and llm.get("mixtral-8x7b").experts_per_token == 2


@pytest.mark.parametrize("name, published, rel", [
    ("llama-2-7b", 6.74e9, 0.002),    # HF model card meta-llama/Llama-2-7b-hf: "6.74B params"
    ("llama-3-8b", 8.03e9, 0.002),    # HF model card meta-llama/Meta-Llama-3-8B: "8.03B params"
    ("mixtral-8x7b", 46.7e9, 0.002),  # https://mistral.ai/news/mixtral-of-experts/ : 46.7B total parameters
    ("qwen2.5-7b", 7.61e9, 0.003),    # https://huggingface.co/Qwen/Qwen2.5-7B : "Number of Parameters: 7.61B"
    ("mistral-7b", 7.24e9, 0.002),    # HF model card mistralai/Mistral-7B-v0.1: "7.24B params"
])
def test_param_counts_match_published(name, published, rel):
    assert llm.param_count(name) == pytest.approx(published, rel=rel)


def test_mixtral_active_params_match_published():
    # https://mistral.ai/news/mixtral-of-experts/ : "only uses 12.9B parameters per token"
    assert llm.active_param_count("mixtral-8x7b") == pytest.approx(12.9e9, rel=0.003)
    assert llm.active_param_count("llama-2-7b") == llm.param_count("llama-2-7b")


def test_user_config_is_accepted_everywhere():
    r = llm.analyze(TINY, A100, "decode", 1, 4)
    assert r.model is TINY and r.names[0] == "attn_norm"
    assert TINY.head_dim == 2 and TINY.gqa_group == 2


# ----------------------------------------------------------------------------------------- hand counts
def test_tiny_decode_per_operator_hand_counts():
    # batch 3, 5 tokens cached -> attention over 6 keys; 16-bit everything (2 bytes).
    r = rows(llm.analyze(TINY, A100, "decode", batch=3, seq_len=5, flash_attention=False))
    # (flops, weight, act load, act store, kv load, kv store), each worked out by hand (unfused attention):
    expected = {
        "attn_norm": (4 * 3 * 8, 8 * 2, 3 * 8 * 2, 3 * 8 * 2, 0, 0),
        "q_proj": (2 * 3 * 8 * 8, 8 * 8 * 2, 48, 48, 0, 0),
        "k_proj": (2 * 3 * 8 * 4, 8 * 4 * 2, 48, 0, 0, 3 * 4 * 2),
        "v_proj": (192, 64, 48, 0, 0, 24),
        # scores: 3 seqs x 4 heads x 1 query x 6 keys = 72; K: 3 x 6 keys x 2 kv heads x 2 dims x 2 B = 144
        "qk_matmul": (2 * 72 * 2, 0, 3 * 8 * 2, 72 * 2, 144, 0),
        "softmax": (5 * 72, 0, 144, 144, 0, 0),
        "sv_matmul": (288, 0, 144, 48, 144, 0),
        "o_proj": (384, 128, 48, 48, 0, 0),
        "attn_add": (24, 0, 96, 48, 0, 0),
        "mlp_norm": (96, 16, 48, 48, 0, 0),
        "gate_proj": (2 * 3 * 8 * 12, 8 * 12 * 2, 48, 3 * 12 * 2, 0, 0),
        "up_proj": (576, 192, 48, 72, 0, 0),
        "act_mul": (5 * 3 * 12, 0, 2 * 72, 72, 0, 0),
        "down_proj": (576, 192, 72, 48, 0, 0),   # loads the intermediate-size activation
        "mlp_add": (24, 0, 96, 48, 0, 0),
        "final_norm": (96, 16, 48, 48, 0, 0),
        "lm_head": (2 * 3 * 8 * 10, 8 * 10 * 2, 48, 3 * 10 * 2, 0, 0),
    }
    assert list(r) == list(expected)
    cols = ("flops", "weight_bytes", "act_load_bytes", "act_store_bytes", "kv_load_bytes", "kv_store_bytes")
    for op, exp in expected.items():
        assert tuple(r[op][c] for c in cols) == exp, op
        assert r[op]["count"] == (1 if op in ("final_norm", "lm_head") else 2)
    res = llm.analyze(TINY, A100, "decode", batch=3, seq_len=5, flash_attention=False)
    total_flops = sum(r[op]["count"] * e[0] for op, e in expected.items())
    total_bytes = sum(r[op]["count"] * sum(e[1:]) for op, e in expected.items())
    assert res.total_flops() == total_flops and res.total_bytes() == total_bytes
    assert res.total_intensity() == pytest.approx(total_flops / total_bytes)
    # each operator is memory-bound at these sizes, so time = bytes / bandwidth
    assert res.total_time_s() == pytest.approx(total_bytes / A100.bandwidth)
    assert res.total_bound() == "memory"


def test_tiny_prefill_attention_causal_flash_and_lm_head_keywords():
    # batch 2, prompt 4: 8 tokens; scores per head 4 x 4 = 16 (full) or 4*5/2 = 10 (causal_skip)
    full = rows(llm.analyze(TINY, A100, "prefill", batch=2, seq_len=4, flash_attention=False))
    assert full["qk_matmul"]["flops"] == 2 * (2 * 4 * 16) * 2
    assert full["qk_matmul"]["act_store_bytes"] == 2 * 4 * 16 * 2       # score matrix written
    assert full["qk_matmul"]["kv_load_bytes"] == 2 * 4 * 4 * 2          # K of 2 KV heads, not 4
    assert full["qk_matmul"]["act_load_bytes"] == 2 * 4 * 8 * 2         # Q of 4 heads
    assert full["softmax"]["act_load_bytes"] == full["softmax"]["act_store_bytes"] == 256
    assert full["sv_matmul"]["act_load_bytes"] == 256
    causal = rows(llm.analyze(TINY, A100, "prefill", batch=2, seq_len=4, causal_skip=True, flash_attention=False))
    assert causal["qk_matmul"]["flops"] == 2 * (2 * 4 * 10) * 2
    assert causal["sv_matmul"]["flops"] == 2 * (2 * 4 * 10) * 2
    assert causal["softmax"]["flops"] == 5 * 2 * 4 * 10
    flash = rows(llm.analyze(TINY, A100, "prefill", batch=2, seq_len=4, flash_attention=True))
    assert flash["qk_matmul"]["act_store_bytes"] == 0 and flash["sv_matmul"]["act_load_bytes"] == 0
    assert flash["softmax"]["bytes"] == 0 and flash["softmax"]["intensity"] == math.inf
    assert flash["qk_matmul"]["flops"] == full["qk_matmul"]["flops"]        # same math, less traffic
    assert flash["sv_matmul"]["kv_load_bytes"] == full["sv_matmul"]["kv_load_bytes"]
    # lm_head: last position of each sequence by default, every position with lm_head="all"
    assert full["lm_head"]["flops"] == 2 * 2 * 8 * 10
    allpos = rows(llm.analyze(TINY, A100, "prefill", batch=2, seq_len=4, lm_head="all"))
    assert allpos["lm_head"]["flops"] == 2 * 8 * 8 * 10 and allpos["lm_head"]["act_store_bytes"] == 8 * 10 * 2


def test_flash_attention_removes_score_round_trip_on_a_real_model():
    a = llm.analyze("llama-2-7b", A100, "prefill", 1, 4096, flash_attention=False)
    b = llm.analyze("llama-2-7b", A100, "prefill", 1, 4096, flash_attention=True)
    scores = 32 * 4096 * 4096 * 2  # bytes of one layer's score matrix at 16 bits
    # QK^T store, softmax load + store, SV load: 4 score matrices per layer disappear
    assert a.total_bytes() - b.total_bytes() == pytest.approx(32 * 4 * scores)
    w = b.workloads()
    assert "attention (flash)" in [x.name for x in w] and "softmax" not in [x.name for x in w]


def test_fused_attention_is_the_default_and_prefill_attention_is_compute_bound():
    # Issue 11, error 3: serving engines fuse attention, so analyze / generate default to flash_attention=True.
    # Fused, one head of prefill over T tokens does 4 T^2 d FLOPs (QK^T and SV) + 5 T^2 (softmax) and moves
    # Q, K, V in and O out once: 4 T d elements of 2 bytes. I = (4 T^2 d + 5 T^2) / (8 T d) = T/2 + 5T/(8d):
    # 512 + 5 = 517 FLOP/byte for Llama-2-7B (d = 128) at T = 1024 (the scaling book's S.T/(S+T) with S = T).
    default = llm.analyze("llama-2-7b", A100, "prefill", 1, 1024)
    assert default.options["flash_attention"] is True
    t, d = 1024, 128
    assert default.total_intensity("attention") == pytest.approx((4 * t * t * d + 5 * t * t) / (8 * t * d), rel=1e-9)
    assert default.total_intensity("attention") == pytest.approx(517, rel=1e-9)
    ridge = A100.peak("bf16") / A100.bandwidth
    assert default.total_intensity("attention") > ridge and default.total_bound("attention") == "compute"
    unfused = llm.analyze("llama-2-7b", A100, "prefill", 1, 1024, flash_attention=False)
    assert unfused.total_bound("attention") == "memory"                  # the verdict flips with fusion
    g = llm.generate("llama-2-7b", A100, 1024, 2)
    assert g.ttft_s == default.total_time_s()


# ----------------------------------------------------------------------------------------- linear layers
@pytest.mark.parametrize("name", ["llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b",
                                  "mistral-7b", "qwen2.5-7b"])
def test_forward_flops_per_token_is_twice_the_parameters(name):
    # Kaplan et al. 2020 (arXiv:2001.08361): forward FLOPs per token ~= 2 N, with N the non-embedding
    # parameters (the input embedding is a lookup, no FLOPs; the LM head is a matmul and counts).
    cfg = llm.get(name)
    r = llm.analyze(name, A100, "decode", batch=1, seq_len=1)
    n = llm.param_count(name) - cfg.vocab_size * cfg.hidden_size
    assert r.total_flops() == pytest.approx(2 * n, rel=0.02)


def test_moe_flops_per_token_use_active_experts():
    cfg = llm.get("mixtral-8x7b")
    r = llm.analyze(cfg, A100, "decode", batch=1, seq_len=1)
    n = llm.active_param_count(cfg) - cfg.vocab_size * cfg.hidden_size
    assert r.total_flops() == pytest.approx(2 * n, rel=0.02)


def test_linear_weights_read_once_whatever_the_batch_and_flops_scale():
    r1 = rows(llm.analyze("llama-2-7b", A100, "decode", batch=1, seq_len=128))
    r64 = rows(llm.analyze("llama-2-7b", A100, "decode", batch=64, seq_len=128))
    for op in ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"]:
        assert r1[op]["weight_bytes"] == r64[op]["weight_bytes"]
        assert r64[op]["flops"] == 64 * r1[op]["flops"]
    assert r1["q_proj"]["flops"] == 2 * 4096 * 4096 and r1["q_proj"]["weight_bytes"] == 4096 * 4096 * 2


def test_decode_intensity_is_about_batch_for_linear_and_about_one_for_attention():
    for b in (1, 8, 32):
        r = llm.analyze("llama-2-7b", A100, "decode", batch=b, seq_len=2048)
        assert r.total_intensity("linear") == pytest.approx(b, rel=0.05)       # 2 FLOPs per 2-byte weight per token
        assert r.total_intensity("attention") == pytest.approx(1, rel=0.05)   # each cached K/V element used once


# ----------------------------------------------------------------------------------------- GQA and KV
def test_gqa_uses_kv_heads_for_k_and_v_and_heads_for_q():
    gqa = llm.get("llama-2-70b")                        # 64 query heads, 8 KV heads
    mha = gqa.replace(name="llama-2-70b-mha", num_kv_heads=64)
    g = rows(llm.analyze(gqa, A100, "decode", 4, 1000))
    m = rows(llm.analyze(mha, A100, "decode", 4, 1000))
    assert g["k_proj"]["weight_bytes"] == 8192 * 8 * 128 * 2
    assert m["k_proj"]["weight_bytes"] == 8 * g["k_proj"]["weight_bytes"]
    assert g["q_proj"]["weight_bytes"] == m["q_proj"]["weight_bytes"] == 8192 * 8192 * 2
    assert g["qk_matmul"]["kv_load_bytes"] == 4 * 1001 * 8 * 128 * 2
    assert m["sv_matmul"]["kv_load_bytes"] == 8 * g["sv_matmul"]["kv_load_bytes"]
    assert g["qk_matmul"]["act_load_bytes"] == 4 * 64 * 128 * 2                 # Q: all 64 heads
    assert g["down_proj"]["act_load_bytes"] == 4 * 28672 * 2                     # intermediate size


def test_kv_cache_bytes_per_token():
    # 2 x 32 layers x 32 kv heads x 128 x 2 bytes = 524288 B = 512 KiB
    assert llm.kv_cache_bytes_per_token("llama-2-7b") == 512 * 1024
    assert llm.kv_cache_bytes_per_token("llama-3-8b") == 2 * 32 * 8 * 128 * 2      # GQA: 128 KiB
    assert llm.kv_cache_bytes_per_token("llama-2-7b", kv_bits=8) == 256 * 1024
    r = llm.analyze("llama-2-7b", A100, "decode", batch=4, seq_len=999)
    assert r.kv_cache_bytes == 4 * 1000 * 512 * 1024
    p = llm.analyze("llama-2-7b", A100, "prefill", batch=4, seq_len=1000)
    assert p.kv_cache_bytes == 4 * 1000 * 512 * 1024
    assert p.memory_bytes == pytest.approx(llm.param_count("llama-2-7b") * 2 + p.kv_cache_bytes + p.activation_bytes)


# ----------------------------------------------------------------------------------------- precision
def test_bits_change_bytes():
    base = rows(llm.analyze("llama-2-7b", A100, "decode", 2, 100))
    w4 = rows(llm.analyze("llama-2-7b", A100, "decode", 2, 100, w_bits=4))
    kv8 = rows(llm.analyze("llama-2-7b", A100, "decode", 2, 100, kv_bits=8))
    a8 = rows(llm.analyze("llama-2-7b", A100, "decode", 2, 100, a_bits=8))
    assert w4["gate_proj"]["weight_bytes"] == base["gate_proj"]["weight_bytes"] / 4
    assert kv8["qk_matmul"]["kv_load_bytes"] == base["qk_matmul"]["kv_load_bytes"] / 2
    assert kv8["k_proj"]["kv_store_bytes"] == base["k_proj"]["kv_store_bytes"] / 2
    assert a8["q_proj"]["act_load_bytes"] == base["q_proj"]["act_load_bytes"] / 2
    assert w4["gate_proj"]["flops"] == base["gate_proj"]["flops"]


def test_peak_is_the_compute_dtype_peak():
    assert llm.analyze("llama-2-7b", A100, "decode").peak_flops_per_s == 312e12                       # W16A16 -> bf16
    assert llm.analyze("llama-2-7b", A100, "decode", w_bits=8, a_bits=8).peak_flops_per_s == 624e12   # W8A8 -> int8
    assert llm.analyze("llama-2-7b", A100, "decode", w_bits=4).peak_flops_per_s == 312e12             # W4A16 dequantises
    assert llm.analyze("llama-2-7b", A100, "decode", w_bits=32, a_bits=32).peak_flops_per_s == 19.5e12
    fp16_only = rl.Platform(name="p", peak_flops_per_s=1e12, bandwidth=1e11, peaks={"fp32": 1e12, "fp16": 4e12})
    assert llm.compute_dtype(fp16_only, 16, 16) == ("fp16", 4e12)
    assert llm.compute_dtype(fp16_only, 8, 8) == ("fp16", 4e12)          # no int8/fp8: next wider listed
    fp32_only = rl.Platform(name="q", peak_flops_per_s=11.3e12, bandwidth=484e9)
    assert llm.compute_dtype(fp32_only, 16, 16) == ("fp32", 11.3e12)     # falls back to the platform's peak
    assert llm.analyze("llama-2-7b", A100, "decode", compute_dtype="fp32").peak_flops_per_s == 19.5e12


# ----------------------------------------------------------------------------------------- MoE
def test_moe_weights_touched_grow_with_batch():
    cfg = llm.get("mixtral-8x7b")
    expert = 4096 * 14336 * 2                                  # one expert's gate_proj, bytes
    one = rows(llm.analyze(cfg, A100, "decode", 1, 100))
    assert one["gate_proj"]["weight_bytes"] == 2 * expert      # batch 1: the 2 active experts only
    three = rows(llm.analyze(cfg, A100, "decode", 3, 100))
    # 3 tokens, each picking 2 of 8 uniformly: 8 (1 - (6/8)^3) = 4.625 experts expected
    assert three["gate_proj"]["weight_bytes"] == pytest.approx(4.625 * expert)
    many = rows(llm.analyze(cfg, A100, "decode", 256, 100))
    assert many["gate_proj"]["weight_bytes"] == pytest.approx(8 * expert)
    assert three["gate_proj"]["flops"] == 3 * 2 * 2 * 4096 * 14336       # tokens x active experts x 2hk
    assert llm.experts_touched(cfg, 3) == pytest.approx(4.625)
    assert llm.experts_touched(cfg, 1) == pytest.approx(2) and llm.experts_touched("llama-2-7b", 50) == 1
    assert "router" in one and one["router"]["flops"] == 2 * 4096 * 8
    assert llm.analyze(cfg, A100, "decode").weight_memory_bytes == llm.param_count(cfg) * 2   # all experts stored


# ----------------------------------------------------------------------------------------- vectorised
def test_vectorised_analyze_equals_scalar_loop():
    batch = np.array([1, 3, 16])[:, None]
    seq = np.array([1, 100, 4097])[None, :]
    for phase in ("prefill", "decode"):
        grid = llm.analyze("llama-3-8b", A100, phase, batch, seq)
        assert np.shape(grid.total_time_s()) == (3, 3)
        for i, b in enumerate(batch[:, 0]):
            for j, s in enumerate(seq[0]):
                one = llm.analyze("llama-3-8b", A100, phase, int(b), int(s))
                assert grid.total_time_s()[i, j] == pytest.approx(one.total_time_s(), rel=1e-12)
                assert grid.total_flops()[i, j] == pytest.approx(one.total_flops(), rel=1e-12)
                assert grid.total_bytes()[i, j] == pytest.approx(one.total_bytes(), rel=1e-12)
                assert grid.memory_bytes[i, j] == pytest.approx(one.memory_bytes, rel=1e-12)
                assert grid.total_bound()[i, j] == one.total_bound()
                assert bool(grid.fits[i, j]) == one.fits


def test_generate_closed_form_equals_token_loop():
    g = llm.generate("llama-2-7b", A100, prompt_len=100, gen_len=7, batch=2)
    ttft = llm.analyze("llama-2-7b", A100, "prefill", 2, 100).total_time_s()
    steps = [llm.analyze("llama-2-7b", A100, "decode", 2, 100 + j).total_time_s() for j in range(6)]
    assert g.ttft_s == pytest.approx(ttft, rel=1e-12)
    assert g.total_s == pytest.approx(ttft + sum(steps), rel=1e-12)
    assert g.tpot_s == pytest.approx(sum(steps) / 6, rel=1e-12)
    assert g.tokens_per_s == pytest.approx(2 * 7 / (ttft + sum(steps)), rel=1e-12)
    one = llm.generate("llama-2-7b", A100, 100, 1)
    assert one.tpot_s == 0.0 and one.total_s == one.ttft_s and one.decode_step_s.size == 0


def test_critical_batch_flips_decode_linear_bound():
    for kwargs in ({}, {"w_bits": 4}, {"w_bits": 8, "a_bits": 8}):
        b = llm.critical_batch_size("llama-2-7b", A100, **kwargs)
        below = llm.analyze("llama-2-7b", A100, "decode", b - 1, 1024, **kwargs)
        at = llm.analyze("llama-2-7b", A100, "decode", b, 1024, **kwargs)
        assert below.total_bound("linear") == "memory" and at.total_bound("linear") == "compute"
    # close to the ridge point for 16-bit weights, a quarter of it for 4-bit weights (activations add a little)
    assert llm.critical_batch_size("llama-2-7b", A100) == pytest.approx(A100.ridge_point, rel=0.1)
    assert llm.critical_batch_size("llama-2-7b", A100, w_bits=4) == pytest.approx(A100.ridge_point / 4, rel=0.15)


def test_max_batch_fits_at_it_not_one_more():
    for name, seq in [("llama-2-7b", 4096), ("llama-3-8b", 8192), ("mixtral-8x7b", 2048)]:
        big = A100.replace(memory_bytes=200e9)
        b = llm.max_batch(name, big, seq)
        assert b >= 1
        assert llm.analyze(name, big, "decode", b, seq).fits is True
        assert llm.analyze(name, big, "decode", b + 1, seq).fits is False
    assert llm.max_batch("llama-2-70b", A100, 1024) == 0   # 138 GB of fp16 weights do not fit 80 GB
    with pytest.raises(ValueError, match="memory_bytes"):
        llm.max_batch("llama-2-7b", rl.Platform(name="nomem", peak_flops_per_s=1e12, bandwidth=1e11), 128)


# ----------------------------------------------------------------------------------------- outputs
def test_renders_and_converts():
    r = llm.analyze("llama-2-7b", A100, "decode", 1, 1024, flash_attention=False)
    text = str(r)
    assert "q_proj" in text and "lm_head" in text and "memory-bound" in text and "fits: yes" in text
    assert repr(r) == text
    page = r._repr_html_()
    assert page.count("<tr") == len(r.names) + 1 and "<table" in page and "lower bound" in page
    df = r.to_dataframe()
    assert list(df.index) == list(r.names) and (df["count"] * df["flops"]).sum() == pytest.approx(r.total_flops())
    w = r.workloads()
    assert [x.name for x in w] == list(r.names)
    assert w[1].flops == rows(r)["q_proj"]["flops"]
    grid = llm.analyze("llama-2-7b", A100, "decode", np.arange(1, 4), 8)
    assert "grid (3,)" in str(grid)
    with pytest.raises(ValueError, match="scalar"):
        grid.to_dataframe()


def test_one_way_to_ask_for_each_total():
    # totals are methods (optionally per kind); the old duplicate properties are gone
    r = llm.analyze("llama-2-7b", A100, "decode", 4, 512)
    for gone in ("flops", "bytes", "intensity", "bound", "time_s", "to_dicts"):
        assert not hasattr(r, gone), gone
    assert not hasattr(llm, "models") and "llama-2-7b" in llm.names()
    assert r.summary()["time_s"] == r.total_time_s() and isinstance(r.summary(), dict)
    # one kind per operator, and a total over a kind is the sum of that kind's rows of the table
    df = r.to_dataframe()
    assert len(r.kinds) == len(r.names) and list(df["kind"]) == list(r.kinds)
    for kind in set(r.kinds):
        part = df[df["kind"] == kind]
        assert r.total_time_s(kind) == pytest.approx((part["count"] * part["time_s"]).sum(), rel=1e-12)
        assert r.total_bytes(kind) == pytest.approx((part["count"] * part["bytes"]).sum(), rel=1e-12)
    assert sum(r.total_time_s(k) for k in set(r.kinds)) == pytest.approx(r.total_time_s(), rel=1e-12)
    assert r.roof.peak_flops_per_s == 312e12 and r.roof.dtype == "bf16"
    with pytest.raises(KeyError, match="operator kind"):
        r.total_time_s("lienar")


def test_generate_table_has_one_row_per_output_token():
    g = llm.generate("llama-2-7b", A100, prompt_len=100, gen_len=7, batch=2)
    df = g.to_dataframe()
    assert list(df.index) == list(range(1, 8)) and list(df["phase"]) == ["prefill"] + ["decode"] * 6
    assert list(df["cached_tokens"]) == [0, 100, 101, 102, 103, 104, 105]
    assert df["time_s"].iloc[0] == g.ttft_s and df["elapsed_s"].iloc[-1] == pytest.approx(g.total_s, rel=1e-12)
    assert "lower bound" in str(g) and "<table" in g._repr_html_()
    assert g.summary()["tpot_s"] == g.tpot_s


# ----------------------------------------------------------------------------------------- bad input
def test_unknown_model_and_platform_suggest_close_matches():
    with pytest.raises(KeyError, match="llama-2-7b"):
        llm.get("llama-2-7")
    with pytest.raises(KeyError, match="model"):
        llm.analyze("gpt-9", A100, "decode")
    with pytest.raises(KeyError, match="platform"):
        llm.analyze("llama-2-7b", "gtx-1080-tii", "decode")


@pytest.mark.parametrize("kwargs, field", [
    ({"batch": 0}, "batch"), ({"batch": -2}, "batch"), ({"seq_len": 0}, "seq_len"), ({"batch": 1.5}, "batch"),
    ({"seq_len": np.array([4, 0])}, "seq_len"), ({"batch": True}, "batch"), ({"w_bits": 5}, "w_bits"),
    ({"a_bits": 0}, "a_bits"), ({"kv_bits": 64}, "kv_bits"), ({"phase": "train"}, "phase"),
    ({"lm_head": "first"}, "lm_head"), ({"batch": np.ones(3), "seq_len": np.ones(4)}, "broadcast"),
])
def test_bad_arguments_name_the_field(kwargs, field):
    args = {"model": "llama-2-7b", "platform": A100, "phase": "decode", **kwargs}
    with pytest.raises(ValueError, match=field):
        llm.analyze(**args)


@pytest.mark.parametrize("flag", ["flash_attention", "causal_skip"])
@pytest.mark.parametrize("value", ["False", "True", 0, 1, None])
def test_flags_are_real_bools(flag, value):
    # the string "False" is truthy: it used to switch the flag on silently
    with pytest.raises(ValueError, match=flag):
        llm.analyze("llama-2-7b", A100, "prefill", 1, 16, **{flag: value})
    with pytest.raises(ValueError, match=flag):
        llm.generate("llama-2-7b", A100, 16, 2, **{flag: value})


@pytest.mark.parametrize("flag", ["tie_word_embeddings", "attention_bias"])
def test_config_flags_are_real_bools(flag):
    with pytest.raises(ValueError, match=flag):
        TINY.replace(**{flag: "False"})
    assert getattr(TINY.replace(**{flag: np.True_}), flag) is True    # numpy bools are bools


def test_numpy_bool_flags_give_the_same_numbers():
    a = llm.analyze("llama-2-7b", A100, "prefill", 1, 64, flash_attention=np.True_, causal_skip=np.False_)
    b = llm.analyze("llama-2-7b", A100, "prefill", 1, 64, flash_attention=True, causal_skip=False)
    assert a.total_time_s() == b.total_time_s() and a.options["flash_attention"] is True


HUGE = 10**400  # past float range: it used to raise a bare OverflowError deep in numpy


@pytest.mark.parametrize("call, field", [
    (lambda: llm.analyze("llama-2-7b", A100, "decode", 1, HUGE), "seq_len"),
    (lambda: llm.analyze("llama-2-7b", A100, "prefill", HUGE, 8), "batch"),
    (lambda: llm.analyze("llama-2-7b", A100, "decode", 1, 2**53 + 1), "seq_len"),
    (lambda: llm.analyze("llama-2-7b", A100, "decode", 1, np.array([8, np.inf])), "seq_len"),
    (lambda: llm.analyze("llama-2-7b", A100, "decode", "4", 8), "batch"),
    (lambda: llm.generate("llama-2-7b", A100, HUGE, 2), "prompt_len"),
    (lambda: llm.generate("llama-2-7b", A100, 8, HUGE), "gen_len"),
    (lambda: llm.generate("llama-2-7b", A100, 8, 2, batch=HUGE), "batch"),
    (lambda: llm.max_batch("llama-2-7b", A100, HUGE), "seq_len"),
    (lambda: llm.critical_batch_size("llama-2-7b", A100, HUGE), "seq_len"),
    (lambda: llm.experts_touched("mixtral-8x7b", HUGE), "tokens"),
    (lambda: TINY.replace(vocab_size=HUGE), "vocab_size"),
    (lambda: llm.critical_batch_size("llama-2-7b", A100, max_search=0), "max_search"),   # used to return inf
    (lambda: llm.critical_batch_size("llama-2-7b", A100, max_search=-4), "max_search"),
    (lambda: llm.critical_batch_size("llama-2-7b", A100, max_search=2.5), "max_search"),
])
def test_counts_are_finite_whole_numbers(call, field):
    with pytest.raises(ValueError, match=field) as err:
        call()
    assert len(str(err.value)) < 300       # a 400-digit value is shortened in the message


def test_critical_batch_gives_inf_only_past_a_real_search_limit():
    assert llm.critical_batch_size("llama-2-7b", A100, max_search=1) == math.inf     # batch 1 is memory-bound
    assert llm.critical_batch_size("llama-2-7b", A100, max_search=np.int64(2**20)) == 163


def test_bad_configs_name_the_field():
    with pytest.raises(ValueError, match="num_heads"):
        llm.LLMConfig("bad", hidden_size=10, intermediate_size=8, num_layers=1, num_heads=4)
    with pytest.raises(ValueError, match="num_kv_heads"):
        llm.LLMConfig("bad", hidden_size=12, intermediate_size=8, num_layers=1, num_heads=4, num_kv_heads=3)
    with pytest.raises(ValueError, match="experts_per_token"):
        llm.LLMConfig("bad", hidden_size=8, intermediate_size=8, num_layers=1, num_heads=2, num_experts=2,
                      experts_per_token=3)
    with pytest.raises(ValueError, match="hidden_size"):
        llm.LLMConfig("bad", hidden_size=0, intermediate_size=8, num_layers=1, num_heads=2)
    with pytest.raises(ValueError, match="gen_len"):
        llm.generate("llama-2-7b", A100, 10, 0)


# ----------------------------------------------------------------------------------------- properties
@st.composite
def configs(draw):
    kv = draw(st.integers(1, 4))
    heads = kv * draw(st.integers(1, 4))
    hd = draw(st.sampled_from([2, 4, 8]))
    experts = draw(st.sampled_from([1, 1, 4, 8]))
    return llm.LLMConfig("h", hidden_size=heads * hd, intermediate_size=draw(st.integers(1, 64)),
                         num_layers=draw(st.integers(1, 4)), num_heads=heads, num_kv_heads=kv,
                         vocab_size=draw(st.integers(1, 100)), num_experts=experts,
                         experts_per_token=draw(st.integers(1, experts)))


@settings(max_examples=40, deadline=None)
@given(cfg=configs(), phase=st.sampled_from(["prefill", "decode"]),
       batch=st.lists(st.integers(1, 64), min_size=1, max_size=3),
       seq=st.lists(st.integers(1, 5000), min_size=1, max_size=3), flash=st.booleans())
def test_grid_equals_scalar_calls_for_random_configs(cfg, phase, batch, seq, flash):
    grid = llm.analyze(cfg, A100, phase, np.array(batch)[:, None], np.array(seq)[None, :], flash_attention=flash)
    for i, b in enumerate(batch):
        for j, s in enumerate(seq):
            one = llm.analyze(cfg, A100, phase, b, s, flash_attention=flash)
            assert grid.total_flops()[i, j] == pytest.approx(one.total_flops(), rel=1e-12)
            assert grid.total_time_s()[i, j] == pytest.approx(one.total_time_s(), rel=1e-12)
            assert grid.memory_bytes[i, j] == pytest.approx(one.memory_bytes, rel=1e-12)
            # the per-operator table sums to the totals
            df = one.to_dataframe()
            assert (df["count"] * df["time_s"]).sum() == pytest.approx(one.total_time_s(), rel=1e-12)
            assert (df["count"] * df["bytes"]).sum() == pytest.approx(one.total_bytes(), rel=1e-12)
            # time is never below either roofline bound of the whole pass
            lower = max(one.total_flops() / one.peak_flops_per_s, one.total_bytes() / A100.bandwidth)
            assert one.total_time_s() >= lower * (1 - 1e-12)


def test_generate_fits_covers_the_prefill_footprint():
    # A 4096-token prompt for 16 sequences without FlashAttention: the prefill's score matrices
    # (16 x 32 heads x 4096^2 x 2 B ~ 17 GB, softmax holds two) push its footprint past 80 GB, while
    # the first decode step (weights + KV cache, ~48 GB) fits. The run as a whole does not fit.
    pre = llm.analyze("llama-2-7b", A100, "prefill", batch=16, seq_len=4096, flash_attention=False)
    dec = llm.analyze("llama-2-7b", A100, "decode", batch=16, seq_len=4096, flash_attention=False)
    assert pre.fits is False and dec.fits is True
    g = llm.generate("llama-2-7b", A100, prompt_len=4096, gen_len=2, batch=16, flash_attention=False)
    assert g.peak_memory_bytes == pytest.approx(max(pre.memory_bytes, dec.memory_bytes), rel=1e-12)
    assert g.fits is False
    # with a long generation the last decode step (largest KV cache) sets the peak
    g2 = llm.generate("llama-2-7b", A100, prompt_len=100, gen_len=50, batch=2, flash_attention=False)
    last = llm.analyze("llama-2-7b", A100, "decode", batch=2, seq_len=148, flash_attention=False)
    assert g2.peak_memory_bytes == pytest.approx(last.memory_bytes, rel=1e-12) and g2.fits is True

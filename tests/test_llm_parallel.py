"""rl.llm on several devices, and the serving keywords, against hand-derived closed forms.

Oracles: (1) the numbers rl.llm gave BEFORE it learned about devices (recorded from the code of commit 09eab01
with the script in the docstring of BASELINE); tp = pp = ep = 1 must reproduce them exactly; (2) hand counts on a
tiny config (h = 8, 4 query heads, 2 KV heads of dimension 2, 2 layers, vocab 10) over an ideal link (α = 0,
100 GB/s per direction), where every collective is a closed form: a ring all-reduce of S bytes over n devices
sends 2(n-1)/n x S per device (NCCL's bus factor), an all-gather and an all-to-all (n-1)/n x S, a send S.
"""

from __future__ import annotations


import numpy as np
import pytest

import rooflib as rl
from rooflib import comm, llm

A100 = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                   peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})
H = rl.Platform(name="h100-like", peak_flops_per_s=989e12, bandwidth=3.35e12, memory_bytes=80e9,
                peaks={"bf16": 989e12, "fp8": 1979e12, "int8": 1979e12})
IDEAL = comm.Link("ideal", bandwidth=100e9, latency_s=0.0)
SLOW = comm.Link("slow", bandwidth=10e9, latency_s=2e-6)
# h=8, i=12, 2 layers, 4 query heads, 2 KV heads (GQA group 2), head_dim 2, vocab 10.
TINY = llm.LLMConfig("tiny", hidden_size=8, intermediate_size=12, num_layers=2, num_heads=4, num_kv_heads=2,
                     vocab_size=10)
# the same shapes as a mixture of 4 experts, 2 per token
TINY_MOE = TINY.replace(name="tiny-moe", num_experts=4, experts_per_token=2)
PLAT = rl.Platform(name="tiny-gpu", peak_flops_per_s=1e12, bandwidth=1e11, memory_bytes=1e9, interconnect="nvlink4")


def rows(r):
    return r.to_dataframe().to_dict("index")


# ------------------------------------------------------------------------------------------------ baseline
# Computed with the rl.llm of commit 09eab01 (before tp/pp/ep and the serving keywords), by this script:
#   for plat in (A100, H): for (model, phase, batch, seq_len, kwargs) in CASES: analyze(...) totals, per kind;
#   generate, critical_batch_size and max_batch as keyed; floats written with repr (exact).
CASES = [
    ("llama-2-7b", "decode", 1, 1024, {}), ("llama-2-7b", "prefill", 4, 2048, {}),
    ("llama-3-70b", "decode", 16, 4096, {}), ("llama-3-70b", "prefill", 1, 8192, {"flash_attention": True}),
    ("mixtral-8x7b", "decode", 3, 500, {}), ("mixtral-8x7b", "prefill", 2, 1000, {"causal_skip": True}),
    ("qwen2.5-7b", "decode", 7, 333, {"w_bits": 4}), ("mistral-7b", "prefill", 1, 8192, {"lm_head": "all"}),
    ("llama-3-8b", "decode", 64, 2000, {"w_bits": 8, "a_bits": 8, "kv_bits": 8}),
]
BASELINE = {'A100|llama-2-7b|decode|1|1024|{}': {'flops': 13759886336.0,
                                      'bytes': 13770824192.0,
                                      'time_s': 0.006753714660127514,
                                      'memory_bytes': 14014357632.0,
                                      'kv_cache_bytes': 537395200.0,
                                      'weight_memory_bytes': 13476831232.0,
                                      'activation_bytes': 131200.0,
                                      'time_s:attention': 0.0002679334418832761,
                                      'time_s:elementwise': 1.8079450711132909e-06,
                                      'time_s:linear': 0.0064831898303089755,
                                      'time_s:norm': 7.834428641490927e-07},
 'A100|llama-2-7b|prefill|4|2048|{}': {'flops': 115011213066240.0,
                                       'bytes': 239103412224.0,
                                       'time_s': 0.4309094994320478,
                                       'memory_bytes': 19919282176.0,
                                       'kv_cache_bytes': 4294967296.0,
                                       'weight_memory_bytes': 13476831232.0,
                                       'activation_bytes': 2147483648.0,
                                       'time_s:attention': 0.0716178950779794,
                                       'time_s:elementwise': 0.014810686022560079,
                                       'time_s:linear': 0.34020201455514737,
                                       'time_s:norm': 0.004278903776360961},
 'A100|llama-3-70b|decode|16|4096|{}': {'flops': 2397862510592.0,
                                        'bytes': 164062093312.0,
                                        'time_s': 0.0804620369357528,
                                        'memory_bytes': 162604273664.0,
                                        'kv_cache_bytes': 21480079360.0,
                                        'weight_memory_bytes': 141107412992.0,
                                        'activation_bytes': 16781312.0,
                                        'time_s:attention': 0.011872011927415398,
                                        'time_s:elementwise': 0.00016970577734183421,
                                        'time_s:linear': 0.06837762762138302,
                                        'time_s:norm': 4.269160961255517e-05},
 'A100|llama-3-70b|prefill|1|8192|{"flash_attention": true}': {'flops': 1299291716976640.0,
                                                               'bytes': 595615050240.0,
                                                               'time_s': 4.2730328295434985,
                                                               'memory_bytes': 145201053696.0,
                                                               'kv_cache_bytes': 2684354560.0,
                                                               'weight_memory_bytes': 141107412992.0,
                                                               'activation_bytes': 1409286144.0,
                                                               'time_s:attention': 0.5693584851364102,
                                                               'time_s:elementwise': 0.08688935799901912,
                                                               'time_s:linear': 3.5955879553928662,
                                                               'time_s:norm': 0.02119703101520353},
 'A100|mixtral-8x7b|decode|3|500|{}': {'flops': 77306539008.0,
                                       'bytes': 55354594304.0,
                                       'time_s': 0.027147912851397747,
                                       'memory_bytes': 93603102720.0,
                                       'kv_cache_bytes': 197001216.0,
                                       'weight_memory_bytes': 93405585408.0,
                                       'activation_bytes': 516096.0,
                                       'time_s:attention': 0.000103426511034821,
                                       'time_s:elementwise': 1.0413763609612554e-05,
                                       'time_s:linear': 0.027032244543403628,
                                       'time_s:norm': 1.8280333496812164e-06},
 'A100|mixtral-8x7b|prefill|2|1000|{"causal_skip": true}': {'flops': 51013399552000.0,
                                                            'bytes': 136504865792.0,
                                                            'time_s': 0.1747920859377523,
                                                            'memory_bytes': 94011793408.0,
                                                            'kv_cache_bytes': 262144000.0,
                                                            'weight_memory_bytes': 93405585408.0,
                                                            'activation_bytes': 344064000.0,
                                                            'time_s:attention': 0.00466449828347229,
                                                            'time_s:elementwise': 0.006942509073075037,
                                                            'time_s:linear': 0.16214022694805147,
                                                            'time_s:norm': 0.0010448516331535065},
 'A100|qwen2.5-7b|decode|7|333|{"w_bits": 4}': {'flops': 99958251680.0,
                                                'bytes': 3760784384.0,
                                                'time_s': 0.0018444258871996078,
                                                'memory_bytes': 3944057600.0,
                                                'kv_cache_bytes': 134070272.0,
                                                'weight_memory_bytes': 3807808256.0,
                                                'activation_bytes': 2179072.0,
                                                'time_s:attention': 7.432273859735164e-05,
                                                'time_s:elementwise': 1.5060182442373713e-05,
                                                'time_s:linear': 0.0017521875429131928,
                                                'time_s:norm': 2.855423246689554e-06},
 'A100|mistral-7b|prefill|1|8192|{"lm_head": "all"}': {'flops': 152054324527104.0,
                                                       'bytes': 657044545536.0,
                                                       'time_s': 0.6672969334420145,
                                                       'memory_bytes': 24147140608.0,
                                                       'kv_cache_bytes': 1073741824.0,
                                                       'weight_memory_bytes': 14483464192.0,
                                                       'activation_bytes': 8589934592.0,
                                                       'time_s:attention': 0.2722533217302599,
                                                       'time_s:elementwise': 0.017377871599803824,
                                                       'time_s:linear': 0.3733868363355897,
                                                       'time_s:norm': 0.004278903776360961},
 'A100|llama-3-8b|decode|64|2000|{"a_bits": 8, "kv_bits": 8, "w_bits": 8}': {'flops': 1028626120704.0,
                                                                             'bytes': 16787787776.0,
                                                                             'time_s': 0.008233343686120649,
                                                                             'memory_bytes': 16431534080.0,
                                                                             'kv_cache_bytes': 8392802304.0,
                                                                             'weight_memory_bytes': 8030261248.0,
                                                                             'activation_bytes': 8470528.0,
                                                                             'time_s:attention': 0.0043816231799901914,
                                                                             'time_s:elementwise': 6.788231093673369e-05,
                                                                             'time_s:linear': 0.0037669941736145174,
                                                                             'time_s:norm': 1.6844021579205494e-05},
 'H100|llama-2-7b|decode|1|1024|{}': {'flops': 13759886336.0,
                                      'bytes': 13770824192.0,
                                      'time_s': 0.004110693788656716,
                                      'memory_bytes': 14014357632.0,
                                      'kv_cache_bytes': 537395200.0,
                                      'weight_memory_bytes': 13476831232.0,
                                      'activation_bytes': 131200.0,
                                      'time_s:attention': 0.00016307948895522389,
                                      'time_s:elementwise': 1.1004179104477611e-06,
                                      'time_s:linear': 0.0039460370340298504,
                                      'time_s:norm': 4.768477611940298e-07},
 'H100|llama-2-7b|prefill|4|2048|{}': {'flops': 115011213066240.0,
                                       'bytes': 239103412224.0,
                                       'time_s': 0.16257104295384586,
                                       'memory_bytes': 19919282176.0,
                                       'kv_cache_bytes': 4294967296.0,
                                       'weight_memory_bytes': 13476831232.0,
                                       'activation_bytes': 2147483648.0,
                                       'time_s:attention': 0.04359071285492538,
                                       'time_s:elementwise': 0.00901462352238806,
                                       'time_s:linear': 0.10736132305414438,
                                       'time_s:norm': 0.00260438352238806},
 'H100|llama-3-70b|decode|16|4096|{}': {'flops': 2397862510592.0,
                                        'bytes': 164062093312.0,
                                        'time_s': 0.048973759197611946,
                                        'memory_bytes': 162604273664.0,
                                        'kv_cache_bytes': 21480079360.0,
                                        'weight_memory_bytes': 141107412992.0,
                                        'activation_bytes': 16781312.0,
                                        'time_s:attention': 0.007225979797014927,
                                        'time_s:elementwise': 0.00010329256119402986,
                                        'time_s:linear': 0.04161850230447761,
                                        'time_s:norm': 2.5984534925373132e-05},
 'H100|llama-3-70b|prefill|1|8192|{"flash_attention": true}': {'flops': 1299291716976640.0,
                                                               'bytes': 595615050240.0,
                                                               'time_s': 1.380006066657039,
                                                               'memory_bytes': 145201053696.0,
                                                               'kv_cache_bytes': 2684354560.0,
                                                               'weight_memory_bytes': 141107412992.0,
                                                               'activation_bytes': 1409286144.0,
                                                               'time_s:attention': 0.17961561917346813,
                                                               'time_s:elementwise': 0.05288579133134329,
                                                               'time_s:linear': 1.1346029408567049,
                                                               'time_s:norm': 0.012901715295522389},
 'H100|mixtral-8x7b|decode|3|500|{}': {'flops': 77306539008.0,
                                       'bytes': 55354594304.0,
                                       'time_s': 0.016523759493731346,
                                       'memory_bytes': 93603102720.0,
                                       'kv_cache_bytes': 197001216.0,
                                       'weight_memory_bytes': 93405585408.0,
                                       'activation_bytes': 516096.0,
                                       'time_s:attention': 6.295124059701491e-05,
                                       'time_s:elementwise': 6.338407164179104e-06,
                                       'time_s:linear': 0.016453357201194032,
                                       'time_s:norm': 1.112644776119403e-06},
 'H100|mixtral-8x7b|prefill|2|1000|{"causal_skip": true}': {'flops': 51013399552000.0,
                                                            'bytes': 136504865792.0,
                                                            'time_s': 0.058964594333556886,
                                                            'memory_bytes': 94011793408.0,
                                                            'kv_cache_bytes': 262144000.0,
                                                            'weight_memory_bytes': 93405585408.0,
                                                            'activation_bytes': 344064000.0,
                                                            'time_s:attention': 0.002839078208955224,
                                                            'time_s:elementwise': 0.004225604776119403,
                                                            'time_s:linear': 0.05126395538430315,
                                                            'time_s:norm': 0.0006359559641791044},
 'H100|qwen2.5-7b|decode|7|333|{"w_bits": 4}': {'flops': 99958251680.0,
                                                'bytes': 3760784384.0,
                                                'time_s': 0.0011226222041791046,
                                                'memory_bytes': 3944057600.0,
                                                'kv_cache_bytes': 134070272.0,
                                                'weight_memory_bytes': 3807808256.0,
                                                'activation_bytes': 2179072.0,
                                                'time_s:attention': 4.523703402985075e-05,
                                                'time_s:elementwise': 9.166481194029852e-06,
                                                'time_s:linear': 0.0010664807164179103,
                                                'time_s:norm': 1.7379725373134328e-06},
 'H100|mistral-7b|prefill|1|8192|{"lm_head": "all"}': {'flops': 152054324527104.0,
                                                       'bytes': 657044545536.0,
                                                       'time_s': 0.29668276406741567,
                                                       'memory_bytes': 24147140608.0,
                                                       'kv_cache_bytes': 1073741824.0,
                                                       'weight_memory_bytes': 14483464192.0,
                                                       'activation_bytes': 8589934592.0,
                                                       'time_s:attention': 0.16570881283820896,
                                                       'time_s:elementwise': 0.010577158266268656,
                                                       'time_s:linear': 0.11779240944055006,
                                                       'time_s:norm': 0.00260438352238806},
 'H100|llama-3-8b|decode|64|2000|{"a_bits": 8, "kv_bits": 8, "w_bits": 8}': {'flops': 1028626120704.0,
                                                                             'bytes': 16787787776.0,
                                                                             'time_s': 0.005011279933134327,
                                                                             'memory_bytes': 16431534080.0,
                                                                             'kv_cache_bytes': 8392802304.0,
                                                                             'weight_memory_bytes': 8030261248.0,
                                                                             'activation_bytes': 8470528.0,
                                                                             'time_s:attention': 0.002666904377313433,
                                                                             'time_s:elementwise': 4.131702447761194e-05,
                                                                             'time_s:linear': 0.002292806304477612,
                                                                             'time_s:norm': 1.0252226865671642e-05},
 'generate|llama-2-7b|A100|512|64|4': {'ttft_s': 0.09518564860004236,
                                       'tpot_s': 0.007069516209906817,
                                       'total_s': 0.5405651698241718,
                                       'peak_memory_bytes': 14685839360.0},
 'generate|mixtral-8x7b|H100|1000|32|8|flash': {'ttft_s': 0.22854732385396131,
                                                'tpot_s': 0.025468505457324903,
                                                'total_s': 1.0180709930310332,
                                                'peak_memory_bytes': 95830417408.0},
 'critical|llama-2-7b|A100': 163,
 'critical|llama-3-70b|H100|4096': 313,
 'critical|mixtral|H100|w4': 301,
 'max_batch|llama-2-7b|A100|4096': 30,
 'max_batch|llama-3-8b|H100|8192': 59,
 'max_batch|mixtral|H100big|2048': 396,
 'max_batch|llama-3-70b|h100-sxm|4096': 0,
 'grid|llama-3-8b|A100|decode': {'time_s': [[0.007367730974006867, 0.007435348119666503, 0.009416052386463949],
                                            [0.0074058499892103976, 0.007879170008827856, 0.021744099876410003],
                                            [0.007767980633643944, 0.012095477955860719, 0.1388605510308975]],
                                 'memory_bytes': [[16062228992.0, 16191990272.0, 19996653696.0],
                                                  [16072467968.0, 16980796928.0, 43613440896.0],
                                                  [16169738240.0, 24474460160.0, 267972919296.0]]}}


@pytest.mark.parametrize("plat_name, plat", [("A100", A100), ("H100", H)])
@pytest.mark.parametrize("model, phase, batch, seq_len, kwargs", CASES)
def test_one_device_reproduces_the_numbers_from_before_exactly(plat_name, plat, model, phase, batch, seq_len, kwargs):
    import json

    key = f"{plat_name}|{model}|{phase}|{batch}|{seq_len}|{json.dumps(kwargs, sort_keys=True)}"
    # Mistral-7B's sliding window (4096) did not exist then: at 8192 tokens its cache now holds 4096 tokens
    extra = {"sliding_window": False} if model == "mistral-7b" else {}
    for explicit in ({}, {"tp": 1, "pp": 1, "ep": 1, "micro_batches": 1}):
        r = llm.analyze(model, plat, phase, batch, seq_len, **{"flash_attention": False, **kwargs}, **extra, **explicit)
        got = {"flops": r.total_flops(), "bytes": r.total_bytes(), "time_s": r.total_time_s(),
               "memory_bytes": r.memory_bytes, "kv_cache_bytes": r.kv_cache_bytes,
               "weight_memory_bytes": r.weight_memory_bytes, "activation_bytes": r.activation_bytes}
        got.update({f"time_s:{k}": r.total_time_s(k) for k in ("attention", "elementwise", "linear", "norm")})
        assert got == BASELINE[key]                              # exact, not approx
        assert r.total_time_s("communication") == 0 and r.total_link_bytes() == 0
        assert "communication" not in r.kinds and r.devices == 1


def test_one_device_generate_critical_and_max_batch_are_unchanged():
    g = llm.generate("llama-2-7b", A100, 512, 64, 4, flash_attention=False)
    assert {"ttft_s": g.ttft_s, "tpot_s": g.tpot_s, "total_s": g.total_s, "peak_memory_bytes": g.peak_memory_bytes} \
        == BASELINE["generate|llama-2-7b|A100|512|64|4"]
    g = llm.generate("mixtral-8x7b", H, 1000, 32, 8, flash_attention=True)
    assert {"ttft_s": g.ttft_s, "tpot_s": g.tpot_s, "total_s": g.total_s, "peak_memory_bytes": g.peak_memory_bytes} \
        == BASELINE["generate|mixtral-8x7b|H100|1000|32|8|flash"]
    assert llm.critical_batch_size("llama-2-7b", A100) == BASELINE["critical|llama-2-7b|A100"]
    assert llm.critical_batch_size("llama-3-70b", H, 4096) == BASELINE["critical|llama-3-70b|H100|4096"]
    assert llm.critical_batch_size("mixtral-8x7b", H, 2048, w_bits=4) == BASELINE["critical|mixtral|H100|w4"]
    assert llm.max_batch("llama-2-7b", A100, 4096) == BASELINE["max_batch|llama-2-7b|A100|4096"]
    assert llm.max_batch("llama-3-8b", H, 8192) == BASELINE["max_batch|llama-3-8b|H100|8192"]
    assert llm.max_batch("mixtral-8x7b", H.replace(memory_bytes=200e9), 2048) == BASELINE["max_batch|mixtral|H100big|2048"]
    r = llm.analyze("llama-3-8b", A100, "decode", np.array([1, 7, 64])[:, None], np.array([10, 1000, 30000])[None, :],
                    flash_attention=False)
    assert np.asarray(r.total_time_s()).tolist() == BASELINE["grid|llama-3-8b|A100|decode"]["time_s"]
    assert np.asarray(r.memory_bytes).tolist() == BASELINE["grid|llama-3-8b|A100|decode"]["memory_bytes"]


# ------------------------------------------------------------------------------------------------ the acceptance
def test_llama3_70b_needs_several_h100s():
    # 70.6 B parameters x 2 bytes = 141 GB of weights: more than one 80 GB H100 holds, an eighth of it fits easily
    assert llm.max_batch("llama-3-70b", "h100-sxm", 4096) == 0
    assert llm.max_batch("llama-3-70b", "h100-sxm", 4096, tp=1) == 0
    assert llm.max_batch("llama-3-70b", "h100-sxm", 4096, tp=8) > 0
    assert llm.max_batch("llama-3-70b", "h100-sxm", 4096, tp=2, pp=4) > 0
    one = llm.analyze("llama-3-70b", "h100-sxm", "decode", 1, 4096)
    eight = llm.analyze("llama-3-70b", "h100-sxm", "decode", 1, 4096, tp=8)
    assert one.fits is False and eight.fits is True
    assert eight.layout.link.name == "nvlink4"                 # the H100 SXM's interconnect, from the catalogue


# ------------------------------------------------------------------------------------------------ tensor parallel
def test_tp_all_reduces_and_sharded_weights_by_hand():
    # decode, batch 3 (3 tokens), 5 cached, 16-bit: the activations to sum are T x h x 2 B = 3 x 8 x 2 = 48 bytes
    one = rows(llm.analyze(TINY, PLAT, "decode", 3, 5))
    r = llm.analyze(TINY, PLAT, "decode", 3, 5, tp=2, link=IDEAL)
    two = rows(r)
    ring = 2 * (2 - 1) / 2 * 48                                   # ring all-reduce: 2(n-1)/n x S = 48 bytes sent
    for op in ("attn_all_reduce", "mlp_all_reduce"):              # TWO all-reduces per layer
        assert two[op]["kind"] == "communication" and two[op]["count"] == 2 and two[op]["link_bytes"] == ring
        assert two[op]["time_s"] == ring / 100e9 and two[op]["bound"] == "communication"
    assert two["embed_all_reduce"]["link_bytes"] == ring and two["embed_all_reduce"]["count"] == 1
    assert two["logits_all_gather"]["link_bytes"] == (2 - 1) / 2 * (3 * 10 * 2)   # (n-1)/n x all logits
    link = 2 * 2 * ring + ring + 30
    assert r.total_link_bytes() == link
    assert r.total_time_s("communication") == pytest.approx(link / 100e9, rel=1e-12)
    # column- and row-parallel matrices: half of each on each device; norms replicated
    for op in ("q_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"):
        assert two[op]["weight_bytes"] == one[op]["weight_bytes"] / 2, op
        assert two[op]["flops"] == one[op]["flops"] / 2, op
    assert two["k_proj"]["weight_bytes"] == one["k_proj"]["weight_bytes"] / 2      # 2 KV heads, 1 per device
    assert two["attn_norm"]["weight_bytes"] == one["attn_norm"]["weight_bytes"]
    assert two["qk_matmul"]["kv_load_bytes"] == one["qk_matmul"]["kv_load_bytes"] / 2
    # weights per device: (sharded matrices) / 2 + norms; 2 bytes each
    h, q, kv, i, V, L = 8, 8, 4, 12, 10, 2
    sharded = L * (h * q + 2 * h * kv + q * h + 3 * h * i) + 2 * V * h
    norms = L * 2 * h + h
    assert r.weight_memory_bytes == (sharded / 2 + norms) * 2
    assert llm.analyze(TINY, PLAT, "decode", 3, 5).weight_memory_bytes == (sharded + norms) * 2 == \
        llm.param_count(TINY) * 2
    # the per-device KV cache halves too: 2 x layers x 1 KV head x head_dim 2 x 2 B per token, 3 x 6 tokens
    assert r.kv_cache_bytes == 2 * 2 * 1 * 2 * 2 * 3 * 6


def test_tp_beyond_the_kv_heads_replicates_them():
    # 4 devices, 2 KV heads: each device keeps one KV head (each replicated twice), as vLLM does
    r2 = rows(llm.analyze(TINY, PLAT, "decode", 3, 5, tp=2, link=IDEAL))
    r4 = llm.analyze(TINY, PLAT, "decode", 3, 5, tp=4, link=IDEAL)
    four = rows(r4)
    assert four["k_proj"]["weight_bytes"] == r2["k_proj"]["weight_bytes"] == 8 * 2 * 2
    assert four["qk_matmul"]["kv_load_bytes"] == r2["qk_matmul"]["kv_load_bytes"]
    assert four["q_proj"]["weight_bytes"] == r2["q_proj"]["weight_bytes"] / 2
    assert r4.kv_cache_bytes == llm.analyze(TINY, PLAT, "decode", 3, 5, tp=2, link=IDEAL).kv_cache_bytes
    ring4 = 2 * 3 / 4 * 48
    assert four["attn_all_reduce"]["link_bytes"] == ring4


def test_collective_rows_are_rl_comm_collectives():
    r = rows(llm.analyze("llama-3-70b", "h100-sxm", "prefill", 2, 512, tp=8))
    nbytes = 2 * 512 * 8192 * 2
    ar = comm.all_reduce(nbytes, 8, "nvlink4")
    assert r["attn_all_reduce"]["link_bytes"] == pytest.approx(ar.bytes_sent_per_device, rel=1e-12)
    assert r["attn_all_reduce"]["time_s"] == pytest.approx(ar.time_s, rel=1e-12)
    pcie = rows(llm.analyze("llama-3-70b", "h100-sxm", "prefill", 2, 512, tp=8, link="pcie5-x16"))
    assert pcie["mlp_all_reduce"]["time_s"] == pytest.approx(comm.all_reduce(nbytes, 8, "pcie5").time_s, rel=1e-12)


def test_tp_matmul_turns_communication_bound_when_devices_grow_whatever_the_batch():
    # one TP layer's MLP on n devices: FLOPs 2 T h i x 3 / n, link bytes 2(n-1)/n x T h x 2 (one all-reduce):
    # link intensity = 3 i / (2 (n - 1)) x ... independent of T; it falls as n grows
    for batch in (64, 512):
        ratios = []
        for n in (2, 4, 8):
            r = llm.analyze("llama-3-70b", "h100-sxm", "prefill", 1, batch, tp=n)
            df = r.to_dataframe()
            mlp = df.loc[["gate_proj", "up_proj", "down_proj"], "flops"].sum()
            ratios.append(mlp / df.loc["mlp_all_reduce", "link_bytes"])
        assert ratios[0] > ratios[1] > ratios[2]
        i = 28672  # Llama-3-70B intermediate size
        assert ratios[2] == pytest.approx(3 * 2 * i / 8 / (2 * 7 / 8 * 2), rel=1e-9)


# ------------------------------------------------------------------------------------------------ pipeline
def test_pp_one_micro_batch_is_the_whole_model_plus_the_sends():
    one = llm.analyze(TINY, PLAT, "prefill", 4, 6)
    r = llm.analyze(TINY, PLAT, "prefill", 4, 6, pp=2, link=IDEAL)
    send = 4 * 6 * 8 * 2 / 100e9                      # one hand-off of T x h x 2 B between the two stages
    assert r.total_time_s() == pytest.approx(one.total_time_s() + send, rel=1e-12)
    assert r.layout.bubble_fraction == 1 / 2
    assert r.total_time_s("bubble") == pytest.approx(r.total_time_s() / 2, rel=1e-12)
    assert r.total_flops() == pytest.approx(one.total_flops() / 2, rel=1e-12)     # each device does half the work
    # footprint: the fullest stage holds one layer and the larger end (embedding or LM head + final norm)
    h, q, kv, i, V = 8, 8, 4, 12, 10
    layer = h * q + 2 * h * kv + q * h + 3 * h * i + 2 * h
    assert r.weight_memory_bytes == (layer + V * h + h) * 2


def test_pp_micro_batches_and_the_gpipe_bubble():
    # (m + pp - 1) / pp x the time of one micro-batch through all stages (GPipe), sends included
    m, pp, B = 4, 2, 8
    r = llm.analyze(TINY, PLAT, "prefill", B, 6, pp=pp, micro_batches=m, link=IDEAL)
    mb = llm.analyze(TINY, PLAT, "prefill", B // m, 6).total_time_s() + (B // m) * 6 * 8 * 2 / 100e9
    assert r.total_time_s() == pytest.approx((m + pp - 1) / pp * mb, rel=1e-12)
    assert r.total_time_s("bubble") / r.total_time_s() == pytest.approx((pp - 1) / (m + pp - 1), rel=1e-12)
    assert r.layout.bubble_fraction == pytest.approx(1 / 5)


# ------------------------------------------------------------------------------------------------ expert parallel
def test_ep_all_to_alls_and_experts_per_device():
    # 4 experts over 2 devices; batch 6 decode: each device runs 3 sequences (3 tokens) and holds 2 experts
    r = llm.analyze(TINY_MOE, PLAT, "decode", 6, 5, ep=2, link=IDEAL)
    d = rows(r)
    tokens, k, h, i = 3, 2, 8, 12
    a2a = (2 - 1) / 2 * tokens * k * h * 2            # (n-1)/n of the token copies leave the device
    assert d["moe_dispatch"]["link_bytes"] == d["moe_combine"]["link_bytes"] == a2a
    assert d["moe_dispatch"]["count"] == 2
    # 6 tokens in all, each picking 2 of 4 experts: each expert is touched with probability 1 - (1/2)^6
    touched = 2 * (1 - (1 - 2 / 4) ** 6)
    assert d["gate_proj"]["weight_bytes"] == pytest.approx(touched * h * i * 2, rel=1e-12)
    assert d["gate_proj"]["flops"] == 2 * tokens * k * h * i
    assert r.kv_cache_bytes == 2 * 2 * 2 * 2 * 2 * 3 * 6   # 3 sequences per device
    full = llm.analyze(TINY_MOE, PLAT, "decode", 6, 5)
    assert r.weight_memory_bytes == pytest.approx(full.weight_memory_bytes - 2 * 2 * 3 * h * i * 2, rel=1e-12)


# ------------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs, field", [
    ({"tp": 3}, "tp"), ({"tp": 0}, "tp"), ({"tp": -2}, "tp"), ({"tp": 2.0}, "tp"), ({"tp": "2"}, "tp"),
    ({"pp": 0}, "pp"), ({"pp": 3}, "pp"), ({"ep": 2}, "ep"), ({"micro_batches": 0}, "micro_batches"),
    ({"tp": 2, "link": 5}, "link"), ({"past_len": -1, "phase": "prefill"}, "past_len"),
    ({"past_len": 4}, "past_len"), ({"w_group_size": 128}, "w_group_size"),
    ({"w_bits": 4, "w_group_size": 0}, "w_group_size"), ({"embed_bits": 5}, "embed_bits"),
    ({"sliding_window": "True"}, "sliding_window"), ({"kv_block_size": 0}, "kv_block_size"),
])
def test_bad_layout_and_serving_arguments_name_the_field(kwargs, field):
    args = {"model": TINY, "platform": PLAT, "phase": "decode", **kwargs}
    with pytest.raises(ValueError, match=field):
        llm.analyze(**args)


def test_tp_must_divide_heads_and_fit_the_kv_heads():
    with pytest.raises(ValueError, match=r"tp must divide num_heads \(4\)"):
        llm.analyze(TINY, PLAT, "decode", tp=3)
    odd = llm.LLMConfig("odd", hidden_size=12, intermediate_size=8, num_layers=1, num_heads=6, num_kv_heads=3)
    with pytest.raises(ValueError, match="tp must divide num_kv_heads"):
        llm.analyze(odd, PLAT, "decode", tp=2)
    with pytest.raises(ValueError, match="tp must divide num_heads"):
        llm.max_batch("llama-3-70b", "h100-sxm", 4096, tp=3)


def test_unknown_or_missing_link_is_named():
    with pytest.raises(KeyError, match="link.*nvlinkk"):
        llm.analyze(TINY, PLAT, "decode", tp=2, link="nvlinkk")
    with pytest.raises(KeyError, match="pp_link"):
        llm.analyze(TINY, PLAT, "decode", pp=2, pp_link="infiniband-xyz")
    with pytest.raises(KeyError, match="link"):
        llm.analyze(TINY, PLAT, "decode", link="nope")             # checked even on one device
    cpu = PLAT.replace(interconnect=None)
    with pytest.raises(ValueError, match="link"):
        llm.analyze(TINY, cpu, "decode", tp=2)
    assert llm.analyze(TINY, cpu, "decode").devices == 1        # one device needs no link


# ------------------------------------------------------------------------------------------------ serving keywords
def test_past_len_prefill_of_one_token_is_a_decode_step():
    # one new token after P cached ones (speculative verification, chunked prefill) is exactly a decode step
    for P_ in (1, 37, 4000):
        pre = llm.analyze("llama-3-8b", A100, "prefill", 3, 1, past_len=P_)
        dec = llm.analyze("llama-3-8b", A100, "decode", 3, P_)
        assert pre.total_flops() == dec.total_flops() and pre.total_bytes() == dec.total_bytes()
        assert pre.kv_cache_bytes == dec.kv_cache_bytes


def test_past_len_attention_pairs_closed_form():
    # S new tokens after P cached: the full matrix S (P + S), the unmasked pairs S P + S (S + 1) / 2
    S_, P_ = 4, 6
    full = rows(llm.analyze(TINY, PLAT, "prefill", 2, S_, past_len=P_))
    causal = rows(llm.analyze(TINY, PLAT, "prefill", 2, S_, past_len=P_, causal_skip=True))
    assert full["qk_matmul"]["flops"] == 2 * (2 * 4 * S_ * (P_ + S_)) * 2
    assert causal["qk_matmul"]["flops"] == 2 * (2 * 4 * (S_ * P_ + S_ * (S_ + 1) / 2)) * 2
    assert full["qk_matmul"]["kv_load_bytes"] == 2 * (P_ + S_) * 4 * 2       # K of cached and new tokens
    assert full["k_proj"]["kv_store_bytes"] == 2 * S_ * 4 * 2                 # only the new tokens are written
    g = llm.generate(TINY, PLAT, 4, 3, 2, past_len=6)
    assert g.cached_len == 6 and g.decode_step_s[0] == llm.analyze(TINY, PLAT, "decode", 2, 10).total_time_s()


def test_group_scales_and_embeddings_at_their_own_precision():
    # W4 with one 16-bit scale per 128 weights: 4 + 16/128 = 4.125 bits per projection weight
    r = rows(llm.analyze("llama-2-7b", A100, "decode", 1, 100, w_bits=4, w_group_size=128, embed_bits=16))
    assert r["q_proj"]["weight_bytes"] == 4096 * 4096 * (4 / 8 + 2 / 128)
    assert r["lm_head"]["weight_bytes"] == 4096 * 32000 * 2                  # kept at 16 bits, no scales
    assert r["attn_norm"]["weight_bytes"] == 4096 * 4 / 8
    res = llm.analyze("llama-2-7b", A100, "decode", 1, 100, w_bits=4, w_group_size=128, embed_bits=16)
    mats = llm.param_count("llama-2-7b") - 2 * 32000 * 4096 - (2 * 32 + 1) * 4096
    assert res.weight_memory_bytes == pytest.approx(mats * 4.125 / 8 + 2 * 32000 * 4096 * 2 + 65 * 4096 / 2,
                                                    rel=1e-12)


def test_sliding_window_caps_mistral_attention_and_cache():
    long = llm.analyze("mistral-7b", A100, "decode", 2, 10000)
    off = llm.analyze("mistral-7b", A100, "decode", 2, 10000, sliding_window=False)
    assert rows(long)["qk_matmul"]["kv_load_bytes"] == 2 * 4096 * 8 * 128 * 2
    assert rows(off)["qk_matmul"]["kv_load_bytes"] == 2 * 10001 * 8 * 128 * 2
    per_token = llm.kv_cache_bytes_per_token("mistral-7b")
    assert long.kv_cache_bytes == per_token * 2 * 4096 and off.kv_cache_bytes == per_token * 2 * 10001
    short = llm.analyze("mistral-7b", A100, "decode", 2, 1000)
    assert short.total_bytes() == llm.analyze("mistral-7b", A100, "decode", 2, 1000, sliding_window=False).total_bytes()
    # a causal prefill of 6000 tokens with a 4096 window: 4096 x 4097 / 2 + (6000 - 4096) x 4096 pairs per head
    pre = rows(llm.analyze("mistral-7b", A100, "prefill", 1, 6000, causal_skip=True))
    assert pre["softmax"]["flops"] == 5 * 32 * (4096 * 4097 / 2 + 1904 * 4096)


def test_paged_kv_blocks_and_the_memory_budget():
    r = llm.analyze("llama-2-7b", A100, "decode", 3, 1000, kv_block_size=16)
    assert r.kv_cache_bytes == 512 * 1024 * 3 * 1008                           # 1001 tokens -> 63 pages of 16
    b_all = llm.max_batch("llama-2-7b", A100, 4096)
    b_cap = llm.max_batch("llama-2-7b", A100, 4096, memory_utilization=0.9, reserve_bytes=2e9, kv_block_size=16)
    budget = 80e9 * 0.9 - 2e9
    assert llm.memory_budget(A100, 0.9, 2e9) == budget
    assert b_cap < b_all
    assert llm.analyze("llama-2-7b", A100, "decode", b_cap, 4096, kv_block_size=16).memory_bytes <= budget
    assert llm.analyze("llama-2-7b", A100, "decode", b_cap + 1, 4096, kv_block_size=16).memory_bytes > budget
    with pytest.raises(ValueError, match="memory_utilization"):
        llm.max_batch("llama-2-7b", A100, 4096, memory_utilization=1.5)
    with pytest.raises(ValueError, match="reserve_bytes"):
        llm.max_batch("llama-2-7b", A100, 4096, reserve_bytes=-1)


# ------------------------------------------------------------------------------------------------ vectorised
def test_multi_device_grid_equals_scalar_calls():
    batch = np.array([2, 5, 64])[:, None]
    seq = np.array([16, 1000, 8191])[None, :]
    kw = {"tp": 4, "pp": 2, "micro_batches": 2}
    for phase in ("prefill", "decode"):
        grid = llm.analyze("llama-3-70b", "h100-sxm", phase, batch, seq, **kw)
        for a, b in enumerate(batch[:, 0]):
            for j, s in enumerate(seq[0]):
                one = llm.analyze("llama-3-70b", "h100-sxm", phase, int(b), int(s), **kw)
                for kind in (None, "communication", "bubble", "linear"):
                    assert grid.total_time_s(kind)[a, j] == pytest.approx(one.total_time_s(kind), rel=1e-12)
                assert grid.memory_bytes[a, j] == pytest.approx(one.memory_bytes, rel=1e-12)
                assert grid.total_link_bytes()[a, j] == pytest.approx(one.total_link_bytes(), rel=1e-12)
                df = one.to_dataframe()
                assert (df["count"] * df["time_s"]).sum() == pytest.approx(one.total_time_s(), rel=1e-12)


# ------------------------------------------------------------------------------------------------ results
def test_texts_say_times_are_lower_bounds():
    r = llm.analyze("llama-3-70b", "h100-sxm", "decode", 4, 1024, tp=4, pp=2)
    assert "lower bound" in str(r) and "lower bound" in r._repr_html_() and "per device" in str(r)
    assert "pipeline bubble" in str(r) and "communication" in str(r)
    assert "lower bound" in str(llm.generate(TINY, PLAT, 4, 3, tp=2))
    c = llm.latency_throughput(TINY, PLAT, 64, layouts=[{}, {"tp": 2}])
    assert "lower bound" in str(c) and "lower bound" in c._repr_html_()
    assert r.summary()["devices"] == 8 and r.summary()["communication_time_s"] == r.total_time_s("communication")


def test_latency_throughput_curve_from_batch_one_to_the_memory_wall():
    c = llm.latency_throughput("llama-3-70b", "h100-sxm", 4096, layouts=[{}, {"tp": 4}, {"tp": 8}, {"tp": 2, "pp": 4}])
    df = c.to_dataframe()
    assert set(df["layout"]) == {"TP4", "TP8", "TP2 x PP4"}          # one H100 holds no batch at all
    s = c.summary()
    assert s["NVIDIA H100 SXM5 80GB, W16A16KV16, 1 device"]["max_batch"] == 0
    for label, part in df.groupby("layout"):
        assert part["batch"].iloc[0] == 1 and part["at_capacity"].iloc[-1] and part["at_capacity"].sum() == 1
        assert np.all(np.diff(part["latency_s"]) > 0) and np.all(np.diff(part["tokens_per_s"]) > 0)
        top = part["batch"].iloc[-1]
        assert top == llm.max_batch("llama-3-70b", "h100-sxm", 4096, **{k: int(part[k].iloc[0]) for k in ("tp", "pp")})
    tp8 = df[df["layout"] == "TP8"]
    crit = llm.critical_batch_size("llama-3-70b", "h100-sxm", 4096, tp=8)
    assert tp8.loc[tp8["critical"], "batch"].tolist() == ([crit] if crit <= tp8["batch"].max() else [])
    row = tp8.iloc[3]
    one = llm.analyze("llama-3-70b", "h100-sxm", "decode", int(row["batch"]), 4096, tp=8)
    assert row["latency_s"] == pytest.approx(one.total_time_s(), rel=1e-12)
    assert row["tokens_per_s_per_device"] == pytest.approx(row["batch"] / one.total_time_s() / 8, rel=1e-12)
    # precisions and platforms multiply the series
    two = llm.latency_throughput("llama-3-8b", ["h100-sxm", "a100-80gb"], 2048,
                                 precisions=[(16, 16, 16), (8, 8, 8)], points=8)
    assert len(two.series) == 4 and set(two.to_dataframe()["precision"]) == {"W16A16KV16", "W8A8KV8"}
    with pytest.raises(ValueError, match="layout"):
        llm.latency_throughput(TINY, PLAT, 64, layouts=[{"tq": 2}])


def test_plots_draw_without_error():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = llm.latency_throughput("llama-3-70b", "h100-sxm", 4096, layouts=[{"tp": 4}, {"tp": 8}], points=8)
    ax = llm.plot_latency_throughput(c)
    assert len([ln for ln in ax.lines if ln.get_gid() and ln.get_gid().startswith("curve-")]) == 2
    tb = comm.time_bound(2 * 8 * 8192 * 28672, 8192 * 28672 * 2 / 8, comm.all_reduce(8 * 8192 * 2, 8, "nvlink4")
                         .bytes_sent_per_device, "h100-sxm")
    left, right = comm.comm_roofline("h100-sxm", kernels=[("TP8 MLP", tb.flops, tb.hbm_bytes, tb.link_bytes), tb])
    assert any(ln.get_gid() == "point-link-0" for ln in right.lines)
    assert right.get_xscale() == "log" and "link" in right.get_xlabel()
    plt.close("all")


def test_import_rooflib_llm_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, rooflib as rl, rooflib.comm; rl.llm.analyze; rl.llm.plot_latency_throughput; "
            "rl.comm.comm_roofline; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_micro_batch_holds_whole_sequences():
    with pytest.raises(ValueError, match="micro_batches"):
        llm.analyze(TINY, PLAT, "decode", 2, 5, pp=2, micro_batches=4, link=IDEAL)
    assert llm.max_batch(TINY, PLAT, 5, pp=2, micro_batches=4, link=IDEAL) >= 4
    c = llm.latency_throughput("llama-3-70b", "h100-sxm", 4096, layouts=[{"tp": 2, "pp": 4, "micro_batches": 4}],
                               points=6)
    assert c.series[0].batch[0] == 4


# ------------------------------------------------------------------------------------------------ the explorer
def test_parallel_explorer_follows_rl_llm():
    from rooflib.widgets._parallel import parallel_explorer, splits

    assert splits(8) == [(8, 1), (4, 2), (2, 4), (1, 8)] and splits(1) == [(1, 1)]
    ex = parallel_explorer("llama-3-70b", "h100-sxm", devices=8, batch=16, seq_len=4096)
    r = llm.analyze("llama-3-70b", "h100-sxm", "decode", 16, 4096, tp=8)
    assert ex.state["layout"] == "TP8" and ex.state["time_s"] == r.total_time_s()
    assert ex.state["communication_share"] == pytest.approx(r.total_time_s("communication") / r.total_time_s())
    assert ex.state["max_batch"] == llm.max_batch("llama-3-70b", "h100-sxm", 4096, tp=8)
    assert "rl-current" in ex.fig.value and 'class="rl-marker rl-point"' in ex.fig.value
    ex.set(devices=4)                                   # the split menu follows: tensor parallel first
    assert ex.controls["split"].value == (4, 1) and [o[1] for o in ex.controls["split"].options] == splits(4)
    ex.set(split=(2, 2), link="pcie5-x16", phase="prefill", batch=4, micro_batches=4)
    r = llm.analyze("llama-3-70b", "h100-sxm", "prefill", 4, 4096, tp=2, pp=2, micro_batches=4, link="pcie5-x16")
    assert ex.state["time_s"] == r.total_time_s() and ex.state["bubble_time_s"] == r.total_time_s("bubble")
    ex.set(batch=2)                                     # 4 micro-batches cannot split 2 sequences: 2 are used
    assert ex.state["result"].layout.micro_batches == 2
    ex.set(devices=1, split=(1, 1), phase="decode")
    assert ex.state["fits"] is False and "does NOT fit" in ex.state["caption"]
    with pytest.raises(ValueError, match="devices"):
        parallel_explorer(devices=3)

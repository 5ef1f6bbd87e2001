"""Exercise set 05, LLM inference: weights and KV cache in bytes, decode time, prefill against decode, GQA, and
reading the latency–throughput curve.

Expected values come from ``rl.llm`` (model configurations and counts), ``rl.kernels.gemm`` and the
H100 SXM at its dense bf16 peak in ``rl.platforms`` (notebook 05).
"""

from __future__ import annotations

from functools import lru_cache

from .. import kernels, llm, platforms, units
from ..core import Platform, Workload
from ..i18n import t
from ._bank_common import verdict_why
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_05", "LLM", "LLM_GQA", "LLM_GPU", "H100_BF16_PEAK", "H100_MEMORY", "CONTEXT", "FIT_CONTEXT", "KV_BATCH",
           "LINEAR_K", "LINEAR_N", "PREFILL_TOKENS", "CURVE_GPU", "CURVE_CONTEXT", "CURVE_PRECISIONS"]

_S = "05"
LLM = "llama-2-7b"
LLM_GQA = "llama-2-70b"
LLM_GPU = "h100-sxm"
H100_BF16_PEAK = 989.4e12  # FLOP/s, dense bf16, H100 SXM
H100_MEMORY = 80 * 2**30  # bytes: the datasheet's "80 GB" of HBM3 are binary, 80 GiB (nvidia-smi: 81,559 MiB usable)
CONTEXT = 4096  # tokens in the KV cache
FIT_CONTEXT = 2048  # tokens per sequence in the "how many fit" question (lecture 05 shows 4096 on the A100 80 GB)
KV_BATCH = 8  # sequences
LINEAR_K = LINEAR_N = 4096  # one 4096 x 4096 fp16 weight matrix
PREFILL_TOKENS = 2048
CURVE_GPU = "a100-80gb"  # the latency-throughput questions: Llama-2-7B decode on the A100 80GB
CURVE_CONTEXT = 1024  # tokens cached
CURVE_PRECISIONS = ((16, 16, 16), (4, 16, 16))  # (w_bits, a_bits, kv_bits): 16-bit and 4-bit weights


@lru_cache(maxsize=1)
def _lt_table():
    """The curve the questions read (computed once): rl.llm.latency_throughput, as set 05 states it."""
    return llm.latency_throughput(LLM, CURVE_GPU, seq_len=CURVE_CONTEXT, precisions=CURVE_PRECISIONS).to_dataframe()


def _lt_point(w_bits: int, where: str) -> tuple[float, float]:
    """(latency_s, tokens_per_s) at batch 1 (``where="batch1"``), the critical batch or the memory wall."""
    df = _lt_table()
    rows = df[df["precision"] == f"W{w_bits}A16KV16"]
    row = {"batch1": rows[rows["batch"] == 1], "critical": rows[rows["critical"]],
           "wall": rows[rows["at_capacity"]]}[where].iloc[0]
    return float(row["latency_s"]), float(row["tokens_per_s"])


def _lt_first_limit_why() -> str:
    df = _lt_table()
    wall = int(df[(df["precision"] == "W16A16KV16") & df["at_capacity"]]["batch"].iloc[0])
    crit = llm.critical_batch_size(LLM, CURVE_GPU, CURVE_CONTEXT)
    critical, memory_wall = (t("set05.the_critical_batch"), crit), (t("set05.the_memory_wall"), wall)
    first, second = (critical, memory_wall) if crit <= wall else (memory_wall, critical)
    return t("set05.lt_first_limit_why", first=first[0], first_batch=first[1], second=second[0],
             second_batch=second[1])


def _lt_first_limit() -> str:
    """"a" if the critical batch comes before the memory wall with 16-bit weights, else "b"."""
    df = _lt_table()
    return "a" if df[(df["precision"] == "W16A16KV16")]["critical"].any() else "b"


def _h100() -> Platform:
    """The H100 SXM at its dense bf16 peak: 989.4e12 FLOP/s, 3.35e12 bytes/s, 80 GiB, as set 05 states it."""
    return platforms.get(LLM_GPU, "bf16")


def _weight_bytes() -> float:
    return float(llm.param_count(LLM) * units.dtype_bytes("fp16"))


def _kv_per_token() -> float:
    return llm.kv_cache_bytes_per_token(LLM, kv_bits=16)


def _decode_bytes() -> float:
    """Bytes one decode step reads at batch 1: every weight and the whole KV cache of CONTEXT tokens."""
    return _weight_bytes() + _kv_per_token() * CONTEXT


def _prefill_linear() -> Workload:
    return kernels.gemm(PREFILL_TOKENS, LINEAR_N, LINEAR_K, "fp16")


def _decode_linear() -> Workload:
    return kernels.gemm(1, LINEAR_N, LINEAR_K, "fp16")


def _fit_quotient() -> float:
    """Free memory after the weights over the KV bytes of one FIT_CONTEXT-token sequence (not yet rounded)."""
    return (_h100().memory_bytes - _weight_bytes()) / (_kv_per_token() * FIT_CONTEXT)


def _max_batch_simple() -> int:
    return int(_fit_quotient() // 1)


SET_05 = question_set(_S, "05_llm_prefill_decode", (
    ask("llm_weight_bytes", _S, "number", _weight_bytes, unit="bytes", quantity="bytes",
        hints=((0.5, hint("set05.llm_weight_bytes_1")),
               (2.0, hint("set05.llm_weight_bytes_2")))),
    ask("kv_bytes_per_token", _S, "number", _kv_per_token, unit="bytes", quantity="bytes",
        hints=((0.5, hint("set05.kv_bytes_per_token_1")),
               (1 / 32, hint("set05.kv_bytes_per_token_2")))),
    ask("kv_cache_bytes", _S, "number", lambda: _kv_per_token() * CONTEXT * KV_BATCH, unit="bytes",
        quantity="bytes",
        hints=((1 / KV_BATCH, hint("set05.kv_cache_bytes", batch=KV_BATCH)),)),
    ask("decode_time_s", _S, "number", lambda: _decode_bytes() / _h100().bandwidth, unit="s", quantity="time",
        hints=((_weight_bytes() / _decode_bytes(),
                hint("set05.decode_time_s")),)),
    ask("critical_batch", _S, "number", lambda: _h100().ridge_point, unit="sequences", quantity="count",
        rtol=0.02, hints=((0.5, hint("set05.critical_batch")),)),
    ask("max_batch_fit", _S, "number", _max_batch_simple, unit="sequences", quantity="count", rtol=0.0,
        hints=(((H100_MEMORY // (_kv_per_token() * FIT_CONTEXT)) / _max_batch_simple(),
                hint("set05.max_batch_fit_1"), 1e-9),
               ((_max_batch_simple() + 1) / _max_batch_simple(),
                hint("set05.max_batch_fit_2"), 1e-9),
               (_fit_quotient() / _max_batch_simple(),
                hint("set05.max_batch_fit_3"), 0.001),
               (((80e9 - _weight_bytes()) // (_kv_per_token() * FIT_CONTEXT)) / _max_batch_simple(),
                hint("set05.max_batch_fit_4"), 1e-9))),
    ask("prefill_intensity", _S, "number", lambda: _prefill_linear().intensity, unit="FLOP/byte",
        quantity="intensity",
        hints=(((PREFILL_TOKENS * LINEAR_K + LINEAR_K * LINEAR_N + PREFILL_TOKENS * LINEAR_N)
                / (LINEAR_K * LINEAR_N),
                hint("set05.prefill_intensity")),)),
    ask("decode_intensity", _S, "number", lambda: _decode_linear().intensity, unit="FLOP/byte",
        quantity="intensity"),
    ask("prefill_verdict", _S, "verdict", lambda: _h100().bound(_prefill_linear()),
        why=verdict_why(_h100, lambda: _prefill_linear().intensity)),
    ask("decode_verdict", _S, "verdict", lambda: _h100().bound(_decode_linear()),
        why=verdict_why(_h100, lambda: _decode_linear().intensity)),
    ask("gqa_kv_bytes_per_token", _S, "number", lambda: llm.kv_cache_bytes_per_token(LLM_GQA, kv_bits=16),
        unit="bytes", quantity="bytes",
        hints=((8.0, hint("set05.gqa_kv_bytes_per_token")),)),
    ask("gqa_saving", _S, "number", lambda: llm.get(LLM_GQA).gqa_group, unit="(a ratio)", quantity="ratio"),
    ask("lt_throughput_gain", _S, "number", lambda: _lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0])
                / (_lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1]),
                hint("set05.lt_throughput_gain")),)),
    ask("lt_latency_cost", _S, "number", lambda: _lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1])
                / (_lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0]),
                hint("set05.lt_latency_cost")),)),
    ask("lt_first_limit", _S, "choice", _lt_first_limit, choices=("a", "b"),
        why=_lt_first_limit_why),
    ask("lt_past_critical", _S, "number", lambda: _lt_point(4, "wall")[0] / _lt_point(4, "critical")[0],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(4, "wall")[1] / _lt_point(4, "critical")[1])
                / (_lt_point(4, "wall")[0] / _lt_point(4, "critical")[0]),
                hint("set05.lt_past_critical")),)),
))

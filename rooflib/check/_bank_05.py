"""Exercise set 05, LLM inference: weights and KV cache in bytes, decode time, prefill against decode, GQA, and
reading the latency–throughput curve.

Expected values come from ``rl.llm`` (model configurations and counts), ``rl.kernels.gemm`` and the
H100 SXM at its dense bf16 peak in ``rl.platforms`` (notebook 05).
"""

from __future__ import annotations

from functools import lru_cache

from .. import kernels, llm, platforms, units
from ..core import Platform, Workload
from ._bank_common import verdict_why
from ._engine import ask, question_set

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
    first, second = (("the critical batch", crit), ("the memory wall", wall)) if crit <= wall else \
        (("the memory wall", wall), ("the critical batch", crit))
    return (f"with 16-bit weights {first[0]} comes first (batch {first[1]}), {second[0]} later (batch {second[1]}): "
            "read the critical and at_capacity columns")


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
        hints=((0.5, "fp16/bf16 weights are 2 bytes each, not 1"),
               (2.0, "fp16/bf16 weights are 2 bytes each, not 4"))),
    ask("kv_bytes_per_token", _S, "number", _kv_per_token, unit="bytes", quantity="bytes",
        hints=((0.5, "count both K and V (a factor of 2), for every layer, at 2 bytes per fp16 element"),
               (1 / 32, "multiply by the number of layers (32): every layer keeps its own K and V"))),
    ask("kv_cache_bytes", _S, "number", lambda: _kv_per_token() * CONTEXT * KV_BATCH, unit="bytes",
        quantity="bytes",
        hints=((1 / KV_BATCH, f"the cache holds every sequence of the batch: multiply by {KV_BATCH}"),)),
    ask("decode_time_s", _S, "number", lambda: _decode_bytes() / _h100().bandwidth, unit="s", quantity="time",
        hints=((_weight_bytes() / _decode_bytes(),
                "add the KV cache: each decode step reads the whole cache as well as the weights"),)),
    ask("critical_batch", _S, "number", lambda: _h100().ridge_point, unit="sequences", quantity="count",
        rtol=0.02, hints=((0.5, "each weight (2 bytes) does 2 FLOPs per sequence, so the intensity is about "
                                "batch FLOP/byte, not batch / 2"),)),
    ask("max_batch_fit", _S, "number", _max_batch_simple, unit="sequences", quantity="count", rtol=0.0,
        hints=(((H100_MEMORY // (_kv_per_token() * FIT_CONTEXT)) / _max_batch_simple(),
                "the weights are in memory too: the KV cache gets only memory - weight bytes", 1e-9),
               ((_max_batch_simple() + 1) / _max_batch_simple(),
                "round the quotient down: one more sequence would not fit", 1e-9),
               (_fit_quotient() / _max_batch_simple(),
                "round the quotient down: a fraction of a sequence does not fit", 0.001),
               (((80e9 - _weight_bytes()) // (_kv_per_token() * FIT_CONTEXT)) / _max_batch_simple(),
                "the H100's 80 GB of HBM are binary: 80 GiB = 80 x 2**30 bytes, not 80e9 (memory capacities "
                "come in powers of two)", 1e-9))),
    ask("prefill_intensity", _S, "number", lambda: _prefill_linear().intensity, unit="FLOP/byte",
        quantity="intensity",
        hints=(((PREFILL_TOKENS * LINEAR_K + LINEAR_K * LINEAR_N + PREFILL_TOKENS * LINEAR_N)
                / (LINEAR_K * LINEAR_N),
                "exactly double: did you count the weights only? In prefill the input and output activations "
                "(2048 x 4096 each) move as many bytes as the weights; else check the dtype size "
                "(fp16 = 2 bytes)"),)),
    ask("decode_intensity", _S, "number", lambda: _decode_linear().intensity, unit="FLOP/byte",
        quantity="intensity"),
    ask("prefill_verdict", _S, "verdict", lambda: _h100().bound(_prefill_linear()),
        why=verdict_why(_h100, lambda: _prefill_linear().intensity)),
    ask("decode_verdict", _S, "verdict", lambda: _h100().bound(_decode_linear()),
        why=verdict_why(_h100, lambda: _decode_linear().intensity)),
    ask("gqa_kv_bytes_per_token", _S, "number", lambda: llm.kv_cache_bytes_per_token(LLM_GQA, kv_bits=16),
        unit="bytes", quantity="bytes",
        hints=((8.0, "Llama-2-70B uses grouped-query attention: K and V have 8 heads, not 64"),)),
    ask("gqa_saving", _S, "number", lambda: llm.get(LLM_GQA).gqa_group, unit="(a ratio)", quantity="ratio"),
    ask("lt_throughput_gain", _S, "number", lambda: _lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0])
                / (_lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1]),
                "that is how much the latency grows; throughput is tokens/s (the tokens_per_s column)"),)),
    ask("lt_latency_cost", _S, "number", lambda: _lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(16, "wall")[1] / _lt_point(16, "batch1")[1])
                / (_lt_point(16, "wall")[0] / _lt_point(16, "batch1")[0]),
                "that is how much the throughput grows; latency is the time of one decode step (latency_s)"),)),
    ask("lt_first_limit", _S, "choice", _lt_first_limit, choices=("a", "b"),
        why=_lt_first_limit_why),
    ask("lt_past_critical", _S, "number", lambda: _lt_point(4, "wall")[0] / _lt_point(4, "critical")[0],
        unit="(a ratio)", quantity="ratio",
        hints=(((_lt_point(4, "wall")[1] / _lt_point(4, "critical")[1])
                / (_lt_point(4, "wall")[0] / _lt_point(4, "critical")[0]),
                "that is the throughput ratio, which barely moves past the critical batch; the question asks for "
                "the latency ratio"),)),
))

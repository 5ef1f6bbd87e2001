"""Exercise set 05, LLM inference: weights and KV cache in bytes, decode time, prefill against decode, GQA.

Expected values come from ``rl.llm`` (model configurations and counts), ``rl.kernels.gemm`` and the
H100 SXM at its dense bf16 peak in ``rl.platforms`` (notebook 05).
"""

from __future__ import annotations

from .. import kernels, llm, platforms, units
from ..core import Platform, Workload
from ._bank_common import verdict_why
from ._engine import ask, question_set

__all__ = ["SET_05", "LLM", "LLM_GQA", "LLM_GPU", "H100_BF16_PEAK", "H100_MEMORY", "CONTEXT", "FIT_CONTEXT", "KV_BATCH",
           "LINEAR_K", "LINEAR_N", "PREFILL_TOKENS"]

_S = "05"
LLM = "llama-2-7b"
LLM_GQA = "llama-2-70b"
LLM_GPU = "h100-sxm"
H100_BF16_PEAK = 989.4e12  # FLOP/s, dense bf16, H100 SXM
H100_MEMORY = 80e9  # bytes
CONTEXT = 4096  # tokens in the KV cache
FIT_CONTEXT = 2048  # tokens per sequence in the "how many fit" question (lecture 05 shows 4096 on the A100 80 GB)
KV_BATCH = 8  # sequences
LINEAR_K = LINEAR_N = 4096  # one 4096 x 4096 fp16 weight matrix
PREFILL_TOKENS = 2048


def _h100() -> Platform:
    """The H100 SXM at its dense bf16 peak: 989.4e12 FLOP/s, 3.35e12 bytes/s, 80e9 bytes, as set 05 states it."""
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
                "round the quotient down: a fraction of a sequence does not fit", 0.001))),
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
))

"""The questions rl.llm answers: one forward pass (``analyze``), a whole generation (``generate``), the batch where
decode turns compute-bound (``critical_batch_size``) and the largest batch that fits (``max_batch``), on one
device or several. Notebooks 05 and 07."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from .. import platforms
from .._validate import nonnegative, positive
from ..comm import Link
from ..core import Platform
from ..units import normalise_dtype
from ._checks import bits, count, counts, flag, optional_count, past_counts, scalar, show
from ._config import LLMConfig, get
from ._config import compute_dtype as choose_dtype
from ._generate import GenerateResult
from ._operators import Precision, operator_table
from ._parallel import layout, shard, weight_bytes_per_device
from ._result import LLMResult

__all__ = ["analyze", "generate", "critical_batch_size", "max_batch"]

Phase = Literal["prefill", "decode"]
SCALE_BITS = 16   # one fp16 scale per group of quantised weights (GPTQ, AWQ)


def analyze(model: str | LLMConfig, platform: str | Platform, phase: Phase, batch: Any = 1, seq_len: Any = 1024,
            w_bits: int = 16, a_bits: int = 16, kv_bits: int = 16, flash_attention: bool = True, *,
            causal_skip: bool = False, lm_head: Literal["last", "all"] = "last",
            compute_dtype: str | None = None, past_len: Any = 0, w_group_size: int | None = None,
            embed_bits: int | None = None, sliding_window: bool = True, kv_block_size: int | None = None,
            tp: int = 1, pp: int = 1, ep: int = 1, micro_batches: int = 1, link: str | Link | None = None,
            pp_link: str | Link | None = None) -> LLMResult:
    """Roofline analysis of one forward pass (prefill of a prompt, or one decode step), per device. Notebooks 05, 07.

    ``batch`` (sequences) and ``seq_len`` (new prompt tokens in prefill; tokens already cached in decode) are
    whole numbers >= 1 or numpy arrays of them; they broadcast, and every total then has the broadcast shape.
    ``causal_skip``, ``flash_attention`` (True or False) and ``lm_head`` are the conventions in ``help(rl.llm)``.
    ``flash_attention=True`` is the default because serving engines (vLLM, TensorRT-LLM, SGLang) run fused
    attention: QKᵀ, softmax and SV never write the score matrix, so prefill attention is compute-bound
    (I ≈ S·T/(S+T) FLOP/byte per head dimension, T/2 for a prompt of T tokens); pass False for the unfused count;
    ``compute_dtype`` overrides the peak chosen by :func:`rl.llm.compute_dtype` (e.g. ``"fp16"``).

    Serving keywords (defaults leave notebook 05's numbers unchanged):
    ``past_len=0``: tokens per sequence already in the KV cache before a prefill of ``seq_len`` new ones
    (chunked prefill, prefix caching, speculative-decoding verification); prefill only.
    ``w_group_size=None``: with ``w_bits`` <= 8, one 16-bit scale per that many weights of each projection
    matrix (GPTQ / AWQ use 128); zero points are not counted. ``embed_bits=None``: bits of the embedding and
    LM head weights (None: as the other matrices, scales included; engines often keep them at 16).
    ``sliding_window=True``: apply the model's window (``LLMConfig.sliding_window``, Mistral-7B: 4096) to
    attention and the cache. ``kv_block_size=None``: the cache is allocated in pages of that many tokens per
    sequence (vLLM: 16), so each sequence's cache rounds up to whole pages.

    Several devices (conventions in ``rl.llm._parallel``'s docstring, notebook 07): ``tp`` tensor parallel,
    ``pp`` pipeline stages run as ``micro_batches`` micro-batches, ``ep`` expert parallel (MoE only), over
    ``link`` (default: the platform's ``interconnect``) and ``pp_link`` (default: ``link``). The result is per
    device, with the collectives as rows of kind ``"communication"``. Times are lower bounds.
    """
    cfg = get(model)
    plat = platforms.get(platform)
    if phase not in ("prefill", "decode"):
        raise ValueError(f"phase must be 'prefill' or 'decode', got {phase!r}")
    if lm_head not in ("last", "all"):
        raise ValueError(f"lm_head must be 'last' or 'all', got {lm_head!r}")
    flash, skip = flag("flash_attention", flash_attention), flag("causal_skip", causal_skip)
    use_window = flag("sliding_window", sliding_window)
    w, a, kvb = bits("w_bits", w_bits), bits("a_bits", a_bits), bits("kv_bits", kv_bits)
    eb = None if embed_bits is None else bits("embed_bits", embed_bits)
    group = optional_count("w_group_size", w_group_size)
    if group is not None and w >= 16:
        raise ValueError(f"w_group_size applies to quantised weights (w_bits <= 8), got w_bits={w} with "
                         f"w_group_size={group}")
    block = optional_count("kv_block_size", kv_block_size)
    B, S = counts("batch", batch), counts("seq_len", seq_len)
    P = past_counts("past_len", past_len)
    if phase == "decode" and np.any(P > 0):
        raise ValueError("past_len applies to prefill (new tokens after cached ones); in decode seq_len already "
                         f"counts the cached tokens, got past_len={past_len!r}")
    try:
        np.broadcast(B, S, P)
    except ValueError:
        raise ValueError(f"batch, seq_len and past_len must broadcast together (numpy rules), got shapes {B.shape}, "
                         f"{S.shape} and {P.shape}") from None
    lay = layout(cfg, plat, tp, pp, ep, micro_batches, link, pp_link)
    if lay.micro_batches > np.min(B):
        raise ValueError(f"micro_batches must be at most the batch (each micro-batch holds whole sequences), got "
                         f"micro_batches={lay.micro_batches} with batch={show(scalar(B))}")
    if compute_dtype is None:
        dt, peak = choose_dtype(plat, w, a)
    else:
        dt = normalise_dtype(compute_dtype)
        peak = float(plat.peak(dt))
    mat = w / 8 + (SCALE_BITS / 8 / group if group is not None else 0)
    prec = Precision(mat=mat, other=w / 8, end=mat if eb is None else eb / 8, act=a / 8, kv=kvb / 8)
    window = cfg.sliding_window if use_window else None
    past = scalar(P) if P.ndim else (0 if float(P) == 0 else float(P))
    table = operator_table(cfg, phase, B, S, past, prec, skip, flash, lm_head == "all", window, lay)
    return LLMResult(model=cfg, platform=plat, phase=phase, batch=scalar(B), seq_len=scalar(S), w_bits=w,
                     a_bits=a, kv_bits=kvb, compute_dtype=dt, peak_flops_per_s=peak, names=table.names,
                     kinds=table.kinds, count=np.asarray(table.count, dtype=float), rows=table.rows,
                     options={"flash_attention": flash, "causal_skip": skip, "lm_head": lm_head, "past_len": past,
                              "w_group_size": group, "embed_bits": eb, "sliding_window": window,
                              "kv_block_size": block},
                     layout=lay, link_bandwidth=table.link_bandwidth, latency_s=table.latency_s,
                     weight_memory_bytes=weight_bytes_per_device(cfg, lay, prec.mat, prec.other, prec.end),
                     kv_cache_bytes=_kv_footprint(cfg, lay, phase, scalar(B), scalar(S), past, kvb, window, block))


def _kv_footprint(cfg: LLMConfig, lay: Any, phase: str, batch: Any, seq_len: Any, past: Any, kv_bits: int,
                  window: int | None, block: int | None) -> float | np.ndarray:
    """KV-cache bytes on the fullest device after the pass: its layers and KV heads x its sequences x context."""
    sh = shard(cfg, lay)
    per_token = 2 * sh.layers_max * sh.kv_heads * cfg.head_dim * kv_bits / 8
    if phase == "prefill":
        ctx = seq_len if (np.ndim(past) == 0 and past == 0) else np.asarray(past) + seq_len
    else:
        ctx = np.asarray(seq_len) + 1
    if window is not None:
        ctx = np.minimum(ctx, window)
    if block is not None:
        ctx = np.ceil(np.asarray(ctx, dtype=float) / block) * block
    seqs = batch if lay.ep == 1 else np.asarray(batch) / lay.ep
    return scalar(np.asarray(per_token * seqs * ctx, dtype=float))


def generate(model: str | LLMConfig, platform: str | Platform, prompt_len: int, gen_len: int, batch: int = 1,
             **kwargs: Any) -> GenerateResult:
    """Time to first token, time per output token, total latency and tokens/s, vectorised. Notebooks 05, 07.

    One prefill of ``prompt_len`` tokens per sequence (its last-position logits give the first token),
    then ``gen_len - 1`` decode steps evaluated in one vectorised :func:`analyze` call over the
    context lengths ``prompt_len, ..., prompt_len + gen_len - 2``. ``kwargs`` go to :func:`analyze`;
    ``past_len`` there means a cached prefix: the prefill covers ``prompt_len`` new tokens after it and the
    decode contexts start at ``past_len + prompt_len``.
    """
    p = count("prompt_len", prompt_len)
    g = count("gen_len", gen_len)
    b = count("batch", batch)
    cached = kwargs.pop("past_len", 0)
    pre = analyze(model, platform, "prefill", batch=b, seq_len=p, past_len=cached, **kwargs)
    start = p + int(pre.options["past_len"])
    ttft = float(pre.total_time_s())
    if g > 1:
        dec = analyze(model, platform, "decode", batch=b, seq_len=np.arange(start, start + g - 1), **kwargs)
        steps = np.asarray(dec.total_time_s(), dtype=float)
        # the peak is the prefill (large activations, e.g. score matrices) or the last step (largest KV cache)
        mem = max(float(pre.memory_bytes), float(np.asarray(dec.memory_bytes)[-1]))
    else:
        steps = np.zeros(0)
        mem = float(pre.memory_bytes)
    cap = pre.platform.memory_bytes
    fits = None if cap is None else bool(mem <= cap)
    dsum = float(steps.sum())
    tpot = dsum / (g - 1) if g > 1 else 0.0
    total = ttft + dsum
    return GenerateResult(prompt_len=p, gen_len=g, batch=b, ttft_s=ttft, decode_step_s=steps, tpot_s=tpot,
                          total_s=total, tokens_per_s=b * g / total,
                          decode_tokens_per_s=(b / tpot if tpot > 0 else 0.0), peak_memory_bytes=mem, fits=fits,
                          devices=pre.devices, cached_len=int(pre.options["past_len"]))


def boundary(holds: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest whole number in [lo, hi) where ``holds`` is True, for a ``holds`` that is True at ``lo``,
    False at ``hi`` and flips once in between (bisection: about log2(hi - lo) calls)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if holds(mid):
            lo = mid
        else:
            hi = mid
    return lo


def critical_batch_size(model: str | LLMConfig, platform: str | Platform, seq_len: int = 1024, *, w_bits: int = 16,
                        a_bits: int = 16, kv_bits: int = 16, max_search: int = 2**24, **kwargs: Any) -> int | float:
    """Smallest decode batch at which the linear layers, taken together, are compute-bound. Notebooks 05, 07.

    "Linear layers" are the operators of kind ``linear`` (q/k/v/o, router, gate/up/down, LM head);
    their total intensity ≈ batch x 2 / (bytes per weight) FLOP/byte while weights dominate the
    traffic, so the answer is ≈ ridge point x (bytes per weight) / 2 (≈ π/β for 16-bit weights).
    For a mixture of experts at large batch every expert is read but each token uses only
    ``experts_per_token`` of ``num_experts``, so the answer grows by about num_experts / experts_per_token
    (Mixtral-8x7B: about 4x the dense figure). On several devices (``tp``, ``pp``, ``ep`` in ``kwargs``) the
    batch is the replica's and the intensity each device's.
    Found by a search over whole batches (the intensity grows with batch). Returns ``math.inf``
    if no batch up to ``max_search`` (a whole number >= 1) gets there (activation traffic caps the intensity).
    """
    count("seq_len", seq_len)
    limit = count("max_search", max_search)

    def compute_bound(b: int) -> bool:
        r = analyze(model, platform, "decode", batch=b, seq_len=seq_len, w_bits=w_bits, a_bits=a_bits,
                    kv_bits=kv_bits, **kwargs)
        return bool(r.total_intensity("linear") >= r.ridge_point)

    first = count("micro_batches", kwargs.get("micro_batches", 1))   # a micro-batch holds whole sequences
    hi = first
    while not compute_bound(hi):
        hi *= 2
        if hi > limit:
            return math.inf
    lo = first - 1 if hi == first else hi // 2  # not compute-bound at lo (or lo is below the first batch)
    return boundary(lambda b: not compute_bound(b), lo, hi) + 1


def memory_budget(platform: str | Platform, memory_utilization: float = 1.0, reserve_bytes: float = 0.0) -> float:
    """Bytes a model may use on one device: memory_bytes x memory_utilization - reserve_bytes. Notebook 07.

    vLLM's ``gpu_memory_utilization`` defaults to 0.9; ``reserve_bytes`` stands for what the runtime keeps
    (CUDA context, allocator slack, buffers for CUDA graphs: a few GB).
    """
    plat = platforms.get(platform)
    if plat.memory_bytes is None:
        raise ValueError(f"memory_bytes of platform {plat.name!r} is not set; max_batch needs a memory capacity")
    u = positive("memory_utilization", memory_utilization, "(a fraction of the memory)")
    if u > 1:
        raise ValueError(f"memory_utilization must be a fraction in (0, 1], got {memory_utilization!r}")
    return plat.memory_bytes * u - nonnegative("reserve_bytes", reserve_bytes, "bytes")


def max_batch(model: str | LLMConfig, platform: str | Platform, seq_len: int, phase: Phase = "decode", *,
              memory_utilization: float = 1.0, reserve_bytes: float = 0.0, **kwargs: Any) -> int:
    """Largest batch whose footprint per device (weights + KV cache + activations) fits. Notebooks 05, 07.

    ``phase`` and ``seq_len`` mean what they mean in :func:`analyze` (decode: ``seq_len`` cached
    tokens, the step adds one); ``kwargs`` go to it (``tp``, ``pp``, ``ep``, ``kv_block_size``, ...). The
    budget is ``memory_bytes x memory_utilization - reserve_bytes`` (defaults 1.0 and 0: all of it).
    Returns 0 when even batch 1 (``micro_batches``, when given) does not fit (e.g. weights alone are too large).
    The footprint grows with batch, so a doubling then bisection search finds it.
    """
    plat = platforms.get(platform)
    budget = memory_budget(plat, memory_utilization, reserve_bytes)
    count("seq_len", seq_len)

    def fits(b: int) -> bool:
        return bool(np.asarray(analyze(model, plat, phase, batch=b, seq_len=seq_len, **kwargs).memory_bytes)
                    <= budget)

    first = count("micro_batches", kwargs.get("micro_batches", 1))   # a micro-batch holds whole sequences
    if not fits(first):
        return 0
    lo = first
    hi = 2 * first
    while fits(hi):
        lo, hi = hi, hi * 2
        if hi > 2**40:
            raise ValueError("max_batch did not converge: the footprint does not grow with batch")
    return boundary(fits, lo, hi)

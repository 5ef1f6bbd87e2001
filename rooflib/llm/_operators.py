"""The per-operator table of one forward pass on one device: FLOPs, five memory byte columns and the link bytes
per operator. Notebooks 05 and 07.

The conventions behind every count are in the package docstring (``help(rl.llm)``); tests/test_llm.py
checks them by hand on a tiny config.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._config import LLMConfig
from ._parallel import Layout, collective_per_byte, shard

__all__ = ["OPERATORS", "KINDS", "COLUMNS", "BYTE_COLUMNS", "OperatorTable", "Precision", "attention_pairs",
           "operator_table"]

#: Operator name -> kind. The table of ``rl.llm.analyze`` lists them in this order (``router`` only for MoE; the
#: ``"communication"`` rows only on several devices, the ``"bubble"`` row only with pipeline stages).
OPERATORS: dict[str, str] = {
    "embed_all_reduce": "communication",
    "attn_norm": "norm", "q_proj": "linear", "k_proj": "linear", "v_proj": "linear",
    "qk_matmul": "attention", "softmax": "attention", "sv_matmul": "attention", "o_proj": "linear",
    "attn_all_reduce": "communication", "attn_add": "elementwise", "mlp_norm": "norm", "router": "linear",
    "moe_dispatch": "communication", "gate_proj": "linear", "up_proj": "linear", "act_mul": "elementwise",
    "down_proj": "linear", "moe_combine": "communication", "mlp_all_reduce": "communication",
    "mlp_add": "elementwise", "stage_send": "communication", "final_norm": "norm", "lm_head": "linear",
    "logits_all_gather": "communication", "pipeline_bubble": "bubble",
}
#: Every operator kind a table can hold (a total over a kind absent from one table is 0).
KINDS: tuple[str, ...] = tuple(dict.fromkeys(OPERATORS.values()))
#: The seven numbers per operator instance: FLOPs, the five kinds of memory bytes, and the bytes the device sends
#: over its link (communication rows only).
COLUMNS = ("flops", "weight_bytes", "act_load_bytes", "act_store_bytes", "kv_load_bytes", "kv_store_bytes",
           "link_bytes")
#: The memory (HBM) byte columns: what ``bytes`` and the intensity count.
BYTE_COLUMNS = COLUMNS[1:6]


@dataclass(frozen=True)
class OperatorTable:
    """Rows of one pass on one device: per operator its name, kind, instance count, a 7-tuple of float arrays
    (``COLUMNS`` order) that broadcast to the grid (constants stay 0-d, so a sweep does not copy them), and for a
    communication row the link's bandwidth (bytes/s per direction) and the collective's latency term in s."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    count: tuple[float, ...]
    rows: tuple[tuple[np.ndarray, ...], ...]
    link_bandwidth: tuple[float, ...]
    latency_s: tuple[float, ...]


@dataclass(frozen=True)
class Precision:
    """Bytes per element: projection matrices (group scales included), other weights (norms, biases, router),
    embedding / LM head, activations, KV-cache entries."""

    mat: float
    other: float
    end: float
    act: float
    kv: float


def attention_pairs(S: np.ndarray, P: np.ndarray | float, window: int | None, causal_skip: bool) -> np.ndarray:
    """Query-key pairs per head and sequence of a prefill of ``S`` new tokens after ``P`` cached ones.

    Without a window: S (P + S) (``causal_skip=False``: the full matrix a plain matmul computes) or
    S P + S (S + 1) / 2 (only the unmasked ones). With a sliding window W the cache holds min(P, W) tokens
    and each new token sees at most W (itself included): the unmasked pairs are
    n P' + n (n + 1) / 2 + (S - n) W with P' = min(P, W), n = clip(W - P', 0, S).
    """
    if window is None:
        if np.ndim(P) == 0 and float(P) == 0:          # a plain prompt: the formulas of notebook 05, unchanged
            return S * (S + 1) / 2 if causal_skip else S * S
        return S * P + S * (S + 1) / 2 if causal_skip else S * (P + S)
    Pw = np.minimum(P, window)
    if not causal_skip:
        return S * (Pw + S)
    n = np.clip(window - Pw, 0, S)
    return n * Pw + n * (n + 1) / 2 + (S - n) * window


def operator_table(c: LLMConfig, phase: str, B: np.ndarray, S: np.ndarray, P: np.ndarray | float, prec: Precision,
                   causal_skip: bool, flash: bool, lm_all: bool, window: int | None, lay: Layout) -> OperatorTable:
    """FLOPs and bytes of every operator one device runs in one pass, per instance (one micro-batch through one
    operator), with its instance count: ``B`` sequences in all (each device of an expert-parallel group runs
    ``B / ep``, in ``micro_batches`` parts), ``S`` tokens (the new ones in prefill, after ``P`` cached; the
    cached ones in decode), under the layout ``lay`` (``rl.llm._parallel``'s conventions)."""
    sh = shard(c, lay)
    h, V, hd = c.hidden_size, sh.vocab, c.head_dim
    i, E, k = sh.intermediate, c.num_experts, c.experts_per_token
    q, kv = sh.heads * hd, sh.kv_heads * hd
    wm, wo, we, ab, kvb = prec.mat, prec.other, prec.end, prec.act, prec.kv
    m, pp = lay.micro_batches, lay.pp
    Bd = B if lay.ep * m == 1 else B / (lay.ep * m)          # sequences per device per micro-batch
    if phase == "prefill":
        T = Bd * S                                           # tokens in the pass
        Lq = S                                               # query positions per sequence
        Lk = S if (np.ndim(P) == 0 and float(P) == 0 and window is None) else (
            (P if window is None else np.minimum(P, window)) + S)
        pairs = attention_pairs(S, P, window, causal_skip)
        T_out = T if lm_all else Bd
    else:
        T = Bd
        Lq, Lk = 1.0, (S + 1 if window is None else np.minimum(S + 1, window))
        pairs = Lk
        T_out = Bd
    score = Bd * sh.heads * pairs                            # score elements
    touched = 1.0
    if c.is_moe:                                             # experts of this device used by any token of the pass
        tokens = T if lay.ep == 1 else T * lay.ep
        touched = E * (1 - (1 - k / E) ** tokens) if lay.ep == 1 else sh.experts * (1 - (1 - k / E) ** tokens)
    bias = 1 if c.attention_bias else 0
    z = 0.0
    layer = sh.layers * m if m > 1 else sh.layers            # instances per device: layers on the stage x micro-batches
    ends = m / pp if (m > 1 or pp > 1) else 1
    rows: list[tuple[str, float, tuple, float, float]] = []

    def add(name, cnt, flops, w, al, ast, kl=z, ks=z):
        rows.append((name, cnt, (flops, w, al, ast, kl, ks, z), 0.0, 0.0))

    def collective(name, cnt, op, n, link, nbytes):
        per_byte, latency = collective_per_byte(op, n, link)
        rows.append((name, cnt, (z, z, z, z, z, z, nbytes * per_byte), link.bandwidth, latency))

    def norm(name, cnt):
        add(name, cnt, 4 * T * h, h * wo, T * h * ab, T * h * ab)

    tp = lay.tp
    if tp > 1:
        collective("embed_all_reduce", ends, "all_reduce", tp, lay.link, T * h * ab)
    norm("attn_norm", layer)
    add("q_proj", layer, 2 * T * h * q + bias * T * q, h * q * wm + bias * q * wo, T * h * ab, T * q * ab)
    add("k_proj", layer, 2 * T * h * kv + bias * T * kv, h * kv * wm + bias * kv * wo, T * h * ab, z, z, T * kv * kvb)
    add("v_proj", layer, 2 * T * h * kv + bias * T * kv, h * kv * wm + bias * kv * wo, T * h * ab, z, z, T * kv * kvb)
    s_io = z if flash else score * ab
    add("qk_matmul", layer, 2 * score * hd, z, Bd * Lq * q * ab, s_io, Bd * Lk * kv * kvb)
    add("softmax", layer, 5 * score, z, s_io, s_io)
    add("sv_matmul", layer, 2 * score * hd, z, s_io, Bd * Lq * q * ab, Bd * Lk * kv * kvb)
    add("o_proj", layer, 2 * T * q * h, q * h * wm, T * q * ab, T * h * ab)
    if tp > 1:
        collective("attn_all_reduce", layer, "all_reduce", tp, lay.link, T * h * ab)
    add("attn_add", layer, T * h, z, 2 * T * h * ab, T * h * ab)
    norm("mlp_norm", layer)
    if c.is_moe:
        add("router", layer, 2 * T * h * E, h * E * wo, T * h * ab, T * E * ab)
    Tk = T * k                                               # token-expert pairs
    if lay.ep > 1:
        collective("moe_dispatch", layer, "all_to_all", lay.ep, lay.link, Tk * h * ab)
    add("gate_proj", layer, 2 * Tk * h * i, touched * h * i * wm, Tk * h * ab, Tk * i * ab)
    add("up_proj", layer, 2 * Tk * h * i, touched * h * i * wm, Tk * h * ab, Tk * i * ab)
    add("act_mul", layer, 5 * Tk * i, z, 2 * Tk * i * ab, Tk * i * ab)
    # MoE: down_proj also scales each expert's output by its routing weight and accumulates (2 FLOPs/element).
    add("down_proj", layer, 2 * Tk * i * h + (2 * Tk * h if c.is_moe else 0), touched * i * h * wm, Tk * i * ab,
        T * h * ab)
    if lay.ep > 1:
        collective("moe_combine", layer, "all_to_all", lay.ep, lay.link, Tk * h * ab)
    if tp > 1:
        collective("mlp_all_reduce", layer, "all_reduce", tp, lay.link, T * h * ab)
    add("mlp_add", layer, T * h, z, 2 * T * h * ab, T * h * ab)
    if pp > 1:                                               # pp - 1 hand-offs per micro-batch, shared by pp devices
        collective("stage_send", m * (pp - 1) / pp, "send", 2, lay.pp_link, T * h * ab)
    norm("final_norm", ends)
    add("lm_head", ends, 2 * T_out * h * V, h * V * we, T_out * h * ab, T_out * V * ab)
    if tp > 1:
        collective("logits_all_gather", ends, "all_gather", tp, lay.link, T_out * c.vocab_size * ab)
    if pp > 1:                                               # its time is set from the others (LLMResult)
        rows.append(("pipeline_bubble", (pp - 1) / pp, (z,) * 7, 0.0, 0.0))

    return OperatorTable(names=tuple(r[0] for r in rows), kinds=tuple(OPERATORS[r[0]] for r in rows),
                         count=tuple(r[1] for r in rows),
                         rows=tuple(tuple(np.asarray(v, dtype=float) for v in r[2]) for r in rows),
                         link_bandwidth=tuple(r[3] for r in rows), latency_s=tuple(r[4] for r in rows))

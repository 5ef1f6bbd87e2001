"""Transformer (LLM) inference on the roofline, per operator, for prefill and decode. Notebook 05.

``rl.llm.analyze(model, platform, phase, batch, seq_len)`` counts FLOPs and bytes for every operator
of one decoder layer and the LM head, then times each operator on the roofline.

Conventions (every number below follows them; tests/test_llm.py checks them by hand):

- FLOPs: one add or multiply is 1 FLOP, a multiply-add is 2. A linear layer ``x @ W`` with
  ``W`` of shape (k, n) over ``t`` tokens costs ``2 t k n`` FLOPs. Elementwise costs per element:
  RMSNorm 4 (square, sum, scale by 1/rms, scale by the weight; the per-row rsqrt is ignored),
  softmax 5 (max, subtract, exp, sum, divide; exp counts as 1), SiLU-gate 5 (SiLU = 4: negate,
  exp, add, divide; times ``up``: 1), residual add 1. Rotary embeddings and the embedding
  lookup (a gather, no FLOPs) are not counted.
- Bytes: compulsory memory traffic, split into weight load, activation load, activation store,
  KV-cache load and KV-cache store. Each operator reads its inputs and writes its output once
  (no fusion, except ``flash_attention=True`` below). Weights are read once per forward pass,
  whatever the batch. Weights use ``w_bits``, activations ``a_bits``, K/V cache entries
  ``kv_bits`` bits per element; all weights (norm weights and biases included) are counted at
  ``w_bits``.
- Tokens: prefill processes ``batch x seq_len`` tokens (the prompt). Decode processes ``batch``
  new tokens, one per sequence, with ``seq_len`` tokens already in the KV cache: the step writes
  the new token's K and V into the cache (KV-cache store) and attention reads ``seq_len + 1``
  cached tokens (the old ones and its own).
- Grouped-query attention: q_proj/o_proj use ``num_heads x head_dim``; k_proj/v_proj and every K
  and V load or store use ``num_kv_heads x head_dim``. K and V are read once per layer (each
  cached head is shared by its group of query heads).
- Prefill attention: ``causal_skip=False`` (default) counts the full ``seq_len x seq_len`` score
  matrix per head, as a plain matmul computes it; ``causal_skip=True`` counts only the
  ``seq_len (seq_len + 1) / 2`` unmasked entries (kernels that skip masked tiles): QKᵀ, softmax
  and SV FLOPs and score bytes are then about halved. Without FlashAttention, QKᵀ stores the
  scores, softmax loads and stores them, SV loads them (``a_bits`` each). With
  ``flash_attention=True`` the three are fused: the score matrix never goes to memory (Q, K, V
  are read once and the output written once; FlashAttention's re-reads of K/V per query block
  are not counted). In decode the one new query attends to every cached key, so there is no
  mask to skip and ``causal_skip`` changes nothing.
- LM head: ``lm_head="last"`` (default) computes logits for the last position of each sequence
  only (what generation needs); ``lm_head="all"`` for every prompt position (what training or
  scoring needs, and what some analysers do silently). In decode both mean one position.
- Mixture of experts: each token uses ``experts_per_token`` experts (FLOPs and activation bytes
  count those only). The weights read are those of the experts touched by *any* token of the
  pass: with ``n`` tokens routed uniformly at random, ``E (1 - (1 - k/E)^n)`` experts on average,
  so batch 1 decode reads ``k`` experts and a large batch reads all ``E``.
- Time of an operator: its roofline bound ``max(flops / peak, bytes / bandwidth)``; the network's
  time is the sum over operators (each runs alone). ``bound`` compares intensity with the ridge.
- Peak: the platform's dense peak for the compute dtype (see :func:`compute_dtype`).
- Memory footprint: weights (every parameter, all experts, at ``w_bits``) + KV cache (after the
  pass) + activations (the largest working set of one operator: its activation load + store).
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from ._validate import positive_int, unknown_name
from .core import Platform, Workload
from .units import eng

__all__ = ["LLMConfig", "LLMResult", "GenerateResult", "OPERATORS", "models", "get", "analyze", "generate",
           "critical_batch_size", "max_batch", "compute_dtype", "kv_cache_bytes_per_token", "param_count",
           "active_param_count", "experts_touched"]

Phase = Literal["prefill", "decode"]
_BITS = (1, 2, 3, 4, 8, 16, 32)

#: Operator name -> kind. The table of :func:`analyze` lists them in this order (``router`` only for MoE).
OPERATORS: dict[str, str] = {
    "attn_norm": "norm", "q_proj": "linear", "k_proj": "linear", "v_proj": "linear",
    "qk_matmul": "attention", "softmax": "attention", "sv_matmul": "attention", "o_proj": "linear",
    "attn_add": "elementwise", "mlp_norm": "norm", "router": "linear", "gate_proj": "linear",
    "up_proj": "linear", "act_mul": "elementwise", "down_proj": "linear", "mlp_add": "elementwise",
    "final_norm": "norm", "lm_head": "linear",
}
_COLUMNS = ("flops", "weight_bytes", "act_load_bytes", "act_store_bytes", "kv_load_bytes", "kv_store_bytes")


# --------------------------------------------------------------------------------------------- configs
@dataclass(frozen=True)
class LLMConfig:
    """A decoder-only transformer (RMSNorm, rotary attention with GQA, gated MLP, optional MoE). Notebook 05.

    Sizes are element counts. ``head_dim=None`` means ``hidden_size // num_heads`` (then
    ``num_heads`` must divide ``hidden_size``). ``num_experts=1`` is a dense model; for a mixture
    of experts, ``experts_per_token`` of ``num_experts`` gated MLPs run per token.
    ``tie_word_embeddings``: the LM head shares the embedding matrix (counted once in parameters,
    still read by the LM head). ``attention_bias``: q/k/v projections have biases (Qwen2).
    Build your own: ``rl.llm.LLMConfig("tiny", hidden_size=64, ...)``; pass it wherever a name goes.
    """

    name: str
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int | None = None
    head_dim: int | None = None
    vocab_size: int = 32000
    num_experts: int = 1
    experts_per_token: int = 1
    tie_word_embeddings: bool = False
    attention_bias: bool = False
    display_name: str = ""
    source: str = dataclasses.field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        for f in ("hidden_size", "intermediate_size", "num_layers", "num_heads", "vocab_size", "num_experts",
                  "experts_per_token"):
            object.__setattr__(self, f, positive_int(f, getattr(self, f)))
        kv = self.num_heads if self.num_kv_heads is None else positive_int("num_kv_heads", self.num_kv_heads)
        object.__setattr__(self, "num_kv_heads", kv)
        if self.head_dim is None:
            if self.hidden_size % self.num_heads:
                raise ValueError(f"num_heads must divide hidden_size ({self.hidden_size}) when head_dim is not "
                                 f"given, got num_heads={self.num_heads}")
            object.__setattr__(self, "head_dim", self.hidden_size // self.num_heads)
        else:
            object.__setattr__(self, "head_dim", positive_int("head_dim", self.head_dim))
        if self.num_heads % kv:
            raise ValueError(f"num_kv_heads must divide num_heads ({self.num_heads}), got num_kv_heads={kv}")
        if self.experts_per_token > self.num_experts:
            raise ValueError(f"experts_per_token must be <= num_experts ({self.num_experts}), "
                             f"got experts_per_token={self.experts_per_token}")
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)

    @property
    def is_moe(self) -> bool:
        """True for a mixture of experts (more than one expert MLP)."""
        return self.num_experts > 1

    @property
    def gqa_group(self) -> int:
        """Query heads per key/value head: 1 for multi-head attention, num_heads for multi-query."""
        return self.num_heads // self.num_kv_heads

    def replace(self, **changes: Any) -> LLMConfig:
        """A copy with some fields changed, validated like a new one."""
        return dataclasses.replace(self, **changes)


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", str(name).lower()).replace(".", "")


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, LLMConfig]:
    text = resources.files("rooflib").joinpath("data", "llm_models.toml").read_text(encoding="utf-8")
    return {e["name"]: LLMConfig(**e) for e in tomllib.loads(text)["model"]}


def models() -> list[str]:
    """Names of the shipped configs, lowercase (``"llama-2-7b"``, ``"mixtral-8x7b"``, ...)."""
    return list(_catalogue())


def get(name: str | LLMConfig) -> LLMConfig:
    """A shipped config by name (case and punctuation ignored: ``"Llama-2-7B"``); a config passes through."""
    if isinstance(name, LLMConfig):
        return name
    cat = _catalogue()
    if isinstance(name, str):
        for key, cfg in cat.items():
            if _compact(key) == _compact(name):
                return cfg
    raise unknown_name("model", name, cat)


def _platform(platform: str | Platform) -> Platform:
    from . import platforms

    if isinstance(platform, Platform):
        return platform
    return platforms.get(platform)


# ------------------------------------------------------------------------------------------- formulas
def _bits(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in _BITS:
        raise ValueError(f"{name} must be one of {', '.join(map(str, _BITS))} bits, got {value!r}")
    return int(value)


def param_count(model: str | LLMConfig) -> int:
    """Every parameter (all experts; embedding and LM head, counted once if tied). Elements, not bytes."""
    return _params(get(model), active=False)


def active_param_count(model: str | LLMConfig) -> int:
    """Parameters one token uses: as :func:`param_count` with ``experts_per_token`` expert MLPs."""
    return _params(get(model), active=True)


def _params(c: LLMConfig, active: bool) -> int:
    h, q, kv = c.hidden_size, c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim
    attn = h * q + 2 * h * kv + q * h + ((q + 2 * kv) if c.attention_bias else 0)
    experts = c.experts_per_token if active else c.num_experts
    mlp = experts * 3 * h * c.intermediate_size + (h * c.num_experts if c.is_moe else 0)
    layer = attn + mlp + 2 * h
    emb = c.vocab_size * h
    return c.num_layers * layer + h + emb * (1 if c.tie_word_embeddings else 2)


def experts_touched(model: str | LLMConfig, tokens: Any) -> float | np.ndarray:
    """Expected distinct experts per MoE layer used by ``tokens`` tokens routed uniformly: E (1 - (1 - k/E)^n).

    1 for a dense model. Mixtral-8x7B (k=2 of E=8): 2 experts for one token, 4.625 for 3, ~8 for 32.
    """
    c = get(model)
    n = _as_count("tokens", tokens)
    out = c.num_experts * (1 - (1 - c.experts_per_token / c.num_experts) ** n) if c.is_moe else np.ones_like(n)
    return _scalar(np.asarray(out, dtype=float))


def kv_cache_bytes_per_token(model: str | LLMConfig, kv_bits: int = 16) -> float:
    """KV-cache bytes per token (one sequence position): 2 (K and V) x layers x kv_heads x head_dim x bytes.

    Llama-2-7B at 16 bits: 2 x 32 x 32 x 128 x 2 B = 524288 B = 512 KiB per token.
    """
    c = get(model)
    return 2 * c.num_layers * c.num_kv_heads * c.head_dim * _bits("kv_bits", kv_bits) / 8


_DTYPE_CHAINS = {4: ("int4", "int8", "fp8", "bf16", "fp16"), 8: ("int8", "fp8", "bf16", "fp16"),
                 16: ("bf16", "fp16"), 32: ("fp32",)}


def _choose_dtype(platform: str | Platform, w_bits: int = 16, a_bits: int = 16) -> tuple[str, float]:
    """The dtype the matmuls run in and its peak (FLOP/s): ``(name, peak_flops_per_s)``.

    Rule: the wider of weights and activations sets the math (weights narrower than the
    activations are dequantised, e.g. W4A16 computes in 16 bits): <= 4 bits -> int4, 8 -> int8,
    16 -> bf16, 32 -> fp32. If the platform lists no peak for that dtype, the next wider one it
    lists is used (int4 -> int8 -> fp8 -> bf16 -> fp16); failing all, the platform's own
    ``peak_flops_per_s`` and ``dtype`` (e.g. a GTX 1080 Ti, fp32 only, runs 16-bit models at its fp32 peak).
    """
    p = _platform(platform)
    bits = max(_bits("w_bits", w_bits), _bits("a_bits", a_bits))
    key = 4 if bits <= 4 else 8 if bits <= 8 else bits
    for dt in _DTYPE_CHAINS[key]:
        if dt in p.peaks:
            return dt, float(p.peaks[dt])
        if dt == p.dtype:
            return dt, float(p.peak_flops_per_s)
    return p.dtype, float(p.peak_flops_per_s)


compute_dtype = _choose_dtype


def _as_count(name: str, value: object) -> np.ndarray:
    """A positive whole number or an array of them, as a float array (ValueError naming ``name``)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number >= 1 (or an array of them), got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number >= 1 (or an array of them), got {value!r}") from None
    ok = np.isfinite(arr) & (arr >= 1) & (arr == np.floor(arr))
    if arr.size == 0 or not np.all(ok):
        bad = value if arr.ndim == 0 else arr[~ok][:3].tolist()
        raise ValueError(f"{name} must be a whole number >= 1 (or an array of them), got {bad!r}")
    return arr


def _op_table(c: LLMConfig, phase: str, B: np.ndarray, S: np.ndarray, wb: float, ab: float, kvb: float,
              causal_skip: bool, flash: bool, lm_all: bool) -> tuple[list[str], list[int], dict[str, np.ndarray]]:
    """(names, counts, rows): per operator a 6-tuple (flops and the five byte columns) of float arrays that
    broadcast to broadcast(B, S).shape (constants stay 0-d, so sweeps do not copy them)."""
    h, i, V = c.hidden_size, c.intermediate_size, c.vocab_size
    nh, kvh, hd = c.num_heads, c.num_kv_heads, c.head_dim
    q, kv = nh * hd, kvh * hd
    E, k = c.num_experts, c.experts_per_token
    L = c.num_layers
    if phase == "prefill":
        T = B * S                      # tokens in the pass
        Lq, Lk = S, S                  # query positions, key positions per sequence
        pairs = S * (S + 1) / 2 if causal_skip else S * S
        T_out = T if lm_all else B
    else:
        T = B
        Lq, Lk = 1.0, S + 1
        pairs = S + 1
        T_out = B
    score = B * nh * pairs             # score elements
    touched = E * (1 - (1 - k / E) ** T) if E > 1 else 1.0
    bias = 1 if c.attention_bias else 0
    z = 0.0
    rows: list[tuple[str, int, tuple]] = []

    def add(name, count, flops, w, al, ast, kl=z, ks=z):
        rows.append((name, count, (flops, w, al, ast, kl, ks)))

    def norm(name, count):
        add(name, count, 4 * T * h, h * wb, T * h * ab, T * h * ab)

    norm("attn_norm", L)
    add("q_proj", L, 2 * T * h * q + bias * T * q, (h * q + bias * q) * wb, T * h * ab, T * q * ab)
    add("k_proj", L, 2 * T * h * kv + bias * T * kv, (h * kv + bias * kv) * wb, T * h * ab, z, z, T * kv * kvb)
    add("v_proj", L, 2 * T * h * kv + bias * T * kv, (h * kv + bias * kv) * wb, T * h * ab, z, z, T * kv * kvb)
    s_io = z if flash else score * ab
    add("qk_matmul", L, 2 * score * hd, z, B * Lq * q * ab, s_io, B * Lk * kv * kvb)
    add("softmax", L, 5 * score, z, s_io, s_io)
    add("sv_matmul", L, 2 * score * hd, z, s_io, B * Lq * q * ab, B * Lk * kv * kvb)
    add("o_proj", L, 2 * T * q * h, q * h * wb, T * q * ab, T * h * ab)
    add("attn_add", L, T * h, z, 2 * T * h * ab, T * h * ab)
    norm("mlp_norm", L)
    if c.is_moe:
        add("router", L, 2 * T * h * E, h * E * wb, T * h * ab, T * E * ab)
    Tk = T * k                         # token-expert pairs
    add("gate_proj", L, 2 * Tk * h * i, touched * h * i * wb, Tk * h * ab, Tk * i * ab)
    add("up_proj", L, 2 * Tk * h * i, touched * h * i * wb, Tk * h * ab, Tk * i * ab)
    add("act_mul", L, 5 * Tk * i, z, 2 * Tk * i * ab, Tk * i * ab)
    # MoE: down_proj also scales each expert's output by its routing weight and accumulates (2 FLOPs/element).
    add("down_proj", L, 2 * Tk * i * h + (2 * Tk * h if c.is_moe else 0), touched * i * h * wb, Tk * i * ab,
        T * h * ab)
    add("mlp_add", L, T * h, z, 2 * T * h * ab, T * h * ab)
    norm("final_norm", 1)
    add("lm_head", 1, 2 * T_out * h * V, h * V * wb, T_out * h * ab, T_out * V * ab)

    names = [r[0] for r in rows]
    counts = [r[1] for r in rows]
    raw = tuple(tuple(np.asarray(v, dtype=float) for v in r[2]) for r in rows)
    return names, counts, raw


# ---------------------------------------------------------------------------------------------- result
def _scalar(x: np.ndarray) -> float | np.ndarray:
    return x.item() if np.ndim(x) == 0 else x


@dataclass(frozen=True, eq=False)
class LLMResult:
    """What :func:`analyze` returns: a per-operator table and network totals. Notebook 05.

    Per operator, for ONE instance (arrays of shape ``(n_ops, *grid)``, rows in ``names`` order):
    ``columns[...]`` (flops and the five byte columns), ``op_flops``, ``op_bytes``,
    ``op_intensity`` (FLOP/byte; inf for a fused operator with no traffic), ``op_bound``,
    ``op_time_s``; ``count`` is the number of instances in the network (``num_layers`` for
    decoder-layer operators, 1 for ``final_norm`` and ``lm_head``); ``rows`` holds the same numbers
    unbroadcast (per operator a 6-tuple of arrays that broadcast to the grid), which keeps sweeps fast.
    Totals over the network (scalars, or arrays shaped like broadcast(batch, seq_len)): ``flops``,
    ``bytes``, ``intensity``, ``bound``, ``time_s`` (sum of count x per-operator roofline time),
    ``kv_cache_bytes``, ``memory_bytes`` (weights + KV cache + activations), ``fits``;
    ``total_*(kind)`` restricts a total to one operator kind ("linear", "attention", ...).
    Renders as a table (``print``, Jupyter), ``to_dicts()``, ``to_dataframe()``, ``workloads()``.
    """

    model: LLMConfig
    platform: Platform
    phase: str
    batch: float | np.ndarray
    seq_len: float | np.ndarray
    w_bits: int
    a_bits: int
    kv_bits: int
    compute_dtype: str
    peak_flops_per_s: float
    names: tuple[str, ...]
    count: np.ndarray
    rows: tuple[tuple[np.ndarray, ...], ...] = dataclasses.field(repr=False)
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    _cache: dict[str, Any] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid shape: broadcast(batch, seq_len); () for scalars."""
        return np.broadcast(np.asarray(self.batch), np.asarray(self.seq_len)).shape

    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """Per-operator columns, each of shape (n_ops, *grid): flops and the five byte columns."""
        if "columns" not in self._cache:
            shape = self.shape
            self._cache["columns"] = MappingProxyType({
                col: np.stack([np.broadcast_to(r[j], shape) for r in self.rows]) for j, col in enumerate(_COLUMNS)})
        return self._cache["columns"]

    def _row_bytes(self) -> list[np.ndarray]:
        if "bytes" not in self._cache:
            self._cache["bytes"] = [w + al + ast + kl + ks for _, w, al, ast, kl, ks in self.rows]
        return self._cache["bytes"]

    def _row_time(self) -> list[np.ndarray]:
        if "time" not in self._cache:
            pi, beta = self.peak_flops_per_s, self.bandwidth
            self._cache["time"] = [np.maximum(r[0] / pi, b / beta) for r, b in zip(self.rows, self._row_bytes())]
        return self._cache["time"]

    def _sum_rows(self, values: list[np.ndarray], kind: str | None) -> float | np.ndarray:
        sel = self._select(kind)
        total = sum(self.count[j] * values[j] for j in sel)
        return _scalar(np.broadcast_to(np.asarray(total, dtype=float), self.shape).copy())

    # -- per operator (arrays of shape (n_ops, *grid), one instance of each operator)
    @property
    def op_flops(self) -> np.ndarray:
        """Per-operator FLOPs (one instance)."""
        return self.columns["flops"]

    @property
    def bandwidth(self) -> float:
        """Memory bandwidth β in bytes/s (the platform's)."""
        return self.platform.bandwidth

    @property
    def ridge_point(self) -> float:
        """peak_flops_per_s / bandwidth in FLOP/byte, with the compute dtype's peak."""
        return self.peak_flops_per_s / self.bandwidth

    @property
    def roof(self) -> Platform:
        """The platform with its roof at the compute dtype's peak (what the points sit under)."""
        return self.platform.replace(peak_flops_per_s=self.peak_flops_per_s, dtype=self.compute_dtype)

    @property
    def op_bytes(self) -> np.ndarray:
        """Per-operator bytes moved: weight + activation load/store + KV load/store."""
        c = self.columns
        return (c["weight_bytes"] + c["act_load_bytes"] + c["act_store_bytes"] + c["kv_load_bytes"]
                + c["kv_store_bytes"])

    @property
    def op_intensity(self) -> np.ndarray:
        """Per-operator FLOP/byte (inf where an operator moves no bytes, e.g. fused softmax)."""
        b = self.op_bytes
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b > 0, self.columns["flops"] / np.where(b > 0, b, 1), np.inf)

    @property
    def op_time_s(self) -> np.ndarray:
        """Per-operator roofline time in seconds: max(flops / peak, bytes / bandwidth)."""
        return np.maximum(self.columns["flops"] / self.peak_flops_per_s, self.op_bytes / self.bandwidth)

    @property
    def op_bound(self) -> np.ndarray:
        """Per-operator "memory" or "compute" (intensity below or at/above the ridge point)."""
        return np.where(self.op_intensity < self.ridge_point, "memory", "compute")

    def _select(self, kind: str | None) -> list[int]:
        if kind is None:
            return list(range(len(self.names)))
        kinds = {OPERATORS[n] for n in self.names}
        if kind not in kinds:
            raise unknown_name("operator kind", kind, sorted(kinds))
        return [j for j, n in enumerate(self.names) if OPERATORS[n] == kind]

    # -- totals
    def total_flops(self, kind: str | None = None) -> float | np.ndarray:
        """FLOPs of the whole forward pass (or of operators of one ``kind``: linear, attention, norm, elementwise)."""
        return self._sum_rows([r[0] for r in self.rows], kind)

    def total_bytes(self, kind: str | None = None) -> float | np.ndarray:
        """Bytes moved by the whole forward pass (or by operators of one ``kind``)."""
        return self._sum_rows(self._row_bytes(), kind)

    def total_time_s(self, kind: str | None = None) -> float | np.ndarray:
        """Sum of per-operator roofline times in seconds (or of operators of one ``kind``)."""
        return self._sum_rows(self._row_time(), kind)

    def total_intensity(self, kind: str | None = None) -> float | np.ndarray:
        """total_flops / total_bytes in FLOP/byte (of the network, or of one ``kind``)."""
        return _scalar(np.asarray(self.total_flops(kind)) / np.asarray(self.total_bytes(kind)))

    def total_bound(self, kind: str | None = None) -> str | np.ndarray:
        """"memory" or "compute": total intensity against the ridge point (of the network or one ``kind``)."""
        return _scalar(np.where(np.asarray(self.total_intensity(kind)) < self.ridge_point, "memory", "compute"))

    @property
    def flops(self) -> float | np.ndarray:
        """Total FLOPs of the forward pass (all layers and the LM head)."""
        return self.total_flops()

    @property
    def bytes(self) -> float | np.ndarray:
        """Total bytes moved by the forward pass."""
        return self.total_bytes()

    @property
    def intensity(self) -> float | np.ndarray:
        """Total intensity in FLOP/byte: flops / bytes of the whole pass."""
        return self.total_intensity()

    @property
    def bound(self) -> str | np.ndarray:
        """"memory" or "compute" for the whole pass (total intensity against the ridge point)."""
        return self.total_bound()

    @property
    def time_s(self) -> float | np.ndarray:
        """Total time in seconds: the sum of per-operator roofline times."""
        return self.total_time_s()

    @property
    def kv_cache_bytes(self) -> float | np.ndarray:
        """Size of the KV cache after this pass in bytes: per-token bytes x batch x context length."""
        ctx = self.seq_len if self.phase == "prefill" else np.asarray(self.seq_len) + 1
        return _scalar(np.asarray(kv_cache_bytes_per_token(self.model, self.kv_bits) * self.batch * ctx, dtype=float))

    @property
    def weight_memory_bytes(self) -> float:
        """Bytes to hold every weight (all experts) at ``w_bits``."""
        return param_count(self.model) * self.w_bits / 8

    @property
    def activation_bytes(self) -> float | np.ndarray:
        """Peak activation memory estimate: the largest activation load + store of any one operator."""
        peak = np.zeros(())
        for r in self.rows:
            peak = np.maximum(peak, r[2] + r[3])
        return _scalar(np.broadcast_to(peak, self.shape).copy())

    @property
    def memory_bytes(self) -> float | np.ndarray:
        """Memory footprint in bytes: weights + KV cache + activations."""
        return _scalar(np.asarray(self.weight_memory_bytes + np.asarray(self.kv_cache_bytes)
                                  + np.asarray(self.activation_bytes)))

    @property
    def fits(self) -> bool | np.ndarray | None:
        """Whether the footprint fits the platform's memory (None if the platform lists no memory_bytes)."""
        if self.platform.memory_bytes is None:
            return None
        f = np.asarray(self.memory_bytes) <= self.platform.memory_bytes
        return bool(f) if f.ndim == 0 else f

    def summary(self) -> dict[str, Any]:
        """Network totals as a dict (units in the key names)."""
        return {"flops": self.flops, "bytes": self.bytes, "intensity": self.total_intensity(),
                "bound": self.total_bound(), "time_s": self.time_s, "kv_cache_bytes": self.kv_cache_bytes,
                "weight_memory_bytes": self.weight_memory_bytes, "activation_bytes": self.activation_bytes,
                "memory_bytes": self.memory_bytes, "fits": self.fits}

    # -- conversions
    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per operator: operator, kind, count, flops, five byte columns, bytes, intensity, bound, time_s."""
        inten, bound, t, b = self.op_intensity, self.op_bound, self.op_time_s, self.op_bytes
        out = []
        for j, n in enumerate(self.names):
            row: dict[str, Any] = {"operator": n, "kind": OPERATORS[n], "count": int(self.count[j])}
            for col in _COLUMNS:
                row[col] = _scalar(self.columns[col][j])
            row.update(bytes=_scalar(b[j]), intensity=_scalar(inten[j]), bound=_scalar(bound[j]),
                       time_s=_scalar(t[j]))
            out.append(row)
        return out

    def to_dataframe(self):
        """The per-operator table as a pandas DataFrame (scalar batch and seq_len only)."""
        import pandas as pd

        self._need_scalar("to_dataframe")
        return pd.DataFrame(self.to_dicts()).set_index("operator")

    def workloads(self) -> list[Workload]:
        """Per-operator rl.Workload objects (one instance each) for rl.plot.roofline (scalar inputs only).

        With ``flash_attention=True`` QKᵀ, softmax and SV are one fused Workload, ``attention (flash)``.
        """
        self._need_scalar("workloads")
        rows = self.to_dicts()
        if self.options.get("flash_attention"):
            att = [r for r in rows if r["kind"] == "attention"]
            fused = {"operator": "attention (flash)", "flops": sum(r["flops"] for r in att),
                     "bytes": sum(r["bytes"] for r in att)}
            first = rows.index(att[0])
            rows = [r for r in rows if r["kind"] != "attention"]
            rows.insert(first, fused)
        return [Workload(r["operator"], r["flops"], r["bytes"]) for r in rows if r["bytes"] > 0]

    def _need_scalar(self, what: str) -> None:
        if np.ndim(self.batch) or np.ndim(self.seq_len):
            raise ValueError(f"{what}() needs a scalar batch and seq_len; this result covers a grid of "
                             f"shape {np.broadcast(self.batch, self.seq_len).shape}")

    def _title(self) -> str:
        b = self.batch if np.ndim(self.batch) == 0 else f"array{np.shape(self.batch)}"
        s = self.seq_len if np.ndim(self.seq_len) == 0 else f"array{np.shape(self.seq_len)}"
        fb = lambda x: f"{x:g}" if isinstance(x, float) else x  # noqa: E731
        return (f"{self.model.display_name} {self.phase} on {self.platform.display_name}: batch={fb(b)}, "
                f"seq_len={fb(s)}, W{self.w_bits}A{self.a_bits}KV{self.kv_bits}, "
                f"peak {eng(self.peak_flops_per_s, 'FLOP/s')} ({self.compute_dtype})")

    def _rows_fmt(self) -> tuple[list[str], list[list[str]]]:
        head = ["operator", "count", "FLOPs", "weights", "act load", "act store", "KV load", "KV store",
                "FLOP/byte", "bound", "time"]
        body = []
        for r in self.to_dicts():
            body.append([r["operator"], str(r["count"]), eng(r["flops"]), eng(r["weight_bytes"], "B"),
                         eng(r["act_load_bytes"], "B"), eng(r["act_store_bytes"], "B"),
                         eng(r["kv_load_bytes"], "B"), eng(r["kv_store_bytes"], "B"),
                         f"{r['intensity']:.3g}", r["bound"], eng(r["time_s"], "s")])
        return head, body

    def _totals_fmt(self) -> str:
        fits = {True: "yes", False: "NO", None: "unknown (platform has no memory_bytes)"}[self.fits]
        return (f"total: {eng(self.flops, 'FLOP')}, {eng(self.bytes, 'B')}, "
                f"{self.total_intensity():.3g} FLOP/byte, {self.total_bound()}-bound, time {eng(self.time_s, 's')}; "
                f"KV cache {eng(self.kv_cache_bytes, 'B')}; memory {eng(self.memory_bytes, 'B')} "
                f"(weights {eng(self.weight_memory_bytes, 'B')}), fits: {fits}")

    def __str__(self) -> str:
        if np.ndim(self.batch) or np.ndim(self.seq_len):
            return (f"LLMResult({self._title()}; grid {np.broadcast(self.batch, self.seq_len).shape}, "
                    f"{len(self.names)} operators)")
        head, body = self._rows_fmt()
        widths = [max(len(x) for x in col) for col in zip(head, *body)]
        line = lambda cells: "  ".join(c.rjust(w) if k else c.ljust(w)  # noqa: E731
                                       for k, (c, w) in enumerate(zip(cells, widths)))
        return "\n".join([self._title() + " (per instance; count = instances in the network)", line(head),
                          *map(line, body), self._totals_fmt()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if np.ndim(self.batch) or np.ndim(self.seq_len):
            return f"<pre>{html.escape(str(self))}</pre>"
        head, body = self._rows_fmt()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
        return (f"<div><p><b>{html.escape(self._title())}</b></p><table><thead><tr>{th}</tr></thead>"
                f"<tbody>{trs}</tbody></table><p>{html.escape(self._totals_fmt())}</p></div>")


def analyze(model: str | LLMConfig, platform: str | Platform, phase: Phase, batch: Any = 1, seq_len: Any = 1024,
            w_bits: int = 16, a_bits: int = 16, kv_bits: int = 16, flash_attention: bool = False, *,
            causal_skip: bool = False, lm_head: Literal["last", "all"] = "last",
            compute_dtype: str | None = None) -> LLMResult:
    """Roofline analysis of one forward pass (prefill of a prompt, or one decode step). Notebook 05.

    ``batch`` (sequences) and ``seq_len`` (prompt length in prefill; tokens already cached in
    decode) are whole numbers >= 1 or numpy arrays of them; they broadcast, and every total then
    has the broadcast shape. ``causal_skip``, ``flash_attention`` and ``lm_head`` are the
    conventions in the module docstring; ``compute_dtype`` overrides the peak chosen by
    :func:`compute_dtype` (e.g. ``"fp16"``).
    """
    cfg = get(model)
    plat = _platform(platform)
    if phase not in ("prefill", "decode"):
        raise ValueError(f"phase must be 'prefill' or 'decode', got {phase!r}")
    if lm_head not in ("last", "all"):
        raise ValueError(f"lm_head must be 'last' or 'all', got {lm_head!r}")
    w, a, kvb = _bits("w_bits", w_bits), _bits("a_bits", a_bits), _bits("kv_bits", kv_bits)
    B, S = _as_count("batch", batch), _as_count("seq_len", seq_len)
    try:
        np.broadcast(B, S)
    except ValueError:
        raise ValueError(f"batch and seq_len must broadcast together (numpy rules), got shapes {B.shape} and "
                         f"{S.shape}") from None
    if compute_dtype is None:
        dt, peak = _choose_dtype(plat, w, a)
    else:
        dt = compute_dtype
        peak = float(plat.peak(dt))
    names, counts, cols = _op_table(cfg, phase, B, S, w / 8, a / 8, kvb / 8, bool(causal_skip),
                                    bool(flash_attention), lm_head == "all")
    return LLMResult(model=cfg, platform=plat, phase=phase, batch=_scalar(B), seq_len=_scalar(S), w_bits=w,
                     a_bits=a, kv_bits=kvb, compute_dtype=dt, peak_flops_per_s=peak, names=tuple(names),
                     count=np.asarray(counts, dtype=float), rows=cols,
                     options={"flash_attention": bool(flash_attention), "causal_skip": bool(causal_skip),
                              "lm_head": lm_head})


# -------------------------------------------------------------------------------------------- generate
@dataclass(frozen=True)
class GenerateResult:
    """Latency of generating ``gen_len`` tokens after a ``prompt_len`` prompt, for ``batch`` sequences. Notebook 05.

    ``ttft_s``: time to first token = the prefill (it yields the first output token).
    ``decode_step_s``: array of the ``gen_len - 1`` decode step times (step j has ``prompt_len + j``
    tokens cached). ``tpot_s``: their mean, time per output token (0.0 when gen_len == 1).
    ``total_s`` = ttft_s + sum of decode steps. ``tokens_per_s``: output tokens of all sequences /
    total_s. ``decode_tokens_per_s``: batch / tpot_s (the steady decode rate). ``peak_memory_bytes``:
    the larger footprint of the prefill and the last decode step (weights + KV cache + activations);
    ``fits``: whether that peak fits the platform's memory (None if the platform lists none).
    """

    prompt_len: int
    gen_len: int
    batch: int
    ttft_s: float
    decode_step_s: np.ndarray
    tpot_s: float
    total_s: float
    tokens_per_s: float
    decode_tokens_per_s: float
    peak_memory_bytes: float
    fits: bool | None

    def __str__(self) -> str:
        return (f"prompt {self.prompt_len}, generate {self.gen_len}, batch {self.batch}: TTFT {eng(self.ttft_s, 's')}, "
                f"TPOT {eng(self.tpot_s, 's')}, total {eng(self.total_s, 's')}, {self.tokens_per_s:.4g} tokens/s")


def generate(model: str | LLMConfig, platform: str | Platform, prompt_len: int, gen_len: int, batch: int = 1,
             **kwargs: Any) -> GenerateResult:
    """Time to first token, time per output token, total latency and tokens/s, vectorised. Notebook 05.

    One prefill of ``prompt_len`` tokens per sequence (its last-position logits give the first token),
    then ``gen_len - 1`` decode steps evaluated in one vectorised :func:`analyze` call over the
    context lengths ``prompt_len, ..., prompt_len + gen_len - 2``. ``kwargs`` go to :func:`analyze`.
    """
    p = positive_int("prompt_len", prompt_len)
    g = positive_int("gen_len", gen_len)
    b = positive_int("batch", batch)
    pre = analyze(model, platform, "prefill", batch=b, seq_len=p, **kwargs)
    ttft = float(pre.time_s)
    if g > 1:
        dec = analyze(model, platform, "decode", batch=b, seq_len=np.arange(p, p + g - 1), **kwargs)
        steps = np.asarray(dec.time_s, dtype=float)
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
                          decode_tokens_per_s=(b / tpot if tpot > 0 else 0.0), peak_memory_bytes=mem, fits=fits)


# ------------------------------------------------------------------------------------- batch questions
def critical_batch_size(model: str | LLMConfig, platform: str | Platform, seq_len: int = 1024, *, w_bits: int = 16,
                        a_bits: int = 16, kv_bits: int = 16, max_search: int = 2**24, **kwargs: Any) -> int | float:
    """Smallest decode batch at which the linear layers, taken together, are compute-bound. Notebook 05.

    "Linear layers" are the operators of kind ``linear`` (q/k/v/o, router, gate/up/down, LM head);
    their total intensity ≈ batch x 2 / (bytes per weight) FLOP/byte while weights dominate the
    traffic, so the answer is ≈ ridge point x (bytes per weight) / 2 (≈ π/β for 16-bit weights).
    For a mixture of experts at large batch every expert is read but each token uses only
    ``experts_per_token`` of ``num_experts``, so the answer grows by about num_experts / experts_per_token
    (Mixtral-8x7B: about 4x the dense figure).
    Found by a search over whole batches (the intensity grows with batch). Returns ``math.inf``
    if no batch up to ``max_search`` gets there (activation traffic caps the intensity).
    """
    positive_int("seq_len", seq_len)

    def compute_bound(b: np.ndarray) -> np.ndarray:
        r = analyze(model, platform, "decode", batch=b, seq_len=seq_len, w_bits=w_bits, a_bits=a_bits,
                    kv_bits=kv_bits, **kwargs)
        return np.asarray(r.total_intensity("linear")) >= r.ridge_point

    hi = 1
    while not compute_bound(np.asarray(hi)):
        hi *= 2
        if hi > max_search:
            return math.inf
    lo = hi // 2  # not compute-bound at lo (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if compute_bound(np.asarray(mid)):
            hi = mid
        else:
            lo = mid
    return hi


def max_batch(model: str | LLMConfig, platform: str | Platform, seq_len: int, phase: Phase = "decode",
              **kwargs: Any) -> int:
    """Largest batch whose footprint (weights + KV cache + activations) fits the platform's memory. Notebook 05.

    ``phase`` and ``seq_len`` mean what they mean in :func:`analyze` (decode: ``seq_len`` cached
    tokens, the step adds one). Returns 0 when even batch 1 does not fit (e.g. weights alone are
    too large). The footprint grows with batch, so a doubling then bisection search finds it.
    """
    plat = _platform(platform)
    if plat.memory_bytes is None:
        raise ValueError(f"memory_bytes of platform {plat.name!r} is not set; max_batch needs a memory capacity")
    positive_int("seq_len", seq_len)

    def fits(b: int) -> bool:
        return bool(analyze(model, plat, phase, batch=b, seq_len=seq_len, **kwargs).fits)

    if not fits(1):
        return 0
    lo = 1
    hi = 2
    while fits(hi):
        lo, hi = hi, hi * 2
        if hi > 2**40:
            raise ValueError("max_batch did not converge: the footprint does not grow with batch")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo

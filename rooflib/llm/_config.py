"""Model configs and the counts that follow from a config alone: the catalogue, parameters, KV-cache bytes per
token, experts touched, and the dtype the matmuls run in. Notebook 05."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from .. import platforms
from .._validate import lookup_key, unknown_name
from ..core import Platform
from ._checks import bits, count, counts, flag, scalar

__all__ = ["LLMConfig", "names", "get", "param_count", "active_param_count", "experts_touched",
           "kv_cache_bytes_per_token", "compute_dtype"]

_SIZES = ("hidden_size", "intermediate_size", "num_layers", "num_heads", "vocab_size", "num_experts",
          "experts_per_token")


@dataclass(frozen=True)
class LLMConfig:
    """A decoder-only transformer (RMSNorm, rotary attention with GQA, gated MLP, optional MoE). Notebook 05.

    Sizes are element counts. ``head_dim=None`` means ``hidden_size // num_heads`` (then
    ``num_heads`` must divide ``hidden_size``). ``num_experts=1`` is a dense model; for a mixture
    of experts, ``experts_per_token`` of ``num_experts`` gated MLPs run per token.
    ``tie_word_embeddings``: the LM head shares the embedding matrix (counted once in parameters,
    still read by the LM head). ``attention_bias``: q/k/v projections have biases (Qwen2).
    ``sliding_window``: each token attends to at most this many tokens (itself included) and the
    cache keeps only that many (Mistral-7B-v0.1: 4096; notebook 07); None attends to everything.
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
    sliding_window: int | None = None
    display_name: str = ""
    source: str = dataclasses.field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        for f in _SIZES:
            object.__setattr__(self, f, count(f, getattr(self, f)))
        for f in ("tie_word_embeddings", "attention_bias"):
            object.__setattr__(self, f, flag(f, getattr(self, f)))
        if self.sliding_window is not None:
            object.__setattr__(self, "sliding_window", count("sliding_window", self.sliding_window))
        kv = self.num_heads if self.num_kv_heads is None else count("num_kv_heads", self.num_kv_heads)
        object.__setattr__(self, "num_kv_heads", kv)
        if self.head_dim is None:
            if self.hidden_size % self.num_heads:
                raise ValueError(f"num_heads must divide hidden_size ({self.hidden_size}) when head_dim is not "
                                 f"given, got num_heads={self.num_heads}")
            object.__setattr__(self, "head_dim", self.hidden_size // self.num_heads)
        else:
            object.__setattr__(self, "head_dim", count("head_dim", self.head_dim))
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


# ------------------------------------------------------------------------------------------- catalogue
@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, LLMConfig], dict[str, str]]:
    """(configs by name, lookup key -> name), read once from data/llm_models.toml."""
    text = resources.files("rooflib").joinpath("data", "llm_models.toml").read_text(encoding="utf-8")
    configs = {e["name"]: LLMConfig(**e) for e in tomllib.loads(text)["model"]}
    return configs, {lookup_key(n): n for n in configs}


def names() -> list[str]:
    """Names of the shipped configs, lowercase, in catalogue order (``"llama-2-7b"``, ``"mixtral-8x7b"``, ...)."""
    return list(_catalogue()[0])


def get(name: str | LLMConfig) -> LLMConfig:
    """A shipped config by name (case and punctuation ignored: ``"Llama-2-7B"``); a config passes through."""
    if isinstance(name, LLMConfig):
        return name
    configs, index = _catalogue()
    if isinstance(name, str) and lookup_key(name) in index:
        return configs[index[lookup_key(name)]]
    raise unknown_name("model", name, configs)


# ------------------------------------------------------------------------------------------- counts
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
    n = counts("tokens", tokens)
    out = c.num_experts * (1 - (1 - c.experts_per_token / c.num_experts) ** n) if c.is_moe else np.ones_like(n)
    return scalar(np.asarray(out, dtype=float))


def kv_cache_bytes_per_token(model: str | LLMConfig, kv_bits: int = 16) -> float:
    """KV-cache bytes per token (one sequence position): 2 (K and V) x layers x kv_heads x head_dim x bytes.

    Llama-2-7B at 16 bits: 2 x 32 x 32 x 128 x 2 B = 524288 B = 512 KiB per token.
    """
    c = get(model)
    return 2 * c.num_layers * c.num_kv_heads * c.head_dim * bits("kv_bits", kv_bits) / 8


# ------------------------------------------------------------------------------------------- compute dtype
_DTYPE_CHAINS = {4: ("int4", "int8", "fp8", "bf16", "fp16"), 8: ("int8", "fp8", "bf16", "fp16"),
                 16: ("bf16", "fp16"), 32: ("fp32",)}


def compute_dtype(platform: str | Platform, w_bits: int = 16, a_bits: int = 16) -> tuple[str, float]:
    """The dtype the matmuls run in and its peak (FLOP/s): ``(name, peak_flops_per_s)``. Notebook 05.

    Rule: the wider of weights and activations sets the math (weights narrower than the
    activations are dequantised, e.g. W4A16 computes in 16 bits): <= 4 bits -> int4, 8 -> int8,
    16 -> bf16, 32 -> fp32. If the platform lists no peak for that dtype, the next wider one it
    lists is used (int4 -> int8 -> fp8 -> bf16 -> fp16); failing all, the platform's own
    ``peak_flops_per_s`` and ``dtype`` (e.g. a GTX 1080 Ti, fp32 only, runs 16-bit models at its fp32 peak).
    """
    p = platforms.get(platform)
    width = max(bits("w_bits", w_bits), bits("a_bits", a_bits))
    key = 4 if width <= 4 else 8 if width <= 8 else width
    for dt in _DTYPE_CHAINS[key]:
        if dt in p.peaks:
            return dt, float(p.peaks[dt])
        if dt == p.dtype:
            return dt, float(p.peak_flops_per_s)
    return p.dtype, float(p.peak_flops_per_s)

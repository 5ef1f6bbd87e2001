"""Transformer (LLM) inference on the roofline, per operator, for prefill and decode, on one device or several.
Notebooks 05 and 07.

``rl.llm.analyze(model, platform, phase, batch, seq_len)`` counts FLOPs and bytes for every operator
of one decoder layer and the LM head, then times each operator on the roofline. ``rl.llm.names()``
lists the shipped models (``rooflib/data/llm_models.toml``), ``rl.llm.get(name)`` returns one.
With ``tp``, ``pp``, ``ep`` (and ``link``) the model is split over devices and every result is per
device, with the collectives as rows of kind ``"communication"`` (conventions in ``_parallel``'s
docstring; notebook 07). ``latency_throughput`` sweeps decode from batch 1 to the memory wall per
platform, precision and layout; ``plot_latency_throughput`` draws it.

Modules, one job each: ``_config`` (model configs, the catalogue and the counts a config alone
gives), ``_parallel`` (the layout over devices and what each device holds), ``_operators`` (the
per-operator table), ``_result`` (``LLMResult``), ``_generate`` (``GenerateResult``), ``_analyze``
(``analyze``, ``generate``, ``critical_batch_size``, ``max_batch``, ``memory_budget``), ``_curve``
(``latency_throughput``), ``_plot`` (its figure), ``_checks`` (input checks).

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
- Time of an operator: its roofline bound ``max(flops / peak, bytes / bandwidth)``, a lower bound
  (no overlap, no launch or synchronisation cost); the network's time is the sum over operators
  (each runs alone): ``result.total_time_s()``. A verdict (``"memory"`` or ``"compute"``)
  compares intensity with the ridge point.
- Peak: the platform's dense peak for the compute dtype (see :func:`compute_dtype`).
- Inputs: flags (``flash_attention``, ``causal_skip``, ``tie_word_embeddings``, ``attention_bias``)
  are ``True`` or ``False``, never a string; counts (``batch``, ``seq_len``, sizes, ``max_search``)
  are whole numbers from 1 to 2**53. Anything else is a ValueError naming the parameter.
- Memory footprint: weights (every parameter, all experts, at ``w_bits``) + KV cache (after the
  pass) + activations (the largest working set of one operator: its activation load + store); on
  several devices, those of the fullest device.
- Serving keywords of ``analyze`` (defaults keep the numbers above): ``past_len`` (a prefill after
  cached tokens), ``w_group_size`` (16-bit scales per group of quantised weights), ``embed_bits``
  (embedding and LM head at their own precision), ``sliding_window`` (the model's window, on by
  default: Mistral-7B attends to and caches at most 4096 tokens), ``kv_block_size`` (paged KV cache);
  ``max_batch`` adds ``memory_utilization`` and ``reserve_bytes``. Every time is a lower bound.
"""

from ._config import (LLMConfig, active_param_count, compute_dtype, experts_touched, get, kv_cache_bytes_per_token,
                      names, param_count)
from ._operators import BYTE_COLUMNS, COLUMNS, KINDS, OPERATORS
from ._parallel import Layout
from ._result import LLMResult
from ._generate import GenerateResult
from ._analyze import analyze, critical_batch_size, generate, max_batch, memory_budget
from ._curve import CurveSeries, LatencyThroughput, latency_throughput
from ._plot import plot_latency_throughput

__all__ = ["LLMConfig", "LLMResult", "GenerateResult", "Layout", "OPERATORS", "KINDS", "COLUMNS", "BYTE_COLUMNS",
           "names", "get", "analyze", "generate", "critical_batch_size", "max_batch", "memory_budget",
           "compute_dtype", "kv_cache_bytes_per_token", "param_count", "active_param_count", "experts_touched",
           "latency_throughput", "LatencyThroughput", "CurveSeries", "plot_latency_throughput"]

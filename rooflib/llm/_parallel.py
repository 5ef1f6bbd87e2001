"""One model on several devices: the parallel layout (tensor, pipeline, expert), what each device holds and what
its collectives cost per byte. Notebook 07.

Conventions (every per-device number of ``rl.llm`` follows them; tests/test_llm_parallel.py derives them by hand):

- ``tp`` (tensor parallel, Megatron-LM, Shoeybi et al. 2019): q/k/v, gate and up are split by columns
  (each device holds ``num_heads / tp`` query heads and ``intermediate_size / tp`` MLP columns), o_proj and
  down_proj by rows; each of the two row-parallel outputs is summed by an all-reduce of the activations
  (tokens x hidden_size x activation bytes): TWO all-reduces per layer. The embedding and the LM head are
  split by vocabulary: an all-reduce after the embedding lookup, an all-gather of the logits after the LM
  head. Norms, residual adds and the MoE router are replicated. ``tp`` must divide ``num_heads``; when it is
  larger than ``num_kv_heads`` each device keeps one KV head, replicated ``tp / num_kv_heads`` times (as vLLM
  does), and that replica's weights and cache are counted on every device.
- ``pp`` (pipeline parallel): the layers are split into ``pp`` stages of about ``num_layers / pp``; each stage
  sends its activations (tokens x hidden_size) to the next. The batch runs as ``micro_batches`` micro-batches
  (GPipe, Huang et al. 2019; the pipeline is filled and drained every pass): the pass takes
  (micro_batches + pp - 1) stage slots, of which pp - 1 are the bubble. Per-device rows are the average
  stage (``num_layers / pp`` layers, the LM head on one stage in pp); the footprint is the fullest stage
  (``ceil(num_layers / pp)`` layers and the larger of the embedding and the LM head).
- ``ep`` (expert parallel, mixture of experts only): each device holds ``num_experts / ep`` experts and runs
  attention for ``batch / ep`` of the sequences (data-parallel attention); tokens go to their experts and
  back by two all-to-alls per layer (dispatch and combine, tokens x experts_per_token x hidden_size bytes).
- Devices in one replica: tp x pp x ep. ``batch`` is every sequence the replica serves.
- Communication: rl.comm's α-β collectives (ring all-reduce and all-gather, pairwise all-to-all, a direct
  send) over ``link`` (default: the platform's ``interconnect``); ``pp_link`` (default: ``link``) carries the
  pipeline sends, e.g. InfiniBand between nodes. A collective runs alone: nothing overlaps it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import comm
from ..comm import Link
from ..core import Platform
from ._checks import count
from ._config import LLMConfig

__all__ = ["Layout", "Shard", "layout", "shard", "collective_per_byte", "weight_bytes_per_device"]


@dataclass(frozen=True)
class Layout:
    """How one model replica is split over devices: ``tp`` x ``pp`` x ``ep`` of them. Notebook 07.

    ``micro_batches``: the batch runs through the pipeline in that many parts. ``link`` carries the
    tensor- and expert-parallel collectives, ``pp_link`` the sends between pipeline stages (None when
    nothing crosses them).
    """

    tp: int = 1
    pp: int = 1
    ep: int = 1
    micro_batches: int = 1
    link: Link | None = None
    pp_link: Link | None = None

    @property
    def devices(self) -> int:
        """Devices in one model replica: tp x pp x ep."""
        return self.tp * self.pp * self.ep

    @property
    def label(self) -> str:
        """A short name: ``"1 device"``, ``"TP8"``, ``"TP4 x PP2"``, ``"EP8"``."""
        parts = [f"{k}{v}" for k, v in (("TP", self.tp), ("PP", self.pp), ("EP", self.ep)) if v > 1]
        return " x ".join(parts) if parts else "1 device"

    @property
    def bubble_fraction(self) -> float:
        """The pipeline bubble as a share of the pass: (pp - 1) / (micro_batches + pp - 1) (0 for pp = 1)."""
        return (self.pp - 1) / (self.micro_batches + self.pp - 1)


def layout(cfg: LLMConfig, platform: Platform, tp: object = 1, pp: object = 1, ep: object = 1,
           micro_batches: object = 1, link: str | Link | None = None, pp_link: str | Link | None = None) -> Layout:
    """A validated :class:`Layout`; errors name the parameter (``tp``, ``pp``, ``ep``, ``micro_batches``, ``link``)."""
    t, p, e, m = count("tp", tp), count("pp", pp), count("ep", ep), count("micro_batches", micro_batches)
    if cfg.num_heads % t:
        raise ValueError(f"tp must divide num_heads ({cfg.num_heads}) of {cfg.name}, got tp={t}")
    kvh = cfg.num_kv_heads
    if kvh % t and t % kvh:
        raise ValueError(f"tp must divide num_kv_heads ({kvh}) of {cfg.name} or be a multiple of it (then each device "
                         f"keeps one KV head, replicated), got tp={t}")
    if p > cfg.num_layers:
        raise ValueError(f"pp must be at most num_layers ({cfg.num_layers}) of {cfg.name}, got pp={p}")
    if e > 1 and not cfg.is_moe:
        raise ValueError(f"ep applies to mixture-of-experts models; {cfg.name} has one MLP per layer, got ep={e}")
    if cfg.num_experts % e:
        raise ValueError(f"ep must divide num_experts ({cfg.num_experts}) of {cfg.name}, got ep={e}")
    lk = _link("link", link, platform) if (t > 1 or e > 1 or link is not None) else None
    if pp_link is not None:
        plk = _link("pp_link", pp_link, platform)
    elif p > 1:
        plk = lk if lk is not None else _link("link", link, platform)
    else:
        plk = None
    return Layout(t, p, e, m, lk, plk if p > 1 else None)


def _link(name: str, link: str | Link | None, platform: Platform) -> Link:
    if link is None:
        if platform.interconnect is None:
            raise ValueError(f"{name}: platform {platform.name!r} names no interconnect; pass {name}= (a rl.comm.Link "
                             f"or one of {', '.join(comm.names())})")
        link = platform.interconnect
    if not isinstance(link, (str, Link)):
        raise ValueError(f"{name} must be a rl.comm.Link or a link name such as 'nvlink4', got {link!r}")
    try:
        return comm.get(link)
    except KeyError as err:
        raise KeyError(f"{name}: {err.args[0]}") from None


@dataclass(frozen=True)
class Shard:
    """What one device holds of each layer: query and KV heads, MLP columns, vocabulary rows, experts (floats when
    a split is uneven). ``layers`` is the average stage (num_layers / pp), ``layers_max`` the fullest one."""

    heads: int
    kv_heads: int
    intermediate: float
    vocab: float
    experts: int
    layers: float
    layers_max: int


def shard(cfg: LLMConfig, lay: Layout) -> Shard:
    """The per-device sizes of ``cfg`` under ``lay`` (see the module docstring for the rules)."""
    t = lay.tp
    kv = cfg.num_kv_heads // t if cfg.num_kv_heads >= t else 1
    inter = cfg.intermediate_size if t == 1 else cfg.intermediate_size / t
    vocab = cfg.vocab_size if t == 1 else cfg.vocab_size / t
    layers = cfg.num_layers if lay.pp == 1 else cfg.num_layers / lay.pp
    return Shard(heads=cfg.num_heads // t, kv_heads=kv, intermediate=inter, vocab=vocab,
                 experts=cfg.num_experts // lay.ep, layers=layers, layers_max=math.ceil(cfg.num_layers / lay.pp))


_OPS = {"all_reduce": comm.all_reduce, "all_gather": comm.all_gather, "all_to_all": comm.all_to_all,
        "send": comm.send}


def collective_per_byte(op: str, n: int, link: Link) -> tuple[float, float]:
    """(bytes each device sends per byte of buffer, latency in s) of collective ``op`` over ``n`` devices on ``link``.

    Every algorithm here sends a fixed multiple of the buffer (ring all-reduce 2(n-1)/n), so the cost of a
    buffer of S bytes is S x the first number / β + the second.
    """
    c = _OPS[op](1.0, n, link)
    return c.bytes_sent_per_device, c.latency_time_s


def weight_bytes_per_device(cfg: LLMConfig, lay: Layout, mat_bytes: float, other_bytes: float,
                            end_bytes: float) -> float:
    """Bytes of weights on the fullest device: its ``layers_max`` layers, plus the embedding or the LM head.

    ``mat_bytes`` per element of a projection matrix (group scales included), ``other_bytes`` per norm
    weight, bias and router element, ``end_bytes`` per embedding / LM head element. One device (pp = 1)
    holds the embedding, the LM head (once if tied) and the final norm.
    """
    s = shard(cfg, lay)
    h, hd = cfg.hidden_size, cfg.head_dim
    q, kv = s.heads * hd, s.kv_heads * hd
    bias = (q + 2 * kv) if cfg.attention_bias else 0
    mats = h * q + 2 * h * kv + q * h + s.experts * 3 * h * s.intermediate
    other = bias + (h * cfg.num_experts if cfg.is_moe else 0) + 2 * h
    emb = s.vocab * h
    if lay.pp == 1:
        ends = emb * (1 if cfg.tie_word_embeddings else 2)
        return s.layers_max * mats * mat_bytes + (s.layers_max * other + h) * other_bytes + ends * end_bytes
    last = emb * end_bytes + h * other_bytes            # LM head and final norm; the first stage holds the embedding
    return s.layers_max * (mats * mat_bytes + other * other_bytes) + max(last, emb * end_bytes)

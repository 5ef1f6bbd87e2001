"""The latency–throughput curve of decode: per-token latency against tokens/s from batch 1 to the memory wall, with
the critical batch and the capacity limit marked, per platform, precision and parallel layout. Notebooks 05, 07."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import platforms
from ..core import Platform
from ..units import eng
from ._analyze import analyze, critical_batch_size, max_batch
from ._checks import bits, count
from ._config import LLMConfig, get
from ._parallel import Layout

__all__ = ["CurveSeries", "LatencyThroughput", "latency_throughput"]

_LOWER = "latencies are roofline lower bounds (one decode step at seq_len cached tokens), so tokens/s are upper bounds"
_LAYOUT_KEYS = ("tp", "pp", "ep", "micro_batches", "link", "pp_link")


@dataclass(frozen=True)
class CurveSeries:
    """One curve: a platform, a precision (w_bits, a_bits, kv_bits) and a layout, over whole batches from 1 (or the
    layout's ``micro_batches``) to ``max_batch`` (the memory wall; no points when 0). ``latency_s`` is the decode step (per-token latency),
    ``tokens_per_s`` = batch / latency_s (the replica's; divide by ``layout.devices`` per device),
    ``memory_bytes`` per device, ``communication_s`` the step's collectives. ``critical_batch``: the smallest
    batch whose linear layers are compute-bound (``math.inf`` if none)."""

    platform: Platform
    precision: tuple[int, int, int]
    layout: Layout
    batch: np.ndarray
    latency_s: np.ndarray
    tokens_per_s: np.ndarray
    memory_bytes: np.ndarray
    communication_s: np.ndarray
    max_batch: int
    critical_batch: int | float

    def __repr__(self) -> str:
        return f"CurveSeries({self.label}: batch 1 to {self.max_batch}, critical batch {self.critical_batch})"

    @property
    def label(self) -> str:
        """``"H100 SXM5 80GB, W16A16KV16, TP8"``-style name of the curve."""
        w, a, kv = self.precision
        return f"{self.platform.display_name}, W{w}A{a}KV{kv}, {self.layout.label}"


@dataclass(frozen=True)
class LatencyThroughput:
    """What :func:`latency_throughput` returns: one :class:`CurveSeries` per platform x precision x layout.
    ``to_dataframe()`` has one row per (series, batch); ``summary()`` one entry per series. Notebooks 05, 07."""

    model: LLMConfig
    seq_len: int
    series: tuple[CurveSeries, ...]

    def to_dataframe(self):
        """One row per series and batch: platform, precision, layout, devices, tp, pp, ep, batch, latency_s,
        tokens_per_s, tokens_per_s_per_device, memory_bytes (per device), communication_s, critical (this batch is
        the critical batch), at_capacity (this batch is the largest that fits)."""
        import pandas as pd

        frames = []
        for s in self.series:
            n = len(s.batch)
            w, a, kv = s.precision
            frames.append(pd.DataFrame({
                "platform": [s.platform.name] * n, "precision": [f"W{w}A{a}KV{kv}"] * n,
                "layout": [s.layout.label] * n, "devices": [s.layout.devices] * n, "tp": [s.layout.tp] * n,
                "pp": [s.layout.pp] * n, "ep": [s.layout.ep] * n, "batch": s.batch.astype(int),
                "latency_s": s.latency_s, "tokens_per_s": s.tokens_per_s,
                "tokens_per_s_per_device": s.tokens_per_s / s.layout.devices, "memory_bytes": s.memory_bytes,
                "communication_s": s.communication_s, "critical": s.batch == s.critical_batch,
                "at_capacity": s.batch == s.max_batch}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per series (by label): max_batch, critical_batch, latency_batch1_s, best_tokens_per_s (at max_batch),
        latency_at_best_s, devices, tokens_per_s_per_device at the best point (None where batch 1 does not fit)."""
        out = {}
        for s in self.series:
            fit = s.max_batch > 0
            out[s.label] = {"max_batch": s.max_batch, "critical_batch": s.critical_batch, "devices": s.layout.devices,
                            "latency_batch1_s": float(s.latency_s[0]) if fit else None,
                            "best_tokens_per_s": float(s.tokens_per_s[-1]) if fit else None,
                            "latency_at_best_s": float(s.latency_s[-1]) if fit else None,
                            "tokens_per_s_per_device": float(s.tokens_per_s[-1]) / s.layout.devices if fit else None}
        return out

    def _shown(self):
        """The marked points of the dataframe (batch 1, the critical batch, the capacity limit), with units."""
        df = self.to_dataframe()
        if df.empty:
            return df
        keep = df[(df["batch"] == 1) | df["critical"] | df["at_capacity"]].copy()
        mark = [("batch 1" if b == 1 else "") + (" critical" if c else "") + (" capacity" if cap else "")
                for b, c, cap in zip(keep["batch"], keep["critical"], keep["at_capacity"])]
        keep = keep[["platform", "precision", "layout", "batch"]].assign(
            point=[m.strip() for m in mark], latency=[eng(x, "s") for x in df.loc[keep.index, "latency_s"]],
            tokens_per_s=[f"{x:,.0f}" for x in df.loc[keep.index, "tokens_per_s"]],
            memory=[eng(x, "B") for x in df.loc[keep.index, "memory_bytes"]])
        return keep

    def _title(self) -> str:
        none = [s.label for s in self.series if s.max_batch == 0]
        extra = f"; does not fit at batch 1: {', '.join(none)}" if none else ""
        return (f"{self.model.display_name}, decode at {self.seq_len} cached tokens: latency per token against "
                f"tokens/s from batch 1 to the memory wall ({_LOWER}){extra}")

    def __str__(self) -> str:
        return f"{self._title()}\n{self._shown().to_string(index=False)}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return f"<div><p><b>{html.escape(self._title())}</b></p>{self._shown().to_html(index=False, border=0)}</div>"


def _layout_kwargs(item: Mapping[str, Any] | Layout) -> dict[str, Any]:
    if isinstance(item, Layout):
        return {k: getattr(item, k) for k in _LAYOUT_KEYS if getattr(item, k) is not None}
    if not isinstance(item, Mapping):
        raise ValueError(f"layouts must hold dicts such as {{'tp': 8}} or rl.llm.Layout objects, got {item!r}")
    unknown = set(item) - set(_LAYOUT_KEYS)
    if unknown:
        raise ValueError(f"a layout takes the keys {', '.join(_LAYOUT_KEYS)}, got {sorted(unknown)}")
    return dict(item)


def latency_throughput(model: str | LLMConfig, platform: str | Platform | Sequence[str | Platform],
                       seq_len: int = 1024, *, layouts: Sequence[Mapping[str, Any] | Layout] = ({},),
                       precisions: Sequence[tuple[int, int, int]] = ((16, 16, 16),), points: int = 24,
                       memory_utilization: float = 1.0, reserve_bytes: float = 0.0,
                       **kwargs: Any) -> LatencyThroughput:
    """Per-token decode latency against tokens/s, batch 1 to the memory wall, per platform x precision x layout.

    ``platform``: one or a list. ``layouts``: dicts of ``tp``, ``pp``, ``ep``, ``micro_batches``, ``link``,
    ``pp_link`` (``{}`` is one device). ``precisions``: (w_bits, a_bits, kv_bits) triples. Each curve takes
    about ``points`` batches spaced evenly on a log scale from 1 to :func:`max_batch` (with
    ``memory_utilization`` and ``reserve_bytes``), plus the critical batch (if it fits) and the capacity
    limit, all in one vectorised :func:`analyze` call; ``kwargs`` go to :func:`analyze`. Notebooks 05 and 07.
    """
    cfg = get(model)
    s = count("seq_len", seq_len)
    n = count("points", points)
    plats = [platform] if isinstance(platform, (str, Platform)) else list(platform)
    if not plats or not layouts or not precisions:
        raise ValueError("platform, layouts and precisions must each hold at least one item")
    series = []
    for p in plats:
        plat = platforms.get(p)
        for prec in precisions:
            if not isinstance(prec, (tuple, list)) or len(prec) != 3:
                raise ValueError(f"precisions must hold (w_bits, a_bits, kv_bits) triples, got {prec!r}")
            w, a, kv = (bits(k, v) for k, v in zip(("w_bits", "a_bits", "kv_bits"), prec))
            bits_kw = {"w_bits": w, "a_bits": a, "kv_bits": kv}
            for item in layouts:
                lay_kw = _layout_kwargs(item)
                series.append(_series(cfg, plat, s, n, bits_kw, lay_kw, memory_utilization, reserve_bytes, kwargs))
    return LatencyThroughput(cfg, s, tuple(series))


def _series(cfg: LLMConfig, plat: Platform, seq_len: int, points: int, bits_kw: dict, lay_kw: dict,
            memory_utilization: float, reserve_bytes: float, kwargs: dict) -> CurveSeries:
    common = {**bits_kw, **lay_kw, **kwargs}
    top = max_batch(cfg, plat, seq_len, memory_utilization=memory_utilization, reserve_bytes=reserve_bytes,
                    **common)
    crit = critical_batch_size(cfg, plat, seq_len, **common)
    probe = analyze(cfg, plat, "decode", common.get("micro_batches", 1), seq_len, **common)   # the layout, validated
    if top == 0:
        empty = np.zeros(0)
        return CurveSeries(plat, tuple(bits_kw.values()), probe.layout, empty, empty, empty, empty, empty, 0, crit)
    first = probe.layout.micro_batches                       # a micro-batch holds whole sequences
    grid = np.round(np.geomspace(first, max(top, first), points))
    extra = [crit] if math.isfinite(crit) and crit <= top else []
    batch = np.unique(np.concatenate([grid, extra, [first, top]])).astype(float)
    r = analyze(cfg, plat, "decode", batch, seq_len, **common)
    lat = np.asarray(r.total_time_s(), dtype=float)
    return CurveSeries(plat, tuple(bits_kw.values()), r.layout, batch, lat, batch / lat,
                       np.asarray(r.memory_bytes, dtype=float), np.asarray(r.total_time_s("communication"), float),
                       top, crit)

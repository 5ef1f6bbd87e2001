"""What ``rl.llm.analyze`` computes: ``LLMResult``, one forward pass on one device, per operator and in total.
Rendering reads the result's DataFrame and never recomputes. Notebooks 05 and 07."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from .._validate import unknown_name
from ..core import Platform, Workload
from ..i18n import t, verdict
from ..units import eng
from ._checks import scalar
from ._config import LLMConfig
from ._operators import BYTE_COLUMNS, COLUMNS, KINDS
from ._parallel import Layout

__all__ = ["LLMResult", "LOWER_BOUND"]

#: What every rendering of a result says about its times (in English; renderings take ``result.lower_bound``).
LOWER_BOUND = "times are roofline lower bounds: max(FLOPs / peak, bytes / bandwidth) per operator, summed"
_SPECIAL = {"communication": "communication", "bubble": "bubble"}     # kinds whose verdict is not the roofline's
_B = lambda x: eng(x, "B")  # noqa: E731
# DataFrame column -> (header in the rendered table, formatter)
_SHOWN = {"count": ("count", lambda x: f"{x:.4g}"), "flops": ("FLOPs", eng), "weight_bytes": ("weights", _B),
          "act_load_bytes": ("act load", _B), "act_store_bytes": ("act store", _B), "kv_load_bytes": ("KV load", _B),
          "kv_store_bytes": ("KV store", _B), "link_bytes": ("link", _B),
          "intensity": ("FLOP/byte", lambda x: f"{x:.3g}"), "bound": ("bound", str), "time_s": ("time", lambda x: eng(x, "s"))}


@dataclass(frozen=True, eq=False)
class LLMResult:
    """What ``rl.llm.analyze`` returns: one forward pass on ONE device, per operator and in total. Notebooks 05, 07.

    Per operator, for ONE instance (one micro-batch through one operator on one device; arrays of shape
    ``(n_ops, *grid)``, in ``names`` order, one ``kinds`` entry each): ``columns[...]`` (flops, the five
    memory byte columns and ``link_bytes``, sent over the link), ``op_flops``, ``op_bytes`` (memory),
    ``op_intensity`` (FLOP/byte; inf for a row with no memory traffic), ``op_bound``, ``op_time_s``;
    ``count`` is the number of instances the device runs in the pass (``num_layers`` for decoder-layer
    operators and 1 for ``final_norm`` and ``lm_head`` on one device; with ``pp`` stages the average stage's
    share, times ``micro_batches``). Communication rows (kind ``"communication"``) take their α-β time; the
    ``pipeline_bubble`` row (kind ``"bubble"``) is the time the device waits while the pipeline fills and drains.
    Totals (scalars, or arrays shaped like broadcast(batch, seq_len)) are methods: ``total_flops()``,
    ``total_bytes()``, ``total_link_bytes()``, ``total_intensity()``, ``total_bound()``, ``total_time_s()`` (sum
    of count x per-operator time, a lower bound); pass a kind (one of ``kinds``) to restrict to it. Footprint
    per device: ``kv_cache_bytes``, ``weight_memory_bytes``, ``activation_bytes``, ``memory_bytes``, ``fits``.
    ``layout`` says how the model is split (``rl.llm.Layout``). ``rows`` holds the numbers unbroadcast, which
    keeps sweeps fast. ``to_dataframe()`` is the table (``print`` and Jupyter render it).
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
    kinds: tuple[str, ...]
    count: np.ndarray
    rows: tuple[tuple[np.ndarray, ...], ...] = dataclasses.field(repr=False)
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    layout: Layout = Layout()
    link_bandwidth: tuple[float, ...] = dataclasses.field(default=(), repr=False)
    latency_s: tuple[float, ...] = dataclasses.field(default=(), repr=False)
    weight_memory_bytes: float = 0.0
    kv_cache_bytes: float | np.ndarray = 0.0
    _cache: dict[str, Any] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    # -- the machine
    @property
    def shape(self) -> tuple[int, ...]:
        """The grid shape: broadcast(batch, seq_len); () for scalars."""
        return np.broadcast(np.asarray(self.batch), np.asarray(self.seq_len)).shape

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
    def devices(self) -> int:
        """Devices in one model replica (tp x pp x ep)."""
        return self.layout.devices

    # -- per operator (arrays of shape (n_ops, *grid), one instance of each operator)
    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """Per-operator columns, each of shape (n_ops, *grid): flops, the five memory byte columns, link_bytes."""
        if "columns" not in self._cache:
            shape = self.shape
            self._cache["columns"] = MappingProxyType({
                col: np.stack([np.broadcast_to(r[j], shape) for r in self.rows]) for j, col in enumerate(COLUMNS)})
        return self._cache["columns"]

    @property
    def op_flops(self) -> np.ndarray:
        """Per-operator FLOPs (one instance)."""
        return self.columns["flops"]

    @property
    def op_bytes(self) -> np.ndarray:
        """Per-operator bytes moved to and from memory: weight + activation load/store + KV load/store."""
        return sum(self.columns[col] for col in BYTE_COLUMNS)

    @property
    def op_intensity(self) -> np.ndarray:
        """Per-operator FLOP/byte (inf where an operator moves no memory bytes, e.g. fused softmax, a collective)."""
        b = self.op_bytes
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b > 0, self.columns["flops"] / np.where(b > 0, b, 1), np.inf)

    @property
    def op_time_s(self) -> np.ndarray:
        """Per-operator lower bound on time in s: max(flops / peak, bytes / bandwidth); a collective's α-β time."""
        shape = self.shape
        return np.stack([np.broadcast_to(t, shape) for t in self._row_time()])

    @property
    def op_bound(self) -> np.ndarray:
        """Per-operator "memory" or "compute" (intensity below or at/above the ridge point); "communication" for a
        collective, "bubble" for the pipeline's idle time."""
        out = np.where(self.op_intensity < self.ridge_point, "memory", "compute").astype(object)
        for j, kind in enumerate(self.kinds):
            if kind in _SPECIAL:
                out[j] = _SPECIAL[kind]
        return out.astype(str)

    # -- totals over the network, or over one kind of operator
    def _row_bytes(self) -> list[np.ndarray]:
        if "bytes" not in self._cache:
            self._cache["bytes"] = [w + al + ast + kl + ks for _, w, al, ast, kl, ks, _ in self.rows]
        return self._cache["bytes"]

    def _row_time(self) -> list[np.ndarray]:
        if "time" not in self._cache:
            pi, beta = self.peak_flops_per_s, self.bandwidth
            times: list[Any] = []
            for j, (r, b) in enumerate(zip(self.rows, self._row_bytes())):
                if self.kinds[j] == "communication":
                    times.append(r[6] / self.link_bandwidth[j] + self.latency_s[j])
                elif self.kinds[j] == "bubble":
                    times.append(0.0)       # set below, from the others
                else:
                    times.append(np.maximum(r[0] / pi, b / beta))
            if "bubble" in self.kinds:      # one micro-batch through every stage: the busy time x pp / micro_batches
                busy = sum(self.count[j] * times[j] for j in range(len(times)) if self.kinds[j] != "bubble")
                lay = self.layout
                times[self.kinds.index("bubble")] = busy * lay.pp / lay.micro_batches
            self._cache["time"] = times
        return self._cache["time"]

    def _select(self, kind: str | None) -> list[int]:
        if kind is None:
            return list(range(len(self.names)))
        if kind not in self.kinds and kind not in KINDS:
            raise unknown_name("operator kind", kind, dict.fromkeys((*KINDS, *self.kinds)))
        return [j for j, k in enumerate(self.kinds) if k == kind]

    def _sum_rows(self, values: list[np.ndarray], kind: str | None) -> float | np.ndarray:
        total = sum(self.count[j] * values[j] for j in self._select(kind))
        return scalar(np.broadcast_to(np.asarray(total, dtype=float), self.shape).copy())

    def total_flops(self, kind: str | None = None) -> float | np.ndarray:
        """FLOPs the device does in the pass (or the operators of one ``kind``)."""
        return self._sum_rows([r[0] for r in self.rows], kind)

    def total_bytes(self, kind: str | None = None) -> float | np.ndarray:
        """Bytes the device moves to and from memory in the pass (or the operators of one ``kind``)."""
        return self._sum_rows(self._row_bytes(), kind)

    def total_link_bytes(self, kind: str | None = None) -> float | np.ndarray:
        """Bytes the device sends over its links in the pass (one direction; 0 on one device)."""
        return self._sum_rows([r[6] for r in self.rows], kind)

    def total_time_s(self, kind: str | None = None) -> float | np.ndarray:
        """Sum of per-operator times in s, a lower bound (of the pass, or of one ``kind``: ``"communication"``,
        ``"bubble"``, ``"linear"``, ...)."""
        return self._sum_rows(self._row_time(), kind)

    def total_intensity(self, kind: str | None = None) -> float | np.ndarray:
        """total_flops / total_bytes in FLOP/byte (of the pass, or of one ``kind``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return scalar(np.asarray(self.total_flops(kind)) / np.asarray(self.total_bytes(kind)))

    def total_bound(self, kind: str | None = None) -> str | np.ndarray:
        """"memory" or "compute": total intensity against the ridge point (of the pass, or of one ``kind``;
        "communication" for that kind)."""
        if kind in _SPECIAL:
            return scalar(np.full(self.shape, _SPECIAL[kind]))
        return scalar(np.where(np.asarray(self.total_intensity(kind)) < self.ridge_point, "memory", "compute"))

    # -- memory footprint (of the fullest device)
    @property
    def activation_bytes(self) -> float | np.ndarray:
        """Peak activation memory estimate: the largest activation load + store of any one operator."""
        peak = np.zeros(())
        for r in self.rows:
            peak = np.maximum(peak, r[2] + r[3])
        return scalar(np.broadcast_to(peak, self.shape).copy())

    @property
    def memory_bytes(self) -> float | np.ndarray:
        """Memory footprint of the fullest device in bytes: weights + KV cache + activations."""
        return scalar(np.asarray(self.weight_memory_bytes + np.asarray(self.kv_cache_bytes)
                                 + np.asarray(self.activation_bytes)))

    @property
    def fits(self) -> bool | np.ndarray | None:
        """Whether the footprint fits the device's memory (None if the platform lists no memory_bytes)."""
        if self.platform.memory_bytes is None:
            return None
        f = np.asarray(self.memory_bytes) <= self.platform.memory_bytes
        return bool(f) if f.ndim == 0 else f

    def summary(self) -> dict[str, Any]:
        """Totals and footprint per device as a dict (units in the key names; ``time_s`` is a lower bound)."""
        out = {"flops": self.total_flops(), "bytes": self.total_bytes(), "intensity": self.total_intensity(),
               "bound": self.total_bound(), "time_s": self.total_time_s(), "kv_cache_bytes": self.kv_cache_bytes,
               "weight_memory_bytes": self.weight_memory_bytes, "activation_bytes": self.activation_bytes,
               "memory_bytes": self.memory_bytes, "fits": self.fits}
        if self.devices > 1:
            out.update(devices=self.devices, tp=self.layout.tp, pp=self.layout.pp, ep=self.layout.ep,
                       link_bytes=self.total_link_bytes(), communication_time_s=self.total_time_s("communication"),
                       bubble_time_s=self.total_time_s("bubble"))
        return out

    # -- the table and what is built from it
    def to_dataframe(self):
        """The per-operator table (one instance each; scalar batch and seq_len only): index ``operator``; columns
        kind, count, flops, the five memory byte columns, link_bytes, bytes (memory), intensity (FLOP/byte),
        bound, time_s (lower bound)."""
        import pandas as pd

        self._need_scalar("to_dataframe")
        whole = bool(np.all(self.count == np.round(self.count)))
        data: dict[str, Any] = {"kind": list(self.kinds), "count": self.count.astype(int) if whole else self.count}
        data.update({col: self.columns[col] for col in COLUMNS})
        data.update(bytes=self.op_bytes, intensity=self.op_intensity, bound=self.op_bound, time_s=self.op_time_s)
        return pd.DataFrame(data, index=pd.Index(self.names, name="operator"))

    def workloads(self) -> list[Workload]:
        """Per-operator rl.Workload objects (one instance each) for rl.plot.roofline (scalar inputs only).

        With ``flash_attention=True`` QKᵀ, softmax and SV are one fused Workload, ``attention (flash)``.
        Rows that move no memory bytes (collectives, the bubble) are left out.
        """
        self._need_scalar("workloads")
        points = list(zip(self.names, self.op_flops.tolist(), self.op_bytes.tolist(), self.kinds))
        if self.options.get("flash_attention"):
            att = [p for p in points if p[3] == "attention"]
            first = points.index(att[0])
            points = [p for p in points if p[3] != "attention"]
            points.insert(first, ("attention (flash)", sum(p[1] for p in att), sum(p[2] for p in att), "attention"))
        return [Workload(name, float(f), float(b)) for name, f, b, _ in points if b > 0]

    def _need_scalar(self, what: str) -> None:
        if self.shape:
            raise ValueError(f"{what}() needs a scalar batch and seq_len; this result covers a grid of "
                             f"shape {self.shape}")

    def _title(self) -> str:
        def fmt(x: Any) -> str:
            return f"{x:g}" if np.ndim(x) == 0 else f"array{np.shape(x)}"

        where = self.platform.display_name
        lay = self.layout
        if lay.devices > 1:
            links = {lk.display_name for lk in (lay.link, lay.pp_link) if lk is not None}
            m = lay.micro_batches
            mb = t("result.micro_batches" if m > 1 else "result.micro_batch", count=m) if lay.pp > 1 else ""
            where = t("result.where_devices", devices=lay.devices, platform=where, layout=lay.label, micro=mb,
                      links=t("result.and").join(sorted(links)))
        return t("result.title", model=self.model.display_name, phase=t(f"phase.{self.phase}"), where=where,
                 batch=fmt(self.batch), seq_len=fmt(self.seq_len),
                 precision=f"W{self.w_bits}A{self.a_bits}KV{self.kv_bits}", peak=eng(self.peak_flops_per_s, "FLOP/s"),
                 dtype=self.compute_dtype)

    def _count_words(self) -> str:
        one = self.devices == 1 and self.layout.micro_batches == 1
        return t("result.count_network" if one else "result.count_device")

    def _lower_bound(self) -> str:
        return t("result.lower_bound") + (t("result.comm") if self.devices > 1 else "")

    def _totals(self) -> str:
        fits = t({True: "result.fits_yes", False: "result.fits_no", None: "result.fits_unknown"}[self.fits])
        comm = ""
        if self.devices > 1:
            bubble = (t("result.bubble_total", time=eng(self.total_time_s("bubble"), "s")) if self.layout.pp > 1
                      else "")
            comm = t("result.comm_total", time=eng(self.total_time_s("communication"), "s"),
                     bytes=eng(self.total_link_bytes(), "B"), bubble=bubble)
        return t("result.totals", flops=eng(self.total_flops(), "FLOP"), bytes=eng(self.total_bytes(), "B"),
                 intensity=f"{self.total_intensity():.3g}", verdict=verdict(self.total_bound()),
                 time=eng(self.total_time_s(), "s"), comm=comm, kv=eng(self.kv_cache_bytes, "B"),
                 memory=eng(self.memory_bytes, "B"), weights=eng(self.weight_memory_bytes, "B"), fits=fits)

    def _shown(self):
        """The table as strings with units, operator as the first column (the link column on several devices)."""
        df = self.to_dataframe()
        cols = [c for c in _SHOWN if c != "link_bytes" or self.devices > 1]
        shown = df[cols].copy()
        for col in cols:
            shown[col] = [_SHOWN[col][1](x) for x in df[col]]
        return shown.rename(columns={c: _SHOWN[c][0] for c in cols}).reset_index()

    def __str__(self) -> str:
        if self.shape:
            return t("result.grid", title=self._title(), shape=self.shape, n=len(self.names), lower=self._lower_bound())
        table = self._shown().set_index("operator").rename_axis(index=None, columns="operator")
        return "\n".join([t("result.header", title=self._title(), count=self._count_words(), lower=self._lower_bound()),
                          table.to_string(col_space=9), self._totals()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if self.shape:
            return f"<pre>{html.escape(str(self))}</pre>"
        header = t("result.header_html", title=html.escape(self._title()), count=html.escape(self._count_words()),
                   lower=html.escape(self._lower_bound()))
        return (f"<div><p>{header}</p>{self._shown().to_html(index=False, border=0)}"
                f"<p>{html.escape(self._totals())}</p></div>")

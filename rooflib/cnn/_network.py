"""A CNN as a tuple of layers (:class:`Network`): totals, traffic, workloads, roofline times and the
layer table, all under a :class:`~rooflib.cnn.Convention`. Notebook 03."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import platforms
from .._validate import unknown_name
from ..core import Platform, Workload
from ._convention import Convention, layer_bytes, layer_flops, layer_traffic, resolve_convention
from ._layers import Layer, Shape, as_shape
from ._results import LayerRow, LayerTable

__all__ = ["Network"]


@dataclass(frozen=True)
class Network:
    """A CNN as a tuple of layers in execution order, for one image. Notebook 03.

    ``params`` and ``macs`` are totals (counts). FLOPs, bytes and intensity depend on a
    :class:`Convention`: every method takes ``convention`` (a Convention, ``"blog"``, ``"honest"``
    or None for HONEST) and keyword overrides, e.g. ``net.workload(flops_per_mac=1, count_inputs=False)``.
    A ``platform`` is a :class:`rooflib.Platform` or a catalogue name (``"gtx-1080-ti"``).
    """

    name: str
    layers: tuple[Layer, ...]
    input_shape: Shape = (224, 224, 3)
    display_name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "input_shape", as_shape("input_shape", self.input_shape))
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)
        shapes: dict[str, Shape] = {"input": self.input_shape}
        for layer in self.layers:
            if not isinstance(layer, Layer):
                raise ValueError(f"layers must hold rl.cnn.Layer objects, got {layer!r}")
            if layer.name in shapes:
                raise ValueError(f"layer names must be unique, {layer.name!r} appears twice")
            for src in layer.inputs:
                if src not in shapes:
                    raise ValueError(f"layer {layer.name!r} reads {src!r}, which is not an earlier layer")
                if shapes[src] != layer.input_shape:
                    raise ValueError(f"layer {layer.name!r} expects input_shape {layer.input_shape}, "
                                     f"but {src!r} outputs {shapes[src]}")
            shapes[layer.name] = layer.output_shape

    # --- counts that do not depend on a convention ---------------------------------------------
    @property
    def params(self) -> int:
        """Parameters (weights + biases + BN gamma/beta), a count."""
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of conv and fc layers for one image (what papers call mult-adds)."""
        return sum(layer.macs for layer in self.layers)

    @property
    def output_shape(self) -> Shape:
        """Shape of the last layer's output, (1, 1, classes) for a classifier."""
        return self.layers[-1].output_shape

    def layer(self, name: str) -> Layer:
        """The layer called ``name`` (KeyError with close matches otherwise)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise unknown_name(f"layer of {self.name}", name, [la.name for la in self.layers])

    # --- counts under a convention ------------------------------------------------------------
    def flops(self, convention: Convention | str | None = None, **overrides: Any) -> int:
        """Total FLOPs of one forward pass (``batch`` images): flops_per_mac * macs (+ other FLOPs)."""
        c = resolve_convention(convention, **overrides)
        return sum(layer_flops(la, c) for la in self.layers)

    def traffic(self, convention: Convention | str | None = None, **overrides: Any) -> dict[str, float]:
        """Bytes moved, split into ``weights``, ``inputs``, ``outputs`` and ``total``."""
        c = resolve_convention(convention, **overrides)
        w = i = o = 0.0
        for la in self.layers:
            lw, li, lo = layer_traffic(la, c)
            w, i, o = w + lw, i + li, o + lo
        return {"weights": w, "inputs": i, "outputs": o, "total": w + i + o}

    def bytes(self, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Total bytes moved in one forward pass (memory traffic, 访存量) under the convention."""
        return self.traffic(convention, **overrides)["total"]

    def intensity(self, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Arithmetic intensity of the whole network in FLOP/byte."""
        c = resolve_convention(convention, **overrides)
        return self.flops(c) / self.bytes(c)

    def workload(self, convention: Convention | str | None = None, **overrides: Any) -> Workload:
        """The whole forward pass as one rl.Workload (FLOPs and bytes under the convention)."""
        c = resolve_convention(convention, **overrides)
        return Workload(self.display_name, self.flops(c), self.bytes(c), notes=c.describe())

    def layer_workloads(self, convention: Convention | str | None = None, all_layers: bool = False,
                        **overrides: Any) -> list[Workload]:
        """One rl.Workload per layer that does work (FLOPs > 0 and bytes > 0) under the convention, ready
        to plot as roofline points. ``all_layers=True`` keeps every layer that moves bytes (pools, adds,
        fused BN weights: intensity 0), so that the bytes add up to :meth:`bytes`."""
        c = resolve_convention(convention, **overrides)
        out = []
        for la in self.layers:
            f, b = layer_flops(la, c), layer_bytes(la, c)
            if b > 0 and (f > 0 or all_layers):
                out.append(Workload(f"{self.name}/{la.name}", f, b, notes=la.kind))
        return out

    def table(self, convention: Convention | str | None = None, platform: Platform | str | None = None,
              **overrides: Any) -> LayerTable:
        """The network layer by layer (a :class:`LayerTable`; ``.to_dataframe()`` for pandas): name, kind,
        output_shape, params, macs, flops, bytes, intensity (FLOP/byte, None where no bytes move); with a
        ``platform`` also time_s (roofline bound, seconds) and bound ("memory" / "compute", None for
        layers that move no bytes)."""
        c = resolve_convention(convention, **overrides)
        p = platforms.get(platform) if platform is not None else None
        rows = []
        for la in self.layers:
            f, b = layer_flops(la, c), layer_bytes(la, c)
            intensity = f / b if b > 0 else None
            time_s = bound = None
            if p is not None:
                time_s = p.time(f, b)
                bound = str(p.bound(intensity)) if intensity is not None else None
            rows.append(LayerRow(la.name, la.kind, la.output_shape, la.params, la.macs, f, b, intensity,
                                 time_s, bound))
        return LayerTable(self.display_name, c, p, tuple(rows))

    def time(self, platform: Platform | str, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Sum over layers of the roofline time max(flops/π, bytes/β), in seconds: each layer is its
        own kernel and is bounded by its own roof. Never less than :meth:`time_whole`."""
        c = resolve_convention(convention, **overrides)
        p = platforms.get(platform)
        return sum(p.time(layer_flops(la, c), layer_bytes(la, c)) for la in self.layers)

    def time_whole(self, platform: Platform | str, convention: Convention | str | None = None,
                   **overrides: Any) -> float:
        """Roofline time of the whole network as one workload, in seconds: max(FLOPs/π, bytes/β)."""
        return platforms.get(platform).time(self.workload(convention, **overrides))

    def __str__(self) -> str:
        return f"{self.display_name}: {len(self.layers)} layers, {self.params / 1e6:.2f} M params, " \
               f"{self.macs / 1e9:.3g} G multiply-adds"

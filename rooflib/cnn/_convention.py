"""What a FLOP and a byte are when a network is counted: :class:`Convention`, its two presets and the
per-layer FLOP and byte rules. Notebook 03."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .._validate import positive, positive_int, unknown_name
from ..units import dtype_bytes

__all__ = ["Convention", "HONEST", "BLOG_CONVENTION", "CONVENTIONS", "NORM_ACT_KINDS", "resolve_convention",
           "layer_flops", "layer_traffic", "layer_bytes"]

#: Kinds that inference engines usually fuse into the layer before them (``count_norm_act``).
NORM_ACT_KINDS = frozenset({"bn", "relu", "relu6"})

_FLAGS = ("count_weights", "count_outputs", "count_inputs", "count_norm_act", "count_other_flops")


@dataclass(frozen=True)
class Convention:
    """What a FLOP and a byte are when a network is counted. Notebook 03.

    - ``flops_per_mac``: 2 (a multiply-add is a multiply and an add, the course's convention) or 1
      (the "FLOPs" many papers and blogs quote are multiply-adds).
    - ``bytes_per_element``: bytes per weight and activation, a number or a dtype name (``"fp16"``,
      sized by :func:`rooflib.units.dtype_bytes`).
    - ``count_weights`` / ``count_inputs`` / ``count_outputs``: which traffic counts; each layer
      reads its weights and inputs and writes its outputs once.
    - ``count_norm_act``: BatchNorm and ReLU layers are separate memory passes (True) or fused into
      the layer before them (False, no activation traffic; BN's gamma/beta still count as weights).
    - ``count_other_flops``: add the FLOPs that are not multiply-adds (bias, BN, ReLU, pooling, adds).
    - ``batch``: images per forward pass; FLOPs and activation bytes scale with it, weights are read once.
    """

    flops_per_mac: int = 2
    bytes_per_element: float = 4
    count_weights: bool = True
    count_outputs: bool = True
    count_inputs: bool = True
    count_norm_act: bool = False
    count_other_flops: bool = False
    batch: int = 1
    name: str = "custom"

    def __post_init__(self) -> None:
        fpm = self.flops_per_mac
        if isinstance(fpm, bool) or fpm not in (1, 2):
            raise ValueError(f"flops_per_mac must be 1 or 2 (FLOPs per multiply-add), got {fpm!r}")
        object.__setattr__(self, "flops_per_mac", int(fpm))
        bpe = self.bytes_per_element
        if isinstance(bpe, str):
            bpe = dtype_bytes(bpe)
        object.__setattr__(self, "bytes_per_element",
                           positive("bytes_per_element", bpe, "bytes per element (or a dtype name like 'fp16')"))
        for f in _FLAGS:
            v = getattr(self, f)
            if not isinstance(v, bool):
                raise ValueError(f"{f} must be True or False, got {v!r}")
        if not (self.count_weights or self.count_outputs or self.count_inputs):
            raise ValueError("count_weights, count_outputs and count_inputs are all False: "
                             "at least one kind of traffic must count, or every intensity is infinite")
        object.__setattr__(self, "batch", positive_int("batch", self.batch))
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a string, got {self.name!r}")

    def replace(self, **changes: Any) -> Convention:
        """A copy with some keywords changed (validated; the name becomes "custom" unless given)."""
        fields = [f.name for f in dataclasses.fields(self)]
        for k in changes:
            if k not in fields:
                close = difflib.get_close_matches(k, fields, n=2)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise TypeError(f"unknown convention keyword {k!r}{hint} (known: {', '.join(fields)})")
        if changes and "name" not in changes:
            changes["name"] = "custom"
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """One line: what a FLOP is and which bytes count."""
        parts = [p for p, on in (("weights", self.count_weights), ("inputs", self.count_inputs),
                                 ("outputs", self.count_outputs)) if on]
        na = "BN/ReLU separate passes" if self.count_norm_act else "BN/ReLU fused"
        return (f"{self.name}: multiply-add = {self.flops_per_mac} FLOP{'s' if self.flops_per_mac > 1 else ''}, "
                f"{self.bytes_per_element:g} B/element, traffic = {' + '.join(parts)}, {na}"
                f"{', other FLOPs counted' if self.count_other_flops else ''}"
                f"{f', batch {self.batch}' if self.batch > 1 else ''}")


#: The course's convention: FMA = 2 FLOPs, fp32, weights + inputs + outputs, BN/ReLU fused.
HONEST = Convention(name="honest")
#: The source blog's convention: multiply-add = 1 FLOP, fp32, weights + every layer's output
#: (BN and ReLU layers included), inputs not counted.
BLOG_CONVENTION = Convention(flops_per_mac=1, count_inputs=False, count_norm_act=True, name="blog")
#: Presets by name, for ``convention="blog"`` / ``"honest"``.
CONVENTIONS: Mapping[str, Convention] = {"honest": HONEST, "blog": BLOG_CONVENTION}


def resolve_convention(convention: Convention | str | None = None, **overrides: Any) -> Convention:
    """A Convention from a preset, a preset name (``"blog"``, ``"honest"``) or None (HONEST), plus keyword overrides."""
    if convention is None:
        base = HONEST
    elif isinstance(convention, Convention):
        base = convention
    elif isinstance(convention, str):
        if convention.lower() not in CONVENTIONS:
            raise unknown_name("convention", convention, CONVENTIONS)
        base = CONVENTIONS[convention.lower()]
    else:
        raise ValueError(f"convention must be a Convention, 'blog', 'honest' or None, got {convention!r}")
    return base.replace(**overrides) if overrides else base


class _Counted(Protocol):
    """What the rules read from a layer (rl.cnn.Layer has all of it)."""

    kind: str
    params: int
    macs: int
    other_flops: int

    @property
    def input_elements(self) -> int: ...

    @property
    def output_elements(self) -> int: ...


def layer_flops(layer: _Counted, c: Convention) -> int:
    """FLOPs of one layer for ``c.batch`` images: flops_per_mac * macs (+ other FLOPs when counted)."""
    f = c.flops_per_mac * layer.macs + (layer.other_flops if c.count_other_flops else 0)
    return f * c.batch


def layer_traffic(layer: _Counted, c: Convention) -> tuple[float, float, float]:
    """(weights, inputs, outputs) bytes of one layer under ``c``: weights once, activations per image;
    a fused BN / ReLU moves only its weights."""
    s = c.bytes_per_element
    w = layer.params * s if c.count_weights else 0.0
    if layer.kind in NORM_ACT_KINDS and not c.count_norm_act:
        return w, 0.0, 0.0
    i = c.batch * layer.input_elements * s if c.count_inputs else 0.0
    o = c.batch * layer.output_elements * s if c.count_outputs else 0.0
    return w, i, o


def layer_bytes(layer: _Counted, c: Convention) -> float:
    """Bytes moved by one layer under ``c``: weights + inputs + outputs as the convention counts them."""
    return sum(layer_traffic(layer, c))

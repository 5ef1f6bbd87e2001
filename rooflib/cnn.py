"""Layer-by-layer counting of classic CNNs: parameters, multiply-adds, FLOPs, bytes, intensity. Notebook 03.

Four networks at 224x224, batch 1, from their published definitions, with torchvision's modules
as the reference for parameter counts:

- ``vgg16()``: Simonyan & Zisserman 2014, configuration D (torchvision ``vgg16``, no BN);
- ``mobilenet_v1()``: Howard et al. 2017, Table 1 (width 1.0; the last depthwise layer has stride 1);
- ``mobilenet_v2()``: Sandler et al. 2018, Table 2 (torchvision ``mobilenet_v2``, width 1.0);
- ``resnet50()``: He et al. 2015, Table 1 (torchvision ``resnet50``, "v1.5": stride on the 3x3 conv).

Counting rules (fixed, independent of the convention):

- ``macs``: multiply-accumulates of convolutions and fully connected layers only (the figure papers
  and torchvision quote): a conv has h_out*w_out*c_out*(c_in/groups)*k*k MACs, an fc in*out.
- ``params``: weights + biases; BatchNorm's gamma and beta are parameters, its running mean and
  variance are buffers (not counted), as in ``sum(p.numel() for p in model.parameters())``.
- ``other_flops``: the FLOPs that are not multiply-adds (bias adds, BN scale and shift, ReLU,
  pooling, residual adds); counted only when the convention asks (``count_other_flops=True``).
- shapes are (height, width, channels) of one image; a flatten is implicit in the first fc layer.

What counts as FLOPs and bytes is a :class:`Convention`; two presets:

- :data:`HONEST` (the default, the course's convention): a multiply-add is 2 FLOPs; fp32; every
  layer reads its weights and its input and writes its output once (compulsory traffic);
  BatchNorm and ReLU are fused into the conv before them (no separate memory pass).
- :data:`BLOG_CONVENTION`: the source blog's recipe, "Kernel Mem + Output Mem, times 4": a
  multiply-add is 1 FLOP; fp32; traffic is the weights plus every layer's output (inputs not
  counted), BatchNorm and ReLU counted as layers of their own. MobileNetV1 then moves 77.4 MB
  (73.9 MiB) at 7.3 FLOP/byte (the source: 7); VGG16 moves 668 MB at
  23.2 FLOP/byte (the source: about 600 MB, 25). The source's VGG16 figure has ReLU in place
  (``count_norm_act=False``: 614 MB, 25.2 FLOP/byte), its MobileNet figure has BN and ReLU as
  separate passes; no single rule gives both 25 and 7.

Note that the 1080 Ti's 11.3 TFLOP/s counts an FMA as 2 FLOPs, so the blog's intensities (a
multiply-add = 1 FLOP) sit at half their consistent value on its roofline.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ._validate import positive, positive_int, unknown_name
from .core import Platform, Workload
from .kernels import conv_output_size, conv_rows_read
from .units import dtype_bytes

__all__ = [
    "Layer", "Convention", "Network", "HONEST", "BLOG_CONVENTION", "CONVENTIONS", "KINDS", "MAC_KINDS",
    "NORM_ACT_KINDS", "resolve_convention", "summary", "conv", "fc", "batchnorm", "activation", "pool",
    "global_avgpool", "add",
    "vgg16", "mobilenet_v1", "mobilenet_v2", "resnet50", "networks", "get",
]

Shape = tuple[int, int, int]

#: Layer kinds. Convolutions are split by shape: "conv" (k > 1, dense), "pointwise" (1x1, dense),
#: "depthwise" (groups = c_in = c_out), "grouped" (any other groups).
KINDS = ("conv", "pointwise", "depthwise", "grouped", "fc", "maxpool", "avgpool", "bn", "relu", "relu6", "add")
#: Kinds whose work is multiply-adds.
MAC_KINDS = frozenset({"conv", "pointwise", "depthwise", "grouped", "fc"})
#: Kinds that inference engines usually fuse into the layer before them (``count_norm_act``).
NORM_ACT_KINDS = frozenset({"bn", "relu", "relu6"})


def _shape(name: str, shape: object) -> Shape:
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"{name} must be a (height, width, channels) tuple of whole numbers >= 1, got {shape!r}")
    return tuple(positive_int(name, s) for s in shape)  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """One layer of a network, for one image. Notebook 03.

    ``input_shape`` / ``output_shape`` are (height, width, channels); ``inputs`` names the layers
    whose outputs this layer reads (``"input"`` is the image; an ``add`` reads two). ``params``
    (weights + biases, BN gamma/beta), ``macs`` (multiply-accumulates) and ``other_flops`` (FLOPs
    that are not multiply-adds) are counts. Build layers with :func:`conv`, :func:`fc`, ...
    """

    name: str
    kind: str
    input_shape: Shape
    output_shape: Shape
    params: int = 0
    macs: int = 0
    other_flops: int = 0
    kernel: int = 0
    stride: int = 1
    padding: int = 0
    groups: int = 1
    inputs: tuple[str, ...] = ("input",)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if self.kind not in KINDS:
            raise unknown_name("layer kind", self.kind, KINDS)
        object.__setattr__(self, "input_shape", _shape("input_shape", self.input_shape))
        object.__setattr__(self, "output_shape", _shape("output_shape", self.output_shape))
        for f in ("params", "macs", "other_flops", "kernel", "padding"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{f} must be a whole number >= 0, got {v!r}")
        positive_int("stride", self.stride)
        positive_int("groups", self.groups)
        inputs = tuple(self.inputs) if not isinstance(self.inputs, str) else (self.inputs,)
        if not inputs or not all(isinstance(i, str) and i for i in inputs):
            raise ValueError(f"inputs must be a non-empty tuple of layer names, got {self.inputs!r}")
        object.__setattr__(self, "inputs", inputs)

    @property
    def input_elements(self) -> int:
        """Elements read as activations (one image): every input tensor, except the rows and columns
        a strided window never touches (a 1x1 stride-2 conv reads a quarter of its input), by the
        same rule as :func:`rooflib.kernels.conv2d`."""
        h, w, c = self.input_shape
        if self.kernel > 0 and len(self.inputs) == 1:
            ho, wo, _ = self.output_shape
            return (conv_rows_read(h, self.kernel, self.stride, self.padding, ho)
                    * conv_rows_read(w, self.kernel, self.stride, self.padding, wo) * c)
        return len(self.inputs) * h * w * c

    @property
    def output_elements(self) -> int:
        """Elements written (one image)."""
        return math.prod(self.output_shape)

    def flops(self, convention: Convention | str | None = None, **overrides: Any) -> int:
        """FLOPs of this layer (one batch) under ``convention``: flops_per_mac * macs (+ other FLOPs)."""
        return _layer_flops(self, resolve_convention(convention, **overrides))

    def bytes(self, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Bytes moved by this layer (one batch) under ``convention``; 0 for a fused BN / ReLU."""
        return _layer_bytes(self, resolve_convention(convention, **overrides))


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    return name


def conv(name: str, input_shape: Shape, c_out: int, kernel: int, stride: int = 1, padding: int | None = None,
         groups: int = 1, bias: bool = False, inputs: tuple[str, ...] = ("input",)) -> Layer:
    """A 2-D convolution, square kernel, ``padding=None`` = kernel // 2.

    MACs: h_out * w_out * c_out * (c_in / groups) * kernel**2. Params: kernel**2 * (c_in / groups)
    * c_out weights (+ c_out biases). Other FLOPs: one add per output for the bias.
    """
    h, w, c_in = _shape("input_shape", input_shape)
    c_out, kernel = positive_int("c_out", c_out), positive_int("kernel", kernel)
    stride, groups = positive_int("stride", stride), positive_int("groups", groups)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide c_in={c_in} and c_out={c_out}, got {groups!r}")
    pad = kernel // 2 if padding is None else padding
    ho, wo = conv_output_size(h, kernel, stride, pad), conv_output_size(w, kernel, stride, pad)
    if groups == 1:
        kind = "pointwise" if kernel == 1 else "conv"
    else:
        kind = "depthwise" if groups == c_in == c_out else "grouped"
    per_out = (c_in // groups) * kernel * kernel
    outs = ho * wo * c_out
    return Layer(_check_name(name), kind, (h, w, c_in), (ho, wo, c_out),
                 params=per_out * c_out + (c_out if bias else 0), macs=outs * per_out,
                 other_flops=outs if bias else 0, kernel=kernel, stride=stride, padding=pad, groups=groups,
                 inputs=inputs)


def fc(name: str, input_shape: Shape, out_features: int, bias: bool = True,
       inputs: tuple[str, ...] = ("input",)) -> Layer:
    """A fully connected layer on the flattened input (h*w*c features). MACs = params without bias = in*out."""
    n_in = math.prod(_shape("input_shape", input_shape))
    n_out = positive_int("out_features", out_features)
    return Layer(_check_name(name), "fc", tuple(input_shape), (1, 1, n_out),
                 params=n_in * n_out + (n_out if bias else 0), macs=n_in * n_out,
                 other_flops=n_out if bias else 0, inputs=inputs)


def batchnorm(name: str, input_shape: Shape, inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Inference BatchNorm: y = a*x + b per channel. Params: 2c (gamma, beta). Other FLOPs: 2 per element."""
    s = _shape("input_shape", input_shape)
    return Layer(_check_name(name), "bn", s, s, params=2 * s[2], other_flops=2 * math.prod(s), inputs=inputs)


def activation(name: str, input_shape: Shape, kind: str = "relu", inputs: tuple[str, ...] = ("input",)) -> Layer:
    """ReLU (1 FLOP per element: a max) or ReLU6 (2: a max and a min). No params."""
    if kind not in ("relu", "relu6"):
        raise ValueError(f"kind must be 'relu' or 'relu6', got {kind!r}")
    s = _shape("input_shape", input_shape)
    per = 1 if kind == "relu" else 2
    return Layer(_check_name(name), kind, s, s, other_flops=per * math.prod(s), inputs=inputs)


def pool(name: str, input_shape: Shape, kernel: int, stride: int | None = None, padding: int = 0,
         kind: str = "maxpool", inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Max or average pooling over kernel x kernel windows. Other FLOPs per output: kernel**2 - 1
    comparisons (max) or kernel**2 - 1 adds + 1 multiply (average)."""
    if kind not in ("maxpool", "avgpool"):
        raise ValueError(f"kind must be 'maxpool' or 'avgpool', got {kind!r}")
    h, w, c = _shape("input_shape", input_shape)
    kernel = positive_int("kernel", kernel)
    stride = kernel if stride is None else positive_int("stride", stride)
    ho, wo = conv_output_size(h, kernel, stride, padding), conv_output_size(w, kernel, stride, padding)
    per = kernel * kernel - 1 if kind == "maxpool" else kernel * kernel
    return Layer(_check_name(name), kind, (h, w, c), (ho, wo, c), other_flops=per * ho * wo * c,
                 kernel=kernel, stride=stride, padding=padding, inputs=inputs)


def global_avgpool(name: str, input_shape: Shape, inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Average over the whole h x w map: (h*w - 1) adds + 1 multiply per channel."""
    h, w, c = _shape("input_shape", input_shape)
    return Layer(_check_name(name), "avgpool", (h, w, c), (1, 1, c), other_flops=h * w * c,
                 kernel=max(h, w), stride=max(h, w), inputs=inputs)


def add(name: str, input_shape: Shape, inputs: tuple[str, str]) -> Layer:
    """Element-wise sum of two tensors of the same shape (a residual connection): 1 FLOP per element."""
    s = _shape("input_shape", input_shape)
    if isinstance(inputs, str) or len(tuple(inputs)) != 2:
        raise ValueError(f"inputs must name the two layers being added, got {inputs!r}")
    return Layer(_check_name(name), "add", s, s, other_flops=math.prod(s), inputs=tuple(inputs))


# ---------------------------------------------------------------------------------------------
# Conventions
# ---------------------------------------------------------------------------------------------
_FLAGS = ("count_weights", "count_outputs", "count_inputs", "count_norm_act", "count_other_flops")


@dataclass(frozen=True)
class Convention:
    """What a FLOP and a byte are when a network is counted. Notebook 03.

    - ``flops_per_mac``: 2 (a multiply-add is a multiply and an add, the course's convention) or 1
      (the "FLOPs" many papers and blogs quote are multiply-adds).
    - ``bytes_per_element``: bytes per weight and activation, a number or a dtype name (``"fp16"``).
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


def _layer_flops(layer: Layer, c: Convention) -> int:
    f = c.flops_per_mac * layer.macs + (layer.other_flops if c.count_other_flops else 0)
    return f * c.batch


def _layer_traffic(layer: Layer, c: Convention) -> tuple[float, float, float]:
    """(weights, inputs, outputs) bytes of one layer under convention ``c``."""
    s = c.bytes_per_element
    w = layer.params * s if c.count_weights else 0.0
    if layer.kind in NORM_ACT_KINDS and not c.count_norm_act:
        return w, 0.0, 0.0
    i = c.batch * layer.input_elements * s if c.count_inputs else 0.0
    o = c.batch * layer.output_elements * s if c.count_outputs else 0.0
    return w, i, o


def _layer_bytes(layer: Layer, c: Convention) -> float:
    return sum(_layer_traffic(layer, c))


# ---------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """A CNN as a tuple of layers in execution order, for one image. Notebook 03.

    ``params`` and ``macs`` are totals (counts). FLOPs, bytes and intensity depend on a
    :class:`Convention`: every method takes ``convention`` (a Convention, ``"blog"``, ``"honest"``
    or None for HONEST) and keyword overrides, e.g. ``net.workload(flops_per_mac=1, count_inputs=False)``.
    """

    name: str
    layers: tuple[Layer, ...]
    input_shape: Shape = (224, 224, 3)
    display_name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "input_shape", _shape("input_shape", self.input_shape))
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
        return sum(_layer_flops(la, c) for la in self.layers)

    def traffic(self, convention: Convention | str | None = None, **overrides: Any) -> dict[str, float]:
        """Bytes moved, split into ``weights``, ``inputs``, ``outputs`` and ``total``."""
        c = resolve_convention(convention, **overrides)
        w = i = o = 0.0
        for la in self.layers:
            lw, li, lo = _layer_traffic(la, c)
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
            f, b = _layer_flops(la, c), _layer_bytes(la, c)
            if b > 0 and (f > 0 or all_layers):
                out.append(Workload(f"{self.name}/{la.name}", f, b, notes=la.kind))
        return out

    def table(self, convention: Convention | str | None = None, platform: Platform | str | None = None,
              **overrides: Any) -> list[dict[str, Any]]:
        """One dict per layer: name, kind, output_shape, params, macs, flops, bytes, intensity (FLOP/byte,
        None where no bytes move); with a ``platform`` also time_s (roofline bound) and bound
        ("memory" / "compute", None for layers with no work)."""
        c = resolve_convention(convention, **overrides)
        p = _platform(platform) if platform is not None else None
        rows = []
        for la in self.layers:
            f, b = _layer_flops(la, c), _layer_bytes(la, c)
            row: dict[str, Any] = {"name": la.name, "kind": la.kind, "output_shape": la.output_shape,
                                   "params": la.params, "macs": la.macs, "flops": f, "bytes": b,
                                   "intensity": f / b if b > 0 else None}
            if p is not None:
                row["time_s"] = p.time(f, b)
                row["bound"] = str(p.bound(f / b)) if b > 0 else None
            rows.append(row)
        return rows

    def time(self, platform: Platform | str, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Sum over layers of the roofline time max(flops/π, bytes/β), in seconds: each layer is its
        own kernel and is bounded by its own roof. Never less than :meth:`time_whole`."""
        c = resolve_convention(convention, **overrides)
        p = _platform(platform)
        return sum(p.time(_layer_flops(la, c), _layer_bytes(la, c)) for la in self.layers)

    def time_whole(self, platform: Platform | str, convention: Convention | str | None = None,
                   **overrides: Any) -> float:
        """Roofline time of the whole network as one workload, in seconds: max(FLOPs/π, bytes/β)."""
        return _platform(platform).time(self.workload(convention, **overrides))

    def __str__(self) -> str:
        return f"{self.display_name}: {len(self.layers)} layers, {self.params / 1e6:.2f} M params, " \
               f"{self.macs / 1e9:.3g} G multiply-adds"


def _platform(platform: Platform | str) -> Platform:
    if isinstance(platform, Platform):
        return platform
    from . import platforms

    return platforms.get(platform)


class _Builder:
    """Appends layers one after another, tracking the current tensor (private; the result is frozen)."""

    def __init__(self, input_shape: Shape) -> None:
        self.layers: list[Layer] = []
        self.cur, self.shape = "input", input_shape

    def _push(self, layer: Layer) -> str:
        self.layers.append(layer)
        self.cur, self.shape = layer.name, layer.output_shape
        return layer.name

    def conv(self, name: str, c_out: int, k: int, s: int = 1, p: int | None = None, groups: int = 1,
             bias: bool = False, src: str | None = None, src_shape: Shape | None = None) -> str:
        src_name = self.cur if src is None else src
        shape = self.shape if src_shape is None else src_shape
        return self._push(conv(name, shape, c_out, k, s, p, groups, bias, inputs=(src_name,)))

    def bn(self, name: str) -> str:
        return self._push(batchnorm(name, self.shape, inputs=(self.cur,)))

    def act(self, name: str, kind: str = "relu") -> str:
        return self._push(activation(name, self.shape, kind, inputs=(self.cur,)))

    def pool(self, name: str, k: int, s: int, p: int = 0, kind: str = "maxpool") -> str:
        return self._push(pool(name, self.shape, k, s, p, kind, inputs=(self.cur,)))

    def gap(self, name: str) -> str:
        return self._push(global_avgpool(name, self.shape, inputs=(self.cur,)))

    def fc(self, name: str, n: int) -> str:
        return self._push(fc(name, self.shape, n, inputs=(self.cur,)))

    def add(self, name: str, other: str) -> str:
        return self._push(add(name, self.shape, inputs=(self.cur, other)))


def _check_size(image_size: int, num_classes: int) -> tuple[int, int]:
    image_size = positive_int("image_size", image_size)
    if image_size < 32 or image_size % 32:
        raise ValueError(f"image_size must be a multiple of 32 pixels, >= 32, got {image_size!r}")
    return image_size, positive_int("num_classes", num_classes)


# --- VGG16 -------------------------------------------------------------------------------------
_VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


@lru_cache(maxsize=8)
def vgg16(image_size: int = 224, num_classes: int = 1000) -> Network:
    """VGG16 (Simonyan & Zisserman 2014, configuration D; torchvision ``vgg16``): 13 3x3 convs with
    bias and ReLU, 5 max-pools, fc 4096-4096-classes. 138,357,544 params, 15.47 G multiply-adds at 224.

    ``image_size`` must be a multiple of 224 (torchvision's adaptive pool to 7x7 is modelled as a
    whole-factor average pool)."""
    image_size, num_classes = _check_size(image_size, num_classes)
    b = _Builder((image_size, image_size, 3))
    stage, idx = 1, 1
    for v in _VGG16_CFG:
        if v == "M":
            b.pool(f"pool{stage}", 2, 2)
            stage, idx = stage + 1, 1
        else:
            b.conv(f"conv{stage}_{idx}", int(v), 3, 1, 1, bias=True)
            b.act(f"relu{stage}_{idx}")
            idx += 1
    if b.shape[:2] != (7, 7):
        # torchvision's AdaptiveAvgPool2d((7, 7)) keeps fc6 at 25088 inputs; at 224 it is the identity.
        # Only down-sampling by a whole factor is modelled here.
        f = b.shape[0] // 7
        if f < 1 or b.shape[0] % 7:
            raise ValueError(f"image_size must give VGG16 a feature map that is a multiple of 7, got {image_size!r}")
        b.pool("avgpool", f, f, kind="avgpool")
    b.fc("fc6", 4096)
    b.act("fc6_relu")  # dropout is the identity at inference and is not a layer here
    b.fc("fc7", 4096)
    b.act("fc7_relu")
    b.fc("fc8", num_classes)
    return Network("vgg16", tuple(b.layers), (image_size, image_size, 3), "VGG16",
                   "Simonyan & Zisserman 2014, arXiv:1409.1556, Table 1 configuration D; torchvision.models.vgg16")


# --- MobileNetV1 -------------------------------------------------------------------------------
# (stride of the depthwise conv, channels out of the pointwise conv), Howard et al. 2017 Table 1.
_MOBILENET_V1_CFG = ((1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
                     (1, 512), (1, 512), (1, 512), (1, 512), (1, 512), (2, 1024), (1, 1024))


@lru_cache(maxsize=8)
def mobilenet_v1(image_size: int = 224, num_classes: int = 1000) -> Network:
    """MobileNetV1 1.0 (Howard et al. 2017, Table 1): a 3x3 conv and 13 depthwise-separable blocks,
    each conv followed by BN and ReLU, global average pool, fc. 4,231,976 params, 569 M multiply-adds.

    Table 1 prints stride 2 for the last depthwise conv; it is 1 (the map stays 7x7), as in every
    reference implementation."""
    image_size, num_classes = _check_size(image_size, num_classes)
    b = _Builder((image_size, image_size, 3))
    b.conv("conv1", 32, 3, 2, 1)
    b.bn("conv1_bn")
    b.act("conv1_relu")
    for i, (s, c_out) in enumerate(_MOBILENET_V1_CFG, start=1):
        c = b.shape[2]
        b.conv(f"dw{i}", c, 3, s, 1, groups=c)
        b.bn(f"dw{i}_bn")
        b.act(f"dw{i}_relu")
        b.conv(f"pw{i}", c_out, 1, 1, 0)
        b.bn(f"pw{i}_bn")
        b.act(f"pw{i}_relu")
    b.gap("avgpool")
    b.fc("fc", num_classes)
    return Network("mobilenet_v1", tuple(b.layers), (image_size, image_size, 3), "MobileNetV1",
                   "Howard et al. 2017, arXiv:1704.04861, Table 1 (width 1.0, 224x224)")


# --- MobileNetV2 -------------------------------------------------------------------------------
# (expansion t, channels c, repeats n, first stride s), Sandler et al. 2018 Table 2.
_MOBILENET_V2_CFG = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                     (6, 160, 3, 2), (6, 320, 1, 1))


@lru_cache(maxsize=8)
def mobilenet_v2(image_size: int = 224, num_classes: int = 1000) -> Network:
    """MobileNetV2 1.0 (Sandler et al. 2018, Table 2; torchvision ``mobilenet_v2``): inverted residual
    blocks (1x1 expand, 3x3 depthwise, 1x1 linear project; ReLU6; a residual add when stride 1 and
    channels match). 3,504,872 params, 300.8 M multiply-adds."""
    image_size, num_classes = _check_size(image_size, num_classes)
    b = _Builder((image_size, image_size, 3))
    b.conv("conv1", 32, 3, 2, 1)
    b.bn("conv1_bn")
    b.act("conv1_relu6", "relu6")
    block = 0
    for t, c, n, s in _MOBILENET_V2_CFG:
        for r in range(n):
            block += 1
            stride = s if r == 0 else 1
            block_in, c_in = b.cur, b.shape[2]
            hidden = c_in * t
            pre = f"block{block}"
            if t != 1:
                b.conv(f"{pre}_expand", hidden, 1, 1, 0)
                b.bn(f"{pre}_expand_bn")
                b.act(f"{pre}_expand_relu6", "relu6")
            b.conv(f"{pre}_dw", hidden, 3, stride, 1, groups=hidden)
            b.bn(f"{pre}_dw_bn")
            b.act(f"{pre}_dw_relu6", "relu6")
            b.conv(f"{pre}_project", c, 1, 1, 0)
            b.bn(f"{pre}_project_bn")
            if stride == 1 and c_in == c:
                b.add(f"{pre}_add", block_in)
    b.conv("conv_last", 1280, 1, 1, 0)
    b.bn("conv_last_bn")
    b.act("conv_last_relu6", "relu6")
    b.gap("avgpool")
    b.fc("fc", num_classes)
    return Network("mobilenet_v2", tuple(b.layers), (image_size, image_size, 3), "MobileNetV2",
                   "Sandler et al. 2018, arXiv:1801.04381, Table 2 (width 1.0, 224x224); "
                   "torchvision.models.mobilenet_v2")


# --- ResNet-50 ---------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def resnet50(image_size: int = 224, num_classes: int = 1000) -> Network:
    """ResNet-50 (He et al. 2015, Table 1; torchvision ``resnet50``, "v1.5" with the stride on the 3x3
    conv): 7x7 stem, max-pool, 3+4+6+3 bottleneck blocks, global average pool, fc.
    25,557,032 params, 4.09 G multiply-adds (the paper's v1, stride on the first 1x1, has 3.8-3.9 G)."""
    image_size, num_classes = _check_size(image_size, num_classes)
    b = _Builder((image_size, image_size, 3))
    b.conv("conv1", 64, 7, 2, 3)
    b.bn("conv1_bn")
    b.act("conv1_relu")
    b.pool("maxpool", 3, 2, 1)
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=2):
        for i in range(1, blocks + 1):
            stride = 2 if (i == 1 and stage > 2) else 1
            pre = f"res{stage}_{i}"
            block_in, in_shape = b.cur, b.shape
            b.conv(f"{pre}_conv1", width, 1, 1, 0)
            b.bn(f"{pre}_bn1")
            b.act(f"{pre}_relu1")
            b.conv(f"{pre}_conv2", width, 3, stride, 1)
            b.bn(f"{pre}_bn2")
            b.act(f"{pre}_relu2")
            b.conv(f"{pre}_conv3", 4 * width, 1, 1, 0)
            last = b.bn(f"{pre}_bn3")
            if i == 1:  # projection shortcut: 1x1 conv (with the block's stride) + BN
                b.conv(f"{pre}_downsample", 4 * width, 1, stride, 0, src=block_in, src_shape=in_shape)
                shortcut = b.bn(f"{pre}_downsample_bn")
                b.cur, b.shape = last, b.layers[-3].output_shape  # back on the main path
            else:
                shortcut = block_in
            b.add(f"{pre}_add", shortcut)
            b.act(f"{pre}_relu")
    b.gap("avgpool")
    b.fc("fc", num_classes)
    return Network("resnet50", tuple(b.layers), (image_size, image_size, 3), "ResNet-50",
                   "He et al. 2015, arXiv:1512.03385, Table 1; torchvision.models.resnet50 (v1.5)")


# --- catalogue ---------------------------------------------------------------------------------
_BUILDERS: dict[str, Callable[..., Network]] = {
    "vgg16": vgg16, "mobilenet_v1": mobilenet_v1, "mobilenet_v2": mobilenet_v2, "resnet50": resnet50,
}
_ALIASES = {"vgg16": "vgg16", "vgg": "vgg16", "mobilenetv1": "mobilenet_v1", "mobilenet": "mobilenet_v1",
            "mobilenetv2": "mobilenet_v2", "resnet50": "resnet50", "resnet": "resnet50"}


def networks() -> list[str]:
    """Names of the built-in networks."""
    return list(_BUILDERS)


def get(name: str, **kwargs: Any) -> Network:
    """A built-in network by name (``"vgg16"``, ``"MobileNetV1"``, ``"resnet-50"``); KeyError with close matches."""
    if not isinstance(name, str):
        raise KeyError(f"network name must be a string, got {name!r}")
    key = _ALIASES.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if key is None:
        raise unknown_name("network", name, _BUILDERS)
    return _BUILDERS[key](**kwargs)


def summary(convention: Convention | str | None = None, platform: Platform | str | None = None,
            names: Iterable[str] | None = None, **overrides: Any) -> list[dict[str, Any]]:
    """One dict per network: name, params, macs, flops, bytes, intensity (FLOP/byte); with a ``platform``
    also attainable (FLOP/s), bound, time_s (whole network) and time_layers_s (sum over layers)."""
    c = resolve_convention(convention, **overrides)
    p = _platform(platform) if platform is not None else None
    rows = []
    for n in (networks() if names is None else names):
        net = get(n)
        wl = net.workload(c)
        row: dict[str, Any] = {"name": net.display_name, "params": net.params, "macs": net.macs,
                               "flops": wl.flops, "bytes": wl.bytes, "intensity": wl.intensity}
        if p is not None:
            row.update(attainable=p.attainable(wl), bound=str(p.bound(wl)), time_s=p.time(wl),
                       time_layers_s=net.time(p, c))
        rows.append(row)
    return rows

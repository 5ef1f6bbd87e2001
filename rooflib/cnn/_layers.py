"""One layer of a CNN (:class:`Layer`) and its constructors: conv, fc, batchnorm, activation, pool,
global_avgpool, add. Counts are for one image and do not depend on a convention. Notebook 03."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .._validate import positive_int, unknown_name
from ..kernels import conv_output_size, conv_rows_read
from ._convention import Convention, layer_bytes, layer_flops, resolve_convention

__all__ = ["Shape", "KINDS", "MAC_KINDS", "as_shape", "Layer", "conv", "fc", "batchnorm", "activation", "pool",
           "global_avgpool", "add"]

Shape = tuple[int, int, int]

#: Layer kinds. Convolutions are split by shape: "conv" (k > 1, dense), "pointwise" (1x1, dense),
#: "depthwise" (groups = c_in = c_out), "grouped" (any other groups).
KINDS = ("conv", "pointwise", "depthwise", "grouped", "fc", "maxpool", "avgpool", "bn", "relu", "relu6", "add")
#: Kinds whose work is multiply-adds.
MAC_KINDS = frozenset({"conv", "pointwise", "depthwise", "grouped", "fc"})


def as_shape(name: str, shape: object) -> Shape:
    """``shape`` as a (height, width, channels) tuple of whole numbers >= 1, or ValueError naming ``name``."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"{name} must be a (height, width, channels) tuple of whole numbers >= 1, got {shape!r}")
    return tuple(positive_int(name, s) for s in shape)  # type: ignore[return-value]


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
        object.__setattr__(self, "input_shape", as_shape("input_shape", self.input_shape))
        object.__setattr__(self, "output_shape", as_shape("output_shape", self.output_shape))
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
        return layer_flops(self, resolve_convention(convention, **overrides))

    def bytes(self, convention: Convention | str | None = None, **overrides: Any) -> float:
        """Bytes moved by this layer (one batch) under ``convention``; weights only for a fused BN / ReLU."""
        return layer_bytes(self, resolve_convention(convention, **overrides))


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
    h, w, c_in = as_shape("input_shape", input_shape)
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
    n_in = math.prod(as_shape("input_shape", input_shape))
    n_out = positive_int("out_features", out_features)
    return Layer(_check_name(name), "fc", tuple(input_shape), (1, 1, n_out),  # type: ignore[arg-type]
                 params=n_in * n_out + (n_out if bias else 0), macs=n_in * n_out,
                 other_flops=n_out if bias else 0, inputs=inputs)


def batchnorm(name: str, input_shape: Shape, inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Inference BatchNorm: y = a*x + b per channel. Params: 2c (gamma, beta). Other FLOPs: 2 per element."""
    s = as_shape("input_shape", input_shape)
    return Layer(_check_name(name), "bn", s, s, params=2 * s[2], other_flops=2 * math.prod(s), inputs=inputs)


def activation(name: str, input_shape: Shape, kind: str = "relu", inputs: tuple[str, ...] = ("input",)) -> Layer:
    """ReLU (1 FLOP per element: a max) or ReLU6 (2: a max and a min). No params."""
    if kind not in ("relu", "relu6"):
        raise ValueError(f"kind must be 'relu' or 'relu6', got {kind!r}")
    s = as_shape("input_shape", input_shape)
    per = 1 if kind == "relu" else 2
    return Layer(_check_name(name), kind, s, s, other_flops=per * math.prod(s), inputs=inputs)


def pool(name: str, input_shape: Shape, kernel: int, stride: int | None = None, padding: int = 0,
         kind: str = "maxpool", inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Max or average pooling over kernel x kernel windows. Other FLOPs per output: kernel**2 - 1
    comparisons (max) or kernel**2 - 1 adds + 1 multiply (average)."""
    if kind not in ("maxpool", "avgpool"):
        raise ValueError(f"kind must be 'maxpool' or 'avgpool', got {kind!r}")
    h, w, c = as_shape("input_shape", input_shape)
    kernel = positive_int("kernel", kernel)
    stride = kernel if stride is None else positive_int("stride", stride)
    ho, wo = conv_output_size(h, kernel, stride, padding), conv_output_size(w, kernel, stride, padding)
    per = kernel * kernel - 1 if kind == "maxpool" else kernel * kernel
    return Layer(_check_name(name), kind, (h, w, c), (ho, wo, c), other_flops=per * ho * wo * c,
                 kernel=kernel, stride=stride, padding=padding, inputs=inputs)


def global_avgpool(name: str, input_shape: Shape, inputs: tuple[str, ...] = ("input",)) -> Layer:
    """Average over the whole h x w map: (h*w - 1) adds + 1 multiply per channel."""
    h, w, c = as_shape("input_shape", input_shape)
    return Layer(_check_name(name), "avgpool", (h, w, c), (1, 1, c), other_flops=h * w * c,
                 kernel=max(h, w), stride=max(h, w), inputs=inputs)


def add(name: str, input_shape: Shape, inputs: tuple[str, str]) -> Layer:
    """Element-wise sum of two tensors of the same shape (a residual connection): 1 FLOP per element."""
    s = as_shape("input_shape", input_shape)
    if isinstance(inputs, str) or len(tuple(inputs)) != 2:
        raise ValueError(f"inputs must name the two layers being added, got {inputs!r}")
    return Layer(_check_name(name), "add", s, s, other_flops=math.prod(s), inputs=tuple(inputs))

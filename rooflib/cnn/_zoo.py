"""The built-in networks (VGG16, MobileNetV1/V2, ResNet-50, from their papers and torchvision) and the
catalogue: :func:`names` and :func:`get`. Notebook 03."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .._validate import positive_int, unknown_name
from ._layers import Layer, Shape, activation, add, batchnorm, conv, fc, global_avgpool, pool
from ._network import Network

__all__ = ["vgg16", "mobilenet_v1", "mobilenet_v2", "resnet50", "names", "get"]


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


def names() -> list[str]:
    """Names of the built-in networks, in catalogue order."""
    return list(_BUILDERS)


def get(name: str, **kwargs: Any) -> Network:
    """A built-in network by name (``"vgg16"``, ``"MobileNetV1"``, ``"resnet-50"``; ``"MobileNet"`` is V1),
    built with ``kwargs`` (``image_size``, ``num_classes``); KeyError with close matches otherwise."""
    if not isinstance(name, str):
        raise KeyError(f"network name must be a string such as 'vgg16', got {name!r}")
    key = _ALIASES.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if key is None:
        raise unknown_name("network", name, _BUILDERS)
    return _BUILDERS[key](**kwargs)

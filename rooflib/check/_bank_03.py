"""Exercise set 03, the GTX 1080 Ti with VGG16 and MobileNet: roofs of networks, a conv layer, the MAC trap.

Expected values come from ``rl.platforms``, ``rl.kernels.conv2d`` and ``rl.cnn`` (notebook 03).
"""

from __future__ import annotations

from .. import cnn, kernels, platforms
from ..core import Platform, Workload
from ._bank_common import GTX1080TI_BANDWIDTH, GTX1080TI_PEAK, gtx1080ti, verdict_why
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_03", "I_VGG16", "I_MOBILENET", "MOBILENET_MACS", "MOBILENET_BYTES", "A100_FP32", "A100_BANDWIDTH",
           "VGG_CONV"]

_S = "03"
I_VGG16 = 25.0  # FLOP/byte as the source quotes it
I_MOBILENET = 7.0
MOBILENET_MACS = 569e6  # multiply-adds per 224x224 image (MobileNet v1 paper, Table 1 total)
MOBILENET_BYTES = 74e6  # bytes moved per image, as set 03 states it (the seed blog quotes only I = 7)
A100_FP32 = 19.5e12  # FLOP/s, A100 fp32 without tensor cores
A100_BANDWIDTH = 1.555e12  # bytes/s, A100 40 GB
VGG_CONV = dict(h=56, w=56, c_in=128, c_out=256, kernel=3)  # conv3_1 of VGG16, fp32, batch 1

_CONV_IN = VGG_CONV["h"] * VGG_CONV["w"] * VGG_CONV["c_in"]  # elements ('same' padding, stride 1)
_CONV_W = VGG_CONV["kernel"]**2 * VGG_CONV["c_in"] * VGG_CONV["c_out"]
_CONV_OUT = VGG_CONV["h"] * VGG_CONV["w"] * VGG_CONV["c_out"]


def _a100() -> Platform:
    """The A100 40 GB at its fp32 peak (no tensor cores), as set 03 states it."""
    return platforms.get("a100-40gb", "fp32")


def _mobilenet_intensity_macs() -> float:
    return MOBILENET_MACS / MOBILENET_BYTES  # the trap: multiply-adds per byte, not FLOPs per byte


SET_03 = question_set(_S, "03_gtx1080ti_vgg_mobilenet", (
    ask("mobilenet_attainable", _S, "number", lambda: gtx1080ti().attainable(I_MOBILENET), unit="FLOP/s",
        quantity="rate",
        hints=((GTX1080TI_PEAK / (GTX1080TI_BANDWIDTH * I_MOBILENET),
                hint("set03.mobilenet_attainable")),)),
    ask("vgg16_verdict", _S, "verdict", lambda: gtx1080ti().bound(I_VGG16),
        why=verdict_why(gtx1080ti, lambda: I_VGG16)),
    ask("vgg_over_mobilenet", _S, "number",
        lambda: gtx1080ti().attainable(I_VGG16) / gtx1080ti().attainable(I_MOBILENET), unit="(a ratio)",
        quantity="ratio",
        hints=(((I_VGG16 / I_MOBILENET) / (GTX1080TI_PEAK / (GTX1080TI_BANDWIDTH * I_MOBILENET)),  # 25 / 7
                hint("set03.vgg_over_mobilenet")),)),
    ask("conv3_1_flops", _S, "number", lambda: kernels.conv2d(**VGG_CONV).flops, unit="FLOPs",
        quantity="flops",
        hints=((1 / 9, hint("set03.conv3_1_flops")),)),
    ask("conv3_1_intensity", _S, "number", lambda: kernels.conv2d(**VGG_CONV, dtype="fp32").intensity,
        unit="FLOP/byte", quantity="intensity",
        hints=(((_CONV_IN + _CONV_W + _CONV_OUT) / (_CONV_IN + _CONV_OUT),
                hint("set03.conv3_1_intensity_1")),
               ((_CONV_IN + _CONV_W + _CONV_OUT) / (_CONV_IN + _CONV_W),
                hint("set03.conv3_1_intensity_2")))),
    # the networks from rl.cnn
    ask("vgg16_intensity", _S, "number", lambda: cnn.vgg16().intensity(), unit="FLOP/byte",
        quantity="intensity",
        hints=((0.5, hint("set03.vgg16_intensity")),)),
    ask("vgg16_time_s", _S, "number", lambda: gtx1080ti().time(cnn.vgg16().workload()), unit="s",
        quantity="time",
        hints=((GTX1080TI_PEAK / (cnn.vgg16().intensity() * GTX1080TI_BANDWIDTH),
                hint("set03.vgg16_time_s")),)),
    # the convention trap
    ask("mobilenet_intensity_flops", _S, "number",
        lambda: Workload("mobilenet", 2 * MOBILENET_MACS, MOBILENET_BYTES).intensity, unit="FLOP/byte",
        quantity="intensity"),
    ask("mobilenet_a100_verdict_macs", _S, "verdict", lambda: _a100().bound(_mobilenet_intensity_macs()),
        why=verdict_why(_a100, _mobilenet_intensity_macs)),
    ask("mobilenet_a100_verdict_flops", _S, "verdict", lambda: _a100().bound(2 * _mobilenet_intensity_macs()),
        why=verdict_why(_a100, lambda: 2 * _mobilenet_intensity_macs())),
))

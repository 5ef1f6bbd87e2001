"""Answer checking for the exercise sets in ``exercises/`` (solutions in ``solutions/``).

How checks work
---------------
Every question has a name (``ridge_1080ti``) and the answer is bound to a variable of that same
name, stated in the question. The check cell under the answer calls ``rl.check.<name>(<name>)``
(or ``rl.check.answer("<name>", value)``): it prints one PASS / FAIL line, with a specific hint
when the miss is a recognisable mistake, and records the value it was given.

Expected values are never stored as literals: each question computes its expected value with
rooflib (``rl.Platform``, ``rl.kernels``, ``rl.cnn``, ``rl.llm``) from the constants the question
states. Numbers pass within a relative tolerance of ``RTOL`` (1 %, unless a question states
otherwise: 0.1 % for the stencil, whose boundary is 0.4 % of the count; exact for a whole batch).
On a miss, the ratio answer / expected is compared (within 1 %; 0.4 % for the 1.024**k ratios)
with the usual slips:

- 2 or 1/2: a multiply-add counted as one FLOP (an FMA is 2 FLOPs), or a dtype size off by 2;
- 4 or 1/4: a dtype size off by 4 (fp32 = 4 bytes, fp16/bf16 = 2, int8 = 1);
- 1e±3, 1e±6, 1e±9, 1e±12: a unit prefix (ms against s, GB/s against bytes/s, TFLOP/s against FLOP/s);
- 1.024, 1.024**2, 1.024**3 (and inverses): binary (KiB, MiB, GiB) against decimal (kB, MB, GB) units;
- 2**10, 2**20, 2**30 (and inverses): an answer given in KiB, MiB or GiB where bytes were asked;
- the reciprocal: bytes/FLOP where FLOP/byte was asked (a ratio question: divided the wrong way round);
  a sign slip;
- for verdict questions ("memory" or "compute"), a wrong verdict is explained with the numbers.

A question may add its own hints for ratios it expects (e.g. 2/3 when the write of the output is
forgotten). The grader (``python -m rooflib.grade``) executes each submission in a fresh kernel,
then reads each question's variable from the kernel (or, if the student renamed or deleted it,
the value the student's own check call recorded), and scores it with :func:`evaluate` in the
grading process, so deleted or edited check cells change nothing.

Set ``ROOFLIB_CHECK_RAISE=1`` in the environment (e.g. when nbgrader autogrades the check
cells) to make a failing check raise ``AssertionError`` after printing its line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["RTOL", "HINT_RTOL", "BINARY_RTOL", "Question", "CheckResult", "QUESTIONS", "SETS", "questions", "evaluate",
           "answer", "recorded", "to_jsonable", "collect"]

RTOL = 0.01
"""Default relative tolerance for a numeric answer (1 %)."""
HINT_RTOL = 0.01
"""How close answer / expected must be to a known slip's ratio for its hint to be shown (1 %)."""
BINARY_RTOL = 0.004
"""The same for the 1.024**k (GiB against GB) ratios, tighter so a 2-3 % miss is not called a unit slip."""

SETS: dict[str, str] = {
    "01": "01_terminology",
    "02": "02_roofline_derived",
    "03": "03_gtx1080ti_vgg_mobilenet",
    "04": "04_optimisation_directions",
    "05": "05_llm_prefill_decode",
    "06": "06_measure_your_machine",
}
"""Exercise set number -> notebook stem (``solutions/<stem>.ipynb``, ``exercises/<stem>.ipynb``)."""

MAC_HINT = ("a multiply-add (MAC / FMA) is 2 FLOPs, one multiply and one add; counting it once "
            "halves the FLOPs")
DTYPE_HINT = "check the bytes per element: fp64 = 8, fp32 = 4, fp16/bf16 = 2, int8/fp8 = 1"
UNIT_HINT = ("a unit prefix slip: k, M, G, T are 1e3, 1e6, 1e9, 1e12; answer in SI base units "
             "({unit}), not ms, GB or TFLOP/s")
BINARY_HINT = ("that is the gap between binary and decimal units (1 KiB = 2**10, 1 MiB = 2**20, "
               "1 GiB = 2**30 bytes; 1 kB = 1e3, 1 MB = 1e6, 1 GB = 1e9 bytes); check which one the "
               "question uses")
RECIPROCAL_HINT = ("you have the reciprocal: intensity is FLOP per byte (FLOPs / bytes), not bytes per FLOP; "
                   "a ridge point is peak / bandwidth")
RATIO_RECIPROCAL_HINT = ("you have the reciprocal: divide the other way round ('A over B' is A / B; a speedup is "
                         "old time / new time, more than 1 when the kernel gets faster)")

_MISSING = object()


@dataclass(frozen=True)
class Question:
    """One auto-graded question: ``name`` is also the answer variable; ``expected`` computes the answer.

    ``kind``: ``"number"`` (``unit`` names its unit), ``"verdict"`` (``"memory"`` or ``"compute"``),
    ``"choice"`` (one of ``choices``), or ``"roof_plot"`` (a matplotlib Axes, checked from its data).
    ``quantity`` (``"flops"``, ``"bytes"``, ``"intensity"``, ...) picks the most likely cause for a
    factor-2 miss. ``hints`` maps a ratio answer/expected to a question-specific hint. ``why`` explains
    a wrong verdict or choice with numbers.
    """

    name: str
    set: str
    kind: str
    expected: Callable[[], Any]
    points: int = 1
    unit: str = ""
    quantity: str = ""
    rtol: float = RTOL
    hints: tuple[tuple[float, str], ...] = ()
    choices: tuple[str, ...] = ()
    why: Callable[[], str] | None = None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one answer: ``passed``, the printed ``message``, and points earned."""

    name: str
    passed: bool
    message: str
    points: float
    max_points: float
    status: str  # "pass", "wrong", "missing", "invalid"

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Helpers used by the question definitions
# --------------------------------------------------------------------------------------------
def _rl():
    import rooflib

    return rooflib


def _platform(name: str, peak_flops_per_s: float, bandwidth: float, memory_bytes: float | None = None):
    return _rl().Platform(name, peak_flops_per_s, bandwidth, memory_bytes=memory_bytes)


GTX1080TI_PEAK = 11.3e12  # FLOP/s, fp32 (the source material's figure)
GTX1080TI_BANDWIDTH = 484e9  # bytes/s
H100_BF16_PEAK = 989.4e12  # FLOP/s, dense bf16, H100 SXM
H100_MEMORY = 80e9  # bytes


def gtx1080ti():
    """The GTX 1080 Ti as the exercises state it: 11.3e12 FLOP/s fp32, 484e9 bytes/s (as in the catalogue)."""
    return _platform("gtx-1080-ti", GTX1080TI_PEAK, GTX1080TI_BANDWIDTH)


def _verdict_why(platform_fn: Callable[[], Any], intensity_fn: Callable[[], float]) -> Callable[[], str]:
    def why() -> str:
        p, i = platform_fn(), float(intensity_fn())
        side = "below" if i < p.ridge_point else "at or above"
        right = "memory" if i < p.ridge_point else "compute"
        return (f"compare the intensity {i:.3g} FLOP/byte with the ridge point {p.ridge_point:.3g} FLOP/byte: "
                f"it is {side} it, so the kernel is {right}-bound")

    return why


# --------------------------------------------------------------------------------------------
# The questions. Each set's constants are restated, with units, in its notebook.
# --------------------------------------------------------------------------------------------
QUESTIONS: dict[str, Question] = {}


def _q(name: str, set_: str, kind: str, expected: Callable[[], Any], **kw: Any) -> None:
    if name in QUESTIONS:
        raise ValueError(f"duplicate question name {name!r}")
    QUESTIONS[name] = Question(name, set_, kind, expected, **kw)


def _k():
    return _rl().kernels


# ---- 01 terminology: count FLOPs and bytes by hand ----------------------------------------
N_VEC = 1_000_000
N_DOT = 4096
STENCIL_NX = STENCIL_NY = 1026
N_MAT = 1024

_q("vector_add_flops", "01", "number", lambda: _k().vector_add(N_VEC).flops, unit="FLOPs", quantity="flops",
   hints=((2.0, "an add is 1 FLOP; there is one add per element"),
          (3.0, "there is one add per element, not one FLOP per element touched")))
_q("vector_add_bytes", "01", "number", lambda: _k().vector_add(N_VEC, "fp32").bytes, unit="bytes",
   quantity="bytes", hints=((2 / 3, "you counted the reads of a and b only: writing c moves n x 4 bytes too"),
                            (1 / 3, "count every array: read a, read b and write c, 4 bytes per fp32 element")))
_q("dot_flops", "01", "number", lambda: _k().dot(N_DOT).flops, unit="FLOPs", quantity="flops")
_q("dot_intensity", "01", "number", lambda: _k().dot(N_DOT, "fp32").intensity, unit="FLOP/byte",
   quantity="intensity")
STENCIL_RTOL = 0.001  # 0.1 %: tight enough that counting the boundary (0.4 % here) is a miss
_STENCIL_INTERIOR = (STENCIL_NX - 2) * (STENCIL_NY - 2)
_STENCIL_ELEMENTS = STENCIL_NX * STENCIL_NY - 4 + _STENCIL_INTERIOR  # u read (corners untouched) + out written
_NEIGHBOUR_HINT = "neighbours come from cache under this convention: each input element is read from memory once"
_q("stencil_flops", "01", "number", lambda: _k().stencil2d(STENCIL_NX, STENCIL_NY).flops, unit="FLOPs",
   quantity="flops", rtol=STENCIL_RTOL,
   hints=((5 / 9, "5 multiplies and 4 adds per point: you counted only the multiplies"),
          (10 / 9, "summing 5 products takes 4 adds, not 5 (the first product starts the sum)"),
          (STENCIL_NX * STENCIL_NY / _STENCIL_INTERIOR,
           "only the interior points ((nx-2) x (ny-2)) are updated; the boundary is not", STENCIL_RTOL / 2)))
_q("stencil_bytes", "01", "number", lambda: _k().stencil2d(STENCIL_NX, STENCIL_NY, "fp32").bytes, unit="bytes",
   quantity="bytes", rtol=STENCIL_RTOL,
   hints=((6 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, _NEIGHBOUR_HINT),  # 5 reads + 1 write per point
          (5 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, _NEIGHBOUR_HINT + "; and out is written too"),
          (2 * STENCIL_NX * STENCIL_NY / _STENCIL_ELEMENTS,
           "out is written at the interior points only, (nx-2) x (ny-2) of them", STENCIL_RTOL / 2),
          (2 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS,
           "the boundary points of u are read too, as neighbours of the interior; only the 4 corners are not",
           STENCIL_RTOL / 2)))
_q("matmul_flops", "01", "number", lambda: _k().gemm(N_MAT, N_MAT, N_MAT).flops, unit="FLOPs", quantity="flops")
_q("matmul_intensity", "01", "number", lambda: _k().gemm(N_MAT, N_MAT, N_MAT, "fp32").intensity,
   unit="FLOP/byte", quantity="intensity",
   hints=((3 / 2, "C is written as well as A and B read: 3 n**2 elements move, not 2 n**2"),))
_q("matmul_bytes_fp16", "01", "number", lambda: _k().gemm(N_MAT, N_MAT, N_MAT, "fp16").bytes, unit="bytes",
   quantity="bytes")

# ---- 02 the roofline, derived ----------------------------------------------------------------
H100_SPARSE_BF16 = 1979e12  # FLOP/s, the H100 SXM datasheet's bf16 figure "with sparsity"
H100_BANDWIDTH = 3.35e12  # bytes/s
GEMV_N = 8192
MEASURED_GIB_PER_S = 450.0  # a tool's reading, in GiB/s
PLOT_INTENSITY = 4.0  # FLOP/byte


def _h100():
    return _platform("h100-sxm-bf16", H100_SPARSE_BF16 / 2, H100_BANDWIDTH)


_q("ridge_1080ti", "02", "number", lambda: gtx1080ti().ridge_point, unit="FLOP/byte", quantity="intensity")
_q("attainable_at_4", "02", "number", lambda: gtx1080ti().attainable(4.0), unit="FLOP/s", quantity="rate",
   hints=((11.3e12 / (4.0 * 484e9), "at I = 4 FLOP/byte the roof is the bandwidth slope beta x I, "
                                    "not the flat peak"),))
_q("verdict_at_4", "02", "verdict", lambda: gtx1080ti().bound(4.0), why=_verdict_why(gtx1080ti, lambda: 4.0))
_q("attainable_at_100", "02", "number", lambda: gtx1080ti().attainable(100.0), unit="FLOP/s", quantity="rate",
   hints=((100 * 484e9 / 11.3e12, "at I = 100 FLOP/byte beta x I is above the peak: the roof is min(pi, beta x I)"),))
_q("gemv_time_s", "02", "number", lambda: gtx1080ti().time(_k().gemv(GEMV_N, GEMV_N, "fp32")), unit="s",
   quantity="time",
   hints=((_k().gemv(GEMV_N, GEMV_N).flops / 11.3e12 / (_k().gemv(GEMV_N, GEMV_N).bytes / 484e9),
           "that is the compute time; the bound is the larger of the compute time and the memory time"),))
_q("h100_dense_bf16", "02", "number", lambda: _h100().peak_flops_per_s, unit="FLOP/s", quantity="peak",
   hints=((2.0, "the sparsity figure assumes 2:4 structured sparsity and is twice the dense peak; halve it"),))
_q("h100_ridge_bf16", "02", "number", lambda: _h100().ridge_point, unit="FLOP/byte", quantity="intensity",
   hints=((2.0, "you used the 'with sparsity' peak, which is twice the dense peak a dense kernel can reach"),))
_q("measured_bandwidth", "02", "number", lambda: MEASURED_GIB_PER_S * _rl().units.GiB, unit="bytes/s",
   quantity="bandwidth")


def _roof_plot_expected():
    return {"platform": gtx1080ti(), "points": [(PLOT_INTENSITY, float(gtx1080ti().attainable(PLOT_INTENSITY)))],
            "xmin": 0.1, "xmax": 1000.0}  # the range the question asks for


_q("roof_ax", "02", "roof_plot", _roof_plot_expected, points=2)

# ---- 03 GTX 1080 Ti, VGG16 and MobileNet ------------------------------------------------------
I_VGG16 = 25.0  # FLOP/byte as the source quotes it
I_MOBILENET = 7.0
MOBILENET_MACS = 569e6  # multiply-adds per 224x224 image (MobileNet v1 paper, Table 1 total)
MOBILENET_BYTES = 74e6  # bytes moved per image, as set 03 states it (the seed blog quotes only I = 7)
A100_FP32 = 19.5e12  # FLOP/s, A100 fp32 without tensor cores
A100_BANDWIDTH = 1.555e12  # bytes/s, A100 40 GB
VGG_CONV = dict(h=56, w=56, c_in=128, c_out=256, kernel=3)  # conv3_1 of VGG16, fp32, batch 1


def _a100():
    return _platform("a100-fp32", A100_FP32, A100_BANDWIDTH)


_q("mobilenet_attainable", "03", "number", lambda: gtx1080ti().attainable(I_MOBILENET), unit="FLOP/s",
   quantity="rate", hints=((11.3e12 / (484e9 * I_MOBILENET), "MobileNet sits left of the ridge: its roof is "
                                                              "beta x I, not the peak"),))
_q("vgg16_verdict", "03", "verdict", lambda: gtx1080ti().bound(I_VGG16),
   why=_verdict_why(gtx1080ti, lambda: I_VGG16))
_q("vgg_over_mobilenet", "03", "number",
   lambda: gtx1080ti().attainable(I_VGG16) / gtx1080ti().attainable(I_MOBILENET), unit="(a ratio)",
   quantity="ratio",
   hints=(((I_VGG16 / I_MOBILENET) / (GTX1080TI_PEAK / (GTX1080TI_BANDWIDTH * I_MOBILENET)),  # answered 25 / 7
           "VGG16 is compute-bound: its roof is the peak, not beta x 25"),))
_q("conv3_1_flops", "03", "number", lambda: _k().conv2d(**VGG_CONV).flops, unit="FLOPs", quantity="flops",
   hints=((1 / 9, "each output needs c_in x k x k multiply-adds: include the 3 x 3 window"),))
_CONV_IN = VGG_CONV["h"] * VGG_CONV["w"] * VGG_CONV["c_in"]  # elements ('same' padding, stride 1)
_CONV_W = VGG_CONV["kernel"]**2 * VGG_CONV["c_in"] * VGG_CONV["c_out"]
_CONV_OUT = VGG_CONV["h"] * VGG_CONV["w"] * VGG_CONV["c_out"]
_q("conv3_1_intensity", "03", "number", lambda: _k().conv2d(**VGG_CONV, dtype="fp32").intensity,
   unit="FLOP/byte", quantity="intensity",
   hints=(((_CONV_IN + _CONV_W + _CONV_OUT) / (_CONV_IN + _CONV_OUT),
           "count the weights too: 3 x 3 x c_in x c_out elements, read once"),
          ((_CONV_IN + _CONV_W + _CONV_OUT) / (_CONV_IN + _CONV_W),
           "count the output too: h x w x c_out elements, written once")))
# the networks from rl.cnn
_q("vgg16_intensity", "03", "number", lambda: _rl().cnn.vgg16().intensity(), unit="FLOP/byte",
   quantity="intensity",
   hints=((0.5, "exactly half: rl.cnn counts a multiply-add as 2 FLOPs; use .flops(), not .macs"),))
_q("vgg16_time_s", "03", "number", lambda: gtx1080ti().time(_rl().cnn.vgg16().workload()), unit="s",
   quantity="time",
   hints=((GTX1080TI_PEAK / (_rl().cnn.vgg16().intensity() * GTX1080TI_BANDWIDTH),
           "that is the memory time; the bound is the larger of the compute time and the memory time"),))
# the convention trap
_q("mobilenet_intensity_flops", "03", "number",
   lambda: _rl().Workload("mobilenet", 2 * MOBILENET_MACS, MOBILENET_BYTES).intensity, unit="FLOP/byte",
   quantity="intensity")
_q("mobilenet_a100_verdict_macs", "03", "verdict",
   lambda: _a100().bound(MOBILENET_MACS / MOBILENET_BYTES),
   why=_verdict_why(_a100, lambda: MOBILENET_MACS / MOBILENET_BYTES))
_q("mobilenet_a100_verdict_flops", "03", "verdict",
   lambda: _a100().bound(2 * MOBILENET_MACS / MOBILENET_BYTES),
   why=_verdict_why(_a100, lambda: 2 * MOBILENET_MACS / MOBILENET_BYTES))

# ---- 04 optimisation directions --------------------------------------------------------------
N_FUSE = 100_000_000
I_MEM_KERNEL = 2.0  # FLOP/byte
GEMM_N = 4096
W_N = 4096  # a 4096 x 4096 fp32 weight matrix applied to a batch of vectors


def _unfused():
    return _k().scale(N_FUSE) + _k().vector_add(N_FUSE)


def _fused():
    return _k().triad(N_FUSE)


def _min_batch_compute_bound() -> int:
    p = gtx1080ti()
    b = 1
    while p.bound(_k().gemm(W_N, b, W_N, "fp32")) != "compute":
        b += 1
    return b


_q("unfused_bytes", "04", "number", lambda: _unfused().bytes, unit="bytes", quantity="bytes",
   hints=((12 / 20, "without fusion y is written by the first kernel and read back by the second"),))
_q("fused_bytes", "04", "number", lambda: _fused().bytes, unit="bytes", quantity="bytes",
   hints=((20 / 12, "with fusion y never goes to memory: read x and b, write z"),))
_q("fusion_speedup", "04", "number", lambda: gtx1080ti().time(_unfused()) / gtx1080ti().time(_fused()),
   unit="(a ratio)", quantity="ratio")
_q("memory_bound_choice", "04", "choice",
   lambda: "b" if gtx1080ti().bound(I_MEM_KERNEL) == "memory" else "a", choices=("a", "b", "c"),
   why=lambda: (f"I = {I_MEM_KERNEL:g} FLOP/byte is below the ridge point {gtx1080ti().ridge_point:.3g}: "
                "the kernel waits on memory, so only more bandwidth (or fewer bytes) helps"))
_q("speedup_double_peak", "04", "number",
   lambda: gtx1080ti().replace(peak_flops_per_s=2 * gtx1080ti().peak_flops_per_s).attainable(I_MEM_KERNEL)
   / gtx1080ti().attainable(I_MEM_KERNEL), unit="(a ratio)", quantity="ratio",
   hints=((2.0, "a memory-bound kernel does not get faster with a higher compute roof"),))
_q("speedup_double_bandwidth", "04", "number",
   lambda: gtx1080ti().replace(bandwidth=2 * gtx1080ti().bandwidth).attainable(I_MEM_KERNEL)
   / gtx1080ti().attainable(I_MEM_KERNEL), unit="(a ratio)", quantity="ratio",
   hints=((0.25, "a speedup is old time / new time, so more than 1 when the kernel gets faster"),
          (0.5, "at I = 2 FLOP/byte the kernel is memory-bound: its roof is beta x I, so doubling beta "
                "doubles it")))
_q("gemm_time_s", "04", "number", lambda: gtx1080ti().time(_k().gemm(GEMM_N, GEMM_N, GEMM_N, "fp32")), unit="s",
   quantity="time",
   hints=((_k().gemm(GEMM_N, GEMM_N, GEMM_N).bytes / GTX1080TI_BANDWIDTH
           / (_k().gemm(GEMM_N, GEMM_N, GEMM_N).flops / GTX1080TI_PEAK),
           "that is the memory time; the bound is the larger of the compute time and the memory time"),))
_q("batched_intensity_64", "04", "number", lambda: _k().gemm(W_N, 64, W_N, "fp32").intensity, unit="FLOP/byte",
   quantity="intensity",
   hints=(((W_N * W_N + 2 * W_N * 64) / (W_N * W_N),
           "count the 64 input and 64 output vectors too, not only the weights"),))
_q("min_batch_compute_bound", "04", "number", _min_batch_compute_bound, unit="vectors", quantity="count",
   rtol=0.0)


# ---- 05 LLM inference: prefill and decode -------------------------------------------------------
LLM = "llama-2-7b"
LLM_GQA = "llama-2-70b"
LLM_GPU = "h100-sxm"
CONTEXT = 4096  # tokens in the KV cache
KV_BATCH = 8  # sequences
LINEAR_K = LINEAR_N = 4096  # one 4096 x 4096 fp16 weight matrix
PREFILL_TOKENS = 2048


def _llm():
    return _rl().llm


def _h100_bf16():
    return _platform(LLM_GPU, H100_BF16_PEAK, H100_BANDWIDTH, memory_bytes=H100_MEMORY)


def _weight_bytes() -> float:
    return _llm().param_count(LLM) * 2.0


def _kv_per_token() -> float:
    return _llm().kv_cache_bytes_per_token(LLM, kv_bits=16)


def _prefill_linear():
    return _k().gemm(PREFILL_TOKENS, LINEAR_N, LINEAR_K, "fp16")


def _decode_linear():
    return _k().gemm(1, LINEAR_N, LINEAR_K, "fp16")


def _max_batch_simple() -> int:
    free = _h100_bf16().memory_bytes - _weight_bytes()
    return int(free // (_kv_per_token() * CONTEXT))


_q("llm_weight_bytes", "05", "number", _weight_bytes, unit="bytes", quantity="bytes",
   hints=((0.5, "fp16/bf16 weights are 2 bytes each, not 1"), (2.0, "fp16/bf16 weights are 2 bytes each, not 4")))
_q("kv_bytes_per_token", "05", "number", _kv_per_token, unit="bytes", quantity="bytes",
   hints=((0.5, "count both K and V (a factor of 2), for every layer, at 2 bytes per fp16 element"),
          (1 / 32, "multiply by the number of layers (32): every layer keeps its own K and V")))
_q("kv_cache_bytes", "05", "number", lambda: _kv_per_token() * CONTEXT * KV_BATCH, unit="bytes",
   quantity="bytes", hints=((1 / KV_BATCH, f"the cache holds every sequence of the batch: multiply by {KV_BATCH}"),))
_q("decode_time_s", "05", "number", lambda: (_weight_bytes() + _kv_per_token() * CONTEXT) / _h100_bf16().bandwidth,
   unit="s", quantity="time",
   hints=((_weight_bytes() / (_weight_bytes() + _kv_per_token() * CONTEXT),
           "add the KV cache: each decode step reads the whole cache as well as the weights"),))
_q("critical_batch", "05", "number", lambda: _h100_bf16().ridge_point, unit="sequences", quantity="count",
   rtol=0.02, hints=((0.5, "each weight (2 bytes) does 2 FLOPs per sequence, so the intensity is about "
                           "batch FLOP/byte, not batch / 2"),))
_q("max_batch_fit", "05", "number", _max_batch_simple, unit="sequences", quantity="count", rtol=0.0,
   hints=(((H100_MEMORY // (_kv_per_token() * CONTEXT)) / _max_batch_simple(),
           "the weights are in memory too: the KV cache gets only memory - weight bytes"),
          ((_max_batch_simple() + 1) / _max_batch_simple(),
           "round the quotient down: one more sequence would not fit")))
_q("prefill_intensity", "05", "number", lambda: _prefill_linear().intensity, unit="FLOP/byte", quantity="intensity",
   hints=(((PREFILL_TOKENS * LINEAR_K + LINEAR_K * LINEAR_N + PREFILL_TOKENS * LINEAR_N) / (LINEAR_K * LINEAR_N),
           "exactly double: did you count the weights only? In prefill the input and output activations "
           "(2048 x 4096 each) move as many bytes as the weights; else check the dtype size (fp16 = 2 bytes)"),))
_q("decode_intensity", "05", "number", lambda: _decode_linear().intensity, unit="FLOP/byte", quantity="intensity")
_q("prefill_verdict", "05", "verdict", lambda: _h100_bf16().bound(_prefill_linear()),
   why=_verdict_why(_h100_bf16, lambda: _prefill_linear().intensity))
_q("decode_verdict", "05", "verdict", lambda: _h100_bf16().bound(_decode_linear()),
   why=_verdict_why(_h100_bf16, lambda: _decode_linear().intensity))
_q("gqa_kv_bytes_per_token", "05", "number", lambda: _llm().kv_cache_bytes_per_token(LLM_GQA, kv_bits=16),
   unit="bytes", quantity="bytes",
   hints=((8.0, "Llama-2-70B uses grouped-query attention: K and V have 8 heads, not 64"),))
_q("gqa_saving", "05", "number", lambda: _llm().get(LLM_GQA).gqa_group, unit="(a ratio)", quantity="ratio")

# ---- 06 measure your machine: reasoning about measured points (given numbers, no timing) ------------
TRIAD_N = 20_000_000  # fp64 elements per array
TRIAD_TIME_S = 0.030
MEASURED_GEMM_N = 2048  # fp64
GEMM_TIME_S = 0.25
DOT_N = 10_000_000  # fp64
DOT_TIME_S = 0.012


def _measured_platform():
    bw = _rl().measure.stream_counts("triad", TRIAD_N, "fp64")[1] / TRIAD_TIME_S
    peak = _k().gemm(MEASURED_GEMM_N, MEASURED_GEMM_N, MEASURED_GEMM_N, "fp64").flops / GEMM_TIME_S
    return _platform("measured", peak, bw)


_q("triad_bandwidth", "06", "number", lambda: _measured_platform().bandwidth, unit="bytes/s", quantity="bandwidth",
   hints=((4 / 3, "STREAM counts 3 arrays (read b, read c, write a), not the extra write-allocate read"),
          (2.0 / 3.0, "a triad reads two arrays and writes one: 3 arrays of n x 8 bytes")))
_q("gemm_flops_per_s", "06", "number", lambda: _measured_platform().peak_flops_per_s, unit="FLOP/s", quantity="flops")
_q("measured_ridge", "06", "number", lambda: _measured_platform().ridge_point, unit="FLOP/byte",
   quantity="intensity")
_q("dot_achieved", "06", "number", lambda: _k().dot(DOT_N, "fp64").flops / DOT_TIME_S, unit="FLOP/s",
   quantity="flops")
_q("dot_fraction_of_roof", "06", "number",
   lambda: (_k().dot(DOT_N, "fp64").flops / DOT_TIME_S) / _measured_platform().attainable(_k().dot(DOT_N, "fp64")),
   unit="(a fraction)", quantity="ratio",
   hints=((_measured_platform().attainable(_k().dot(DOT_N, "fp64")) / _measured_platform().peak_flops_per_s,
           "compare with the roof at the dot's intensity (beta x I), not with the peak"),
          (100.0, "give a fraction between 0 and 1, not a percentage")))
_q("dot_verdict", "06", "verdict", lambda: _measured_platform().bound(_k().dot(DOT_N, "fp64")),
   why=_verdict_why(_measured_platform, lambda: _k().dot(DOT_N, "fp64").intensity))


def questions(set_: str) -> list[Question]:
    """The auto-graded questions of exercise set ``set_`` ("01" ... "06"), in notebook order."""
    if set_ not in SETS:
        from ._validate import unknown_name

        raise unknown_name("exercise set", set_, SETS)
    return [q for q in QUESTIONS.values() if q.set == set_]


# --------------------------------------------------------------------------------------------
# Turning answers into plain data (so the grader can score them outside the student's kernel)
# --------------------------------------------------------------------------------------------
def _axes_data(ax: Any) -> dict[str, Any]:
    lines = []
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float).ravel()
        y = np.asarray(line.get_ydata(), dtype=float).ravel()
        lines.append([x.tolist(), y.tolist()])
    points = []
    for coll in ax.collections:
        try:
            off = np.asarray(coll.get_offsets(), dtype=float)
        except (TypeError, ValueError):
            continue
        if off.ndim == 2 and off.shape[1] == 2:
            points.extend(off.tolist())
    return {"type": "axes", "lines": lines, "points": points, "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale()}


def to_jsonable(value: Any) -> Any:
    """An answer as JSON-ready data: numbers, strings, lists, or ``{"type": "axes", ...}`` for a plot."""
    if value is _MISSING:
        return {"type": "missing"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else {"type": "nonfinite", "repr": repr(value)}
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return to_jsonable(value.item())
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "get_lines") and hasattr(value, "get_xscale"):
        return _axes_data(value)
    if hasattr(value, "axes") and hasattr(value, "get_axes") and value.get_axes():  # a Figure
        return _axes_data(value.get_axes()[0])
    return {"type": "unsupported", "repr": repr(value)[:200]}


# --------------------------------------------------------------------------------------------
# Evaluating one answer
# --------------------------------------------------------------------------------------------
def _pct(rtol: float) -> str:
    """A tolerance or a miss as a percentage: 0.01 -> '1%', 0.001 -> '0.1%', 0.0039 -> '0.39%', 0.5 -> '50%'."""
    pct = rtol * 100
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.2g}%"


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * abs(b)


def _factor_hints(q: Question) -> list[tuple]:
    out: list[tuple] = list(q.hints)
    unit = q.unit or "SI units"
    if q.quantity == "flops":
        out += [(0.5, "exactly half: " + MAC_HINT), (2.0, "exactly double: count 1 FLOP per add or multiply, "
                                                           "2 per multiply-add, no more")]
    elif q.quantity == "bytes":
        out += [(r, f"off by a factor of {r:g}: " + DTYPE_HINT) for r in (2.0, 0.5, 4.0, 0.25)]
    elif q.quantity == "intensity":
        out += [(0.5, "exactly half: either a multiply-add was counted as 1 FLOP (it is 2) or the dtype size "
                      "is doubled"),
                (2.0, "exactly double: check the dtype size (fp32 = 4 bytes, fp16 = 2) and that each "
                      "multiply-add counts 2 FLOPs, not 4")]
        out += [(r, f"off by a factor of {r:g}: " + DTYPE_HINT) for r in (4.0, 0.25)]
    generic2 = ("off by a factor of 2: two usual causes are a multiply-add counted as 1 FLOP (it is 2) "
                "and a dtype size off by 2 (fp32 = 4 bytes, fp16 = 2)")
    out += [(2.0, generic2), (0.5, generic2), (4.0, "off by a factor of 4: " + DTYPE_HINT),
            (0.25, "off by a factor of 4: " + DTYPE_HINT)]
    if q.quantity not in ("count", "ratio"):
        for k in (1, 2, 3):
            f = 1.024**k
            out += [(f, f"off by a factor of {f:.4g}: " + BINARY_HINT, BINARY_RTOL),
                    (1 / f, f"off by a factor of {1 / f:.4g}: " + BINARY_HINT, BINARY_RTOL)]
        for k, binary in enumerate(("KiB", "MiB", "GiB", "TiB"), start=1):
            out += [(2.0**(-10 * k), f"off by a factor of 2**-{10 * k}: the answer is wanted in {unit}, not in "
                                     f"{binary} (1 {binary} = 2**{10 * k} bytes)"),
                    (2.0**(10 * k), f"off by a factor of 2**{10 * k} (one {binary} in bytes): check the units; "
                                    f"the answer is wanted in {unit}")]
    for e in (3, 6, 9, 12):
        out += [(10.0**e, f"off by a factor of 1e{e} (too large): " + UNIT_HINT.format(unit=unit)),
                (10.0**-e, f"off by a factor of 1e-{e} (too small): " + UNIT_HINT.format(unit=unit))]
    return out


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, list) and len(value) == 1:
        return _as_number(value[0])
    return None


def _number_feedback(q: Question, x: float, expected: float) -> tuple[bool, str]:
    unit = f" {q.unit}" if q.unit else ""
    if q.rtol == 0.0:
        if x == expected:
            return True, f"correct: {expected:.6g}{unit}"
    elif _close(x, expected, q.rtol):
        return True, f"correct: {expected:.4g}{unit} (within {_pct(q.rtol)})"
    if expected != 0 and x != 0:
        r = x / expected
        for ratio, msg, *tol in _factor_hints(q)[: len(q.hints)]:
            if _close(r, ratio, tol[0] if tol else HINT_RTOL):
                return False, msg
        if _close(r, -1.0, HINT_RTOL):
            return False, "right size, wrong sign: FLOPs, bytes, times and rates are all positive"
        if _close(x * expected, 1.0, 2 * q.rtol) and not _close(expected, 1.0, 0.2):
            return False, RATIO_RECIPROCAL_HINT if q.quantity == "ratio" else RECIPROCAL_HINT
        for ratio, msg, *tol in _factor_hints(q)[len(q.hints):]:
            if _close(r, ratio, tol[0] if tol else HINT_RTOL):
                return False, msg
        if q.rtol == 0.0:
            return False, f"got {x:.6g}{unit}; the answer is a whole number: " \
                          f"{'too high' if x > expected else 'too low'}"
        if 0.5 <= r <= 2:
            off = f"{_pct(abs(r - 1))} {'too high' if r > 1 else 'too low'}"
        else:
            off = f"a factor of about {max(r, 1 / r):.3g} {'too high' if r > 1 else 'too low'}" if r > 0 else \
                "of the wrong sign"
        return False, f"got {x:.4g}{unit}, which is {off}; the tolerance is {_pct(q.rtol)}"
    return False, f"got {x:.4g}{unit}: {'should not be zero' if x == 0 else 'not zero'}"


_VERDICT_WORDS = {"memory": "memory", "memory-bound": "memory", "memory bound": "memory", "bandwidth": "memory",
                  "bandwidth-bound": "memory", "compute": "compute", "compute-bound": "compute",
                  "compute bound": "compute", "compute-limited": "compute", "memory-limited": "memory"}


def _verdict_feedback(q: Question, value: Any, expected: str) -> tuple[bool, str]:
    if not isinstance(value, str) or value.strip().lower() not in _VERDICT_WORDS:
        return False, f"answer with the string 'memory' or 'compute', got {value!r}"
    v = _VERDICT_WORDS[value.strip().lower()]
    if v == expected:
        return True, f"correct: {expected}-bound"
    return False, "wrong verdict: " + (q.why() if q.why else f"it is {expected}-bound")


def _choice_feedback(q: Question, value: Any, expected: str) -> tuple[bool, str]:
    if not isinstance(value, str):
        return False, f"answer with one of {', '.join(repr(c) for c in q.choices)}, got {value!r}"
    v = value.strip().lower().strip("()").rstrip(")").strip()
    if v not in q.choices:
        return False, f"answer with one of {', '.join(repr(c) for c in q.choices)}, got {value!r}"
    if v == expected:
        return True, f"correct: ({expected})"
    return False, "not this one: " + (q.why() if q.why else "think about which roof limits the kernel")


def _plot_feedback(q: Question, data: Any, spec: dict[str, Any]) -> tuple[bool, str]:
    if not isinstance(data, dict) or data.get("type") != "axes":
        return False, "store the matplotlib Axes you drew on (e.g. fig, ax = plt.subplots(); ...; roof_ax = ax)"
    p = spec["platform"]
    roof_ok = None
    problem = "no line on the Axes"
    roof_index = -1
    examined = False  # a line of 10 or more points was compared with the roof
    for index, (x, y) in enumerate(data["lines"]):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        good = np.isfinite(x) & np.isfinite(y) & (x > 0)
        if good.sum() < 10:  # a marker, or a roof with too few points: say so only if no line says more
            if not examined:
                problem = "draw the roof as a line through at least 10 intensities"
            continue
        examined = True
        x, y = x[good], y[good]
        want = np.minimum(p.peak_flops_per_s, p.bandwidth * x)
        rel = np.abs(y - want) / want
        if np.all(rel <= q.rtol):
            if x.min() > spec["xmin"] * (1 + 1e-9) or x.max() < spec["xmax"] * (1 - 1e-9):
                problem = (f"the roof is right but spans {x.min():.3g} to {x.max():.3g} FLOP/byte; "
                           f"cover at least {spec['xmin']:g} to {spec['xmax']:g} so the ridge shows")
                continue
            roof_ok = True
            roof_index = index
            break
        ratio = np.median(y / want)
        if any(_close(ratio, 10.0**e, 0.01) for e in (-12, -9, -6, -3, 3, 6, 9, 12)):
            problem = f"the roof's values are off by a factor of {ratio:.0e}: plot FLOP/s, not TFLOP/s or GFLOP/s"
        elif np.all(np.abs(y - p.bandwidth * x) <= q.rtol * p.bandwidth * x):
            problem = "the line is beta x I everywhere: cap it at the peak, min(pi, beta x I)"
        else:
            problem = "no line matches min(pi, beta x I) for the platform within 1%"
    if not roof_ok:
        return False, problem
    pts = [tuple(pt) for pt in data["points"]]
    for index, (x, y) in enumerate(data["lines"]):
        if index != roof_index:  # the marker must be drawn on its own, not found on the roof line
            pts += list(zip(x, y))
    for px, py in spec["points"]:
        if not any(_close(a, px, q.rtol) and _close(b, py, q.rtol) for a, b in pts
                   if isinstance(a, float) and isinstance(b, float)):
            return False, f"the roof is right; now mark the kernel at I = {px:g} FLOP/byte on it (plot or scatter)"
    if data["xscale"] != "log" or data["yscale"] != "log":
        return False, "the data are right; use log scales on both axes (ax.set_xscale('log'), ax.set_yscale('log'))"
    return True, "correct: the roof and the point match the platform"


def evaluate(name: str, value: Any) -> CheckResult:
    """Score ``value`` as the answer to question ``name`` (no printing, no recording)."""
    if name not in QUESTIONS:
        from ._validate import unknown_name

        raise unknown_name("question", name, QUESTIONS)
    q = QUESTIONS[name]
    data = value if _is_plain(value) else to_jsonable(value)
    if isinstance(data, dict) and data.get("type") == "missing" or data is None or data is Ellipsis:
        return CheckResult(name, False, f"no answer yet: assign it to `{name}`", 0, q.points, "missing")
    expected = q.expected()
    if q.kind == "number":
        x = _as_number(data)
        if x is None:
            shown = data.get("repr", data) if isinstance(data, dict) else data
            ok, msg = False, f"expected a number in {q.unit or 'SI units'}, got {shown!r}"[:300]
            status = "invalid"
        else:
            ok, msg = _number_feedback(q, x, float(expected))
            status = "pass" if ok else "wrong"
    elif q.kind == "verdict":
        ok, msg = _verdict_feedback(q, data, str(expected))
        status = "pass" if ok else "wrong"
    elif q.kind == "choice":
        ok, msg = _choice_feedback(q, data, str(expected))
        status = "pass" if ok else "wrong"
    elif q.kind == "roof_plot":
        ok, msg = _plot_feedback(q, data, expected)
        status = "pass" if ok else "wrong"
    else:  # pragma: no cover - a definition error
        raise ValueError(f"unknown question kind {q.kind!r}")
    return CheckResult(name, ok, msg, q.points if ok else 0, q.points, status)


def _is_plain(value: Any) -> bool:
    """True for data already in JSON form (what the grader passes in)."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return "type" in value
    return False


# --------------------------------------------------------------------------------------------
# The student-facing entry points: rl.check.<name>(value) and rl.check.answer(name, value)
# --------------------------------------------------------------------------------------------
_RECORDED: dict[str, Any] = {}


def recorded() -> dict[str, Any]:
    """The values given to check calls in this kernel so far, by question name (JSON-ready copies)."""
    return dict(_RECORDED)


def answer(name: str, value: Any) -> None:
    """Check ``value`` as the answer to question ``name``: print a PASS / FAIL line and record the value."""
    try:
        _RECORDED[name] = to_jsonable(value)
    except Exception:  # noqa: BLE001 - a strange object must not stop the check
        _RECORDED[name] = {"type": "unsupported", "repr": "?"}
    result = evaluate(name, value)
    mark = "PASS" if result.passed else "FAIL"
    symbol = "\u2705" if result.passed else "\u274c"
    print(f"{symbol} {mark} {name}: {result.message}")
    if not result.passed and os.environ.get("ROOFLIB_CHECK_RAISE") == "1":
        raise AssertionError(f"{name}: {result.message}")


def collect(set_: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Each question's answer in ``namespace`` (a kernel's globals), else the value its check call recorded.

    Returns ``{name: {"source": "variable" | "check call" | "missing", "value": <JSON-ready>}}``;
    the grader runs this at the end of a submission and scores the values in its own process.
    """
    out: dict[str, Any] = {}
    for q in questions(set_):
        if q.name in namespace and not callable(namespace[q.name]) or (
                q.kind == "roof_plot" and q.name in namespace):
            try:
                out[q.name] = {"source": "variable", "value": to_jsonable(namespace[q.name])}
            except Exception as exc:  # noqa: BLE001
                out[q.name] = {"source": "variable", "value": {"type": "unsupported", "repr": repr(exc)[:200]}}
        elif q.name in _RECORDED:
            out[q.name] = {"source": "check call", "value": _RECORDED[q.name]}
        else:
            out[q.name] = {"source": "missing", "value": {"type": "missing"}}
    return out


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(QUESTIONS))


def __getattr__(name: str) -> Callable[[Any], None]:
    if name in QUESTIONS:
        def check(value: Any) -> None:
            answer(name, value)

        check.__name__ = name
        check.__doc__ = f"Check the answer to question {name!r} ({QUESTIONS[name].set}); prints PASS or FAIL."
        return check
    raise AttributeError(f"module 'rooflib.check' has no attribute {name!r}; questions are named after "
                         "their answer variables, e.g. rl.check.ridge_1080ti(ridge_1080ti)")

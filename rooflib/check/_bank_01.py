"""Exercise set 01, terminology: count FLOPs and bytes by hand (the constants as the notebook states them).

Expected values come from ``rl.kernels`` (notebook 01's conventions: an FMA is 2 FLOPs; each array
element moves once).
"""

from __future__ import annotations

from .. import kernels
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_01", "N_VEC", "N_DOT", "STENCIL_NX", "STENCIL_NY", "STENCIL_RTOL", "N_MAT"]

_S = "01"
N_VEC = 1_000_000
N_DOT = 4096
STENCIL_NX = STENCIL_NY = 1026
N_MAT = 1024
STENCIL_RTOL = 0.001  # 0.1 %: tight enough that counting the boundary (0.4 % here) is a miss

_STENCIL_INTERIOR = (STENCIL_NX - 2) * (STENCIL_NY - 2)
_STENCIL_ELEMENTS = STENCIL_NX * STENCIL_NY - 4 + _STENCIL_INTERIOR  # u read (corners untouched) + out written

SET_01 = question_set(_S, "01_terminology", (
    ask("vector_add_flops", _S, "number", lambda: kernels.vector_add(N_VEC).flops, unit="FLOPs",
        quantity="flops",
        hints=((2.0, hint("set01.vector_add_flops_1")),
               (3.0, hint("set01.vector_add_flops_2")))),
    ask("vector_add_bytes", _S, "number", lambda: kernels.vector_add(N_VEC, "fp32").bytes, unit="bytes",
        quantity="bytes",
        hints=((2 / 3, hint("set01.vector_add_bytes_1")),
               (1 / 3, hint("set01.vector_add_bytes_2")))),
    ask("dot_flops", _S, "number", lambda: kernels.dot(N_DOT).flops, unit="FLOPs", quantity="flops"),
    ask("dot_intensity", _S, "number", lambda: kernels.dot(N_DOT, "fp32").intensity, unit="FLOP/byte",
        quantity="intensity"),
    ask("stencil_flops", _S, "number", lambda: kernels.stencil2d(STENCIL_NX, STENCIL_NY).flops, unit="FLOPs",
        quantity="flops", rtol=STENCIL_RTOL,
        hints=((5 / 9, hint("set01.stencil_flops_1")),
               (10 / 9, hint("set01.stencil_flops_2")),
               (STENCIL_NX * STENCIL_NY / _STENCIL_INTERIOR,
                hint("set01.stencil_flops_3"), STENCIL_RTOL / 2))),
    ask("stencil_bytes", _S, "number", lambda: kernels.stencil2d(STENCIL_NX, STENCIL_NY, "fp32").bytes,
        unit="bytes", quantity="bytes", rtol=STENCIL_RTOL,
        hints=((6 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, hint("set01.stencil_bytes_1")),  # 5 reads + 1 write per point
               (5 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, hint("set01.stencil_bytes_2")),
               (2 * STENCIL_NX * STENCIL_NY / _STENCIL_ELEMENTS,
                hint("set01.stencil_bytes_3"), STENCIL_RTOL / 2),
               (2 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS,
                hint("set01.stencil_bytes_4"), STENCIL_RTOL / 2))),
    ask("matmul_flops", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT).flops, unit="FLOPs",
        quantity="flops"),
    ask("matmul_intensity", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT, "fp32").intensity,
        unit="FLOP/byte", quantity="intensity",
        hints=((3 / 2, hint("set01.matmul_intensity")),)),
    ask("matmul_bytes_fp16", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT, "fp16").bytes,
        unit="bytes", quantity="bytes"),
))

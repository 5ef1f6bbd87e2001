"""Exercise set 01, terminology: count FLOPs and bytes by hand (the constants as the notebook states them).

Expected values come from ``rl.kernels`` (notebook 01's conventions: an FMA is 2 FLOPs; each array
element moves once).
"""

from __future__ import annotations

from .. import kernels
from ._engine import ask, question_set

__all__ = ["SET_01", "N_VEC", "N_DOT", "STENCIL_NX", "STENCIL_NY", "STENCIL_RTOL", "N_MAT"]

_S = "01"
N_VEC = 1_000_000
N_DOT = 4096
STENCIL_NX = STENCIL_NY = 1026
N_MAT = 1024
STENCIL_RTOL = 0.001  # 0.1 %: tight enough that counting the boundary (0.4 % here) is a miss

_STENCIL_INTERIOR = (STENCIL_NX - 2) * (STENCIL_NY - 2)
_STENCIL_ELEMENTS = STENCIL_NX * STENCIL_NY - 4 + _STENCIL_INTERIOR  # u read (corners untouched) + out written
_NEIGHBOUR_HINT = "neighbours come from cache under this convention: each input element is read from memory once"

SET_01 = question_set(_S, "01_terminology", (
    ask("vector_add_flops", _S, "number", lambda: kernels.vector_add(N_VEC).flops, unit="FLOPs",
        quantity="flops",
        hints=((2.0, "an add is 1 FLOP; there is one add per element"),
               (3.0, "there is one add per element, not one FLOP per element touched"))),
    ask("vector_add_bytes", _S, "number", lambda: kernels.vector_add(N_VEC, "fp32").bytes, unit="bytes",
        quantity="bytes",
        hints=((2 / 3, "you counted the reads of a and b only: writing c moves n x 4 bytes too"),
               (1 / 3, "count every array: read a, read b and write c, 4 bytes per fp32 element"))),
    ask("dot_flops", _S, "number", lambda: kernels.dot(N_DOT).flops, unit="FLOPs", quantity="flops"),
    ask("dot_intensity", _S, "number", lambda: kernels.dot(N_DOT, "fp32").intensity, unit="FLOP/byte",
        quantity="intensity"),
    ask("stencil_flops", _S, "number", lambda: kernels.stencil2d(STENCIL_NX, STENCIL_NY).flops, unit="FLOPs",
        quantity="flops", rtol=STENCIL_RTOL,
        hints=((5 / 9, "5 multiplies and 4 adds per point: you counted only the multiplies"),
               (10 / 9, "summing 5 products takes 4 adds, not 5 (the first product starts the sum)"),
               (STENCIL_NX * STENCIL_NY / _STENCIL_INTERIOR,
                "only the interior points ((nx-2) x (ny-2)) are updated; the boundary is not", STENCIL_RTOL / 2))),
    ask("stencil_bytes", _S, "number", lambda: kernels.stencil2d(STENCIL_NX, STENCIL_NY, "fp32").bytes,
        unit="bytes", quantity="bytes", rtol=STENCIL_RTOL,
        hints=((6 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, _NEIGHBOUR_HINT),  # 5 reads + 1 write per point
               (5 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS, _NEIGHBOUR_HINT + "; and out is written too"),
               (2 * STENCIL_NX * STENCIL_NY / _STENCIL_ELEMENTS,
                "out is written at the interior points only, (nx-2) x (ny-2) of them", STENCIL_RTOL / 2),
               (2 * _STENCIL_INTERIOR / _STENCIL_ELEMENTS,
                "the boundary points of u are read too, as neighbours of the interior; only the 4 corners are "
                "not", STENCIL_RTOL / 2))),
    ask("matmul_flops", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT).flops, unit="FLOPs",
        quantity="flops"),
    ask("matmul_intensity", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT, "fp32").intensity,
        unit="FLOP/byte", quantity="intensity",
        hints=((3 / 2, "C is written as well as A and B read: 3 n**2 elements move, not 2 n**2"),)),
    ask("matmul_bytes_fp16", _S, "number", lambda: kernels.gemm(N_MAT, N_MAT, N_MAT, "fp16").bytes,
        unit="bytes", quantity="bytes"),
))

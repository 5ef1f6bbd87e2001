"""rl.kernels against two independent oracles.

1. A hand-derived closed form for each kernel, written out here (not imported from the library).
2. A brute-force count: the kernel's loop runs in pure Python over small arrays whose elements are
   an instrumented number type (`Num`, which counts every add and every multiply) held in tracked
   arrays (`Tracked`, which record which elements are read and which are written). The library's
   convention (rooflib/kernels.py docstring) is compulsory traffic, so the oracle's bytes are
       (distinct elements read + distinct elements written) x bytes per element,
   summed over the kernel's arrays; scalars (alpha, the stencil weights) live in registers.
   Each brute-force loop is also checked against numpy's result, so the counted loop really is the
   kernel.

FLOP convention (the library's): one add or one multiply is 1 FLOP; reductions start from an
accumulator of zero (so a dot of length n is n multiplies + n adds = 2n FLOPs); a convolution
multiplies every tap of its kernel, including taps that land on zero padding (padding is not in
memory, so it is never a read).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import rooflib as rl
from rooflib import kernels as K

# ---------------------------------------------------------------------------------------------
# The instrumented number type and the tracked array.
# ---------------------------------------------------------------------------------------------


class OpCount:
    """Counts of floating-point operations performed on `Num` values."""

    def __init__(self) -> None:
        self.adds = 0
        self.muls = 0

    @property
    def flops(self) -> int:
        return self.adds + self.muls


class Num:
    """A number that counts each add and each multiply it takes part in.

    Only + and * are defined: any other operation (a subtraction, a division, a comparison) raises
    TypeError, so a brute-force loop cannot do uncounted arithmetic by accident.
    """

    __slots__ = ("v", "ops")

    def __init__(self, v: float, ops: OpCount) -> None:
        self.v = float(v)
        self.ops = ops

    @staticmethod
    def _val(o: object) -> float:
        if isinstance(o, Num):
            return o.v
        if isinstance(o, (int, float)):
            return float(o)
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, o: object) -> Num:
        self.ops.adds += 1
        return Num(self.v + self._val(o), self.ops)

    __radd__ = __add__

    def __mul__(self, o: object) -> Num:
        self.ops.muls += 1
        return Num(self.v * self._val(o), self.ops)

    __rmul__ = __mul__


class Tracked:
    """An n-d array of numbers that records every element index read and written.

    Indices are bounds-checked with no negative wrap-around, so an off-by-one in a stencil or a
    padded convolution raises IndexError instead of silently reading the other end.
    """

    def __init__(self, values: np.ndarray, ops: OpCount) -> None:
        self.values = np.asarray(values, dtype=float).copy()
        self.shape = self.values.shape
        self.ops = ops
        self.reads: set[tuple[int, ...]] = set()
        self.writes: set[tuple[int, ...]] = set()

    @classmethod
    def zeros(cls, shape: tuple[int, ...], ops: OpCount) -> Tracked:
        return cls(np.zeros(shape), ops)

    def _check(self, idx: object) -> tuple[int, ...]:
        idx = idx if isinstance(idx, tuple) else (idx,)
        if len(idx) != len(self.shape) or any(not 0 <= i < s for i, s in zip(idx, self.shape)):
            raise IndexError(f"index {idx} out of bounds for shape {self.shape}")
        return idx

    def __getitem__(self, idx: object) -> Num:
        idx = self._check(idx)
        self.reads.add(idx)
        return Num(self.values[idx], self.ops)

    def __setitem__(self, idx: object, value: Num | float) -> None:
        idx = self._check(idx)
        self.writes.add(idx)
        self.values[idx] = value.v if isinstance(value, Num) else value


def traffic_elements(*arrays: Tracked) -> int:
    """Compulsory traffic in elements: distinct elements read + distinct elements written."""
    return sum(len(a.reads) + len(a.writes) for a in arrays)


RNG = np.random.default_rng(20261124)


def rand(*shape: int) -> np.ndarray:
    return RNG.uniform(-1.0, 1.0, size=shape)


# ---------------------------------------------------------------------------------------------
# Brute-force kernels: (flops, elements moved) counted by running the loop.
# ---------------------------------------------------------------------------------------------


def bf_vector_add(n: int) -> tuple[int, int]:
    ops = OpCount()
    a, b, c = Tracked(rand(n), ops), Tracked(rand(n), ops), Tracked.zeros((n,), ops)
    for i in range(n):
        c[i] = a[i] + b[i]
    np.testing.assert_allclose(c.values, a.values + b.values)
    return ops.flops, traffic_elements(a, b, c)


def bf_scale(n: int) -> tuple[int, int]:
    ops, alpha = OpCount(), 1.7
    a, b = Tracked(rand(n), ops), Tracked.zeros((n,), ops)
    for i in range(n):
        b[i] = alpha * a[i]
    np.testing.assert_allclose(b.values, alpha * a.values)
    return ops.flops, traffic_elements(a, b)


def bf_triad(n: int) -> tuple[int, int]:
    ops, alpha = OpCount(), 1.7
    a, b, c = Tracked.zeros((n,), ops), Tracked(rand(n), ops), Tracked(rand(n), ops)
    for i in range(n):
        a[i] = b[i] + alpha * c[i]
    np.testing.assert_allclose(a.values, b.values + alpha * c.values)
    return ops.flops, traffic_elements(a, b, c)


def bf_axpy(n: int) -> tuple[int, int]:
    ops, alpha = OpCount(), 1.7
    x, y = Tracked(rand(n), ops), Tracked(rand(n), ops)
    expected = alpha * x.values + y.values
    for i in range(n):
        y[i] = alpha * x[i] + y[i]
    np.testing.assert_allclose(y.values, expected)
    return ops.flops, traffic_elements(x, y)


def bf_dot(n: int) -> tuple[int, int]:
    ops = OpCount()
    a, b, s = Tracked(rand(n), ops), Tracked(rand(n), ops), Tracked.zeros((1,), ops)
    acc = 0.0
    for i in range(n):
        acc = acc + a[i] * b[i]
    s[0] = acc
    np.testing.assert_allclose(s.values[0], a.values @ b.values)
    return ops.flops, traffic_elements(a, b, s)


def bf_gemv(m: int, n: int) -> tuple[int, int]:
    ops = OpCount()
    A, x, y = Tracked(rand(m, n), ops), Tracked(rand(n), ops), Tracked.zeros((m,), ops)
    for i in range(m):
        acc = 0.0
        for j in range(n):
            acc = acc + A[i, j] * x[j]
        y[i] = acc
    np.testing.assert_allclose(y.values, A.values @ x.values)
    return ops.flops, traffic_elements(A, x, y)


def bf_gemm(m: int, n: int, k: int) -> tuple[int, int]:
    ops = OpCount()
    A, B, C = Tracked(rand(m, k), ops), Tracked(rand(k, n), ops), Tracked.zeros((m, n), ops)
    for i in range(m):
        for j in range(n):
            acc = 0.0
            for p in range(k):
                acc = acc + A[i, p] * B[p, j]
            C[i, j] = acc
    np.testing.assert_allclose(C.values, A.values @ B.values)
    return ops.flops, traffic_elements(A, B, C)


def _pad(padding: int | None, kernel: int) -> int:
    return kernel // 2 if padding is None else padding


def _out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def _conv_reference(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """numpy oracle: x (batch, h, w, c_in), w (k, k, c_in, c_out) -> (batch, ho, wo, c_out)."""
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    k = w.shape[0]
    win = sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::stride, ::stride]  # b, ho, wo, c_in, k, k
    return np.einsum("bhwcij,ijco->bhwo", win, w)


def bf_conv2d(h: int, w: int, c_in: int, c_out: int, kernel: int, stride: int, padding: int | None,
              bias: bool, batch: int) -> tuple[int, int]:
    ops, pad = OpCount(), _pad(padding, kernel)
    ho, wo = _out(h, kernel, stride, pad), _out(w, kernel, stride, pad)
    X = Tracked(rand(batch, h, w, c_in), ops)
    W = Tracked(rand(kernel, kernel, c_in, c_out), ops)
    Bv = Tracked(rand(c_out), ops)
    Y = Tracked.zeros((batch, ho, wo, c_out), ops)
    for b, oy, ox, co in itertools.product(range(batch), range(ho), range(wo), range(c_out)):
        acc = 0.0
        for ci, ky, kx in itertools.product(range(c_in), range(kernel), range(kernel)):
            iy, ix = oy * stride - pad + ky, ox * stride - pad + kx
            xv = X[b, iy, ix, ci] if (0 <= iy < h and 0 <= ix < w) else 0.0  # zero padding: no read
            acc = acc + xv * W[ky, kx, ci, co]
        if bias:
            acc = acc + Bv[co]
        Y[b, oy, ox, co] = acc
    ref = _conv_reference(X.values, W.values, stride, pad) + (Bv.values if bias else 0.0)
    np.testing.assert_allclose(Y.values, ref, atol=1e-12)
    return ops.flops, traffic_elements(X, W, Bv, Y)


def bf_depthwise_conv2d(h: int, w: int, c: int, kernel: int, stride: int, padding: int | None,
                        bias: bool, batch: int) -> tuple[int, int]:
    ops, pad = OpCount(), _pad(padding, kernel)
    ho, wo = _out(h, kernel, stride, pad), _out(w, kernel, stride, pad)
    X = Tracked(rand(batch, h, w, c), ops)
    W = Tracked(rand(kernel, kernel, c), ops)
    Bv = Tracked(rand(c), ops)
    Y = Tracked.zeros((batch, ho, wo, c), ops)
    for b, oy, ox, ch in itertools.product(range(batch), range(ho), range(wo), range(c)):
        acc = 0.0
        for ky, kx in itertools.product(range(kernel), range(kernel)):
            iy, ix = oy * stride - pad + ky, ox * stride - pad + kx
            xv = X[b, iy, ix, ch] if (0 <= iy < h and 0 <= ix < w) else 0.0
            acc = acc + xv * W[ky, kx, ch]
        if bias:
            acc = acc + Bv[ch]
        Y[b, oy, ox, ch] = acc
    # numpy oracle: a depthwise conv is a dense conv with a diagonal (c, c) weight per tap
    dense = np.zeros((kernel, kernel, c, c))
    for ch in range(c):
        dense[:, :, ch, ch] = W.values[:, :, ch]
    ref = _conv_reference(X.values, dense, stride, pad) + (Bv.values if bias else 0.0)
    np.testing.assert_allclose(Y.values, ref, atol=1e-12)
    return ops.flops, traffic_elements(X, W, Bv, Y)


def bf_stencil2d(nx: int, ny: int) -> tuple[int, int]:
    ops = OpCount()
    c0, c1, c2, c3, c4 = 0.5, 0.1, 0.2, 0.3, 0.4
    U, O = Tracked(rand(nx, ny), ops), Tracked.zeros((nx - 2, ny - 2), ops)
    for i in range(1, nx - 1):
        for j in range(1, ny - 1):
            O[i - 1, j - 1] = (c0 * U[i, j] + c1 * U[i - 1, j] + c2 * U[i + 1, j]
                               + c3 * U[i, j - 1] + c4 * U[i, j + 1])
    u = U.values
    ref = (c0 * u[1:-1, 1:-1] + c1 * u[:-2, 1:-1] + c2 * u[2:, 1:-1] + c3 * u[1:-1, :-2] + c4 * u[1:-1, 2:])
    np.testing.assert_allclose(O.values, ref)
    return ops.flops, traffic_elements(U, O)


# ---------------------------------------------------------------------------------------------
# The oracle machinery itself can fail: show it counts what it should.
# ---------------------------------------------------------------------------------------------


def test_num_counts_each_add_and_multiply_and_refuses_other_ops():
    ops = OpCount()
    a, b = Num(2.0, ops), Num(3.0, ops)
    r = 0.0 + a * b + 1.0 * a
    assert (r.v, ops.adds, ops.muls) == (8.0, 2, 2)
    with pytest.raises(TypeError):
        _ = a - b
    with pytest.raises(TypeError):
        _ = a / b


def test_tracked_array_records_distinct_reads_and_writes_and_bounds_checks():
    ops = OpCount()
    t = Tracked(np.arange(6.0).reshape(2, 3), ops)
    _ = t[0, 1], t[0, 1], t[1, 2]
    t[1, 0] = 5.0
    t[1, 0] = 6.0
    assert t.reads == {(0, 1), (1, 2)}
    assert t.writes == {(1, 0)}
    assert traffic_elements(t) == 3
    with pytest.raises(IndexError):
        _ = t[-1, 0]  # no wrap-around
    with pytest.raises(IndexError):
        _ = t[0, 3]


# ---------------------------------------------------------------------------------------------
# Brute force == library, small sizes.
# ---------------------------------------------------------------------------------------------

DTYPE_SIZES = [("fp64", 8), ("fp32", 4), ("fp16", 2), ("bf16", 2), ("int8", 1), (3, 3), (0.5, 0.5)]


def assert_matches(workload: rl.Workload, flops: int, elements: int, elem_bytes: float) -> None:
    assert isinstance(workload, rl.Workload)
    assert workload.flops == flops, f"{workload.name}: FLOPs {workload.flops} != brute force {flops}"
    assert workload.bytes == elements * elem_bytes, (
        f"{workload.name}: bytes {workload.bytes} != brute force {elements} elements x {elem_bytes} B")


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16])
@pytest.mark.parametrize("kernel, brute", [(K.vector_add, bf_vector_add), (K.scale, bf_scale),
                                           (K.triad, bf_triad), (K.axpy, bf_axpy), (K.dot, bf_dot)])
def test_vector_kernels_match_brute_force(kernel, brute, n):
    flops, elements = brute(n)
    for dtype, size in DTYPE_SIZES:
        assert_matches(kernel(n, dtype=dtype), flops, elements, size)


@pytest.mark.parametrize("m, n", [(1, 1), (1, 5), (5, 1), (3, 4), (6, 2)])
def test_gemv_matches_brute_force(m, n):
    flops, elements = bf_gemv(m, n)
    for dtype, size in DTYPE_SIZES:
        assert_matches(K.gemv(m, n, dtype=dtype), flops, elements, size)


@pytest.mark.parametrize("m, n, k", list(itertools.product([1, 2, 4], [1, 3], [1, 2, 5])))
def test_gemm_matches_brute_force(m, n, k):
    flops, elements = bf_gemm(m, n, k)
    for dtype, size in DTYPE_SIZES:
        assert_matches(K.gemm(m, n, k, dtype), flops, elements, size)


# (h, w, kernel, stride, padding): stride 1 and 2, "same" (None) and explicit padding, odd and
# even sizes, 1x1 and even kernels. In every configuration here the output windows together
# cover the whole input; SKIPPING_GEOMETRIES below are the ones where they do not.
CONV_GEOMETRIES = [
    (5, 5, 3, 1, None), (4, 6, 3, 1, None), (5, 4, 3, 1, 0), (6, 6, 3, 2, 1), (5, 5, 3, 2, None),
    (4, 4, 1, 1, None), (4, 5, 2, 1, 0), (3, 3, 3, 1, 2), (7, 5, 5, 1, None), (5, 7, 3, 2, 0),
]


@pytest.mark.parametrize("h, w, kernel, stride, padding", CONV_GEOMETRIES)
@pytest.mark.parametrize("c_in, c_out, bias, batch", [(1, 1, False, 1), (2, 3, True, 1), (3, 2, False, 2)])
def test_conv2d_matches_brute_force(h, w, kernel, stride, padding, c_in, c_out, bias, batch):
    flops, elements = bf_conv2d(h, w, c_in, c_out, kernel, stride, padding, bias, batch)
    for dtype, size in [("fp32", 4), ("fp16", 2)]:
        wl = K.conv2d(h, w, c_in, c_out, kernel=kernel, stride=stride, padding=padding, bias=bias,
                      batch=batch, dtype=dtype)
        assert_matches(wl, flops, elements, size)


@pytest.mark.parametrize("h, w, kernel, stride, padding", CONV_GEOMETRIES)
@pytest.mark.parametrize("c, bias, batch", [(1, False, 1), (3, True, 1), (2, False, 2)])
def test_depthwise_conv2d_matches_brute_force(h, w, kernel, stride, padding, c, bias, batch):
    flops, elements = bf_depthwise_conv2d(h, w, c, kernel, stride, padding, bias, batch)
    for dtype, size in [("fp32", 4), ("int8", 1)]:
        wl = K.depthwise_conv2d(h, w, c, kernel=kernel, stride=stride, padding=padding, bias=bias,
                                batch=batch, dtype=dtype)
        assert_matches(wl, flops, elements, size)


# Strided convolutions whose windows skip input rows/columns: a 1x1 stride-2 conv (the ResNet
# downsampling shortcut) reads only every other row and column; a 3x3 stride-2 conv without
# padding on a 6x6 input never reads the last row and column. Compulsory traffic counts only
# the elements the loop reads.
SKIPPING_GEOMETRIES = [(4, 4, 1, 2, 0), (6, 6, 3, 2, 0), (8, 8, 1, 2, None), (7, 6, 2, 3, 0)]


@pytest.mark.parametrize("h, w, kernel, stride, padding", SKIPPING_GEOMETRIES)
def test_strided_conv_counts_only_the_input_it_reads(h, w, kernel, stride, padding):
    flops, elements = bf_conv2d(h, w, 2, 3, kernel, stride, padding, False, 1)
    assert_matches(K.conv2d(h, w, 2, 3, kernel=kernel, stride=stride, padding=padding), flops, elements, 4)
    flops, elements = bf_depthwise_conv2d(h, w, 2, kernel, stride, padding, False, 1)
    assert_matches(K.depthwise_conv2d(h, w, 2, kernel=kernel, stride=stride, padding=padding),
                   flops, elements, 4)


@pytest.mark.parametrize("nx, ny", [(3, 3), (3, 7), (4, 4), (6, 5), (9, 3)])
def test_stencil2d_matches_brute_force(nx, ny):
    flops, elements = bf_stencil2d(nx, ny)
    for dtype, size in DTYPE_SIZES:
        assert_matches(K.stencil2d(nx, ny, dtype=dtype), flops, elements, size)


# ---------------------------------------------------------------------------------------------
# Closed forms, derived by hand, at realistic sizes.
# ---------------------------------------------------------------------------------------------


def test_vector_kernels_closed_form():
    n = 10**8  # STREAM-sized arrays
    # vector add: 1 add per element; read a, b; write c
    assert (K.vector_add(n).flops, K.vector_add(n).bytes) == (1e8, 12e8)
    # scale: 1 multiply per element; read a; write b
    assert (K.scale(n, "fp64").flops, K.scale(n, "fp64").bytes) == (1e8, 16e8)
    # triad: 1 multiply + 1 add; read b, c; write a
    assert (K.triad(n, "fp64").flops, K.triad(n, "fp64").bytes) == (2e8, 24e8)
    # axpy: 1 multiply + 1 add; read x, y; write y
    assert (K.axpy(n).flops, K.axpy(n).bytes) == (2e8, 12e8)
    # dot: n multiplies + n adds; read a, b; write one scalar
    assert (K.dot(n).flops, K.dot(n).bytes) == (2e8, (2e8 + 1) * 4)


def test_streaming_kernels_have_the_textbook_intensities():
    # fp32: vector add 1/12, scale 1/8, triad 2/12, dot ~1/4 FLOP/byte (n large)
    assert K.vector_add(10**6).intensity == pytest.approx(1 / 12)
    assert K.scale(10**6).intensity == pytest.approx(1 / 8)
    assert K.triad(10**6).intensity == pytest.approx(1 / 6)
    assert K.dot(10**6).intensity == pytest.approx(1 / 4, rel=1e-5)
    # fp64 triad: 2 FLOPs / 24 bytes (the STREAM triad figure)
    assert K.triad(10**6, "fp64").intensity == pytest.approx(1 / 12)


def test_gemv_closed_form():
    m, n = 4096, 1024
    wl = K.gemv(m, n, "fp16")
    assert wl.flops == 2 * 4096 * 1024 == 8_388_608
    assert wl.bytes == (4096 * 1024 + 1024 + 4096) * 2 == 8_398_848
    # GEMV reads each matrix element once for 2 FLOPs: intensity -> 2 / elem_bytes = 1 FLOP/byte in fp16
    assert K.gemv(10**4, 10**4, "fp16").intensity == pytest.approx(1.0, rel=1e-3)


def test_gemm_closed_form():
    wl = K.gemm(4096, 4096, 4096, "fp16")
    assert wl.flops == 2 * 4096**3 == 137_438_953_472
    assert wl.bytes == 3 * 4096**2 * 2 == 100_663_296
    # square fp32 GEMM: 2 n^3 / (3 n^2 * 4) = n / 6 FLOP/byte
    assert K.gemm(600, 600, 600).intensity == pytest.approx(100.0)
    rect = K.gemm(128, 256, 512, "bf16")
    assert (rect.flops, rect.bytes) == (2 * 128 * 256 * 512, (128 * 512 + 512 * 256 + 128 * 256) * 2)


def test_gemm_argument_order_is_m_n_k():
    # A (m, k), B (k, n), C (m, n): swapping n and k changes the bytes, not the FLOPs
    a, b = K.gemm(2, 3, 5), K.gemm(2, 5, 3)
    assert a.flops == b.flops == 60
    assert a.bytes == (2 * 5 + 5 * 3 + 2 * 3) * 4 == 124
    assert b.bytes == (2 * 3 + 3 * 5 + 2 * 5) * 4 == 124  # same sum here, so also check an asymmetric case
    c, d = K.gemm(1, 100, 2), K.gemm(1, 2, 100)
    assert c.bytes == (1 * 2 + 2 * 100 + 1 * 100) * 4
    assert d.bytes == (1 * 100 + 100 * 2 + 1 * 2) * 4


def test_conv2d_closed_form_resnet_layer():
    # ResNet-50 conv3_x 3x3 layer: 28x28x128 -> 28x28x128, same padding, stride 1, fp32, batch 1
    wl = K.conv2d(28, 28, 128, 128, kernel=3)
    assert wl.flops == 2 * 28 * 28 * 128 * 128 * 9 == 231_211_008
    assert wl.bytes == (28 * 28 * 128 + 9 * 128 * 128 + 28 * 28 * 128) * 4 == 1_392_640
    # ResNet-50 stem: 224x224x3 -> 112x112x64, 7x7 stride 2, padding 3
    stem = K.conv2d(224, 224, 3, 64, kernel=7, stride=2, padding=3, batch=8, bias=True, dtype="fp16")
    outputs = 8 * 112 * 112 * 64
    assert stem.flops == 2 * outputs * 3 * 49 + outputs
    assert stem.bytes == (8 * 224 * 224 * 3 + 49 * 3 * 64 + 64 + outputs) * 2


def test_depthwise_conv2d_closed_form_mobilenet_layer():
    # MobileNet depthwise 3x3 on 112x112x32, same padding: 2 * 112*112*32*9 FLOPs
    wl = K.depthwise_conv2d(112, 112, 32, kernel=3)
    assert wl.flops == 2 * 112 * 112 * 32 * 9 == 7_225_344
    assert wl.bytes == (112 * 112 * 32 + 9 * 32 + 112 * 112 * 32) * 4 == 3_212_416
    # depthwise intensity is tiny (~2.2 FLOP/byte in fp32) next to the dense conv's
    assert wl.intensity == pytest.approx(7_225_344 / 3_212_416)
    assert wl.intensity < K.conv2d(112, 112, 32, 32).intensity / 10


def test_stencil2d_closed_form():
    # 1026 x 1026 grid, 1024 x 1024 interior points, 9 FLOPs each
    wl = K.stencil2d(1026, 1026, "fp64")
    assert wl.flops == 9 * 1024 * 1024
    # reads: every grid point a 5-point stencil touches (all but the 4 corners); writes: the interior
    assert wl.bytes == (1026 * 1026 - 4 + 1024 * 1024) * 8


def test_conv_output_size():
    assert K.conv_output_size(224, 7, 2, 3) == 112
    assert K.conv_output_size(56, 3) == 56            # same padding
    assert K.conv_output_size(56, 1, 2, 0) == 28
    assert K.conv_output_size(5, 5, 1, 0) == 1
    assert K.conv_output_size(6, 3, 2, 0) == 2        # floor((6 - 3) / 2) + 1
    with pytest.raises(ValueError, match="kernel"):
        K.conv_output_size(3, 5, 1, 0)


# ---------------------------------------------------------------------------------------------
# dtype: a name or a number of bytes per element; FLOPs never depend on it.
# ---------------------------------------------------------------------------------------------

ALL_KERNELS = [
    (K.vector_add, (1000,)), (K.scale, (1000,)), (K.triad, (1000,)), (K.axpy, (1000,)), (K.dot, (1000,)),
    (K.gemv, (64, 32)), (K.gemm, (16, 8, 4)), (K.conv2d, (8, 8, 3, 4)), (K.depthwise_conv2d, (8, 8, 3)),
    (K.stencil2d, (10, 12)),
]
KERNEL_IDS = [f.__name__ for f, _ in ALL_KERNELS]


@pytest.mark.parametrize("kernel, args", ALL_KERNELS, ids=KERNEL_IDS)
def test_dtype_scales_bytes_not_flops(kernel, args):
    ref = kernel(*args, dtype="fp32")
    assert kernel(*args).bytes == ref.bytes  # fp32 is the default
    for dtype, size in [("fp64", 8), ("float64", 8), ("bf16", 2), ("FP16", 2), ("int8", 1), (2, 2), (6, 6)]:
        wl = kernel(*args, dtype=dtype)
        assert wl.flops == ref.flops
        assert wl.bytes == ref.bytes / 4 * size


@pytest.mark.parametrize("kernel, args", ALL_KERNELS, ids=KERNEL_IDS)
def test_kernel_workload_names_say_what_they_are(kernel, args):
    name = kernel(*args, dtype="bf16").name
    assert "bf16" in name
    assert str(args[0]) in name


@pytest.mark.parametrize("kernel, args", ALL_KERNELS, ids=KERNEL_IDS)
@pytest.mark.parametrize("bad", [0, -1.5, "fp99", float("nan")], ids=repr)
def test_bad_dtype_is_rejected(kernel, args, bad):
    with pytest.raises((ValueError, KeyError)) as info:
        kernel(*args, dtype=bad)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("kernel, args", ALL_KERNELS, ids=KERNEL_IDS)
def test_numpy_integer_sizes_and_dtype_bytes_are_accepted(kernel, args):
    # sizes often come from array shapes (numpy integers); bytes per element from arr.itemsize
    ref = kernel(*args, dtype=2)
    assert kernel(*[np.int64(a) for a in args], dtype=2) == ref
    assert kernel(*args, dtype=np.int64(2)).bytes == ref.bytes


# ---------------------------------------------------------------------------------------------
# Bad sizes: ValueError naming the parameter and the value.
# ---------------------------------------------------------------------------------------------

BAD_SIZES = [0, -3, 2.5, 4.0, "8", None, True, float("nan"), float("inf")]

SIZE_PARAMS = [
    (K.vector_add, {"n": 8}), (K.scale, {"n": 8}), (K.triad, {"n": 8}), (K.axpy, {"n": 8}),
    (K.dot, {"n": 8}), (K.gemv, {"m": 4, "n": 8}), (K.gemm, {"m": 4, "n": 8, "k": 2}),
    (K.conv2d, {"h": 8, "w": 8, "c_in": 3, "c_out": 4, "kernel": 3, "stride": 1, "batch": 1}),
    (K.depthwise_conv2d, {"h": 8, "w": 8, "c": 3, "kernel": 3, "stride": 1, "batch": 1}),
    (K.stencil2d, {"nx": 8, "ny": 8}),
]
SIZE_CASES = [(f, kw, p) for f, kw in SIZE_PARAMS for p in kw]


@pytest.mark.parametrize("kernel, good, param", SIZE_CASES, ids=[f"{f.__name__}-{p}" for f, _, p in SIZE_CASES])
@pytest.mark.parametrize("bad", BAD_SIZES, ids=repr)
def test_bad_size_raises_valueerror_naming_parameter_and_value(kernel, good, param, bad):
    with pytest.raises(ValueError) as info:
        kernel(**{**good, param: bad})
    msg = str(info.value)
    assert re.search(rf"\b{param}\b", msg), f"{param!r} not named in: {msg}"  # "h", not the h in "whole"
    assert repr(bad) in msg, msg


@pytest.mark.parametrize("bad", [-1, 1.5, "1", float("nan")], ids=repr)
def test_bad_padding_is_named(bad):
    for kernel, args in [(K.conv2d, (8, 8, 3, 4)), (K.depthwise_conv2d, (8, 8, 3))]:
        with pytest.raises(ValueError) as info:
            kernel(*args, padding=bad)
        assert "padding" in str(info.value) and repr(bad) in str(info.value)


def test_conv_kernel_larger_than_padded_input_is_refused():
    with pytest.raises(ValueError, match="kernel=7"):
        K.conv2d(4, 4, 1, 1, kernel=7, padding=0)
    with pytest.raises(ValueError, match="kernel=7"):
        K.depthwise_conv2d(4, 4, 1, kernel=7, padding=1)


@pytest.mark.parametrize("nx, ny", [(2, 5), (5, 2), (1, 1)])
def test_stencil_needs_an_interior(nx, ny):
    with pytest.raises(ValueError, match=f"nx={nx}, ny={ny}"):
        K.stencil2d(nx, ny)


def test_every_public_kernel_is_covered():
    tested = {f.__name__ for f, _ in ALL_KERNELS} | {"conv_output_size", "conv_rows_read"}
    assert set(K.__all__) == tested


@pytest.mark.parametrize("size, kernel, stride, padding",
                         [(8, 1, 2, 0), (9, 1, 2, 0), (8, 3, 2, 1), (7, 3, 1, 1), (10, 2, 3, 0), (11, 1, 4, 0),
                          (224, 7, 2, 3), (56, 1, 2, 0), (6, 5, 1, 0)])
def test_conv_rows_read_counts_the_rows_some_window_touches(size, kernel, stride, padding):
    """Brute force: mark every input row that any output window covers (padding rows are not memory)."""
    out = K.conv_output_size(size, kernel, stride, padding)
    touched = {o * stride - padding + k for o in range(out) for k in range(kernel)}
    assert K.conv_rows_read(size, kernel, stride, padding, out) == len({r for r in touched if 0 <= r < size})

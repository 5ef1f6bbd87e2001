"""Classic kernels as Workloads, with their FLOPs and bytes in closed form. Notebook 01.

Convention (for every kernel here):
- FLOPs: one add or one multiply is 1 FLOP; a multiply-add (FMA) is 2. Reductions start from an
  accumulator of zero, so a dot product of length n is n FMAs = 2n FLOPs.
- Bytes: compulsory traffic only. Each input element is read from memory once and each output
  element written once, as if caches were perfect and large enough; write-allocate traffic
  (reading an output line before writing it) is not counted, as in STREAM.
- ``dtype`` is a name (``"fp32"``, ``"fp16"``, ``"bf16"``, ``"int8"``, ...) or a number of bytes
  per element.
"""

from __future__ import annotations

from ._validate import positive_int
from .core import Workload
from .units import dtype_bytes

__all__ = ["vector_add", "scale", "triad", "axpy", "dot", "gemv", "gemm", "conv2d", "depthwise_conv2d",
           "stencil2d", "conv_output_size", "conv_rows_read"]


def _label(dtype: str | float) -> str:
    return dtype if isinstance(dtype, str) else f"{dtype:g} B/elem"


def vector_add(n: int, dtype: str | float = "fp32") -> Workload:
    """c[i] = a[i] + b[i]: n FLOPs; reads 2n and writes n elements."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"vector add n={n} {_label(dtype)}", n, 3 * n * s)


def scale(n: int, dtype: str | float = "fp32") -> Workload:
    """b[i] = alpha * a[i]: n FLOPs; reads n and writes n elements."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"scale n={n} {_label(dtype)}", n, 2 * n * s)


def triad(n: int, dtype: str | float = "fp32") -> Workload:
    """STREAM triad a[i] = b[i] + alpha * c[i]: 2n FLOPs; reads 2n and writes n elements."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"triad n={n} {_label(dtype)}", 2 * n, 3 * n * s)


def axpy(n: int, dtype: str | float = "fp32") -> Workload:
    """y[i] = alpha * x[i] + y[i]: 2n FLOPs; reads x and y (2n), writes y (n)."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"axpy n={n} {_label(dtype)}", 2 * n, 3 * n * s)


def dot(n: int, dtype: str | float = "fp32") -> Workload:
    """s = sum_i a[i] * b[i]: n FMAs = 2n FLOPs; reads 2n elements, writes 1."""
    n = positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"dot n={n} {_label(dtype)}", 2 * n, (2 * n + 1) * s)


def gemv(m: int, n: int, dtype: str | float = "fp32") -> Workload:
    """y = A x with A of shape (m, n): 2mn FLOPs; reads A (mn) and x (n), writes y (m)."""
    m, n = positive_int("m", m), positive_int("n", n)
    s = dtype_bytes(dtype)
    return Workload(f"gemv {m}x{n} {_label(dtype)}", 2 * m * n, (m * n + n + m) * s)


def gemm(m: int, n: int, k: int, dtype: str | float = "fp32") -> Workload:
    """C = A B with A (m, k), B (k, n), C (m, n): 2mnk FLOPs; reads mk + kn, writes mn elements."""
    m, n, k = positive_int("m", m), positive_int("n", n), positive_int("k", k)
    s = dtype_bytes(dtype)
    return Workload(f"gemm {m}x{n}x{k} {_label(dtype)}", 2 * m * n * k, (m * k + k * n + m * n) * s)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int | None = None) -> int:
    """Output height or width of a convolution: floor((size + 2 padding - kernel) / stride) + 1.

    ``padding=None`` means "same" padding, kernel // 2.
    """
    size, kernel, stride = positive_int("size", size), positive_int("kernel", kernel), positive_int("stride", stride)
    pad = kernel // 2 if padding is None else padding
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError(f"padding must be a whole number >= 0 or None, got {padding!r}")
    out = (size + 2 * pad - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"kernel={kernel} is larger than the padded input size={size} + 2*padding={pad}")
    return out


def conv_rows_read(size: int, kernel: int, stride: int, padding: int | None, out: int) -> int:
    """How many of ``size`` input rows (or columns) at least one of ``out`` windows reads.

    All of them unless stride > kernel (windows skip rows: a 1x1 stride-2 conv reads every other
    row) or the last window stops short of the edge (the floor in the output size).
    """
    pad = kernel // 2 if padding is None else padding
    if kernel >= stride:  # windows touch or overlap: one span from row 0
        return min(size, (out - 1) * stride - pad + kernel)
    return sum(max(0, min(size, o * stride - pad + kernel) - max(0, o * stride - pad)) for o in range(out))


def conv2d(h: int, w: int, c_in: int, c_out: int, kernel: int = 3, stride: int = 1,
           padding: int | None = None, bias: bool = False, batch: int = 1,
           dtype: str | float = "fp32") -> Workload:
    """Dense 2-D convolution (NHWC or NCHW alike), square kernel.

    FLOPs: 2 * batch * h_out * w_out * c_out * c_in * kernel**2 (+ batch*h_out*w_out*c_out adds for bias).
    Bytes: input (batch*h*w*c_in, less any rows/columns a strided window skips) + weights
    (kernel**2*c_in*c_out, + c_out bias) + output, once each.
    """
    h, w, batch = positive_int("h", h), positive_int("w", w), positive_int("batch", batch)
    c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
    ho = conv_output_size(h, kernel, stride, padding)
    wo = conv_output_size(w, kernel, stride, padding)
    s = dtype_bytes(dtype)
    outputs = batch * ho * wo * c_out
    flops = 2 * outputs * c_in * kernel**2 + (outputs if bias else 0)
    weights = kernel**2 * c_in * c_out + (c_out if bias else 0)
    rows, cols = conv_rows_read(h, kernel, stride, padding, ho), conv_rows_read(w, kernel, stride, padding, wo)
    elems = batch * rows * cols * c_in + weights + outputs
    return Workload(f"conv2d {h}x{w}x{c_in}->{c_out} k{kernel}s{stride} {_label(dtype)}", flops, elems * s)


def depthwise_conv2d(h: int, w: int, c: int, kernel: int = 3, stride: int = 1, padding: int | None = None,
                     bias: bool = False, batch: int = 1, dtype: str | float = "fp32") -> Workload:
    """Depthwise 2-D convolution: each of the c channels convolved with its own kernel x kernel filter.

    FLOPs: 2 * batch * h_out * w_out * c * kernel**2 (+ bias adds). Bytes: input (as read, see conv2d)
    + weights + output.
    """
    h, w = positive_int("h", h), positive_int("w", w)
    batch, c = positive_int("batch", batch), positive_int("c", c)
    ho = conv_output_size(h, kernel, stride, padding)
    wo = conv_output_size(w, kernel, stride, padding)
    s = dtype_bytes(dtype)
    outputs = batch * ho * wo * c
    flops = 2 * outputs * kernel**2 + (outputs if bias else 0)
    weights = kernel**2 * c + (c if bias else 0)
    rows, cols = conv_rows_read(h, kernel, stride, padding, ho), conv_rows_read(w, kernel, stride, padding, wo)
    elems = batch * rows * cols * c + weights + outputs
    return Workload(f"depthwise conv2d {h}x{w}x{c} k{kernel}s{stride} {_label(dtype)}", flops, elems * s)


def stencil2d(nx: int, ny: int, dtype: str | float = "fp32") -> Workload:
    """Weighted 5-point stencil on an nx x ny grid, interior points only:
    out[i,j] = c0 u[i,j] + c1 u[i-1,j] + c2 u[i+1,j] + c3 u[i,j-1] + c4 u[i,j+1].

    FLOPs: 5 multiplies + 4 adds = 9 per interior point, (nx-2)(ny-2) points.
    Bytes: every grid point the stencil touches read once (all but the 4 corners: nx*ny - 4) and
    the interior written once (compulsory traffic; neighbours re-read from cache are free).
    """
    nx, ny = positive_int("nx", nx), positive_int("ny", ny)
    if nx < 3 or ny < 3:
        raise ValueError(f"stencil2d needs a grid of at least 3x3, got nx={nx}, ny={ny}")
    s = dtype_bytes(dtype)
    interior = (nx - 2) * (ny - 2)
    return Workload(f"5-point stencil {nx}x{ny} {_label(dtype)}", 9 * interior, (nx * ny - 4 + interior) * s)

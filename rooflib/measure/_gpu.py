"""The GPU path: the same measurements through PyTorch (CUDA or ROCm) or CuPy, or None without a GPU. Notebook 06."""

from __future__ import annotations

import re
import time

from .. import kernels
from .._validate import positive, positive_int
from ..units import MiB
from ._machine import MachineMeasurement, platform_from, progress_bar
from ._stream import stream_counts
from ._system import BlasInfo, CacheInfo
from ._timing import MeasuredPoint, time_kernel

__all__ = ["gpu", "gpu_backend"]


def gpu_backend() -> str | None:
    """``"torch"`` or ``"cupy"`` when that library is importable and sees a GPU, else None."""
    try:
        import torch  # type: ignore[import-not-found]

        if torch.cuda.is_available():
            return "torch"
    except Exception:  # ImportError, or a broken install: no GPU path either way
        pass
    try:
        import cupy  # type: ignore[import-not-found]

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy"
    except Exception:
        pass
    return None


def _gpu_ops(backend: str):
    """(full, randn, empty_like, triad(a,b,c,q), copy, scale, add, matmul(A,B,C), sync, name, l2 bytes, dtypes)."""
    if backend == "torch":
        import torch

        dev = torch.device("cuda")
        tdt = {"fp64": torch.float64, "fp32": torch.float32, "bf16": torch.bfloat16}
        props = torch.cuda.get_device_properties(dev)
        l2 = int(getattr(props, "L2_cache_size", 0) or 0) or 40 * MiB
        return dict(
            full=lambda n, dt, v: torch.full((n,), v, dtype=tdt[dt], device=dev),
            randn=lambda shape, dt: torch.randn(shape, device=dev).to(tdt[dt]),
            empty_like=torch.empty_like,
            triad=lambda a, b, c, q: torch.add(b, c, alpha=q, out=a),
            copy=lambda a, b, c, q: c.copy_(a),
            scale=lambda a, b, c, q: torch.mul(c, q, out=b),
            add=lambda a, b, c, q: torch.add(a, b, out=c),
            matmul=lambda A, B, C: torch.matmul(A, B, out=C),
            sync=torch.cuda.synchronize, name=torch.cuda.get_device_name(dev), l2=l2,
            dtypes=("fp64", "fp32", "bf16"))
    import cupy as cp

    cdt = {"fp64": cp.float64, "fp32": cp.float32}
    triad_k = cp.ElementwiseKernel("T b, T c, T q", "T a", "a = b + q * c", "rooflib_triad")
    attrs = cp.cuda.Device().attributes
    l2 = int(attrs.get("L2CacheSize", 0)) or 40 * MiB
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props.get("name", b"GPU")
    return dict(
        full=lambda n, dt, v: cp.full((n,), v, dtype=cdt[dt]),
        randn=lambda shape, dt: cp.random.standard_normal(shape).astype(cdt[dt]),
        empty_like=cp.empty_like,
        triad=lambda a, b, c, q: triad_k(b, c, a.dtype.type(q), a),
        copy=lambda a, b, c, q: cp.copyto(c, a),
        scale=lambda a, b, c, q: cp.multiply(c, q, out=b),
        add=lambda a, b, c, q: cp.add(a, b, out=c),
        matmul=lambda A, B, C: cp.matmul(A, B, out=C),
        sync=cp.cuda.runtime.deviceSynchronize, name=name.decode() if isinstance(name, bytes) else str(name), l2=l2,
        dtypes=("fp64", "fp32"))


def gpu(quick: bool = False, *, array_bytes: float | None = None, gemm_n: int | None = None,
        progress: bool | None = None) -> MachineMeasurement | None:
    """The same measurements on a GPU through PyTorch or CuPy; None (with a printed reason) without one.

    STREAM kernels on fp64 arrays of ``array_bytes`` each (default 1 GiB; quick: 256 MiB), a triad
    over a quarter of the L2 cache, and matmul at fp64, fp32 (and bf16 with PyTorch) with
    ``gemm_n`` x ``gemm_n`` matrices (default 8192; quick: 4096). Notebook 06.
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False, got {quick!r}")
    backend = gpu_backend()
    if backend is None:
        print("rl.measure.gpu: skipped, no GPU visible to PyTorch or CuPy")
        return None
    ops = _gpu_ops(backend)
    progress = (not quick) if progress is None else bool(progress)
    t_start = time.perf_counter()
    rep = 3 if quick else 10
    array_bytes = ((256 if quick else 1024) * MiB if array_bytes is None
                   else positive("array_bytes", array_bytes, "bytes"))
    n_dram = max(1, int(array_bytes // 8))
    n_cache = max(1024, ops["l2"] // 4 // (3 * 8))
    gemm_n = (4096 if quick else 8192) if gemm_n is None else positive_int("gemm_n", gemm_n)
    kernels_ = ("triad",) if quick else ("copy", "scale", "add", "triad")
    bar = progress_bar(len(kernels_) + 1 + len(ops["dtypes"]), progress, "measuring GPU")
    out: dict[str, MeasuredPoint] = {}
    try:
        for label, n, names in (("dram", n_dram, kernels_), ("cache", n_cache, ("triad",))):
            a, b, c = ops["full"](n, "fp64", 1.0), ops["full"](n, "fp64", 2.0), ops["full"](n, "fp64", 0.5)
            for k in names:
                bar.set_description(f"GPU {label} {k}")
                flops, nbytes = stream_counts(k, n, "fp64")
                fn = ops[k]
                out[f"{label} {k}"] = time_kernel(lambda fn=fn: fn(a, b, c, 3.0), flops, nbytes, name=f"{label} {k}",
                                                  repeat=rep, min_time_s=0.02, sync=ops["sync"])
                bar.update(1)
            del a, b, c
        for dt in ops["dtypes"]:
            bar.set_description(f"GPU matmul {dt}")
            A, B = ops["randn"]((gemm_n, gemm_n), dt), ops["randn"]((gemm_n, gemm_n), dt)
            C = ops["empty_like"](A)
            w = kernels.gemm(gemm_n, gemm_n, gemm_n, dt)
            out[f"gemm {dt}"] = time_kernel(lambda A=A, B=B, C=C: ops["matmul"](A, B, C), w.flops, w.bytes,
                                            name=f"gemm {dt}", repeat=rep, min_time_s=0.05, sync=ops["sync"])
            bar.update(1)
            del A, B, C
    finally:
        bar.close()
    extra = {k[5:]: v.flops_per_s for k, v in out.items() if k.startswith("gemm ") and k[5:] not in ("fp64", "fp32")}
    slug = re.sub(r"[^a-z0-9]+", "-", ops["name"].lower()).strip("-") or "gpu"
    plat = platform_from(out, f"measured-{slug}", f"{ops['name']} (measured)", "GPU", extra)
    return MachineMeasurement(plat, out, BlasInfo(backend, "", 0), 1, CacheInfo(0, ops["l2"], ops["l2"]), quick,
                              "gpu", time.perf_counter() - t_start)

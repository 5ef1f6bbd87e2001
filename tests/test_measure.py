"""rl.measure: counts against closed forms, result objects, input errors, the GPU skip. No timed assertions.

Oracles: the byte and FLOP counts come from rl.kernels' closed forms and from McCalpin's STREAM
definition (https://www.cs.virginia.edu/stream/ref.html: copy 16, scale 16, add 24, triad 24 bytes
per iteration in double precision). Timings are only checked to be positive and finite.
"""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest

import rooflib as rl
from rooflib import measure as M


def _finite_positive(x: float) -> bool:
    return math.isfinite(x) and x > 0


# --- counting ------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 1000, 12_345_678])
def test_stream_counts_match_rl_kernels(n):
    assert M.stream_counts("triad", n, "fp64") == (rl.kernels.triad(n, "fp64").flops, rl.kernels.triad(n, "fp64").bytes)
    assert M.stream_counts("scale", n, "fp64") == (rl.kernels.scale(n, "fp64").flops, rl.kernels.scale(n, "fp64").bytes)
    assert M.stream_counts("add", n, "fp32") == (rl.kernels.vector_add(n, "fp32").flops,
                                                  rl.kernels.vector_add(n, "fp32").bytes)
    assert M.stream_counts("copy", n, "fp64") == (0.0, 16.0 * n)


def test_stream_counts_per_iteration_are_mccalpins():
    # STREAM's table: bytes per iteration in double precision
    per_iter = {k: M.stream_counts(k, 1, "fp64")[1] for k in M.STREAM_KERNELS}
    assert per_iter == {"copy": 16, "scale": 16, "add": 24, "triad": 24}


def test_write_allocate_adds_one_output_array():
    for k in M.STREAM_KERNELS:
        plain = M.stream_counts(k, 1000, "fp64")[1]
        wa = M.stream_counts(k, 1000, "fp64", write_allocate=True)[1]
        assert wa - plain == 8 * 1000


@pytest.mark.parametrize("kernel", ["copy", "scale", "add", "triad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_measured_stream_point_carries_the_closed_form_counts(kernel, threads):
    n = 3001
    p = M.stream(kernel, n, threads=threads, repeat=1, warmup=0, min_time_s=0.0)
    flops, nbytes = M.stream_counts(kernel, n, "fp64")
    assert (p.flops, p.bytes) == (flops, nbytes)
    assert p.intensity == flops / nbytes
    assert p.threads == threads
    assert _finite_positive(p.time_s) and _finite_positive(p.bandwidth)


@pytest.mark.parametrize("kernel", ["copy", "scale", "add", "triad"])
def test_stream_body_computes_the_stream_kernel(kernel):
    # the in-place, blocked numpy code does what STREAM's loop does (block smaller than n, ragged end)
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(1003) for _ in range(3))
    a0, b0, c0 = a.copy(), b.copy(), c.copy()
    M._stream_body(kernel, a, b, c, 3.0, block=100)()
    expected = {"copy": ("c", a0), "scale": ("b", 3.0 * c0), "add": ("c", a0 + b0), "triad": ("a", b0 + 3.0 * c0)}
    target, value = expected[kernel]
    np.testing.assert_allclose({"a": a, "b": b, "c": c}[target], value, rtol=1e-15)


def test_working_set_sets_elements_per_array():
    p = M.stream("add", working_set_bytes=3 * 8 * 5000, threads=1, repeat=1, warmup=0, min_time_s=0.0)
    assert p.bytes == 3 * 8 * 5000


def test_fp32_stream_counts_four_bytes():
    p = M.stream("triad", 4000, dtype="fp32", threads=1, repeat=1, warmup=0, min_time_s=0.0)
    assert p.bytes == 3 * 4 * 4000 and p.flops == 2 * 4000


def test_ready_made_kernels_use_rl_kernels_counts():
    cases = [
        (M.triad(5000, threads=1, repeat=1, min_time_s=0.0), rl.kernels.triad(5000, "fp64")),
        (M.dot(5000, repeat=1, min_time_s=0.0), rl.kernels.dot(5000, "fp64")),
        (M.gemv(64, 32, repeat=1, min_time_s=0.0), rl.kernels.gemv(64, 32, "fp64")),
        (M.gemm(48, "fp32", repeat=1, min_time_s=0.0), rl.kernels.gemm(48, 48, 48, "fp32")),
        (M.python_loop_triad(200, repeat=1), rl.kernels.triad(200, "fp64")),
    ]
    for point, w in cases:
        assert (point.flops, point.bytes) == (w.flops, w.bytes), point.name
        assert point.intensity == w.intensity


def test_fused_chain_moves_right_by_four():
    # unfused: 4 passes x (read n + write n) = 8n elements; fused: x read once, y written once = 2n
    n = 4096
    unf = M.elementwise_unfused(n, repeat=1, min_time_s=0.0)
    fus = M.elementwise_fused(n, block=1000, repeat=1, min_time_s=0.0)
    assert unf.flops == fus.flops == 4 * n
    assert unf.bytes == 8 * n * 8 and fus.bytes == 2 * n * 8
    assert fus.intensity == 4 * unf.intensity == 0.25


def test_fused_and_unfused_chain_compute_the_same_values(monkeypatch):
    # capture the output arrays through np.empty_like to check the arithmetic: y = 2 * max(1.5 x - 0.25, 0)
    outs = []
    real = np.empty_like
    monkeypatch.setattr(M.np, "empty_like", lambda x, *a, **k: outs.append(real(x, *a, **k)) or outs[-1])
    M.elementwise_unfused(1001, repeat=1, min_time_s=0.0)
    M.elementwise_fused(1001, block=64, repeat=1, min_time_s=0.0)
    monkeypatch.undo()
    x = np.random.default_rng(7).standard_normal(1001)
    expected = 2.0 * np.maximum(1.5 * x - 0.25, 0.0)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-14)
    np.testing.assert_allclose(outs[1], expected, rtol=1e-14)


# --- kernel() ------------------------------------------------------------------------------

def test_kernel_intensity_is_flops_over_bytes_exactly():
    calls = []
    p = M.kernel(lambda: calls.append(1), 1234.0, 5678.0, name="counter", repeat=3, warmup=2, number=4)
    assert p.intensity == 1234.0 / 5678.0
    assert p.flops_per_s == 1234.0 / p.time_s
    assert p.bandwidth == 5678.0 / p.time_s
    assert p.name == "counter" and len(p.times_s) == 3 and p.time_s == min(p.times_s)
    assert len(calls) == 2 + 3 * 4          # warm-up calls, then repeat x number
    assert _finite_positive(p.time_s)


def test_kernel_calls_sync_once_per_repetition():
    syncs = []
    M.kernel(lambda: None, 1, 1, repeat=4, warmup=1, number=3, sync=lambda: syncs.append(1))
    assert len(syncs) == 1 + 4


def test_measured_point_is_drawn_at_its_measured_height():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = M.MeasuredPoint("x", flops=2e6, bytes=1e6, time_s=1e-3)
    assert rl.plot._point_of(p) == ("x", 2.0, 2e9)
    plat = rl.Platform("t", 1e12, 1e11)
    ax = rl.plot.roofline(plat, [p])
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "point-0"]
    assert line.get_ydata()[0] == pytest.approx(2e9)
    plt.close(ax.figure)


def test_measured_point_workload():
    w = M.MeasuredPoint("k", 10, 20, 0.5).workload()
    assert isinstance(w, rl.Workload) and (w.flops, w.bytes) == (10, 20)


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, param", [
    (dict(fn=42, flops=1, bytes=1), "fn"),
    (dict(fn=lambda: None, flops=-1, bytes=1), "flops"),
    (dict(fn=lambda: None, flops=float("nan"), bytes=1), "flops"),
    (dict(fn=lambda: None, flops=1, bytes=0), "bytes"),
    (dict(fn=lambda: None, flops=1, bytes=1, repeat=0), "repeat"),
    (dict(fn=lambda: None, flops=1, bytes=1, warmup=-1), "warmup"),
    (dict(fn=lambda: None, flops=1, bytes=1, number=0), "number"),
    (dict(fn=lambda: None, flops=1, bytes=1, min_time_s=-0.1), "min_time_s"),
    (dict(fn=lambda: None, flops=1, bytes=1, sync="yes"), "sync"),
])
def test_kernel_bad_input_names_the_parameter(kwargs, param):
    with pytest.raises(ValueError, match=param):
        M.kernel(**kwargs)


def test_stream_bad_input():
    with pytest.raises(KeyError, match="triad"):
        M.stream("triadd", 100)
    with pytest.raises(ValueError, match="n"):
        M.stream("triad", -5)
    with pytest.raises(ValueError, match="exactly one"):
        M.stream("triad", 100, working_set_bytes=1e6)
    with pytest.raises(ValueError, match="working_set_bytes"):
        M.stream("triad", working_set_bytes=-1)
    with pytest.raises(ValueError, match="threads"):
        M.stream("triad", 100, threads=0)
    with pytest.raises(KeyError, match="dtype"):
        M.stream("triad", 100, dtype="int8")
    with pytest.raises(ValueError, match="quick"):
        M.machine(quick="yes")


def test_measured_point_rejects_bad_values():
    with pytest.raises(ValueError, match="time_s"):
        M.MeasuredPoint("x", 1, 1, 0.0)
    with pytest.raises(ValueError, match="bytes"):
        M.MeasuredPoint("x", 1, -1, 1.0)


# --- machine facts -------------------------------------------------------------------------

def test_cache_info_is_ordered_and_positive():
    c = M.cache_info()
    assert 0 < c.l1d <= c.l2 <= c.llc


def test_parse_size():
    assert M._parse_size("32K") == 32 * 1024
    assert M._parse_size("1024K\n") == 2**20
    assert M._parse_size("32M") == 32 * 2**20
    assert M._parse_size("garbage") == 0


def test_blas_info_reports_library_and_threads():
    info = M.blas_info()
    assert isinstance(info.library, str) and info.library
    pytest.importorskip("threadpoolctl")
    assert info.num_threads >= 1


# --- the whole machine (quick) -------------------------------------------------------------

@pytest.fixture(scope="module")
def quick_machine():
    return M.machine(quick=True)


def test_quick_machine_returns_a_valid_platform(quick_machine):
    m = quick_machine
    p = m.platform
    assert isinstance(p, rl.Platform)
    assert p.name.startswith("measured-")
    for x in (p.peak_flops_per_s, p.bandwidth, p.ridge_point, m.elapsed_s):
        assert _finite_positive(x)
    assert p.dtype in ("fp64", "fp32")
    assert p.peak_flops_per_s == max(p.peaks["fp64"], p.peaks["fp32"])
    assert p.peak_flops_per_s == m.measurements[f"gemm {p.dtype}"].flops_per_s
    assert p.bandwidth == m.dram_bandwidth == m.measurements["dram triad"].bandwidth
    assert m.quick and m.device == "cpu" and not m.write_allocate_counted


def test_quick_machine_ceilings(quick_machine):
    p = quick_machine.platform
    memory = [c for c in p.ceilings if c.kind == "memory"]
    compute = [c for c in p.ceilings if c.kind == "compute"]
    assert [c.value for c in memory] == [quick_machine.cache_bandwidth]
    other = "fp32" if p.dtype == "fp64" else "fp64"
    assert [(c.name, c.value) for c in compute] == [(f"{other} matmul", p.peaks[other])]


def test_quick_machine_raw_measurements(quick_machine):
    ms = quick_machine.measurements
    assert {"dram triad", "cache triad", "gemm fp64", "gemm fp32"} <= set(ms)
    for name, point in ms.items():
        assert _finite_positive(point.time_s), name
    # the DRAM working set is at least twice the last-level cache (three arrays together)
    assert ms["dram triad"].bytes >= 2 * 3 * quick_machine.caches.llc * 0.99
    assert ms["cache triad"].bytes <= quick_machine.threads * quick_machine.caches.l2
    assert ms["gemm fp64"].flops == 2 * 512**3
    rows = quick_machine.table()
    assert [r["name"] for r in rows] == list(ms)
    text = quick_machine.summary()
    assert "write-allocate traffic not counted" in text and quick_machine.blas.library in text


def test_quick_machine_plots_its_ceilings(quick_machine):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = quick_machine.plot()
    gids = {ln.get_gid() for ln in ax.lines}
    name = quick_machine.platform.name
    assert f"roof-{name}" in gids and f"ceiling-{name}-cache triad" in gids
    plt.close(ax.figure)


# --- GPU path ------------------------------------------------------------------------------

def test_gpu_skipped_cleanly_without_torch_or_cupy(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)   # `import torch` now raises ImportError
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert M.gpu_backend() is None
    assert M.gpu(quick=True) is None
    assert "skipped" in capsys.readouterr().out


def test_gpu_skipped_when_torch_sees_no_gpu(monkeypatch):
    fake = types.ModuleType("torch")
    fake.cuda = types.SimpleNamespace(is_available=lambda: False)
    monkeypatch.setitem(sys.modules, "torch", fake)
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert M.gpu_backend() is None
    assert M.gpu(quick=True) is None


def test_gpu_backend_found_when_torch_sees_a_gpu(monkeypatch):
    fake = types.ModuleType("torch")
    fake.cuda = types.SimpleNamespace(is_available=lambda: True)
    monkeypatch.setitem(sys.modules, "torch", fake)
    assert M.gpu_backend() == "torch"


def test_public_names():
    for name in M.__all__:
        assert hasattr(M, name), name
    assert rl.measure is M


# --- the notebook 06 widget ----------------------------------------------------------------

def test_cache_level_boundaries():
    from rooflib.measure_widgets import cache_level

    c = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    assert cache_level(32 * 1024, c, 1) == "L1"
    assert cache_level(64 * 1024, c, 2) == "L1"          # 32 KiB per core
    assert cache_level(64 * 1024 + 2, c, 2) == "L2"
    assert cache_level(2 * 2**20, c, 2) == "L2"
    assert cache_level(2 * 2**20 + 2, c, 2) == "L3"
    assert cache_level(32 * 2**20 + 1, c, 2) == "DRAM"


def test_working_set_sizes_cross_every_level():
    from rooflib.measure_widgets import working_set_sizes

    c = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    sizes = working_set_sizes(c, 2)
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert sizes[0] <= c.l2 and sizes[-1] >= 4 * c.llc      # from inside L2 to well past the LLC
    assert all(s % (3 * 64) == 0 for s in sizes)


def test_working_set_explorer_moves_the_point_with_a_fake_measurement():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rooflib.measure_widgets import TRIAD_INTENSITY, working_set_explorer

    caches = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    plat = rl.Platform("fake", 1e11, 2e10, ceilings=(rl.Ceiling("cache triad", 8e10, "memory"),))
    m = M.MachineMeasurement(plat, {}, M.BlasInfo("x", "", 1), 2, caches, True)

    def fake(ws):  # bandwidth falls from 8e10 to 2e10 once the working set leaves L2
        n = ws // 24
        bw = 8e10 if ws <= 2 * 2**20 else 2e10
        return M.MeasuredPoint("fake", 2 * n, 24 * n, 24 * n / bw)

    sizes = [96 * 1024, 1536 * 1024, 96 * 2**20]
    ex = working_set_explorer(m, sizes=sizes, initial=sizes[0], measure_fn=fake)
    point = ex.artists["point"]
    assert point.get_ydata()[0] == pytest.approx(8e10 * TRIAD_INTENSITY)
    assert "L2" in ex.text.value and ex.state["level"] == "L2"   # 48 KiB per core: past L1, inside L2
    ex.set(working_set=sizes[2])
    assert point.get_ydata()[0] == pytest.approx(2e10 * TRIAD_INTENSITY)
    assert "DRAM" in ex.text.value and "1.00x the DRAM roof" in ex.text.value
    assert ex.state["ratio_to_dram"] == pytest.approx(1.0)
    assert sorted(ex.state["measurements"]) == [sizes[0], sizes[2]]
    np.testing.assert_allclose(ex.artists["history"].get_offsets(), [[sizes[0], 8e10], [sizes[2], 2e10]])
    with pytest.raises(ValueError, match="measured"):
        working_set_explorer("not a machine")
    plt.close(ex.fig)


def test_faster_picks_the_shortest_time_and_skips_missing():
    slow, fast = M.MeasuredPoint("a", 1, 1, 2.0, threads=2), M.MeasuredPoint("a", 1, 1, 1.0, threads=1)
    assert M._faster(slow, None, fast) is fast


def test_blas_gemm_can_be_limited_to_one_thread():
    pytest.importorskip("threadpoolctl")
    p = M._blas_gemm(32, "fp64", 1, 1, 0.0)
    assert p.threads == 1 and p.flops == 2 * 32**3


def test_blocked_triad_matches_the_formula():
    rng = np.random.default_rng(3)
    b, c = rng.standard_normal(1001), rng.standard_normal(1001)
    a = np.empty_like(b)
    M.blocked_triad(a, b, c, 3.0, block=64)
    np.testing.assert_allclose(a, b + 3.0 * c, rtol=1e-15)
    with pytest.raises(ValueError, match="block"):
        M.blocked_triad(a, b, c, 3.0, block=0)


def _numpy_gpu_ops():
    """Stand-in for _gpu_ops with numpy arrays: exercises gpu()'s flow without a GPU."""
    dts = {"fp64": np.float64, "fp32": np.float32, "bf16": np.float32}
    return dict(
        full=lambda n, dt, v: np.full(n, v, dtype=dts[dt]),
        randn=lambda shape, dt: np.ones(shape, dtype=dts[dt]),
        empty_like=np.empty_like,
        triad=lambda a, b, c, q: M.blocked_triad(a, b, c, q, 256),
        copy=lambda a, b, c, q: np.copyto(c, a),
        scale=lambda a, b, c, q: np.multiply(c, q, out=b),
        add=lambda a, b, c, q: np.add(a, b, out=c),
        matmul=lambda A, B, C: np.matmul(A, B, out=C),
        sync=lambda: None, name="Fake GPU 1", l2=96 * 1024, dtypes=("fp64", "fp32", "bf16"))


@pytest.mark.parametrize("quick", [True, False])
def test_gpu_flow_with_stand_in_ops(monkeypatch, quick):
    monkeypatch.setattr(M, "gpu_backend", lambda: "torch")
    monkeypatch.setattr(M, "_gpu_ops", lambda backend: _numpy_gpu_ops())
    g = M.gpu(quick=quick, array_bytes=8 * 10_000, gemm_n=32, progress=False)
    kernels = ["triad"] if quick else ["copy", "scale", "add", "triad"]
    assert set(g.measurements) == {f"dram {k}" for k in kernels} | {"cache triad", "gemm fp64", "gemm fp32",
                                                                       "gemm bf16"}
    assert g.measurements["dram triad"].bytes == 24 * 10_000
    assert g.measurements["cache triad"].bytes == 24 * (96 * 1024 // 4 // 24)
    assert g.measurements["gemm bf16"].bytes == rl.kernels.gemm(32, 32, 32, "bf16").bytes
    p = g.platform
    assert p.name == "measured-fake-gpu-1" and g.device == "gpu"
    assert set(p.peaks) == {"fp64", "fp32", "bf16"} and p.peak_flops_per_s == max(p.peaks.values())
    assert p.bandwidth == g.measurements["dram triad"].bandwidth
    assert len([c for c in p.ceilings if c.kind == "compute"]) == 2


@pytest.mark.parametrize("threads", [1, 2, 8, 96])
def test_triad_block_fits_half_the_llc_or_a_quarter_of_l2(threads):
    c = M.CacheInfo(l1d=32 * 1024, l2=2**20, llc=32 * 2**20)
    block = M._triad_block(c, 8, threads)
    assert block & (block - 1) == 0                                   # a power of two
    assert block * 3 * threads * 8 <= c.llc / 2 or block == c.l2 // 32
    assert block >= c.l2 // 32

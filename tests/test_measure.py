"""rl.measure: counts against closed forms, result objects, input errors, the GPU skip. No timed assertions.

Oracles: the byte and FLOP counts come from rl.kernels' closed forms and from McCalpin's STREAM
definition (https://www.cs.virginia.edu/stream/ref.html: copy 16, scale 16, add 24, triad 24 bytes
per iteration in double precision). Timings are only checked to be positive and finite. The roofs are
checked structurally: each is the best of its candidates, the candidates' working sets sit where their
level says (relative to the cache sizes), quick and full runs use the same thread counts, and every
ready-made point carries the level its working set lives in. Speed targets live in bench/bench_stream.py.
"""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest

import rooflib as rl
from hypothesis import given, settings
from hypothesis import strategies as st

from rooflib import measure as M
from rooflib.measure import _gpu, _kernels, _machine, _roofs, _stream, _system


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


def test_in_place_update_counts_all_it_moves():
    # a = -a reads each line before writing it: 16 bytes per element, nothing allocated
    assert M.stream_counts("update", 1000, "fp64") == (1000.0, 16.0 * 1000)
    assert M.stream_counts("update", 1000, "fp64", write_allocate=True) == (1000.0, 16.0 * 1000)
    assert "update" not in M.STREAM_KERNELS          # McCalpin's four stay four


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


@pytest.mark.parametrize("kernel", ["copy", "scale", "add", "triad", "update"])
def test_stream_body_computes_the_stream_kernel(kernel):
    # the in-place, blocked numpy code does what STREAM's loop does (block smaller than n, ragged end)
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(1003) for _ in range(3))
    a0, b0, c0 = a.copy(), b.copy(), c.copy()
    _stream._stream_body(kernel, a, b, c, 3.0, block=100)()
    expected = {"copy": ("c", a0), "scale": ("b", 3.0 * c0), "add": ("c", a0 + b0), "triad": ("a", b0 + 3.0 * c0),
                "update": ("a", 3.0 * a0)}
    target, value = expected[kernel]
    np.testing.assert_allclose({"a": a, "b": b, "c": c}[target], value, rtol=1e-15)


def test_working_set_sets_elements_per_array():
    p = M.stream("add", working_set_bytes=3 * 8 * 5000, threads=1, repeat=1, warmup=0, min_time_s=0.0)
    assert p.bytes == 3 * 8 * 5000
    assert p.working_set_bytes == 3 * 8 * 5000 and p.level == "cache"
    u = M.stream("update", working_set_bytes=8 * 5000, threads=2, repeat=1, warmup=0, min_time_s=0.0)
    assert (u.flops, u.bytes, u.working_set_bytes) == (5000, 16 * 5000, 8 * 5000)   # one array, read and written


def test_fp32_stream_counts_four_bytes():
    p = M.stream("triad", 4000, dtype="fp32", threads=1, repeat=1, warmup=0, min_time_s=0.0)
    assert p.bytes == 3 * 4 * 4000 and p.flops == 2 * 4000


def test_ready_made_kernels_use_rl_kernels_counts():
    cases = [
        (M.time_triad(5000, threads=1, repeat=1, min_time_s=0.0), rl.kernels.triad(5000, "fp64")),
        (M.time_dot(5000, repeat=1, min_time_s=0.0), rl.kernels.dot(5000, "fp64")),
        (M.time_gemv(64, 32, repeat=1, min_time_s=0.0), rl.kernels.gemv(64, 32, "fp64")),
        (M.time_gemm(48, dtype="fp32", repeat=1, min_time_s=0.0), rl.kernels.gemm(48, 48, 48, "fp32")),
        (M.time_python_loop_triad(200, repeat=1), rl.kernels.triad(200, "fp64")),
    ]
    for point, w in cases:
        assert (point.flops, point.bytes) == (w.flops, w.bytes), point.name
        assert point.intensity == w.intensity


def test_fused_chain_moves_right_by_four():
    # unfused: 4 passes x (read n + write n) = 8n elements; fused: x read once, y written once = 2n
    n = 4096
    unf = M.time_elementwise_unfused(n, repeat=1, min_time_s=0.0)
    fus = M.time_elementwise_fused(n, block=1000, repeat=1, min_time_s=0.0)
    assert unf.flops == fus.flops == 4 * n
    assert unf.bytes == 8 * n * 8 and fus.bytes == 2 * n * 8
    assert fus.intensity == 4 * unf.intensity == 0.25


def test_fused_and_unfused_chain_compute_the_same_values(monkeypatch):
    # capture the output arrays through np.empty_like to check the arithmetic: y = 2 * max(1.5 x - 0.25, 0)
    outs = []
    real = np.empty_like
    monkeypatch.setattr(np, "empty_like", lambda x, *a, **k: outs.append(real(x, *a, **k)) or outs[-1])
    M.time_elementwise_unfused(1001, repeat=1, min_time_s=0.0)
    M.time_elementwise_fused(1001, block=64, repeat=1, min_time_s=0.0)
    monkeypatch.undo()
    x = _kernels._rng_array(1001, "fp64", 7)
    assert x.min() < 0 < x.max()              # some values below zero, so the max(., 0) matters
    expected = 2.0 * np.maximum(1.5 * x - 0.25, 0.0)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-14)
    np.testing.assert_allclose(outs[1], expected, rtol=1e-14)


# --- time_kernel() ------------------------------------------------------------------------------

def test_kernel_intensity_is_flops_over_bytes_exactly():
    calls = []
    p = M.time_kernel(lambda: calls.append(1), 1234.0, 5678.0, name="counter", repeat=3, warmup=2, number=4)
    assert p.intensity == 1234.0 / 5678.0
    assert p.flops_per_s == 1234.0 / p.time_s
    assert p.bandwidth == 5678.0 / p.time_s
    assert p.name == "counter" and len(p.times_s) == 3 and p.time_s == min(p.times_s)
    assert len(calls) == 2 + 3 * 4          # warm-up calls, then repeat x number
    assert _finite_positive(p.time_s)


def test_kernel_calls_sync_once_per_repetition():
    syncs = []
    M.time_kernel(lambda: None, 1, 1, repeat=4, warmup=1, number=3, sync=lambda: syncs.append(1))
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
        M.time_kernel(**kwargs)


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
    assert _system._parse_size("32K") == 32 * 1024
    assert _system._parse_size("1024K\n") == 2**20
    assert _system._parse_size("32M") == 32 * 2**20
    assert _system._parse_size("garbage") == 0


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
    assert p.bandwidth == m.dram_bandwidth == m.roofs["DRAM"]
    assert m.quick and m.device == "cpu" and not m.write_allocate_counted


def test_quick_machine_ceilings(quick_machine):
    p = quick_machine.platform
    memory = [c for c in p.ceilings if c.kind == "memory"]
    compute = [c for c in p.ceilings if c.kind == "compute"]
    assert memory == []                                    # a cache is a roof of its own, not a ceiling
    assert [(lv.name, lv.bandwidth) for lv in p.levels] == [("cache", quick_machine.cache_bandwidth)]
    assert p.for_level("cache").bandwidth == quick_machine.cache_bandwidth
    other = "fp32" if p.dtype == "fp64" else "fp64"
    assert [(c.name, c.value) for c in compute] == [(f"{other} matmul", p.peaks[other])]


def test_each_roof_is_the_best_of_its_measured_candidates(quick_machine):
    m = quick_machine
    plan = M.measurement_plan(quick=True, threads=m.threads, caches=m.caches)
    assert [c.name for c in m.candidates] == [c.measurement for c in plan]     # every planned candidate ran
    for level in M.LEVELS:
        group = [c for c in m.candidates if _roofs.roof_level(c.name) == level]
        assert {c.name.split()[1] for c in group} == {"triad", "update", "dot"}
        assert m.roofs[level] == max(c.bandwidth for c in group)
    for dt in ("fp64", "fp32"):
        assert m.peak(dt) == max(c.flops_per_s for c in m.candidates if c.name == f"gemm {dt}")
    assert m.cache_bandwidth == m.roofs["cache"]
    assert list(m.roofs) == ["cache", "DRAM"]


def test_quick_machine_raw_measurements(quick_machine):
    ms, caches = quick_machine.measurements, quick_machine.caches
    assert set(ms) == {"dram triad", "dram update", "dram dot", "cache triad", "cache update", "cache dot",
                       "gemm fp64", "gemm fp32"}
    configs = M.thread_configs(quick_machine.threads)
    for name, point in ms.items():
        assert _finite_positive(point.time_s), name
        assert point.threads in configs, name                  # the winner is one of the planned thread counts
        assert point.level == M.memory_level(point.working_set_bytes, caches), name
    for name in ("dram triad", "dram update", "dram dot"):
        assert ms[name].level == "DRAM" and ms[name].working_set_bytes >= M.dram_sized_bytes(caches)
    for name in ("cache triad", "cache update", "cache dot"):
        assert ms[name].level == "cache" and ms[name].working_set_bytes <= caches.llc_total / 4 * 1.001
    assert ms["gemm fp64"].flops in (2 * 1536**3, 2 * 768**3, 2 * 512**3, 2 * 256**3)
    text = str(quick_machine)
    assert "write-allocate traffic not counted" in text and quick_machine.blas.library in text
    assert "DRAM roof" in text and "best of dram triad, dram update, dram dot" in text


def test_quick_machine_to_dataframe(quick_machine):
    ms = quick_machine.measurements
    df = quick_machine.to_dataframe()
    assert list(df.index) == list(ms) and df.index.name == "name"
    assert list(df.columns) == ["flops", "bytes", "time_s", "flops_per_s", "bandwidth", "intensity", "threads",
                                "repeats", "spread", "level", "working_set_bytes"]
    for name, point in ms.items():
        row = df.loc[name]
        assert (row["flops"], row["bytes"], row["time_s"]) == (point.flops, point.bytes, point.time_s)
        assert row["flops_per_s"] == point.flops_per_s and row["bandwidth"] == point.bandwidth
        assert row["intensity"] == point.intensity and row["threads"] == point.threads
        assert row["repeats"] == len(point.times_s) and row["spread"] == point.spread
        assert row["level"] == point.level and row["working_set_bytes"] == point.working_set_bytes


def test_quick_machine_summary_is_a_dict_with_units_in_its_keys(quick_machine):
    m, p = quick_machine, quick_machine.platform
    s = m.summary()
    assert isinstance(s, dict)
    assert s["dram_bandwidth"] == m.dram_bandwidth == p.bandwidth
    assert s["cache_bandwidth"] == m.cache_bandwidth
    assert s["peak_flops_per_s"] == p.peak_flops_per_s and s["dtype"] == p.dtype
    assert s["peak_flops_per_s_fp64"] == p.peaks["fp64"] == m.measurements["gemm fp64"].flops_per_s
    assert s["peak_flops_per_s_fp32"] == p.peaks["fp32"] == m.measurements["gemm fp32"].flops_per_s
    assert s["ridge_point"] == p.ridge_point and s["threads"] == m.threads
    assert s["platform"] == p.name and s["device"] == "cpu" and s["quick"] is True
    assert s["write_allocate_counted"] is False and s["elapsed_s"] == m.elapsed_s
    assert s["blas"] == str(m.blas)


def test_quick_machine_renders_text_and_html_from_its_dataframe(quick_machine):
    text, page = str(quick_machine), quick_machine._repr_html_()
    for name in quick_machine.measurements:
        assert name in text and name in page
    point = quick_machine.measurements["dram triad"]
    assert rl.units.fmt_bandwidth(point.bandwidth) in text and rl.units.fmt_bandwidth(point.bandwidth) in page
    assert "cache roof" in text and "cache roof" in page
    assert "ridge point" in text and "<table" in page and "write-allocate traffic not counted" in page


def test_machine_measurement_without_measurements_still_renders():
    caches = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    m = M.MachineMeasurement(rl.Platform("fake", 1e11, 2e10), {}, M.BlasInfo("x", "", 1), 2, caches, True)
    assert m.to_dataframe().empty and "fake" in str(m) and "<table" in m._repr_html_()
    s = m.summary()
    assert s["cache_bandwidth"] is None and s["dram_bandwidth"] == 2e10
    assert s[f"peak_flops_per_s_{m.platform.dtype}"] == 1e11


def test_quick_machine_plots_its_cache_roof_and_ceilings(quick_machine):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = quick_machine.plot()
    gids = {ln.get_gid() for ln in ax.lines}
    name = quick_machine.platform.name
    assert f"roof-{name}" in gids and f"level-{name}-cache" in gids
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
    # measured kernels are time_*; the counting names belong to rl.kernels alone (no old aliases)
    for old in ("triad", "dot", "gemv", "gemm", "kernel", "standard_kernels", "elementwise_unfused",
                "elementwise_fused", "python_loop_triad"):
        assert not hasattr(M, old), old
        assert f"time_{old}" in M.__all__


@pytest.mark.parametrize("fn, args", [
    (M.time_triad, (1000,)), (M.time_dot, (1000,)), (M.time_gemv, (16, 16)), (M.time_gemm, (16,)),
    (M.gemm_peak, (16,)), (M.time_elementwise_unfused, (1000,)), (M.time_elementwise_fused, (1000,)),
    (M.time_python_loop_triad, (100,)),
])
def test_measured_kernels_default_to_fp64_and_take_dtype_by_keyword(fn, args):
    import inspect

    param = inspect.signature(fn).parameters["dtype"]
    assert param.default == "fp64" and param.kind is inspect.Parameter.KEYWORD_ONLY
    assert "fp64" in fn.__doc__
    with pytest.raises(TypeError):
        fn(*args, "fp32")


def test_standard_kernels_and_gpu_reject_a_string_flag():
    with pytest.raises(ValueError, match="quick"):
        M.time_standard_kernels(quick="False")
    with pytest.raises(ValueError, match="quick"):
        M.gpu(quick="False")


def test_cpu_model_and_memory():
    assert isinstance(M.cpu_model(), str) and M.cpu_model()
    assert _finite_positive(M.physical_memory_bytes())


# --- roof helpers ------------------------------------------------------------------------------

def test_best_point_takes_the_highest_rate_and_skips_missing():
    slow, fast = M.MeasuredPoint("a", 1, 1, 2.0, threads=2), M.MeasuredPoint("a", 1, 1, 1.0, threads=1)
    assert _roofs.best_point([slow, None, fast]) is fast
    big_slow = M.MeasuredPoint("g", 8e9, 1e6, 0.1)           # 80 GFLOP/s, 10 MB/s
    small_fast = M.MeasuredPoint("g", 1e9, 1e6, 0.02)        # 50 GFLOP/s, 50 MB/s
    assert _roofs.best_point([big_slow, small_fast], by="flops_per_s") is big_slow
    assert _roofs.best_point([big_slow, small_fast]) is small_fast
    with pytest.raises(ValueError, match="by"):
        _roofs.best_point([fast], by="speed")


def test_blas_limit_sets_the_thread_count():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    limit, used = _kernels.blas_limit(1)
    with limit:
        assert used == 1 and all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    p = M.time_gemm(32, blas_threads=1, repeat=1, min_time_s=0.0)
    assert p.threads == 1 and p.flops == 2 * 32**3
    with pytest.raises(ValueError, match="blas_threads"):
        M.time_dot(100, blas_threads=0)


def test_blocked_triad_matches_the_formula():
    rng = np.random.default_rng(3)
    b, c = rng.standard_normal(1001), rng.standard_normal(1001)
    a = np.empty_like(b)
    M.blocked_triad(a, b, c, 3.0, block=64)
    np.testing.assert_allclose(a, b + 3.0 * c, rtol=1e-15)
    with pytest.raises(ValueError, match="block"):
        M.blocked_triad(a, b, c, 3.0, block=0)


def _numpy_gpu_ops():
    """Stand-in for _gpu._gpu_ops with numpy arrays: exercises gpu()'s flow without a GPU."""
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
    monkeypatch.setattr(_gpu, "gpu_backend", lambda: "torch")
    monkeypatch.setattr(_gpu, "_gpu_ops", lambda backend: _numpy_gpu_ops())
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
    assert p.bandwidth == max(m.bandwidth for k, m in g.measurements.items() if k.startswith("dram "))
    assert [lv.name for lv in p.levels] == ["cache"] and not [c for c in p.ceilings if c.kind == "memory"]
    assert len([c for c in p.ceilings if c.kind == "compute"]) == 2


@pytest.mark.parametrize("threads", [1, 2, 8, 96])
def test_triad_block_fits_half_the_llc_or_a_quarter_of_l2(threads):
    c = M.CacheInfo(l1d=32 * 1024, l2=2**20, llc=32 * 2**20)
    block = _stream._triad_block(c, 8, threads)
    assert block & (block - 1) == 0                                   # a power of two
    assert block * 3 * threads * 8 <= c.llc / 2 or block == c.l2 // 32
    assert block >= c.l2 // 32


# --- memory levels, the plan of candidates, and judging a point against its roof -------------

VM = M.CacheInfo(l1d=32 * 1024, l2=2**20, llc=32 * 2**20)                       # this course's 2-core VM
BIG = M.CacheInfo(l1d=48 * 1024, l2=2 * 2**20, llc=32 * 2**20, llc_instances=12)  # a 96-core socket


@pytest.mark.parametrize("caches", [VM, BIG])
def test_dram_sized_is_far_beyond_every_cache(caches):
    dram = M.dram_sized_bytes(caches)
    assert dram >= 4 * caches.llc_total and dram >= 8 * caches.llc     # 8x: hidden chiplets in a VM
    assert M.memory_level(dram, caches) == "DRAM"
    assert M.memory_level(dram - 1, caches) == "cache"
    assert M.cache_sized_bytes(caches) == caches.l2 // 2
    assert M.memory_level(M.cache_sized_bytes(caches), caches) == "cache"
    assert caches.llc_total == caches.llc * caches.llc_instances


@settings(max_examples=60, deadline=None)
@given(ws=st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_memory_level_is_dram_exactly_from_the_dram_size(ws):
    assert (M.memory_level(ws, VM) == "DRAM") == (ws >= M.dram_sized_bytes(VM))


def test_cache_info_counts_last_level_instances():
    c = M.cache_info()
    assert c.llc_instances >= 1 and c.llc_total >= c.llc


@pytest.mark.parametrize("caches, threads", [(VM, 2), (VM, 1), (BIG, 96)])
def test_plan_places_each_candidate_at_its_level(caches, threads):
    for quick in (True, False):
        plan = M.measurement_plan(quick, threads, caches)
        for c in plan:
            assert c.level == M.memory_level(c.working_set_bytes, caches), c
            assert c.level == {"dram": "DRAM", "cache": "cache", "gemm": c.level}[c.measurement.split()[0]], c
            if c.level == "DRAM" and c.kernel != "gemm":
                assert c.working_set_bytes >= M.dram_sized_bytes(caches)
            if c.measurement.startswith("cache "):
                # in the cores' L2 (half of each core's) or in a quarter of the last-level cache
                assert c.working_set_bytes <= max(c.threads * caches.l2 / 2, caches.llc / 4) * 1.001 + 8 * 1024
        # every roof has its triad, update and dot on every thread count
        for prefix in ("dram", "cache"):
            for k in ("triad", "update", "dot"):
                assert {c.threads for c in plan if c.measurement == f"{prefix} {k}"} == set(M.thread_configs(threads))
        assert {c.measurement for c in plan if c.kernel == "gemm"} == {"gemm fp64", "gemm fp32"}


def test_quick_and_full_use_the_same_thread_counts():
    # the C STREAM triad's best is usually every core; quick mode must try that configuration too
    quick, full = M.measurement_plan(True), M.measurement_plan(False)
    assert {c.threads for c in quick} == {c.threads for c in full} == set(M.thread_configs())
    assert M.default_threads() in {c.threads for c in quick if c.measurement == "dram triad"}
    assert M.thread_configs(1) == (1,) and M.thread_configs(4) == (4, 1)
    full_kernels = {c.measurement for c in full if c.measurement.startswith("dram ")}
    assert full_kernels == {"dram copy", "dram scale", "dram add", "dram triad", "dram update", "dram dot"}
    assert min(c.working_set_bytes for c in quick if c.level == "DRAM" and c.kernel != "gemm") \
        >= M.dram_sized_bytes()
    with pytest.raises(ValueError, match="quick"):
        M.measurement_plan("no")


def _fake_machine(roofs=None, peaks=None):
    roofs = roofs or {"cache": 2e11, "DRAM": 5e10}
    peaks = peaks or {"fp64": 1e11, "fp32": 2e11}
    ms = {f"{'dram' if lv == 'DRAM' else lv} update": M.MeasuredPoint("u", 1, bw, 1.0) for lv, bw in roofs.items()}
    ms.update({f"gemm {dt}": M.MeasuredPoint(f"gemm {dt}", v, 1, 1.0) for dt, v in peaks.items()})
    plat = _machine.platform_from(ms, "fake", "fake", "CPU")
    return M.MachineMeasurement(plat, ms, M.BlasInfo("x", "", 1), 2, VM, True, candidates=tuple(
        m.replace(name=k) for k, m in ms.items()))


def test_a_point_is_judged_against_the_roof_of_its_level_and_dtype():
    m = _fake_machine()
    assert dict(m.roofs) == {"cache": 2e11, "DRAM": 5e10} and m.platform.bandwidth == 5e10
    dram = M.MeasuredPoint("d", flops=1e9, bytes=8e9, time_s=0.2, working_set_bytes=1e9, level="DRAM", dtype="fp64")
    cache = dram.replace(level="cache")
    assert m.attainable(dram) == pytest.approx(5e10 / 8) and m.attainable(cache) == pytest.approx(2e11 / 8)
    assert m.ratio_to_roof(dram) == pytest.approx(5e9 / (5e10 / 8))
    unknown = dram.replace(level="")                       # no level given: the DRAM roof, as the plot draws it
    assert m.attainable(unknown) == m.attainable(dram)
    dense = M.MeasuredPoint("g", flops=1e12, bytes=1e9, time_s=20.0, level="cache", dtype="fp64")
    assert m.attainable(dense) == 1e11                     # its dtype's peak, not the platform's best (fp32)
    assert m.attainable(dense.replace(dtype="")) == 2e11
    assert m.bandwidth_at("cache") == 2e11 and m.bandwidth_at("DRAM") == m.bandwidth_at("") == 5e10
    with pytest.raises(KeyError, match="L7"):
        m.bandwidth_at("L7")


def test_best_with_keeps_the_best_of_both_runs():
    a = _fake_machine({"cache": 2e11, "DRAM": 4e10}, {"fp64": 1e11, "fp32": 1.5e11})
    b = _fake_machine({"cache": 1e11, "DRAM": 5e10}, {"fp64": 0.5e11, "fp32": 2e11})
    both = a.best_with(b)
    assert dict(both.roofs) == {"cache": 2e11, "DRAM": 5e10}
    assert both.peak("fp64") == 1e11 and both.peak("fp32") == 2e11 and both.platform.bandwidth == 5e10
    assert len(both.candidates) == len(a.candidates) + len(b.candidates)
    with pytest.raises(ValueError, match="other"):
        a.best_with("b")


def test_measured_point_level_and_working_set_are_checked():
    with pytest.raises(KeyError, match="memory level"):
        M.MeasuredPoint("x", 1, 1, 1.0, level="L7")
    with pytest.raises(ValueError, match="working_set_bytes"):
        M.MeasuredPoint("x", 1, 1, 1.0, working_set_bytes=-1)
    assert M.MeasuredPoint("x", 1, 1, 1.0, dtype="float64").dtype == "fp64"
    p = M.time_kernel(lambda: None, 1, 8, working_set_bytes=8, number=1, repeat=1)
    assert (p.level, p.working_set_bytes) == ("cache", 8)
    assert M.time_kernel(lambda: None, 1, 8, number=1, repeat=1).level == ""


def test_standard_kernels_live_where_their_names_say(monkeypatch):
    # shrink "DRAM-sized" to 3 MiB so the whole set runs in a moment; the sizing rules are what is checked
    small = 3 * 2**20
    monkeypatch.setattr(_system, "dram_sized_bytes", lambda caches=None: small)
    monkeypatch.setattr(_kernels, "dram_sized_bytes", lambda caches=None: small)
    monkeypatch.setattr(M, "time_gemm", M.time_gemm)
    points = M.time_standard_kernels(quick=True)
    names = [p.name for p in points]
    assert len(names) == len(set(names)) == 10
    for p in points:
        assert p.level == M.memory_level(p.working_set_bytes), p.name   # the level its working set lives in
        assert p.name.endswith(f"({p.level})") and p.level in p.notes, p.name
        assert p.dtype == "fp64" and p.threads >= 1
    by = {p.name.split(" n=")[0].split(" (")[0]: p for p in points}
    for k in ("triad", "dot", "chain unfused", "chain fused"):
        assert by[k].level == "DRAM" and by[k].working_set_bytes >= small, k
    gemv = next(p for p in points if p.name.startswith("gemv"))
    assert gemv.level == "DRAM" and gemv.working_set_bytes >= small
    for k in ("python loop", "vectorised"):
        assert by[k].level == "cache" and by[k].working_set_bytes <= M.cache_sized_bytes(), k
    assert by["python loop"].intensity == by["vectorised"].intensity == 1 / 12
    assert by["python loop"].working_set_bytes == by["vectorised"].working_set_bytes


def test_default_sizes_are_dram_sized():
    # the ready-made kernels' defaults (no n given) reach the DRAM size; computed, not run
    dram = M.dram_sized_bytes()
    for arrays in (1, 2, 3):
        n = _kernels._dram_elements(arrays, "fp64")
        assert arrays * n * 8 >= dram and arrays * (n - 1) * 8 < dram
    m = math.isqrt(_kernels._dram_elements(1, "fp64") - 1) + 1
    assert m * m * 8 >= dram

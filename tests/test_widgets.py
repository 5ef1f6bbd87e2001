"""The lecture explorers (rooflib.widgets) and notebook 04's moves (rooflib.moves).

Every explorer is built and moved as a student would move it; what the figure shows is read back
from its SVG (the marker positions in pixels) and compared with numbers computed here from closed
forms (min(π, β·I), 2n³ and 3n²·s, byte counts of fused / int8 / batched kernels) or with the rl
computations they must agree with (Platform.attainable, rl.cnn). The pixel mapping of a log-log
panel is recomputed here from the panel's declared limits and box (see rooflib/widgets/_chart.py).
Notebooks 01-04 and 06 (notebook 05's explorer: tests/test_llm_widgets.py; every explorer, 07's
included, is built and moved by test_every_explorer_is_an_explorer_with_the_same_attributes).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import ipywidgets as widgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rooflib as rl
import rooflib.measure as M
from rooflib import widgets as W

GTX_PI, GTX_BETA = 11.3e12, 484e9          # GTX 1080 Ti, rooflib/data/platforms.toml (NVIDIA datasheet)
NS = "{http://www.w3.org/2000/svg}"


# --- reading the SVG back ---------------------------------------------------------------------------

def svg(ex) -> ET.Element:
    return ET.fromstring(ex.fig.value)


def classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def panel(root, name: str | None = None):
    """(xlim, ylim, box) of the panel called ``name`` (the only one if None)."""
    axes = [g for g in root.iter(f"{NS}g") if "rl-axes" in classes(g) and (name is None or g.get("data-name") == name)]
    assert len(axes) == 1, [g.get("data-name") for g in root.iter(f"{NS}g") if "rl-axes" in classes(g)]
    g = axes[0]
    xlim, ylim, box = (tuple(map(float, g.get(k).split())) for k in ("data-xlim", "data-ylim", "data-box"))
    return xlim, ylim, box


def to_px(ax, x: float, y: float) -> tuple[float, float]:
    """Data -> pixels on a log-log panel, computed independently of the library."""
    (x0, x1), (y0, y1), (left, top, w, h) = ax
    return (left + w * math.log10(x / x0) / math.log10(x1 / x0),
            top + h * (1 - math.log10(y / y0) / math.log10(y1 / y0)))


def markers(root, cls: str) -> list[tuple[float, float]]:
    """Pixel centres of the markers with CSS class ``cls``, in drawing order."""
    out = []
    for el in root.iter(f"{NS}path"):
        if cls in classes(el):
            m = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", el.get("transform"))
            out.append((float(m.group(1)), float(m.group(2))))
    return out


def marker_fills(root, cls: str) -> list[str]:
    return [el.get("fill") for el in root.iter(f"{NS}path") if cls in classes(el)]


def polyline(root, cls: str) -> list[tuple[float, float]]:
    (el,) = [e for e in root.iter(f"{NS}polyline") if cls in classes(e)]
    return [tuple(map(float, p.split(","))) for p in el.get("points").split()]


def has(root, cls: str) -> bool:
    return any(cls in classes(el) for el in root.iter())


def assert_at(points, expected, tol: float = 0.02) -> None:
    """Pixel positions equal within ``tol`` px (SVG coordinates are written with two decimals)."""
    np.testing.assert_allclose(np.asarray(points, float), np.asarray(expected, float), atol=tol, rtol=0)


# --- every explorer: one class, the same attributes ---------------------------------------------------

def _fake_machine():
    caches = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    plat = rl.Platform("fake", 1e11, 2e10, ceilings=(rl.Ceiling("cache triad", 8e10, "memory"),))
    return M.MachineMeasurement(plat, {}, M.BlasInfo("x", "", 1), 2, caches, True)


def _fake_triad(ws: int) -> M.MeasuredPoint:
    """Bandwidth falls from 8e10 to 2e10 bytes/s once the working set leaves L2 (2 cores x 1 MiB)."""
    n = ws // 24
    bw = 8e10 if ws <= 2 * 2**20 else 2e10
    return M.MeasuredPoint("fake", 2 * n, 24 * n, 24 * n / bw)


SIZES = [96 * 1024, 1536 * 1024, 96 * 2**20]
EXPLORERS = {
    "gemm": (lambda: W.gemm_explorer(), {"n": 2000, "dtype": "fp16"}),
    "roofline": (lambda: W.roofline_explorer(), {"peak_flops_per_s": 1e15, "bandwidth": 3e12, "intensity": 0.02}),
    "optimisation": (lambda: W.optimisation_explorer(), {"move": "batch", "batch": 64}),
    "cnn": (lambda: W.cnn_explorer(), {"model": "resnet50", "platform": "raspberry-pi-5", "batch": 8}),
    "llm": (lambda: W.llm_explorer(), {"batch": 64, "phase": "prefill"}),
    "working_set": (lambda: W.working_set_explorer(_fake_machine(), sizes=SIZES, initial=SIZES[0],
                                                   measure_fn=_fake_triad), {"working_set": SIZES[2]}),
    "parallel": (lambda: W.parallel_explorer("llama-3-70b", "h100-sxm", devices=8, batch=16, seq_len=4096),
                 {"batch": 64}),
}


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_explorer_is_an_explorer_with_the_same_attributes(name):
    build, move = EXPLORERS[name]
    ex = build()
    assert type(ex) is W.Explorer
    assert isinstance(ex.view, widgets.VBox) and ex.fig in ex.view.children and ex.text in ex.view.children
    assert isinstance(ex.fig, widgets.HTML) and isinstance(ex.text, widgets.HTML) and ex.text.value
    assert ex.controls and all(isinstance(c, widgets.ValueWidget) for c in ex.controls.values())
    shown = {id(w) for box in ex.view.children[:-2] for w in box.children}
    assert {id(c) for c in ex.controls.values()} == shown                  # every control is in the view
    assert isinstance(ex.state, dict) and ex.state
    before_svg, before_state = ex.fig.value, dict(ex.state)
    assert ex.set(**move) is ex
    assert ex.fig.value != before_svg and ex.state != before_state
    assert {k: ex.controls[k].value for k in move} == move
    for key, value in ex.state.items():                                    # verdicts: exactly memory / compute
        if key.startswith("bound"):
            assert value in ("memory", "compute"), (key, value)
    root = svg(ex)                                                          # well-formed, with alt text
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and len(root.get("aria-label")) > 40
    assert root.find(f"{NS}title").text == root.get("aria-label")
    assert ex._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.view.model_id


def test_explorer_set_rejects_unknown_control_and_redraws_once():
    ex = W.roofline_explorer()
    with pytest.raises(KeyError, match="did you mean 'intensity'"):
        ex.set(intensty=3)
    seen = []
    ex.fig.observe(lambda change: seen.append(change["new"]), names="value")
    ex.set(peak_flops_per_s=2e13, bandwidth=1e12, intensity=100.0)
    assert len(seen) == 1                            # three controls, one new figure


def test_a_move_costs_a_few_milliseconds_of_python():
    ex = W.roofline_explorer()
    values = [v for _, v in ex.controls["intensity"].options][::3]
    t0 = time.perf_counter()
    for v in values:
        ex.set(intensity=v)
    per_move_ms = (time.perf_counter() - t0) / len(values) * 1e3
    assert per_move_ms < 25, f"{per_move_ms:.1f} ms per move (the browser budget is 60 ms in all)"


def test_importing_the_explorers_does_not_import_matplotlib():
    code = "import sys, rooflib.widgets; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


# --- notebook 02: the roofline explorer ----------------------------------------------------------------

def test_roofline_explorer_starts_at_the_1080ti_at_I_7():
    ex = W.roofline_explorer("gtx-1080-ti", intensity=7.0)
    # the controls hold the exact catalogue values (a FloatLogSlider would be snapped by the browser)
    assert [ex.controls[k].value for k in ("peak_flops_per_s", "bandwidth", "intensity")] == [GTX_PI, GTX_BETA, 7.0]
    assert W.roofline_explorer(intensity=7.31).controls["intensity"].value == 7.31
    assert ex.state["bound"] == "memory" and ex.state["attainable"] == pytest.approx(GTX_BETA * 7)
    assert ex.state["caption"].splitlines()[0] == "memory-bound"
    assert "23.35 FLOP/byte" in ex.text.value and "3.39 TFLOP/s" in ex.text.value
    root = svg(ex)
    ax = panel(root)
    (pt,) = markers(root, "rl-point")
    assert_at(pt, to_px(ax, 7.0, GTX_BETA * 7))                      # memory-bound: β·I = 3.388 TFLOP/s
    (ridge,) = markers(root, "rl-ridge")
    assert_at(ridge, to_px(ax, GTX_PI / GTX_BETA, GTX_PI))
    label = root.get("aria-label")
    assert "GTX 1080 Ti" in label and "23.3 FLOP/byte" in label and "memory-bound" in label


def test_roofline_explorer_roof_regions_and_ridge_follow_pi_and_beta():
    ex = W.roofline_explorer()
    ex.set(peak_flops_per_s=2e13, bandwidth=1e12, intensity=100.0)
    root = svg(ex)
    ax = panel(root)
    (x0, x1), (y0, _), _ = ax
    roof = polyline(root, "rl-roof")
    assert_at(roof, [to_px(ax, x, min(2e13, 1e12 * x)) for x in (x0, 20.0, x1)])
    assert_at(markers(root, "rl-ridge")[0], to_px(ax, 20.0, 2e13))
    ridge_px = to_px(ax, 20.0, y0)[0]
    mem = [e for e in root.iter(f"{NS}polygon") if "rl-region-memory" in classes(e)][0]
    cmp_ = [e for e in root.iter(f"{NS}polygon") if "rl-region-compute" in classes(e)][0]
    assert_at(max(float(p.split(",")[0]) for p in mem.get("points").split()), ridge_px)
    assert_at(min(float(p.split(",")[0]) for p in cmp_.get("points").split()), ridge_px)
    assert mem.get("fill") == rl.plot.MEMORY_COLOR and cmp_.get("fill") == rl.plot.COMPUTE_COLOR
    assert_at(markers(root, "rl-point")[0], to_px(ax, 100.0, 2e13))
    assert marker_fills(root, "rl-point") == [rl.plot.COMPUTE_COLOR]
    assert ex.state["bound"] == "compute" and ex.state["fraction_of_peak"] == 1.0
    assert "compute-bound" in ex.text.value and "100% of peak" in ex.state["caption"]
    assert "ridge π/β = 20 FLOP/byte" in ex.fig.value


def _grid(lo, hi):
    return [v for _, v in W.log_options(lo, hi)]


def test_log_options_are_round_values_plus_the_exact_ones():
    opts = W.log_options(1e11, 1e16, lambda v: rl.units.eng(v, "FLOP/s"), [11.3e12])
    values = [v for _, v in opts]
    assert values == sorted(values) and values[0] == 1e11 and values[-1] == 1e16
    assert 11.3e12 in values and 1.2e13 in values and 1.5e12 in values
    assert len({label for label, _ in opts}) == len(opts) == 5 * 11 + 1 + 1      # 5 decades x 11, 1e16, 11.3e12
    with pytest.raises(ValueError, match="hi must be larger than lo"):
        W.log_options(10, 1)


@settings(max_examples=25, deadline=None)
@given(pi=st.sampled_from(_grid(1e11, 1e16)), beta=st.sampled_from(_grid(1e10, 1e13)),
       intensity=st.sampled_from(_grid(0.01, 1e4)))
def test_roofline_explorer_point_is_min_of_pi_and_beta_I(pi, beta, intensity):
    ex = W.roofline_explorer()
    ex.set(peak_flops_per_s=pi, bandwidth=beta, intensity=intensity)
    root = svg(ex)
    ax = panel(root)
    expected = min(pi, beta * intensity)                              # the closed form, not the library
    assert expected == pytest.approx(rl.Platform("p", pi, beta).attainable(intensity))
    assert_at(markers(root, "rl-point")[0], to_px(ax, intensity, expected))
    (x0, x1), (y0, y1), (left, top, w, h) = ax
    px, py = markers(root, "rl-point")[0]
    assert left < px < left + w and top < py < top + h                 # the point is always inside the panel
    bound = "memory" if intensity < pi / beta else "compute"
    assert ex.state["bound"] == bound and f"{bound}-bound" in ex.text.value
    assert ex.state["attainable"] == pytest.approx(expected)


def test_roofline_explorer_axes_have_decade_ticks_with_units():
    root = svg(W.roofline_explorer())
    xt = [t.text for t in root.iter(f"{NS}text") if "rl-xtick" in classes(t)]
    yt = [t.text for t in root.iter(f"{NS}text") if "rl-ytick" in classes(t)]
    assert xt == ["0.01", "0.1", "1", "10", "100", "1000", "10 k"]
    assert yt[0] == "100 MFLOP/s" and "10 TFLOP/s" in yt and yt[-1] == "10 PFLOP/s"
    assert [t.text for t in root.iter(f"{NS}text") if "rl-xlabel" in classes(t)] == ["arithmetic intensity I (FLOP/byte)"]
    sizes = {int(t.get("font-size")) for t in root.iter(f"{NS}text")}
    assert min(sizes) >= 16                                             # readable on a projector


def test_roofline_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="intensity must be a positive finite number of FLOP/byte"):
        W.roofline_explorer(intensity=-1)
    with pytest.raises(KeyError, match="unknown platform"):
        W.roofline_explorer("gtx-1080-tie-fighter")


# --- notebook 01: the square GEMM -------------------------------------------------------------------

@pytest.mark.parametrize("n, dtype, s", [(1, "fp32", 4), (64, "fp32", 4), (600, "fp16", 2), (1000, "int8", 1),
                                         (37, "fp64", 8)])
def test_gemm_square_counts_match_closed_form_and_kernels(n, dtype, s):
    c = W.gemm_square_counts(n, dtype)
    assert c["flops"] == 2 * n**3                       # n^3 multiply-adds, 2 FLOPs each
    assert c["bytes"] == 3 * n**2 * s                   # A, B read once, C written once
    assert c["intensity"] == pytest.approx(2 * n / (3 * s))
    lib = rl.kernels.gemm(n, n, n, dtype)
    assert (lib.flops, lib.bytes) == (c["flops"], c["bytes"])


def test_gemm_square_counts_rejects_bad_n():
    with pytest.raises(ValueError, match="n must be a whole number >= 1, got 0"):
        W.gemm_square_counts(0)


def test_gemm_explorer_slider_moves_points_and_text():
    ex = W.gemm_explorer(n=128)
    ex.set(n=600)
    root = svg(ex)
    counts, inten = panel(root, "counts"), panel(root, "intensity")
    assert_at(markers(root, "rl-flops-point")[0], to_px(counts, 600, 2 * 600**3))
    assert_at(markers(root, "rl-bytes-point")[0], to_px(counts, 600, 3 * 600**2 * 4))
    assert_at(markers(root, "rl-intensity-point")[0], to_px(inten, 600, 100.0))
    assert "432,000,000 FLOPs" in ex.text.value and "4,320,000 bytes" in ex.text.value
    assert "<b>100 FLOP/byte</b>" in ex.text.value and "compute-bound" in ex.text.value


def test_gemm_explorer_verdict_flips_at_n_141_on_the_1080ti():
    # n/6 >= 11.3e12/484e9 = 23.347... first holds at n = 141
    ex = W.gemm_explorer(n=10)
    ex.set(n=140)
    assert ex.state["bound"] == "memory" and "memory-bound" in ex.text.value
    ex.set(n=141)
    assert ex.state["bound"] == "compute" and "compute-bound" in ex.text.value
    root = svg(ex)
    ax = panel(root, "intensity")
    line = polyline(root, "rl-ridge-line")
    assert_at(line[0][1], to_px(ax, 1, GTX_PI / GTX_BETA)[1])


def test_gemm_explorer_dtype_switches_the_roof():
    # Issue 11, error 4: on the GTX 1080 Ti fp64 runs at 1/32 of the fp32 rate (ridge 0.73) and fp16 at 1/64
    ex = W.gemm_explorer(n=300)
    ex.set(dtype="fp64")
    root = svg(ex)
    ax = panel(root, "intensity")
    ridge64 = GTX_PI / 32 / GTX_BETA
    assert ex.state["ridge_point"] == pytest.approx(ridge64) and round(ridge64, 2) == 0.73
    assert_at(polyline(root, "rl-ridge-line")[0][1], to_px(ax, 1, ridge64)[1])
    ex.set(dtype="fp16", n=2)
    assert ex.state["ridge_point"] == pytest.approx(GTX_PI / 64 / GTX_BETA) and ex.state["bound"] == "compute"
    ex.set(dtype="int8")                                     # no int8 peak listed: no roof, no verdict, said so
    root = svg(ex)
    assert ex.state["bound"] is None and ex.state["ridge_point"] is None and not has(root, "rl-ridge-line")
    assert "lists no int8 peak" in ex.text.value
    assert dict(ex.controls["dtype"].options)["int8 (no int8 peak listed)"] == "int8"


def test_gemm_explorer_dtype_changes_bytes_and_intensity_lines():
    ex = W.gemm_explorer(n=300)
    ex.set(dtype="fp16")
    root = svg(ex)
    counts, inten = panel(root, "counts"), panel(root, "intensity")
    assert_at(polyline(root, "rl-bytes-line"), [to_px(counts, n, 3.0 * n**2 * 2) for n in (1, 4096)])
    assert_at(polyline(root, "rl-flops-line"), [to_px(counts, n, 2.0 * n**3) for n in (1, 4096)])  # not dtype
    assert_at(polyline(root, "rl-intensity-line"), [to_px(inten, n, n / 3) for n in (1, 4096)])
    assert ex.state["intensity"] == pytest.approx(100.0)


# --- notebook 04: optimisation moves (rl.moves) and their explorer ---------------------------------

@pytest.fixture(scope="module")
def moves():
    return {o.name: o for o in rl.moves.examples("gtx-1080-ti")}


def _move(moves, start):
    (o,) = [m for name, m in moves.items() if name.startswith(start)]
    return o


def test_each_example_move_targets_work_bound_the_way_it_claims(moves):
    gtx = rl.platforms.get("gtx-1080-ti")
    assert len(moves) == 8
    for o in moves.values():
        assert gtx.bound(o.before) == o.kind == o.bound_before, o.name
        assert o.speedup > 1, o.name
        assert o.time_before_s == pytest.approx(max(o.before.flops / gtx.peak_flops_per_s, o.before.bytes / gtx.bandwidth))


def test_fusion_removes_two_round_trips(moves):
    o = _move(moves, "operator fusion")
    n = 2**24
    assert o.before.bytes == 3 * (n + n) * 4 and o.after.bytes == (n + n) * 4   # 3 read+write passes -> 1
    assert o.before.flops == o.after.flops == 3 * n
    assert o.speedup == pytest.approx(3.0)
    assert rl.moves.fuse("gtx-1080-ti", ops=5).speedup == pytest.approx(5.0)    # memory-bound: bytes / 5


def test_int8_weights_halve_the_bytes_of_an_fp16_gemv(moves):
    o = _move(moves, "lower precision")
    m = n = 4096
    assert o.before.bytes == (m * n + m + n) * 2
    assert o.after.bytes == m * n * 1 + (m + n) * 2
    assert o.after.bytes / o.before.bytes == pytest.approx(0.5, rel=1e-3)
    four = rl.moves.quantise_weights("gtx-1080-ti", "int4")
    assert four.after.bytes == m * n * 0.5 + (m + n) * 2


def test_batching_reads_weights_once(moves):
    o = _move(moves, "weight reuse")
    k = m = 4096
    b = 16
    assert o.before.bytes == b * (m * k + m + k) * 2
    assert o.after.bytes == (m * k + k * b + m * b) * 2
    assert o.before.flops == o.after.flops == 2 * m * k * b
    assert o.speedup == pytest.approx(o.before.bytes / o.after.bytes)           # memory-bound before and after


def test_tiling_formula(moves):
    o = _move(moves, "on-chip reuse")
    n, t = 1024, 32
    assert o.before.bytes == (2 * n**3 + n**2) * 4 and o.after.bytes == (2 * n**3 / t + n**2) * 4
    assert o.before.intensity == pytest.approx(0.25, rel=1e-3)


def test_tiling_speedup_saturates_once_the_point_is_compute_bound():
    gtx = rl.platforms.get("gtx-1080-ti")
    speedups = [rl.moves.tile(gtx, tile=t).speedup for t in (8, 32, 128, 512)]
    assert speedups == sorted(speedups)
    cap = gtx.time(rl.moves.gemm_traffic(1024)) / (2 * 1024**3 / gtx.peak_flops_per_s)
    assert speedups[-1] == pytest.approx(cap)                      # I_after past the ridge: the flat roof binds
    assert rl.moves.tile(gtx, tile=512).bound_after == "compute"


def test_compute_moves(moves):
    roof = _move(moves, "higher roof")
    assert roof.platform_after.peak_flops_per_s == 2 * GTX_PI and roof.speedup == pytest.approx(2.0)
    assert roof.machine_changed
    prune = _move(moves, "fewer FLOPs: prune")
    assert prune.after.flops == prune.before.flops / 2 and prune.speedup == pytest.approx(2.0)
    n = 4096                                   # half of A's rows (and so of C's) gone: bytes (n²/2 + n² + n²/2)·4
    assert prune.after.bytes == 2 * n * n * 4 and prune.after.intensity == pytest.approx(n / 8)
    assert prune.platform_after.attainable(prune.after) == GTX_PI                # same rate, half the time
    wino = _move(moves, "fewer FLOPs: a cheaper")
    assert wino.speedup == pytest.approx(36 / 16)
    assert wino.before.flops == 2 * 56 * 56 * 256 * 256 * 9
    bw = _move(moves, "more bandwidth")
    assert bw.platform_after.bandwidth == 2 * GTX_BETA and bw.speedup == pytest.approx(2.0)
    gemm = rl.kernels.gemm(4096, 4096, 4096)
    assert rl.moves.more_bandwidth("gtx-1080-ti", gemm).speedup == pytest.approx(1.0)  # compute-bound: no gain


def test_move_summary_and_text(moves):
    o = _move(moves, "operator fusion")
    s = o.summary()
    assert s["speedup"] == o.speedup and s["bytes_before"] == o.before.bytes and s["bound_after"] == "memory"
    assert "3.00x" in str(o) and "0.125 -> 0.375" in str(o)
    with pytest.raises(ValueError, match="ops"):
        rl.moves.elementwise_chain(10, 0, True)
    with pytest.raises(ValueError, match="fused must be True or False"):
        rl.moves.elementwise_chain(10, 2, "False")


def test_optimisation_explorer_arrow_goes_from_before_to_after():
    gtx = rl.platforms.get("gtx-1080-ti")
    ex = W.optimisation_explorer("gtx-1080-ti")
    for name, (_, control, _, default) in rl.moves.DRIVES.items():
        ex.set(move=name)
        o = rl.moves.drive(name, gtx, default)
        root = svg(ex)
        ax = panel(root, "roofline")
        before = (o.before.intensity, o.platform_before.attainable(o.before))
        after = (o.after.intensity, o.platform_after.attainable(o.after))
        assert_at(markers(root, "rl-before")[0], to_px(ax, *before))
        assert_at(markers(root, "rl-after")[0], to_px(ax, *after))
        (arrow,) = [g for g in root.iter(f"{NS}g") if "rl-arrow" in classes(g)]
        assert tuple(map(float, arrow.get("data-from").split())) == pytest.approx(before)
        assert tuple(map(float, arrow.get("data-to").split())) == pytest.approx(after)
        assert has(root, "rl-roof-after") == (name in ("bandwidth", "peak")) == ex.state["roof_changed"]
        assert ex.state["speedup"] == pytest.approx(o.speedup) and o.name in ex.state["caption"]
        # before / after are series colours, never the memory / compute verdict colours
        assert {*marker_fills(root, "rl-before"), *marker_fills(root, "rl-after")}.isdisjoint(
            {rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR})
        shown = {c for c, w in ex.controls.items() if w.layout.display != "none"}
        assert shown == {"move", control} | ({"batch"} if name == "weight_bits" else set())


def test_optimisation_explorer_speedup_saturates_at_ridge_over_intensity_before():
    # Issue 11: a memory-side fix stops paying once the point is compute-bound, at I_ridge / I_before
    gtx = rl.platforms.get("gtx-1080-ti")
    ex = W.optimisation_explorer(gtx, move="tile", tile=8)
    assert ex.state["bound_after"] == "memory" and not ex.state["crossed_ridge"]
    i_before = 2 * 1024**3 / ((2 * 1024**3 + 1024**2) * 4)                      # 0.2498 FLOP/byte, no reuse
    limit = (11.3e12 / 484e9) / i_before
    assert ex.state["speedup_limit"] == pytest.approx(limit, rel=1e-12)
    ex.set(tile=512)                                                           # far past the ridge
    assert ex.state["crossed_ridge"] and ex.state["bound_after"] == "compute"
    assert ex.state["speedup"] == pytest.approx(limit, rel=1e-12)
    root = svg(ex)
    right = panel(root, "speedup")
    assert_at(markers(root, "rl-speedup-point")[0], to_px(right, 512, limit))
    (lx0, ly0), (lx1, ly1) = polyline(root, "rl-limit")
    assert ly0 == ly1 and ly0 == pytest.approx(to_px(right, 1, limit)[1], abs=0.02)
    curve = [ex.state["curve"][t] for t in rl.moves.DRIVES["tile"][2]]
    assert curve == sorted(curve) and curve[-1] == pytest.approx(limit) and max(curve) <= limit * (1 + 1e-12)
    # the arrow crosses the ridge: before left of it, after right of it
    assert ex.state["before_xy"][0] < gtx.ridge_point < ex.state["after_xy"][0]


@pytest.mark.parametrize("name", list(rl.moves.DRIVES))
def test_every_driven_move_stays_under_its_limit_and_reaches_it(name):
    gtx = rl.platforms.get("gtx-1080-ti")
    moves = [rl.moves.drive(name, gtx, v) for v in rl.moves.DRIVES[name][2]]
    limit = moves[0].speedup_limit
    assert all(m.speedup <= limit * (1 + 1e-12) for m in moves)
    assert all(m.speedup_limit == pytest.approx(limit) for m in moves)
    if name != "weight_bits":                  # its last point (2-bit weights) is already at the limit too
        assert moves[-1].speedup == pytest.approx(limit) and moves[-1].bound_after != moves[0].bound_before
    i0 = moves[0].before.intensity
    ridge = gtx.ridge_point
    assert limit == pytest.approx(ridge / i0 if moves[0].kind == "memory" else i0 / ridge, rel=1e-12)


def test_optimisation_explorer_moved_roof_is_the_new_platform():
    ex = W.optimisation_explorer(move="bandwidth", beta_factor=2)
    root = svg(ex)
    ax = panel(root, "roofline")
    (x0, x1), _, _ = ax
    ridge = GTX_PI / (2 * GTX_BETA)
    assert_at(polyline(root, "rl-roof-after"), [to_px(ax, x, min(GTX_PI, 2 * GTX_BETA * x)) for x in (x0, ridge, x1)])
    with pytest.raises(KeyError, match="unknown move"):
        W.optimisation_explorer(move="more bandwith")
    with pytest.raises(ValueError, match="tile must be one of"):
        W.optimisation_explorer(tile=3)
    with pytest.raises(KeyError, match="unknown control"):
        W.optimisation_explorer(tiles=4)


def test_batching_raises_throughput_and_says_each_request_waits_longer():
    ex = W.optimisation_explorer(move="batch", batch=64)
    o = ex.state["move"]
    one = o.before.bytes / 64 / GTX_BETA                                       # one GEMV alone, memory-bound
    assert o.time_after_s > one                                                # each request waits for the batch
    assert "latency" in ex.text.value and f"{o.time_after_s / one:.3g}x" in ex.text.value


# --- notebook 03: CNN explorer ---------------------------------------------------------------------

def test_cnn_explorer_blog_mobilenet_on_1080ti():
    ex = W.cnn_explorer("gtx-1080-ti", model="mobilenet_v1", convention="blog")
    net = rl.cnn.mobilenet_v1()
    wl = net.workload(rl.cnn.BLOG_CONVENTION)
    root = svg(ex)
    ax = panel(root)
    assert_at(markers(root, "rl-network")[0], to_px(ax, wl.intensity, min(GTX_PI, GTX_BETA * wl.intensity)))
    assert ex.state["bound"] == "memory" and "memory-bound" in ex.text.value
    pts = net.layer_workloads(rl.cnn.BLOG_CONVENTION)
    layers = markers(root, "rl-layer")
    assert len(layers) == len(pts)
    expected = [to_px(ax, w.intensity, min(GTX_PI, GTX_BETA * w.intensity)) for w in pts]
    assert_at(layers, expected)
    ridge = GTX_PI / GTX_BETA
    assert marker_fills(root, "rl-layer") == [rl.plot.MEMORY_COLOR if w.intensity < ridge else rl.plot.COMPUTE_COLOR
                                              for w in pts]


def test_cnn_explorer_preset_sets_toggles_and_toggles_make_custom():
    ex = W.cnn_explorer(model="vgg16", convention="blog")
    i_blog = ex.state["intensity"]
    ex.set(fma2=True)                                # a multiply-add = 2 FLOPs: FLOPs double, bytes do not
    assert ex.controls["convention"].value == "custom"
    assert ex.state["intensity"] == pytest.approx(2 * i_blog)
    ex.set(convention="honest")
    c = rl.cnn.HONEST
    assert (ex.controls["fma2"].value, ex.controls["inputs"].value, ex.controls["norm_act"].value) == \
        (c.flops_per_mac == 2, c.count_inputs, c.count_norm_act)
    assert ex.state["intensity"] == pytest.approx(rl.cnn.vgg16().intensity(c))
    ex.set(fma2=False, inputs=False, norm_act=True)  # back to the blog's flags: the preset follows
    assert ex.controls["convention"].value == "blog"
    assert ex.state["intensity"] == pytest.approx(i_blog)


def test_cnn_explorer_fc_layers_memory_bound_in_compute_bound_vgg():
    ex = W.cnn_explorer(model="vgg16", convention="honest")
    assert ex.state["bound"] == "compute"
    assert {"vgg16/fc6", "vgg16/fc7", "vgg16/fc8"} <= set(ex.state["memory_bound_layers"])
    assert ex.state["time_layers_s"] >= ex.state["time_whole_s"]
    assert ex.state["time_layers_s"] == pytest.approx(rl.cnn.vgg16().time("gtx-1080-ti", rl.cnn.HONEST))


def test_cnn_explorer_batch_raises_fc_intensity_by_closed_form():
    ex = W.cnn_explorer(model="vgg16", convention="honest")
    ex.set(batch=16)
    fc6 = {w.name: w for w in ex.state["layer_workloads"]}["vgg16/fc6"]
    n_in, n_out, b = 25088, 4096, 16
    assert fc6.flops == 2 * b * n_in * n_out
    assert fc6.bytes == (n_in * n_out + n_out + b * (n_in + n_out)) * 4     # weights once, activations per image


def test_cnn_explorer_dtype_and_edge_platform():
    ex = W.cnn_explorer(model="mobilenet_v1", convention="honest")
    i32 = ex.state["intensity"]
    ex.set(dtype="fp16")
    assert ex.state["intensity"] == pytest.approx(2 * i32)
    ex.set(dtype="fp32", platform="jetson-nano")
    nano = rl.platforms.get("jetson-nano")
    assert ex.state["bound"] == "compute"                                      # a low ridge (~9 FLOP/byte)
    root = svg(ex)
    ax = panel(root)
    assert_at(markers(root, "rl-ridge")[0], to_px(ax, nano.ridge_point, nano.peak_flops_per_s))
    assert_at(markers(root, "rl-network")[0], to_px(ax, ex.state["intensity"], nano.peak_flops_per_s))
    assert nano.display_name in ex.state["caption"] and nano.display_name in root.get("aria-label")


def test_cnn_explorer_dtype_switches_the_roof_and_offers_only_listed_dtypes():
    ex = W.cnn_explorer("gtx-1080-ti", model="mobilenet_v1", convention="honest")
    assert [d for _, d in ex.controls["dtype"].options] == ["fp32", "fp16"]     # no int8 / bf16 peak on GP102
    ex.set(dtype="fp16")
    assert ex.state["platform"].peak_flops_per_s == GTX_PI / 64 and ex.state["bound"] == "compute"
    root = svg(ex)
    ax = panel(root)
    assert_at(markers(root, "rl-ridge")[0], to_px(ax, GTX_PI / 64 / GTX_BETA, GTX_PI / 64))
    ex.set(platform="a100-80gb")                                               # the menu follows the platform
    assert [d for _, d in ex.controls["dtype"].options] == ["fp32", "fp16", "bf16", "int8"]
    assert ex.controls["dtype"].value == "fp16" and ex.state["platform"].peak_flops_per_s == 312e12
    ex.set(platform="raspberry-pi-5")
    assert ex.controls["dtype"].value == "fp32" and ex.state["platform"].dtype == "fp32"


def test_cnn_explorer_rejects_unknown_names():
    with pytest.raises(KeyError, match="unknown convention preset"):
        W.cnn_explorer(convention="bloggy")
    with pytest.raises(KeyError, match="unknown network"):
        W.cnn_explorer(model="alexnet9000")


# --- notebook 06: the working-set explorer --------------------------------------------------------------

def test_cache_level_boundaries():
    from rooflib.widgets import cache_level

    c = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    assert cache_level(32 * 1024, c, 1) == "L1"
    assert cache_level(64 * 1024, c, 2) == "L1"          # 32 KiB per core
    assert cache_level(64 * 1024 + 2, c, 2) == "L2"
    assert cache_level(2 * 2**20, c, 2) == "L2"
    assert cache_level(2 * 2**20 + 2, c, 2) == "LLC"
    assert cache_level(32 * 2**20 + 1, c, 2) == "DRAM"


def test_working_set_sizes_cross_every_level():
    from rooflib.widgets import working_set_sizes

    c = M.CacheInfo(l1d=32 * 1024, l2=1024 * 1024, llc=32 * 2**20)
    sizes = working_set_sizes(c, 2)
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert sizes[0] <= c.l2 and sizes[-1] >= 4 * c.llc      # from inside L2 to well past the LLC
    assert all(s % (3 * 64) == 0 for s in sizes)


def test_working_set_explorer_moves_the_point_with_a_fake_measurement():
    TRIAD_INTENSITY = 2 / 24                                    # FLOP/byte of an fp64 triad, STREAM count
    ex = W.working_set_explorer(_fake_machine(), sizes=SIZES, initial=SIZES[0], measure_fn=_fake_triad)
    root = svg(ex)
    assert_at(markers(root, "rl-point")[0], to_px(panel(root, "roofline"), 2 / 24, 8e10 * TRIAD_INTENSITY))
    assert "L2" in ex.text.value and ex.state["level"] == "L2"   # 48 KiB per core: past L1, inside L2
    ex.set(working_set=SIZES[2])
    root = svg(ex)
    assert_at(markers(root, "rl-point")[0], to_px(panel(root, "roofline"), 2 / 24, 2e10 * 2 / 24))
    assert "DRAM" in ex.text.value and "1.00x the DRAM roof" in ex.text.value
    assert ex.state["ratio_to_dram"] == pytest.approx(1.0) and ex.state["flops_per_s"] == pytest.approx(2e10 / 12)
    assert sorted(ex.state["measurements"]) == [SIZES[0], SIZES[2]]
    bw = panel(root, "bandwidth")
    assert_at(markers(root, "rl-history"), [to_px(bw, SIZES[0], 8e10), to_px(bw, SIZES[2], 2e10)])
    assert_at(markers(root, "rl-current")[0], to_px(bw, SIZES[2], 2e10))
    with pytest.raises(ValueError, match="measured"):
        W.working_set_explorer("not a machine")


# --- static figures --------------------------------------------------------------------------------

def test_figure_is_projector_sized_and_uses_ipympl_under_widget_backend():
    import matplotlib
    import matplotlib.pyplot as plt

    old = matplotlib.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    try:
        fig, _ = W.figure()
        w, h = fig.get_size_inches()
        assert w >= 10 and h >= 6 and math.isclose(w / h, 10 / 6)
        assert isinstance(fig.canvas, widgets.DOMWidget) and fig.canvas.header_visible is False
    finally:
        plt.close("all")
        plt.switch_backend(old)


def test_svg_palette_is_rl_plots():
    ex = W.cnn_explorer(model="vgg16", convention="honest")
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', ex.fig.value))
    palette = {rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR, *rl.plot.PALETTE}
    assert {rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR} <= fills and fills - {"#222222"} <= palette
    assert np.isclose(float(re.search(r'fill-opacity="([\d.]+)"', ex.fig.value).group(1)), rl.plot.REGION_ALPHA)


def test_a_style_passed_in_sets_the_figure_text_size():
    # slides can ask for larger text, locally: nothing global changes
    big = W.roofline_explorer(style=W.Style(font=28, label_font=32))
    root = svg(big)
    ticks = {int(t.get("font-size")) for t in root.iter(f"{NS}text") if {"rl-xtick", "rl-ytick"} & classes(t)}
    assert ticks == {28}
    assert {int(t.get("font-size")) for t in svg(W.roofline_explorer()).iter(f"{NS}text")
            if "rl-xtick" in classes(t)} == {W.STYLE.font}

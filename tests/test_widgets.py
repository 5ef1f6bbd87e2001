"""The lecture widgets (rooflib.widgets): move a control as a student would, then check what the plot's
artists and the text show against independent closed forms (min(π, β·I), 2n³ and 3n²·s, byte counts
of fused / int8 / batched kernels) or against the rl computations the brief names (Platform.attainable,
rl.cnn conventions). Notebooks 01-04.
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rooflib as rl
from rooflib import widgets as W

GTX_PI, GTX_BETA = 11.3e12, 484e9          # GTX 1080 Ti, rooflib/data/platforms.toml (NVIDIA datasheet)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _xy(line) -> tuple[float, float]:
    x, y = line.get_data()
    assert len(x) == len(y) == 1
    return float(x[0]), float(y[0])


# --- notebook 01: the square GEMM ---------------------------------------------------------------

@pytest.mark.parametrize("n, dtype, s", [(1, "fp32", 4), (64, "fp32", 4), (600, "fp16", 2), (1000, "int8", 1),
                                         (37, "fp64", 8)])
def test_gemm_square_counts_match_closed_form_and_kernels(n, dtype, s):
    c = W.gemm_square_counts(n, dtype)
    assert c["flops"] == 2 * n**3                       # n^3 multiply-adds, 2 FLOPs each
    assert c["bytes"] == 3 * n**2 * s                   # A, B read once, C written once
    assert c["intensity"] == pytest.approx(2 * n / (3 * s))
    lib = rl.kernels.gemm(n, n, n, dtype)
    assert (lib.flops, lib.bytes) == (c["flops"], c["bytes"])


def test_gemm_intensity_is_n_over_6_in_fp32():
    for n in (6, 60, 600, 6000):
        assert W.gemm_square_counts(n)["intensity"] == pytest.approx(n / 6)


def test_gemm_square_counts_rejects_bad_n():
    with pytest.raises(ValueError, match="n must be a whole number >= 1, got 0"):
        W.gemm_square_counts(0)


def test_gemm_explorer_slider_moves_points_and_text():
    ex = W.gemm_explorer(n=128)
    ex.set(n=600)
    assert _xy(ex.artists["flops_point"]) == (600, 2 * 600**3)
    assert _xy(ex.artists["bytes_point"]) == (600, 3 * 600**2 * 4)
    assert _xy(ex.artists["intensity_point"]) == pytest.approx((600, 100.0))
    assert "432,000,000 FLOPs" in ex.text.value and "4,320,000 bytes" in ex.text.value
    assert "<b>100 FLOP/byte</b>" in ex.text.value and "compute-bound" in ex.text.value


def test_gemm_explorer_verdict_flips_at_n_141_on_the_1080ti():
    # n/6 >= 11.3e12/484e9 = 23.347... first holds at n = 141
    ex = W.gemm_explorer(n=10)
    ex.set(n=140)
    assert ex.state["bound"] == "memory-bound" and "memory-bound" in ex.text.value
    ex.set(n=141)
    assert ex.state["bound"] == "compute-bound" and "compute-bound" in ex.text.value
    assert ex.artists["ridge"].get_ydata()[0] == pytest.approx(GTX_PI / GTX_BETA)


def test_gemm_explorer_dtype_changes_bytes_and_intensity_curves():
    ex = W.gemm_explorer(n=300)
    ns = ex.artists["flops_line"].get_xdata()
    ex.set(dtype="fp16")
    np.testing.assert_allclose(ex.artists["bytes_line"].get_ydata(), 3.0 * ns**2 * 2)
    np.testing.assert_allclose(ex.artists["intensity_line"].get_ydata(), ns / 3)
    np.testing.assert_allclose(ex.artists["flops_line"].get_ydata(), 2.0 * ns**3)   # work does not depend on dtype
    assert _xy(ex.artists["intensity_point"])[1] == pytest.approx(100.0)


# --- notebook 02: the roofline explorer ---------------------------------------------------------

def test_roofline_explorer_starts_at_the_1080ti_at_I_7():
    ex = W.roofline_explorer("gtx-1080-ti", intensity=7.0)
    # the controls hold the exact catalogue values (a FloatLogSlider would be snapped by the browser)
    assert [ex.controls[k].value for k in ("peak_flops_per_s", "bandwidth", "intensity")] == [GTX_PI, GTX_BETA, 7.0]
    assert W.roofline_explorer(intensity=7.31).controls["intensity"].value == 7.31
    x, y = _xy(ex.artists["point"])
    assert x == 7.0 and y == pytest.approx(GTX_BETA * 7)           # memory-bound: β·I = 3.388 TFLOP/s
    assert ex.state["bound"] == "memory-bound"
    assert "memory-bound" in ex.artists["verdict"].get_text()
    assert "23.35 FLOP/byte" in ex.text.value and "3.39 TFLOP/s" in ex.text.value
    assert _xy(ex.artists["ridge"]) == pytest.approx((GTX_PI / GTX_BETA, GTX_PI))


def test_roofline_explorer_intensity_slider_moves_point_along_the_roof():
    ex = W.roofline_explorer()
    ex.set(intensity=100.0)
    assert _xy(ex.artists["point"]) == pytest.approx((100.0, GTX_PI))
    assert list(ex.artists["dropline"].get_xdata()) == [100.0, 100.0]
    assert "compute-bound" in ex.artists["verdict"].get_text() and "100% of peak" in ex.artists["verdict"].get_text()
    assert "compute-bound" in ex.text.value


def test_roofline_explorer_peak_and_bandwidth_move_roof_ridge_and_regions():
    ex = W.roofline_explorer()
    ex.set(peak_flops_per_s=2e13, bandwidth=1e12)
    x = ex.artists["roof"].get_xdata()
    np.testing.assert_allclose(ex.artists["roof"].get_ydata(), np.minimum(2e13, 1e12 * x))
    assert _xy(ex.artists["ridge"]) == pytest.approx((20.0, 2e13))
    mem = ex.artists["memory_region"]
    assert mem.get_x() + mem.get_width() == pytest.approx(20.0)
    assert ex.artists["compute_region"].get_x() == pytest.approx(20.0)
    assert "ridge π/β = 20" in ex.artists["ridge_label"].get_text()


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


@settings(max_examples=20, deadline=None)
@given(pi=st.sampled_from(_grid(1e11, 1e16)), beta=st.sampled_from(_grid(1e10, 1e13)),
       intensity=st.sampled_from(_grid(0.01, 1e4)))
def test_roofline_explorer_point_is_min_of_pi_and_beta_I(pi, beta, intensity):
    ex = W.roofline_explorer()
    ex.set(peak_flops_per_s=pi, bandwidth=beta, intensity=intensity)
    x, y = _xy(ex.artists["point"])
    assert x == pytest.approx(intensity)
    assert y == pytest.approx(min(pi, beta * intensity))             # the closed form, not the library
    assert y == pytest.approx(rl.Platform("p", pi, beta).attainable(intensity))
    expected = "memory-bound" if intensity < pi / beta else "compute-bound"
    assert ex.state["bound"] == expected and expected in ex.text.value
    plt.close(ex.fig)


def test_roofline_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="intensity must be a positive finite number of FLOP/byte"):
        W.roofline_explorer(intensity=-1)
    with pytest.raises(KeyError, match="unknown platform"):
        W.roofline_explorer("gtx-1080-tie-fighter")


def test_explorer_set_rejects_unknown_control():
    ex = W.roofline_explorer()
    with pytest.raises(KeyError, match="did you mean 'intensity'"):
        ex.set(intensty=3)


# --- notebook 04: optimisation directions -------------------------------------------------------

@pytest.fixture(scope="module")
def moves():
    return {o.name: o for o in W.optimisations("gtx-1080-ti")}


def _move(moves, start):
    (o,) = [m for name, m in moves.items() if name.startswith(start)]
    return o


def test_each_optimisation_targets_work_bound_the_way_it_claims(moves):
    gtx = rl.platforms.get("gtx-1080-ti")
    for o in moves.values():
        assert gtx.bound(o.before) == o.kind, o.name
        assert o.speedup > 1, o.name


def test_fusion_removes_two_round_trips(moves):
    o = _move(moves, "operator fusion")
    n = 2**24
    assert o.before.bytes == 3 * (n + n) * 4 and o.after.bytes == (n + n) * 4   # 3 read+write passes -> 1
    assert o.before.flops == o.after.flops == 3 * n
    assert o.speedup == pytest.approx(3.0)


def test_int8_weights_halve_the_bytes_of_an_fp16_gemv(moves):
    o = _move(moves, "lower precision")
    m = n = 4096
    assert o.before.bytes == (m * n + m + n) * 2
    assert o.after.bytes == m * n * 1 + (m + n) * 2
    assert o.after.bytes / o.before.bytes == pytest.approx(0.5, rel=1e-3)


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


def test_compute_moves(moves):
    roof = _move(moves, "higher roof")
    assert roof.platform_after.peak_flops_per_s == 2 * GTX_PI and roof.speedup == pytest.approx(2.0)
    prune = _move(moves, "fewer FLOPs: prune")
    assert prune.after.flops == prune.before.flops / 2 and prune.speedup == pytest.approx(2.0)
    n = 4096                                   # half of A's rows (and so of C's) gone: bytes (n²/2 + n² + n²/2)·4
    assert prune.after.bytes == 2 * n * n * 4 and prune.after.intensity == pytest.approx(n / 8)
    assert prune.platform_after.attainable(prune.after) == GTX_PI                # same rate, half the time
    wino = _move(moves, "fewer FLOPs: a cheaper")
    assert wino.speedup == pytest.approx(36 / 16)
    bw = _move(moves, "more bandwidth")
    assert bw.platform_after.bandwidth == 2 * GTX_BETA and bw.speedup == pytest.approx(2.0)


def test_optimisation_explorer_arrow_goes_from_before_to_after(moves):
    ex = W.optimisation_explorer("gtx-1080-ti")
    for i, o in enumerate(moves.values()):
        ex.set(optimisation=i)
        before = (o.before.intensity, o.platform_before.attainable(o.before))
        after = (o.after.intensity, o.platform_after.attainable(o.after))
        assert _xy(ex.artists["before"]) == pytest.approx(before)
        assert _xy(ex.artists["after"]) == pytest.approx(after)
        arrow = ex.artists["arrow"]
        assert tuple(arrow.xy) == pytest.approx(after) and tuple(arrow.xyann) == pytest.approx(before)
        changes_machine = o.name.startswith(("higher roof", "more bandwidth"))
        assert ex.artists["roof_after"].get_visible() == changes_machine
        assert f"{o.speedup:.2f}x" in ex.text.value and o.name in ex.artists["caption"].get_text()


def test_optimisation_explorer_moved_roof_is_the_new_platform():
    ex = W.optimisation_explorer(option="more bandwidth (β × 2)")
    x = ex.artists["roof_after"].get_xdata()
    np.testing.assert_allclose(ex.artists["roof_after"].get_ydata(), np.minimum(GTX_PI, 2 * GTX_BETA * x))
    with pytest.raises(KeyError, match="unknown optimisation"):
        W.optimisation_explorer(option="more bandwith")


# --- notebook 03: CNN explorer ------------------------------------------------------------------

def test_cnn_explorer_blog_mobilenet_on_1080ti():
    ex = W.cnn_explorer("gtx-1080-ti", model="mobilenet_v1", convention="blog")
    net = rl.cnn.mobilenet_v1()
    wl = net.workload(rl.cnn.BLOG_CONVENTION)
    assert _xy(ex.artists["network"]) == pytest.approx((wl.intensity, min(GTX_PI, GTX_BETA * wl.intensity)))
    assert ex.state["bound"] == "memory-bound" and "memory-bound" in ex.text.value
    pts = net.layer_workloads(rl.cnn.BLOG_CONVENTION)
    offsets = ex.artists["layers"].get_offsets()
    assert len(offsets) == len(pts)
    np.testing.assert_allclose(offsets[:, 0], [w.intensity for w in pts])
    np.testing.assert_allclose(offsets[:, 1], np.minimum(GTX_PI, GTX_BETA * offsets[:, 0]))
    red = matplotlib.colors.to_rgba(rl.plot.MEMORY_COLOR)
    colours = [tuple(c) for c in ex.artists["layers"].get_facecolors()]
    assert [c == pytest.approx(red) for c in colours] == [w.intensity < GTX_PI / GTX_BETA for w in pts]


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


def test_cnn_explorer_fc_layers_memory_bound_in_compute_bound_vgg():
    ex = W.cnn_explorer(model="vgg16", convention="honest")
    assert ex.state["bound"] == "compute-bound"
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
    assert ex.state["bound"] == "compute-bound"                               # a low ridge (~9 FLOP/byte)
    assert _xy(ex.artists["ridge"]) == pytest.approx((nano.ridge_point, nano.peak_flops_per_s))
    assert _xy(ex.artists["network"])[1] == pytest.approx(nano.peak_flops_per_s)
    assert nano.display_name in ex.artists["caption"].get_text()


def test_cnn_explorer_rejects_unknown_names():
    with pytest.raises(KeyError, match="unknown convention preset"):
        W.cnn_explorer(convention="bloggy")
    with pytest.raises(KeyError, match="unknown network"):
        W.cnn_explorer(model="alexnet9000")


# --- the view under ipympl ----------------------------------------------------------------------

def test_view_holds_the_ipympl_canvas_when_the_backend_is_ipympl():
    import ipywidgets as widgets

    old = matplotlib.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    try:
        ex = W.roofline_explorer()
        assert isinstance(ex.fig.canvas, widgets.DOMWidget)
        assert ex.fig.canvas in ex.view.children and ex.text in ex.view.children
        ex.set(intensity=50.0)                          # the callback redraws the ipympl canvas in place
        assert _xy(ex.artists["point"]) == pytest.approx((50.0, GTX_PI))
        fig, ax = W.figure()
        assert isinstance(fig.canvas, widgets.DOMWidget) and fig.canvas.header_visible is False
    finally:
        plt.close("all")
        plt.switch_backend(old)


def test_figure_is_projector_sized():
    fig, _ = W.figure()
    w, h = fig.get_size_inches()
    assert w >= 10 and h >= 6 and math.isclose(w / h, 10 / 6)


@pytest.mark.parametrize("build, move", [
    (lambda: W.gemm_explorer(), {"n": 2000, "dtype": "int8"}),
    (lambda: W.roofline_explorer(), {"peak_flops_per_s": 1e15, "bandwidth": 3e12, "intensity": 0.02}),
    (lambda: W.optimisation_explorer(), {"optimisation": 3}),
    (lambda: W.cnn_explorer(), {"model": "resnet50", "platform": "raspberry-pi-5", "batch": 8}),
])
def test_every_explorer_renders_after_a_move(build, move):
    import io

    ex = build()
    ex.set(**move)
    buf = io.BytesIO()
    ex.fig.savefig(buf, format="png", dpi=40)        # renders every artist as moved
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_roofline_explorer_point_stays_inside_the_axes_at_the_slider_ends():
    ex = rl.widgets.roofline_explorer()
    options = ex.controls["intensity"].options
    for end in (options[0], options[-1]):
        ex.set(intensity=end[1] if isinstance(end, tuple) else end)
        x = ex.artists["point"].get_xdata()[0]
        lo, hi = ex.ax.get_xlim()
        assert lo < x < hi and (x / lo > 1.5) and (hi / x > 1.5)

"""Issue 11, depth: both time bounds, ceilings against walls, memory levels, Little's law (notebook 02).

Oracles: the roofline's two time bounds written out here (t >= max(W/pi, Q/beta), t <= W/pi + Q/beta when
nothing overlaps; Williams, Waterman & Patterson, "Roofline: an insightful visual performance model for
multicore architectures", CACM 52(4):65-76, 2009, doi:10.1145/1498765.1498785), and Little's law
(bytes in flight = bandwidth x latency).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import rooflib as rl  # noqa: E402

GTX = rl.Platform("gtx-1080-ti", 11.3e12, 484e9)


@given(st.floats(1e3, 1e15), st.floats(1e3, 1e15))
def test_the_two_bounds_are_at_most_twice_apart(flops, nbytes):
    lower, upper = GTX.time(flops, nbytes), GTX.time_no_overlap(flops, nbytes)
    assert lower == max(flops / 11.3e12, nbytes / 484e9)
    assert upper == pytest.approx(flops / 11.3e12 + nbytes / 484e9, rel=1e-12)
    assert lower <= upper <= 2 * lower * (1 + 1e-12)


def test_the_bounds_are_exactly_twice_apart_at_the_ridge():
    w = rl.Workload("at the ridge", GTX.ridge_point * 1e9, 1e9)
    assert GTX.time_no_overlap(w) == pytest.approx(2 * GTX.time(w), rel=1e-12)
    far = rl.Workload("far right", 1e6 * 1e9, 1e9)              # one term dominates: the bounds nearly meet
    assert GTX.time_no_overlap(far) / GTX.time(far) < 1.001


def test_littles_law_one_core_cannot_reach_beta():
    # 24 cache lines of 64 bytes in flight, 100 ns latency: 15.36 GB/s, far below a socket's 460.8 GB/s
    one_core = rl.core.little_bandwidth(24 * 64, 100e-9)
    assert one_core == pytest.approx(24 * 64 / 100e-9)
    assert one_core < rl.platforms.get("epyc-9654").bandwidth / 20
    with pytest.raises(ValueError, match="latency_s"):
        rl.core.little_bandwidth(64, 0)


def test_ceilings_lie_under_the_roof_and_levels_above_it():
    epyc = rl.platforms.get("epyc-9654")
    names = {c.name: c for c in epyc.ceilings}
    assert {"no FMA", "no SIMD (scalar)", "one core"} <= set(names)
    assert names["no FMA"].value == epyc.peak_flops_per_s / 2                 # adds and multiplies apart
    assert names["one core"].value == pytest.approx(epyc.peak_flops_per_s / 96)
    assert all(c.value < (epyc.peak_flops_per_s if c.kind == "compute" else epyc.bandwidth) for c in epyc.ceilings)
    a100 = rl.platforms.get("a100-80gb")
    # the L2 cache is a memory level (a roof of its own, faster than HBM), no longer a "memory ceiling"
    assert [c.name for c in a100.ceilings if c.kind == "memory"] == []
    assert [lv.name for lv in a100.levels] == ["L2"] and a100.levels[0].bandwidth > a100.bandwidth


def test_plot_draws_ceilings_under_the_roof_and_a_cache_level_as_its_own_roof():
    p = rl.platforms.get("a100-80gb").with_ceiling("no prefetch", 1e12, "memory")
    ax = rl.plot.roofline(p, [])
    by_gid = {ln.get_gid(): ln for ln in ax.get_lines()}
    roof = by_gid["roof-a100-80gb"].get_ydata()
    for gid, line in by_gid.items():
        if gid and gid.startswith("ceiling-"):
            assert (line.get_ydata() <= roof * (1 + 1e-12)).all(), gid          # under the roof everywhere
    level = by_gid["level-a100-80gb-L2"].get_ydata()
    assert (level >= roof * (1 - 1e-12)).all() and (level > roof).any()    # a roof above the HBM roof
    labels = [t.get_text() for t in ax.texts]
    assert "L2 roof" in labels and "L2" not in labels
    plt.close("all")


def test_a_legacy_cache_ceiling_is_drawn_as_a_level_roof():
    # rl.measure passed its cache roof as a memory Ceiling above beta: drawn as a roof of its own, labelled so
    p = rl.Platform("m", 1e12, 1e10, ceilings=(rl.Ceiling("cache", 1e11, "memory"),))
    ax = rl.plot.roofline(p, [])
    gids = [ln.get_gid() for ln in ax.get_lines()]
    assert "level-m-cache" in gids and "ceiling-m-cache" not in gids
    plt.close("all")


def test_linear_axes_show_the_slope_as_the_bandwidth():
    ax = rl.plot.roofline(GTX, [], scale="linear")
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "roof-gtx-1080-ti")
    x, y = line.get_xdata(), line.get_ydata()
    left = x < GTX.ridge_point
    slope = (y[left][-1] - y[left][0]) / (x[left][-1] - x[left][0])
    assert slope == pytest.approx(484e9, rel=1e-9)                          # the blog's "slope = bandwidth"
    with pytest.raises(ValueError, match="scale"):
        rl.plot.roofline(GTX, [], scale="semilog")
    plt.close("all")


def test_for_dtype_drops_compute_ceilings_that_are_not_under_the_new_roof():
    v100 = rl.platforms.get("v100-sxm2")
    assert [c.name for c in v100.ceilings] == ["fp64"]
    assert v100.for_dtype("fp64").ceilings == ()          # the fp64 roof is not under itself
    assert [c.name for c in v100.for_dtype("fp16").ceilings] == ["fp64"]


def test_move_arrow_uses_before_after_colours_not_the_region_colours():
    w0 = rl.Workload("compulsory", 2e9, 1e9)
    w1 = rl.Workload("with re-reads", 2e9, 3e9)
    ax = rl.plot.roofline(GTX, [])
    rl.plot.move_arrow(ax, GTX, w0, w1, label="capacity misses")
    before = next(ln for ln in ax.get_lines() if ln.get_gid() == "move-before")
    after = next(ln for ln in ax.get_lines() if ln.get_gid() == "move-after")
    regions = {rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR}
    assert before.get_color() not in regions and after.get_color() not in regions
    assert after.get_xdata()[0] == pytest.approx(w0.intensity / 3)         # a wall moves the point left
    plt.close("all")
    assert math.isclose(w1.intensity, w0.intensity / 3)

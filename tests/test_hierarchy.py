"""rl.hierarchy: per-level traffic of a blocked GEMM against a brute-force LRU cache simulation, the binding
level against a hand computation, and the measured level roofs (shape only: they depend on the machine)."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import rooflib as rl
from rooflib.core import MemoryLevel
from rooflib.hierarchy import LEVELS, blocked_gemm, hierarchical, tile_for


def simulate(n: int, r: int, t1: int, t2: int, t3: int, capacities: tuple[int, int, int]) -> dict[str, int]:
    """Elements each level serves when the blocked loop nest runs through three write-back, write-allocate,
    fully associative LRU caches of ``capacities`` elements (L1, L2, LLC), one element per line.

    Every load and store of the loop nest is an access to L1 (L1 "serves" it); a miss at a level is a read
    from the next level, an eviction of a written element a write to it; at the end every level writes its
    written elements back. The count at a level is the reads and writes it serves."""
    caches: list[OrderedDict[int, bool]] = [OrderedDict() for _ in capacities]
    served = dict.fromkeys(LEVELS, 0)

    def access(i: int, addr: int, write: bool) -> None:
        served[LEVELS[i]] += 1
        if i == len(capacities):
            return
        cache = caches[i]
        if addr in cache:
            cache.move_to_end(addr)
            cache[addr] = cache[addr] or write
            return
        if not write:
            access(i + 1, addr, False)
        cache[addr] = write
        if len(cache) > capacities[i]:
            old, dirty = cache.popitem(last=False)
            if dirty:
                access(i + 1, old, True)

    A, B, C = 0, n * n, 2 * n * n
    for I in range(0, n, t3):
        for J in range(0, n, t3):
            for K in range(0, n, t3):
                for i2 in range(I, I + t3, t2):
                    for j2 in range(J, J + t3, t2):
                        for k2 in range(K, K + t3, t2):
                            for i1 in range(i2, i2 + t2, t1):
                                for j1 in range(j2, j2 + t2, t1):
                                    for k1 in range(k2, k2 + t2, t1):
                                        for ir in range(i1, i1 + t1, r):
                                            for jr in range(j1, j1 + t1, r):
                                                block = [C + i * n + j for i in range(ir, ir + r)
                                                         for j in range(jr, jr + r)]
                                                for a in block:
                                                    access(0, a, False)
                                                for k in range(k1, k1 + t1):
                                                    for i in range(ir, ir + r):
                                                        access(0, A + i * n + k, False)
                                                    for j in range(jr, jr + r):
                                                        access(0, B + k * n + j, False)
                                                for a in block:
                                                    access(0, a, True)
    for i in range(len(capacities)):
        for addr, dirty in list(caches[i].items()):
            if dirty:
                caches[i][addr] = False
                access(i + 1, addr, True)
    return served


@pytest.mark.parametrize("n, r, t1, t2, t3", [(32, 2, 4, 8, 16), (64, 4, 8, 16, 32)])
def test_blocked_gemm_counts_match_an_lru_simulation_exactly(n, r, t1, t2, t3):
    # caches of four tiles: room for the three a level holds and little more, so LRU finds no extra reuse
    served = simulate(n, r, t1, t2, t3, (4 * t1 * t1, 4 * t2 * t2, 4 * t3 * t3))
    counted = blocked_gemm(n, register_tile=r, l1_tile=t1, l2_tile=t2, llc_tile=t3, dtype="int8")
    assert {lv: float(served[lv]) for lv in LEVELS} == dict(counted.bytes)


@pytest.mark.parametrize("n, r, t1, t2, t3", [(64, 2, 8, 32, 64), (48, 2, 4, 12, 24), (64, 1, 8, 16, 32)])
def test_blocked_gemm_counts_bound_an_lru_simulation_with_room_to_spare(n, r, t1, t2, t3):
    # caches of six tiles (tile_for's rule: three tiles in half a cache): LRU keeps a little more than the tiles,
    # so the simulation serves at most the count and not much less; L1's count (every load and store) is exact
    served = simulate(n, r, t1, t2, t3, (6 * t1 * t1, 6 * t2 * t2, 6 * t3 * t3))
    counted = blocked_gemm(n, register_tile=r, l1_tile=t1, l2_tile=t2, llc_tile=t3, dtype="int8")
    assert served["L1"] == counted.bytes["L1"]
    for lv in LEVELS[1:]:
        assert 0.85 * counted.bytes[lv] <= served[lv] <= counted.bytes[lv], lv


def test_blocked_gemm_closed_form_and_dtype():
    g = blocked_gemm(2048, register_tile=4, l1_tile=16, l2_tile=128, llc_tile=512, dtype="fp64")
    n = 2048
    assert g.flops == 2 * n**3
    assert g.bytes["L1"] == (2 * n**3 / 4 + 2 * n**3 / 16) * 8
    assert g.bytes["DRAM"] == (2 * n**3 / 512 + 2 * n**2) * 8
    assert [round(g.intensity(lv), 4) for lv in LEVELS] == [0.4, 1.7778, 12.8, 51.2]
    assert g.held_bytes["L2"] == 3 * 16 * 16 * 8 and g.held_bytes["DRAM"] == 3 * 512 * 512 * 8
    # fp32 halves every byte count, so every intensity doubles
    g32 = blocked_gemm(2048, register_tile=4, l1_tile=16, l2_tile=128, llc_tile=512, dtype="fp32")
    assert all(math.isclose(g32.intensity(lv), 2 * g.intensity(lv)) for lv in LEVELS)
    # the whole problem in one LLC tile: DRAM serves the compulsory traffic, A and B read, C read and written
    whole = blocked_gemm(64, register_tile=4, l1_tile=8, l2_tile=32, llc_tile=64, dtype="fp64")
    assert whole.bytes["DRAM"] == 4 * 64 * 64 * 8
    df = g.to_dataframe()
    assert list(df.index) == list(LEVELS) and list(df["serves"]) == ["registers", "L1", "L2", "LLC"]
    assert "51.2" in str(g) and g.workload("L2").intensity == g.intensity("L2")


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=2048, l1_tile=24), "l1_tile=24 must divide l2_tile=128"),
    (dict(n=1000), "llc_tile=512 must divide n=1000"),
    (dict(n=2048, register_tile=0), "register_tile"),
    (dict(n=2048, register_tile="4"), "register_tile"),
    (dict(n=2048, l2_tile=True), "l2_tile"),
])
def test_blocked_gemm_rejects_bad_input_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        blocked_gemm(**kwargs)
    with pytest.raises(KeyError, match="unknown dtype 'fp128'"):    # rooflib's unknown-name error
        blocked_gemm(2048, dtype="fp128")


def test_unknown_level_is_named():
    g = blocked_gemm(1024)
    with pytest.raises(KeyError, match="L4"):
        g.intensity("L4")


def test_tile_for_is_the_largest_power_of_two_that_fits():
    # three fp64 b x b tiles in half of 32 KiB: 3 * 16² * 8 = 6 KiB fits, 3 * 32² * 8 = 24 KiB does not
    assert tile_for(32 * 1024, "fp64") == 16
    assert tile_for(1024 * 1024, "fp64") == 128      # 384 KiB <= 512 KiB < 1.5 MiB
    assert tile_for(32 * 2**20, "fp64") == 512       # 6 MiB <= 16 MiB < 24 MiB
    for cap in (10_000, 32 * 1024, 3 * 2**20, 7.5 * 2**20):
        b = tile_for(cap, "fp32", fraction=0.75)
        assert 3 * b * b * 4 <= 0.75 * cap < 3 * (2 * b) ** 2 * 4
    assert tile_for(2**20, "fp64", multiple_of=3) % 3 == 0
    with pytest.raises(ValueError, match="fraction"):
        tile_for(2**20, fraction=1.5)
    with pytest.raises(ValueError, match="cannot hold"):
        tile_for(40, "fp64")            # three 1 x 1 fp64 tiles are 24 bytes, half of 40 is 20


def _toy(l1=400e9, l2=200e9, llc=100e9, dram=40e9, peak=150e9) -> rl.Platform:
    return rl.Platform("toy", peak, dram, peaks={"fp64": peak}, dtype="fp64",
                       levels=(MemoryLevel("L1", l1), MemoryLevel("L2", l2), MemoryLevel("LLC", llc)))


def test_binding_level_is_the_lowest_roof_by_hand():
    g = blocked_gemm(2048, register_tile=1, l1_tile=16, l2_tile=128, llc_tile=512)
    h = hierarchical(g, _toy())
    by_hand = {"L1": 400e9 * 2 / (2.125 * 8), "L2": 200e9 * 2 / ((2 / 16 + 2 / 128) * 8),
               "LLC": 100e9 * 12.8, "DRAM": 40e9 * 51.2}          # 94.1 G, 356 G, 1.28 T, 2.05 T FLOP/s
    assert h.binding == "L1"
    assert math.isclose(h.attainable_flops_per_s, by_hand["L1"])
    assert math.isclose(h.time_s, g.bytes["L1"] / 400e9)
    df = h.to_dataframe()
    assert list(df.index[df["binds"]]) == ["L1"]
    assert math.isclose(df.loc["DRAM", "roof_flops_per_s"], 150e9)   # capped at π
    # a register tile of 4: every level's roof is above π, so π binds
    h4 = hierarchical(blocked_gemm(2048), _toy())
    assert h4.binding == "compute" and h4.attainable_flops_per_s == 150e9
    # a slow DRAM and no LLC tile: DRAM binds
    slow = hierarchical(blocked_gemm(2048, register_tile=8, llc_tile=128), _toy(dram=5e9))
    assert slow.binding == "DRAM" and "DRAM binds" in str(slow)
    assert slow.summary()["binding"] == "DRAM"


def test_hierarchical_uses_the_peak_of_the_kernels_dtype_and_names_missing_levels():
    p = _toy().replace(peaks={"fp64": 150e9, "fp32": 300e9}, peak_flops_per_s=300e9, dtype="fp32")
    assert hierarchical(blocked_gemm(2048), p).platform.peak_flops_per_s == 150e9
    with pytest.raises(ValueError, match="no fp16 peak"):
        hierarchical(blocked_gemm(2048, dtype="fp16"), p)
    with pytest.raises(ValueError, match=r"no roof for memory level\(s\) \['L1', 'L2', 'LLC'\]"):
        hierarchical(blocked_gemm(2048), rl.Platform("flat", 1e11, 1e10, peaks={"fp64": 1e11}, dtype="fp64"))
    with pytest.raises(ValueError, match="traffic must be"):
        hierarchical(rl.kernels.gemm(8, 8, 8), p)


def test_plot_draws_a_roof_and_a_point_per_level(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = hierarchical(blocked_gemm(2048, register_tile=1), _toy())
    ax = h.plot(title="t")
    gids = {a.get_gid() for a in ax.get_children()}
    for lv in LEVELS:
        assert {f"level-roof-{lv}", f"point-{lv}"} <= gids
        (x,), (y,) = next(a for a in ax.lines if a.get_gid() == f"point-{lv}").get_data()
        assert math.isclose(x, h.traffic.intensity(lv)) and math.isclose(y, h.roof(lv))
    styles = {a.get_linestyle() for a in ax.lines if str(a.get_gid()).startswith("level-roof-")}
    assert len(styles) == 4                                # told apart without colour
    text = rl.plot.describe(ax.figure)
    assert "L1 binds" in text and "0.118 FLOP/byte" in text
    plt.close(ax.figure)


def test_level_working_sets_land_in_their_levels():
    from rooflib.measure import CacheInfo, level_working_sets

    c = CacheInfo(l1d=48 * 1024, l2=2 * 2**20, llc=96 * 2**20, llc_instances=2)
    for t in (1, 2, 8):
        ws = level_working_sets(c, t)
        assert ws["L1"] <= c.l1d / 2 and c.l1d < ws["L2"] <= c.l2 / 4
        assert ws["LLC"] >= 2 * c.l2 and ws["LLC"] * t <= max(c.llc_total / 4, 2 * c.l2 * t)
        assert ws["DRAM"] * t >= rl.measure.dram_sized_bytes(c)


def test_level_roofs_measures_every_level():
    m_plat = rl.Platform("base", 1e11, 1e9, peaks={"fp64": 1e11}, dtype="fp64")
    c = rl.measure.CacheInfo(l1d=32 * 1024, l2=512 * 1024, llc=4 * 2**20)
    lr = rl.measure.level_roofs(m_plat, threads=1, caches=c)
    assert set(lr.roofs) == set(LEVELS) and all(np.isfinite(v) and v > 0 for v in lr.roofs.values())
    assert lr.roofs["DRAM"] >= 1e9                           # never below the base's DRAM roof
    assert [lv.name for lv in lr.platform.levels] == ["L1", "L2", "LLC"]
    for p in lr.candidates:                                  # counts: 2n FLOPs and 2n elements per dot product
        assert p.intensity == 1 / 8 and p.level in LEVELS
    df = lr.to_dataframe()
    assert list(df.index) == list(LEVELS) and df.loc["DRAM", "set_by"] == "read"    # any DRAM read beats 1 GB/s
    fast_base = rl.measure.LevelRoofs(lr.points, m_plat.replace(bandwidth=1e15), c)     # a base roof above the read
    assert fast_base.roofs["DRAM"] == 1e15 and fast_base.to_dataframe().loc["DRAM", "set_by"] == "base"
    assert "base DRAM roof" in str(fast_base) and fast_base.platform.bandwidth == 1e15
    assert hierarchical(blocked_gemm(1024), lr.platform).binding in (*LEVELS, "compute")
    with pytest.raises(ValueError, match="base must be"):
        rl.measure.level_roofs("laptop")
    with pytest.raises(ValueError, match="quick"):
        rl.measure.level_roofs(m_plat, quick="False")

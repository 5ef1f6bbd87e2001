"""rl.comm: the cited link catalogue, α-β collectives and the communication roofline.

Oracles: the vendors' quoted figures (cited next to each assertion), closed forms derived by hand
(ring all-reduce: 2(n-1)/n · S bytes in 2(n-1) steps), and NCCL's bus-bandwidth convention as
nccl-tests documents it (doc/PERFORMANCE.md, https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from urllib.parse import urlparse

import pandas as pd
import pytest

import rooflib as rl
from rooflib import comm
from rooflib.comm import _links

RECORDS = comm.records()
NAMES = [r["name"] for r in RECORDS]
FIGURES = ("bandwidth", "quoted_bandwidth", "latency_s")
OPS = {"all_reduce": comm.all_reduce, "all_gather": comm.all_gather, "reduce_scatter": comm.reduce_scatter,
       "all_to_all": comm.all_to_all, "send": comm.send}
NVLINK4 = comm.get("nvlink4")
IDEAL = comm.Link("ideal", bandwidth=100e9, latency_s=0.0)  # α = 0: only the bandwidth term is left


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    u = urlparse(value)
    return u.scheme in ("http", "https") and "." in u.netloc and " " not in value


# --- the catalogue: coverage and citations -------------------------------------------------------

@pytest.mark.parametrize("name", ["nvlink3", "nvlink4", "nvlink5", "pcie4-x16", "pcie5-x16", "infiniband-ndr",
                                  "infinity-fabric-mi300x", "ici-v5e"])
def test_required_links_present(name):
    assert name in comm.names()
    assert comm.names() == NAMES


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_every_figure_has_a_source_url_and_notes(rec):
    missing = [k for k in FIGURES if not _is_http_url(rec.get("sources", {}).get(k))]
    assert not missing, f"{rec['name']}: no http(s) source for {missing}"
    assert isinstance(rec["notes"], str) and len(rec["notes"]) > 40
    assert isinstance(rec["quoted_both_directions"], bool)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rec["name"])


@pytest.mark.parametrize("rec", [r for r in RECORDS if r["kind"] != "pcie"], ids=lambda r: r["name"])
def test_per_direction_is_quoted_over_two_for_both_direction_quotes(rec):
    link = comm.get(rec["name"])
    if link.quoted_both_directions:
        assert link.bandwidth == link.quoted_bandwidth / 2
    else:
        assert link.bandwidth == link.quoted_bandwidth
    assert link.quoted_per_direction == link.bandwidth


@pytest.mark.parametrize("name, gt_per_s, quoted", [("pcie3-x16", 8e9, 32e9), ("pcie4-x16", 16e9, 64e9),
                                                    ("pcie5-x16", 32e9, 128e9)])
def test_pcie_per_direction_is_derived_from_the_signalling_rate(name, gt_per_s, quoted):
    # x16 lanes, 128b/130b line encoding, 8 bits a byte; NVIDIA datasheets quote the x16 link
    # both ways together, rounded (A100: "PCIe Gen4: 64GB/s"; H100: "PCIe Gen5: 128GB/s")
    link = comm.get(name)
    assert link.bandwidth == pytest.approx(gt_per_s * 16 * 128 / 130 / 8, rel=1e-5)
    assert link.quoted_bandwidth == quoted and link.quoted_both_directions
    assert 0.95 * quoted / 2 < link.bandwidth < quoted / 2


def test_published_link_figures():
    # A100 datasheet "NVLink 600GB/s"; H100 page "NVLink 900GB/s"; HGX B200 "1.8TB/s"; all both ways
    assert (comm.get("nvlink3").bandwidth, comm.get("nvlink4").bandwidth, comm.get("nvlink5").bandwidth) == \
        (300e9, 450e9, 900e9)
    # ConnectX-7: NDR 400 Gb/s per port, per direction
    ndr = comm.get("infiniband-ndr")
    assert ndr.bandwidth == 400e9 / 8 and not ndr.quoted_both_directions
    # CDNA 3 white paper: 7 x16 links at 32 Gb/s a lane, "P2P ring peak aggregate 896 GB/s"
    mi = comm.get("infinity-fabric-mi300x")
    assert mi.bandwidth == 7 * 16 * 32e9 / 8 == mi.quoted_bandwidth / 2 == 448e9
    # Cloud TPU v5e docs: bidirectional ICI 400 GBps per chip (4 ports)
    assert comm.get("ici-v5e").bandwidth == 200e9
    # NCCL tuning.cc hwLatencies, ring / LL: NVLink 0.6, PCI 1.0, NET 2.7 µs per step
    assert (NVLINK4.latency_s, comm.get("pcie4").latency_s, ndr.latency_s) == (0.6e-6, 1.0e-6, 2.7e-6)


def test_link_kinds_and_table():
    assert {r["kind"] for r in RECORDS} <= set(comm.KINDS)
    table = comm.table()
    assert list(table.index) == NAMES
    rows = table.reset_index().to_dict("records")
    assert all(r["bandwidth"] <= r["quoted_bandwidth"] for r in rows)


# --- the loader refuses what breaks the conventions --------------------------------------------------

GOOD = '''
[[link]]
name = "toy-link"
aliases = ["toy"]
kind = "scale-up"
bandwidth = 50e9
quoted_bandwidth = 100e9
quoted_both_directions = true
latency_s = 1e-6
notes = "A made-up link for the test: 100 GB/s quoted both ways, 50 GB/s per direction."
[link.sources]
bandwidth = "https://example.com/a"
quoted_bandwidth = "https://example.com/a"
latency_s = "https://example.com/b"
'''


def test_loader_reads_a_good_file(tmp_path):
    path = tmp_path / "links.toml"
    path.write_text(GOOD, encoding="utf-8")
    by_name, index = _links.load(path.read_text(encoding="utf-8"))
    assert list(by_name) == ["toy-link"] and index["toy"] == "toy-link"


@pytest.mark.parametrize("old, new", [
    ('latency_s = "https://example.com/b"\n', ""),                                # uncited figure
    ('latency_s = "https://example.com/b"', 'latency_s = "see NCCL"'),             # not a URL
    ("bandwidth = 50e9\n", "bandwidth = 60e9\n"),                                  # above quoted / 2
    ("bandwidth = 50e9\n", "bandwidth = 40e9\n"),                                  # far below quoted / 2
    ('name = "toy-link"', 'name = "Toy Link"'),                                    # not lowercase-hyphenated
    ("quoted_both_directions = true", 'quoted_both_directions = "true"'),         # a string is not a flag
    ('notes = "A made-up link', 'notes_ = "A made-up link'),                       # no notes
    ("latency_s = 1e-6\n", "latency_s = -1e-6\n"),                                 # a negative latency
])
def test_loader_refuses_a_broken_entry(tmp_path, old, new):
    assert old in GOOD
    path = tmp_path / "links.toml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(ValueError):
        _links.load(path.read_text(encoding="utf-8"))


def test_loader_error_names_the_uncited_figure(tmp_path):
    path = tmp_path / "links.toml"
    path.write_text(GOOD.replace('latency_s = "https://example.com/b"\n', ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"toy-link.*latency_s.*source URL"):
        _links.load(path.read_text(encoding="utf-8"))


def test_loader_refuses_duplicates_and_alias_collisions():
    with pytest.raises(ValueError, match="twice"):
        _links.load(GOOD + GOOD)
    other = GOOD.replace('name = "toy-link"', 'name = "other-link"')
    with pytest.raises(ValueError, match="collides"):
        _links.load(GOOD + other)


# --- lookups ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, name", [
    ("NVLink 4", "nvlink4"), ("nvlink-4", "nvlink4"), ("NVLink4.0", "nvlink4"), ("PCIe 5.0", "pcie5-x16"),
    ("pcie4", "pcie4-x16"), ("PCIe Gen3", "pcie3-x16"), ("NDR", "infiniband-ndr"), ("xGMI", "infinity-fabric-mi300x"),
    ("Infinity Fabric", "infinity-fabric-mi300x"), ("ICI", "ici-v5e"),
])
def test_aliases_resolve(spelling, name):
    assert comm.get(spelling).name == name


def test_unknown_link_names_close_matches_and_the_kind():
    with pytest.raises(KeyError, match=r"unknown link 'nvlnk4'.*did you mean 'nvlink4'"):
        comm.get("nvlnk4")
    with pytest.raises(KeyError, match="link must be"):
        comm.get(42)
    assert comm.get(NVLINK4) is NVLINK4


def test_link_validates_its_fields():
    with pytest.raises(ValueError, match="bandwidth"):
        comm.Link("x", bandwidth=0)
    with pytest.raises(ValueError, match="latency_s"):
        comm.Link("x", bandwidth=1e9, latency_s=-1)
    with pytest.raises(ValueError, match="quoted_both_directions"):
        comm.Link("x", bandwidth=1e9, quoted_both_directions="False")
    with pytest.raises(ValueError, match="kind"):
        comm.Link("x", bandwidth=1e9, kind="ethernet")
    assert NVLINK4.replace(latency_s=0).latency_s == 0 and NVLINK4.latency_s == 0.6e-6
    assert "450 GB/s per direction" in str(NVLINK4) and "both directions" in str(NVLINK4)


# --- platforms name their link --------------------------------------------------------------------------

@pytest.mark.parametrize("platform, link", [
    ("a100-80gb", "nvlink3"), ("a100-40gb", "nvlink3"), ("h100-sxm", "nvlink4"), ("h200", "nvlink4"),
    ("h100-pcie", "pcie5-x16"), ("b200", "nvlink5"), ("mi300x", "infinity-fabric-mi300x"), ("tpu-v5e", "ici-v5e"),
    ("rtx-4090", "pcie4-x16"), ("v100-sxm2", "nvlink2"), ("apple-m1", None), ("epyc-9654", None),
    ("jetson-agx-orin", None), ("raspberry-pi-5", None),
])
def test_platform_interconnect(platform, link):
    assert rl.platforms.get(platform).interconnect == link


@pytest.mark.parametrize("name", rl.platforms.names())
def test_every_platform_interconnect_is_a_canonical_link_name(name):
    p = rl.platforms.get(name)
    if p.interconnect is not None:
        assert comm.get(p.interconnect).name == p.interconnect
    assert rl.platforms.get(name, dtype=p.dtype).interconnect == p.interconnect


def test_platform_interconnect_defaults_to_none_and_is_validated():
    p = rl.Platform("p", 1e12, 1e11)
    assert p.interconnect is None
    assert p.replace(interconnect="nvlink4").interconnect == "nvlink4"
    with pytest.raises(ValueError, match="interconnect"):
        rl.Platform("p", 1e12, 1e11, interconnect="")
    with pytest.raises(ValueError, match="interconnect"):
        rl.platforms._check_entry({"name": "toy", "peaks": {"fp32": 1e12}, "bandwidth": 1e11,
                                   "interconnect": "NVLink 4", "sources": {}})


# --- collectives: closed forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 4, 8])
def test_ring_all_reduce_bytes_steps_and_time(n):
    S, a, b = 1e9, NVLINK4.latency_s, NVLINK4.bandwidth
    r = comm.all_reduce(S, n, "nvlink4")
    assert r.bytes_sent_per_device == pytest.approx(2 * (n - 1) / n * S, rel=1e-12)
    assert r.steps == 2 * (n - 1)
    assert r.time_s == pytest.approx(2 * (n - 1) * a + 2 * (n - 1) / n * S / b, rel=1e-12)
    assert r.algorithm_bandwidth == pytest.approx(S / r.time_s, rel=1e-12)


def test_ring_all_reduce_by_hand_on_four_h100s():
    # 1 GB over 4 GPUs on NVLink 4: each sends 2·3/4 = 1.5 GB; 6 steps of 0.6 µs; 1.5e9 / 450e9 s
    r = comm.all_reduce(1e9, 4, "nvlink4")
    assert r.bytes_sent_per_device == 1.5e9
    assert r.latency_time_s == pytest.approx(3.6e-6)
    assert r.transfer_time_s == pytest.approx(1.5e9 / 450e9)
    assert r.time_s == pytest.approx(3.6e-6 + 3.3333333e-3, rel=1e-6)


@pytest.mark.parametrize("n", [2, 3, 4, 8, 64])
def test_bus_factor_is_ncclS_convention(n):
    # nccl-tests doc/PERFORMANCE.md, "Summary": AllReduce 2(n-1)/n; ReduceScatter, AllGather and
    # AlltoAll (n-1)/n; (send/recv: 1, as sendrecv_perf reports busbw = algbw)
    expected = {"all_reduce": 2 * (n - 1) / n, "all_gather": (n - 1) / n, "reduce_scatter": (n - 1) / n,
                "all_to_all": (n - 1) / n, "send": 1.0}
    for op, fn in OPS.items():
        r = fn(1e8, n, "nvlink4")
        assert r.bus_factor == pytest.approx(expected[op], rel=1e-12), op
        assert r.bus_bandwidth == pytest.approx(r.algorithm_bandwidth * expected[op], rel=1e-12), op
    assert comm.all_reduce(1e8, n, "nvlink4", algorithm="tree").bus_factor == pytest.approx(expected["all_reduce"])


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("n", [2, 5, 8])
def test_busbw_equals_the_link_bandwidth_when_latency_is_zero(op, n):
    # the point of NCCL's bus bandwidth: for a bandwidth-optimal algorithm it is the hardware's β, whatever n
    r = OPS[op](3e8, n, IDEAL)
    assert r.bus_bandwidth == pytest.approx(IDEAL.bandwidth, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 8])
def test_all_reduce_is_reduce_scatter_plus_all_gather(n):
    S = 7e8
    ar, rs, ag = comm.all_reduce(S, n, NVLINK4), comm.reduce_scatter(S, n, NVLINK4), comm.all_gather(S, n, NVLINK4)
    assert ar.bytes_sent_per_device == pytest.approx(rs.bytes_sent_per_device + ag.bytes_sent_per_device, rel=1e-12)
    assert ar.steps == rs.steps + ag.steps
    assert ar.time_s == pytest.approx(rs.time_s + ag.time_s, rel=1e-12)


@pytest.mark.parametrize("op", list(OPS))
def test_one_device_costs_nothing(op):
    r = OPS[op](1e9, 1, "nvlink4")
    assert (r.bytes_sent_per_device, r.steps, r.time_s) == (0.0, 0, 0.0)
    assert r.algorithm_bandwidth == math.inf
    assert comm.all_reduce(1e9, 1, "nvlink4", algorithm="tree").time_s == 0.0


def test_all_gather_all_to_all_and_send_closed_forms():
    S, n, a, b = 8e8, 8, NVLINK4.latency_s, NVLINK4.bandwidth
    for fn in (comm.all_gather, comm.reduce_scatter, comm.all_to_all):
        r = fn(S, n, NVLINK4)
        assert r.bytes_sent_per_device == pytest.approx(7 / 8 * S) and r.steps == 7
        assert r.time_s == pytest.approx(7 * a + 7 / 8 * S / b, rel=1e-12)
    s = comm.send(S, 2, NVLINK4)
    assert (s.bytes_sent_per_device, s.steps) == (S, 1)
    assert s.time_s == pytest.approx(a + S / b, rel=1e-12)
    assert comm.send(S, 4, NVLINK4).time_s == s.time_s  # every device sends to its neighbour at once


def test_zero_bytes_pays_only_latency():
    r = comm.all_reduce(0, 8, NVLINK4)
    assert r.time_s == pytest.approx(14 * 0.6e-6) and r.algorithm_bandwidth == 0.0


def test_tree_all_reduce():
    # n = 2: both trees are one edge each way, same as the ring
    ring2, tree2 = comm.all_reduce(1e6, 2, NVLINK4), comm.all_reduce(1e6, 2, NVLINK4, algorithm="tree")
    assert (tree2.bytes_sent_per_device, tree2.steps) == (ring2.bytes_sent_per_device, ring2.steps) == (1e6, 2)
    for n, depth in [(3, 2), (4, 2), (8, 3), (9, 4), (64, 6)]:
        t = comm.all_reduce(1e6, n, NVLINK4, algorithm="tree")
        assert t.steps == 2 * depth and t.bytes_sent_per_device == 2e6
    # latency-bound small messages: log beats linear; bandwidth-bound large ones: the ring wins
    assert comm.all_reduce(1e3, 64, NVLINK4, "tree").time_s < comm.all_reduce(1e3, 64, NVLINK4).time_s
    assert comm.all_reduce(1e10, 64, NVLINK4, "tree").time_s > comm.all_reduce(1e10, 64, NVLINK4).time_s


def test_pcie_is_slower_than_nvlink_by_the_bandwidth_ratio():
    big = 1e10
    ratio = comm.all_reduce(big, 8, "pcie5").time_s / comm.all_reduce(big, 8, "nvlink4").time_s
    assert ratio == pytest.approx(450e9 / comm.get("pcie5").bandwidth, rel=1e-3)


def test_collective_summary_and_text():
    r = comm.all_reduce(1e9, 8, NVLINK4)
    s = r.summary
    assert isinstance(s, dict) and s["time_s"] == r.time_s and s["link"] == "nvlink4" and s["bus_factor"] == 1.75
    assert "all_reduce" in str(r) and "busbw" in str(r)


# --- collectives: bad inputs name the parameter ---------------------------------------------------------

@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("kwargs, param", [
    ({"n": 0}, "n"), ({"n": 2.5}, "n"), ({"n": True}, "n"), ({"n": "8"}, "n"),
    ({"nbytes": -1}, "nbytes"), ({"nbytes": float("nan")}, "nbytes"), ({"nbytes": float("inf")}, "nbytes"),
    ({"nbytes": "5"}, "nbytes"), ({"algorithm": "butterfly"}, "algorithm"),
])
def test_bad_inputs_name_the_parameter(op, kwargs, param):
    args = {"nbytes": 1e6, "n": 4, "link": "nvlink4", **kwargs}
    with pytest.raises(ValueError, match=param):
        OPS[op](**args)


@pytest.mark.parametrize("op", list(OPS))
def test_unknown_link_is_a_clear_error(op):
    with pytest.raises(KeyError, match="unknown link 'nvlink9'"):
        OPS[op](1e6, 4, "nvlink9")
    with pytest.raises(KeyError, match="link must be"):
        OPS[op](1e6, 4, None)


def test_tree_only_for_all_reduce():
    with pytest.raises(ValueError, match="algorithm for all_gather"):
        comm.all_gather(1e6, 4, NVLINK4, algorithm="tree")


# --- the communication roofline ----------------------------------------------------------------------------

def test_ridge_point_h100_nvlink4_by_hand():
    # H100 SXM bf16 dense 989.4 TFLOP/s (Hopper whitepaper) over NVLink 4's 450 GB/s per direction
    h100 = rl.platforms.get("h100-sxm", "bf16")
    assert comm.ridge_point(h100) == pytest.approx(989.4e12 / 450e9, rel=1e-12)
    assert round(comm.ridge_point(h100)) == 2199
    assert comm.ridge_point(h100, "nvlink4") == comm.ridge_point(h100)  # link=None: the platform's own
    assert comm.ridge_point("h100-sxm") == pytest.approx(67e12 / 450e9)  # fp32 by default
    assert comm.ridge_point(h100, "pcie5") == pytest.approx(989.4e12 / comm.get("pcie5").bandwidth)


def test_platform_without_a_link_needs_one():
    with pytest.raises(ValueError, match="names no interconnect"):
        comm.ridge_point("apple-m1")
    assert comm.ridge_point("apple-m1", IDEAL) == pytest.approx(2.6e12 / 100e9)


def test_link_intensity_and_attainable():
    assert comm.link_intensity(2e12, 1e9) == 2000.0
    with pytest.raises(ValueError, match="link_bytes"):
        comm.link_intensity(1.0, 0)
    h100 = rl.platforms.get("h100-sxm", "bf16")
    assert comm.attainable(1000.0, h100) == pytest.approx(450e9 * 1000)
    assert comm.attainable(1e5, h100) == 989.4e12
    arr = comm.attainable([10.0, 1e5], h100)
    assert list(arr) == [pytest.approx(4.5e12), 989.4e12]


def test_time_bound_overlap_and_no_overlap():
    h100 = rl.platforms.get("h100-sxm", "bf16")
    flops, hbm, link_bytes = 1e12, 1e9, 1e9
    t_math, t_mem, t_comm = flops / 989.4e12, hbm / 3.35e12, link_bytes / 450e9
    over = comm.time_bound(flops, hbm, link_bytes, h100)
    assert (over.compute_time_s, over.memory_time_s, over.communication_time_s) == \
        pytest.approx((t_math, t_mem, t_comm), rel=1e-12)
    assert over.time_s == pytest.approx(max(t_math, t_mem, t_comm)) and over.bound == "communication"
    serial = comm.time_bound(flops, hbm, link_bytes, h100, overlap=False)
    assert serial.time_s == pytest.approx(t_math + t_mem + t_comm)
    assert over.time_s <= serial.time_s <= 3 * over.time_s


def test_time_bound_verdicts_and_ties():
    h100 = rl.platforms.get("h100-sxm", "bf16")
    assert comm.time_bound(1e15, 1e9, 1e9, h100).bound == "compute"
    assert comm.time_bound(1e9, 1e12, 1e9, h100).bound == "memory"
    assert comm.time_bound(1e9, 1e9, 1e12, h100).bound == "communication"
    # exactly on the link ridge: T_math == T_comms counts as compute, as on the memory roofline
    on_ridge = comm.time_bound(989.4e12 * 1e-3, 0, 450e9 * 1e-3, h100)
    assert on_ridge.compute_time_s == pytest.approx(on_ridge.communication_time_s)
    assert on_ridge.bound == "compute"
    assert comm.time_bound(1e12, 0, 0, h100).link_intensity == math.inf


def test_time_bound_table_text_html_summary():
    tb = comm.time_bound(1e12, 1e9, 1e9, "h100-sxm", "nvlink4")
    df = tb.to_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df.index) == ["compute", "memory", "communication"]
    assert {"amount", "rate", "time_s", "binding"} <= set(df.columns)
    assert df["binding"].sum() == 1 and df.loc[tb.bound, "binding"]
    assert "communication" in str(tb) and "<table" in tb._repr_html_()
    s = tb.summary
    assert isinstance(s, dict) and s["bound"] == tb.bound and s["time_s"] == tb.time_s


def test_time_bound_bad_inputs():
    with pytest.raises(ValueError, match="overlap"):
        comm.time_bound(1, 1, 1, "h100-sxm", overlap="False")
    with pytest.raises(ValueError, match="hbm_bytes"):
        comm.time_bound(1, -1, 1, "h100-sxm")
    with pytest.raises(ValueError, match="link_bytes"):
        comm.time_bound(1, 1, float("nan"), "h100-sxm")
    with pytest.raises(KeyError, match="unknown link"):
        comm.time_bound(1, 1, 1, "h100-sxm", "nvlink9")


# --- import cost ------------------------------------------------------------------------------------------------

def test_comm_does_not_import_matplotlib_or_pandas():
    code = "import sys, rooflib.comm; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


# --- the two-panel figure: memory roofline and communication roofline --------------------------

def test_comm_roofline_places_each_kernel_on_both_panels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h100 = rl.platforms.get("h100-sxm", "bf16")
    # a kernel of 1e12 FLOPs, 1e9 memory bytes, 1e9 link bytes: I = 1000 FLOP/byte on both axes
    tb = comm.time_bound(1e12, 1e9, 1e9, h100, "pcie5-x16")
    left, right = comm.comm_roofline(h100, "pcie5-x16", [("k", 1e12, 1e9, 1e9), tb])
    pts = {ln.get_gid(): ln for ln in left.lines + right.lines if ln.get_gid()}
    assert pts["point-0"].get_xdata()[0] == 1000 and pts["point-link-0"].get_xdata()[0] == 1000
    # on the link panel the point sits on the roof min(π, β_link I): 63 GB/s x 1000 = 63 TFLOP/s
    assert pts["point-link-1"].get_ydata()[0] == pytest.approx(comm.get("pcie5-x16").bandwidth * 1000)
    assert pts["ridge-link"].get_xdata()[0] == pytest.approx(comm.ridge_point(h100, "pcie5-x16"))
    assert "link" in right.get_xlabel() and right.get_xscale() == "log"
    with pytest.raises(ValueError, match="kernels"):
        comm.comm_roofline(h100, "nvlink4", [42])
    with pytest.raises(ValueError, match="link"):
        comm.comm_roofline(rl.Platform("cpu", 1e12, 1e11))
    plt.close("all")


def test_collective_text_says_lower_bound():
    assert "lower bound" in str(comm.all_reduce(1e6, 8, "nvlink4"))

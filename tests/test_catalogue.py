"""The hardware catalogue (rooflib/data/platforms.toml via rl.platforms): cited, dense, physically sane.

Oracles: published vendor figures (cited next to each assertion), closed-form derivations
(cores x clock x FLOP/cycle, transfer rate x bus width), and the file's own conventions.
"""

from __future__ import annotations

import importlib.resources
import re
from urllib.parse import urlparse

import pytest

import rooflib as rl
from rooflib import platforms as cat

RECORDS = cat.records()
NAMES = [r["name"] for r in RECORDS]

# dtypes whose figure on an accelerator comes from tensor / matrix units, and must not be below fp32
LOW_PRECISION = ("tf32", "fp16", "bf16", "fp8")


def _figure_keys(rec: dict) -> list[str]:
    keys = [*rec["peaks"], "bandwidth", "memory_bytes"]
    keys += [f"ceiling:{c['name']}" for c in rec.get("ceilings", [])]
    keys += [f"level:{lv['name']}" for lv in rec.get("levels", [])]
    return keys


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    u = urlparse(value)
    return u.scheme in ("http", "https") and "." in u.netloc and " " not in value


# --- size and coverage -----------------------------------------------------------------------

def test_catalogue_has_at_least_15_platforms():
    assert len(RECORDS) >= 15
    assert cat.names() == NAMES


@pytest.mark.parametrize("name", [
    "gtx-1080-ti", "v100-sxm2", "a100-40gb", "a100-80gb", "h100-sxm", "h200", "b200", "mi300x",
    "rtx-4090", "jetson-agx-orin", "tpu-v5e", "apple-m1", "epyc-9654", "raspberry-pi-5",
])
def test_required_platform_present(name):
    assert name in NAMES


# --- citations -------------------------------------------------------------------------------

@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_every_figure_has_a_source_url_under_the_same_key(rec):
    missing = [k for k in _figure_keys(rec) if not _is_http_url(rec.get("sources", {}).get(k))]
    assert not missing, f"{rec['name']}: no http(s) source for {missing}"


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_every_entry_has_notes_and_memory(rec):
    assert isinstance(rec.get("notes"), str) and len(rec["notes"]) > 40
    assert "memory_bytes" in rec


def test_header_states_dense_convention():
    text = importlib.resources.files("rooflib").joinpath("data", "platforms.toml").read_text("utf-8")
    header = text.split("[[platform]]")[0]
    assert "DENSE" in header and "sparsity" in header and "never used" in header


def test_derived_figures_say_derived_in_notes():
    # Pi 5, EPYC, Jetson Nano fp32 and the Orin INT8 are derivations, not printed figures
    for name in ("raspberry-pi-5", "epyc-9654", "jetson-nano", "jetson-agx-orin"):
        notes = cat.get(name).notes.lower()
        assert "derived" in notes, name


# --- dense, not sparse: published dense figures ------------------------------------------------

def test_h100_bf16_is_the_dense_figure():
    # Hopper architecture whitepaper, H100 SXM5: BF16 tensor 989.4 dense / 1978.9 with sparsity
    # (https://resources.nvidia.com/en-us-tensor-core/gtc22-whitepaper-hopper)
    assert cat.get("h100-sxm", dtype="bf16").peak_flops_per_s == 989.4e12
    assert cat.get("h100-sxm").peak("fp8") == 1978.9e12  # dense FP8; 3957.8 is the sparse one


def test_a100_bf16_is_the_dense_figure():
    # A100 datasheet r4: BFLOAT16 tensor "312 TFLOPS | 624 TFLOPS*", * = with sparsity
    # (https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf)
    for name in ("a100-40gb", "a100-80gb"):
        p = cat.get(name, dtype="bf16")
        assert p.peak_flops_per_s == 312e12
        assert p.peak("tf32") == 156e12  # "156 | 312*"
        assert p.peak("int8") == 624e12  # "624 | 1248*"


def test_mi300x_bf16_is_the_dense_figure():
    # AMD MI300X page: BF16 1307.4 TFLOPS, 2614.9 with structured sparsity
    # (https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html)
    assert cat.get("mi300x", dtype="bf16").peak_flops_per_s == 1307.4e12


def test_published_bandwidths_and_capacities():
    # A100 datasheet: 1,555 GB/s (40GB) and 2,039 GB/s (80GB SXM); H100 page: 3.35 TB/s;
    # H200 page: 141 GB at 4.8 TB/s; V100 datasheet: 900 GB/s; TPU v5e docs: 16 GB, 819 GBps.
    # Memory "GB" on these datasheets are binary: 80 GB = 80 GiB (nvidia-smi lists 81,920 MiB on an A100 80GB)
    assert cat.get("a100-40gb").bandwidth == 1555e9
    assert cat.get("a100-80gb").bandwidth == 2039e9
    assert cat.get("h100-sxm").bandwidth == 3.35e12
    assert (cat.get("h200").memory_bytes, cat.get("h200").bandwidth) == (141 * 2**30, 4.8e12)
    assert cat.get("v100-sxm2").bandwidth == 900e9
    assert (cat.get("tpu-v5e").memory_bytes, cat.get("tpu-v5e").bandwidth) == (16 * 2**30, 819e9)


# Issue 11, error 7: what each datacenter part's memory tool reports, in bytes, against the catalogue. A decimal
# reading (80 GB = 80e9 bytes) is below what the card reports as usable; the binary one (80 GiB) is not.
REPORTED_USABLE_BYTES = {
    "a100-80gb": 81_920 * 2**20,          # nvidia-smi: 81920MiB (A100 / A800 SXM4 80GB)
    "a100-40gb": 42_298_834_944,          # CUDA deviceQuery, A100-SXM4-40GB: 40339 MBytes
    "h100-sxm": 81_559 * 2**20,           # nvidia-smi: 81559MiB (H100 80GB HBM3; the rest reserved)
    "h200": 143_771 * 2**20,              # nvidia-smi: 143771MiB (H200 141GB)
    "b200": 183_359 * 2**20,              # nvidia-smi: 183359MiB (B200, HGX 180GB)
    "mi300x": 205_822_885_888,            # rocm-smi --showmeminfo vram: VRAM Total Memory (B)
    "v100-sxm2": 34_058_272_768,          # NVML memory info total, Tesla V100-SXM2-32GB
}


@pytest.mark.parametrize("name", sorted(REPORTED_USABLE_BYTES))
def test_datacenter_capacities_are_binary_as_the_cards_report(name):
    p = cat.get(name)
    reported = REPORTED_USABLE_BYTES[name]
    assert p.memory_bytes >= reported * 0.97               # usable is the capacity less a small reserve
    assert p.memory_bytes <= reported * 1.03
    decimal = float(cat.records()[NAMES.index(name)]["memory_stated"].split()[0]) * 1e9
    assert decimal < reported                              # the decimal reading cannot be right
    assert cat.get("a100-80gb").memory_bytes == 85_899_345_920 == 80 * 2**30


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_every_capacity_says_binary_or_decimal(rec):
    means = rec["memory_means"]
    assert means in ("GiB", "GB")
    assert rec["memory_bytes"] == float(rec["memory_stated"].split()[0]) * (2**30 if means == "GiB" else 1e9)
    assert ("binary" if means == "GiB" else "decimal") in rec["notes"]


def test_loader_checks_the_stated_capacity_and_its_unit():
    good = {"name": "toy-gpu", "peaks": {"fp32": 1e12}, "bandwidth": 1e11, "memory_bytes": 8 * 2**30,
            "memory_stated": "8 GB", "memory_means": "GiB",
            "sources": {"fp32": "https://example.com/a", "bandwidth": "https://example.com/b",
                        "memory_bytes": "https://example.com/c"}}
    cat._check_entry(good)
    with pytest.raises(ValueError, match="is not 8 GB read as GiB"):
        cat._check_entry({**good, "memory_bytes": 8e9})
    with pytest.raises(ValueError, match="memory_means"):
        cat._check_entry({**good, "memory_means": "gigabytes"})
    cat._check_entry({**good, "memory_bytes": 8e9, "memory_means": "GB"})


def test_loader_rejects_a_ceiling_above_the_roof_and_a_slow_level():
    good = {"name": "toy-gpu", "peaks": {"fp32": 1e12}, "bandwidth": 1e11,
            "sources": {"fp32": "https://example.com/a", "bandwidth": "https://example.com/b",
                        "ceiling:L2": "https://example.com/c", "level:L2": "https://example.com/c"}}
    with pytest.raises(ValueError, match="not under the roof"):
        cat._check_entry({**good, "ceilings": [{"name": "L2", "value": 5e11, "kind": "memory"}]})
    with pytest.raises(ValueError, match="faster than main memory"):
        cat._check_entry({**good, "levels": [{"name": "L2", "bandwidth": 5e10}]})
    cat._check_entry({**good, "levels": [{"name": "L2", "bandwidth": 5e11}]})
    with pytest.raises(ValueError, match="level:L2"):
        cat._check_entry({**good, "levels": [{"name": "L2", "bandwidth": 5e11}],
                          "sources": {k: v for k, v in good["sources"].items() if k != "level:L2"}})


def test_gtx_1080_ti_fp64_and_fp16_run_at_1_32_and_1_64_rate():
    # CUDA C++ Programming Guide, arithmetic instruction throughput, compute capability 6.1 (GP102):
    # 128 fp32, 4 fp64 and 2 fp16 results per clock per SM
    p = cat.get("gtx-1080-ti")
    assert p.peak("fp64") == 11.3e12 / 32 and p.peak("fp16") == 11.3e12 / 64
    assert round(p.for_dtype("fp64").ridge_point, 2) == 0.73
    assert p.for_dtype("fp16").ridge_point < 0.4


# --- the course's anchor platform ---------------------------------------------------------------

def test_gtx_1080_ti_figures_and_ridge_point():
    # source material: 11.3 TFLOP/s fp32 and 484 GB/s -> ridge 11.3e12 / 484e9 = 23.347 FLOP/byte
    p = cat.get("gtx-1080-ti")
    assert p.peak_flops_per_s == 11.3e12
    assert p.bandwidth == 484e9
    assert p.dtype == "fp32"
    assert round(p.ridge_point, 2) == 23.35


# --- derivations recomputed (closed form) -------------------------------------------------------

def test_raspberry_pi_5_derivation():
    p = cat.get("raspberry-pi-5")
    # 4 Cortex-A76 cores x 2.4 GHz x (2 x 128-bit FMA pipes = 2 x 4 lanes x 2 FLOP) = 16 FLOP/cycle
    assert p.peak("fp32") == pytest.approx(4 * 2.4e9 * 16, rel=1e-12)
    assert p.peak("fp32") == pytest.approx(153.6e9, rel=1e-12)
    assert p.peak("fp64") == pytest.approx(4 * 2.4e9 * 8, rel=1e-12)
    # LPDDR4X-4267 on a 32-bit (4-byte) bus
    assert p.bandwidth == pytest.approx(4267e6 * 4, rel=1e-12)
    assert round(p.bandwidth / 1e9, 2) == 17.07


def test_epyc_9654_derivation():
    p = cat.get("epyc-9654")
    # 96 Zen 4 cores x 2.4 GHz base x (2 x 256-bit FMA = 2 x 8 lanes x 2 FLOP) = 32 FLOP/cycle
    assert p.peak("fp32") == pytest.approx(96 * 2.4e9 * 32, rel=1e-12)
    assert p.peak("fp64") == pytest.approx(96 * 2.4e9 * 16, rel=1e-12)
    # 12 channels x DDR5-4800 x 8 bytes = 460.8 GB/s
    assert p.bandwidth == pytest.approx(12 * 4800e6 * 8, rel=1e-12)


def test_jetson_nano_derivation():
    p = cat.get("jetson-nano")
    # 128 Maxwell cores x 921.6 MHz x 2 FLOP/FMA; fp16 is twice that (NVIDIA quotes 472 GFLOPS)
    assert p.peak("fp32") == pytest.approx(128 * 921.6e6 * 2, rel=1e-3)
    assert p.peak("fp16") == pytest.approx(2 * p.peak("fp32"), rel=1e-3)
    assert p.bandwidth == 25.6e9


def test_orin_int8_is_half_the_sparse_tops():
    # technical brief: GPU 170 sparse INT8 TOPS -> 85 dense
    assert cat.get("jetson-agx-orin").peak("int8") == 170e12 / 2


# --- physical sanity ----------------------------------------------------------------------------

@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_low_precision_roofs_are_not_below_fp32(rec):
    peaks = rec["peaks"]
    if "fp32" not in peaks:
        return
    for d in LOW_PRECISION:
        if d in peaks and not (rec["name"] == "gtx-1080-ti" and d == "fp16"):  # GP102: fp16 at 1/64 rate
            assert peaks[d] >= peaks["fp32"], f"{rec['name']}: {d} {peaks[d]:g} < fp32 {peaks['fp32']:g}"
    if rec["name"] == "gtx-1080-ti":
        assert "1/64" in rec["notes"] and peaks["fp16"] < peaks["fp32"]


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_precision_ordering(rec):
    peaks = rec["peaks"]
    if "fp64" in peaks and "fp32" in peaks:
        assert peaks["fp64"] <= peaks["fp32"]
    if "fp8" in peaks and "fp16" in peaks:
        assert peaks["fp8"] >= peaks["fp16"]
    if "bf16" in peaks and "fp16" in peaks:
        assert peaks["bf16"] == peaks["fp16"]  # every vendor here lists them at the same rate
    if "tf32" in peaks and "bf16" in peaks:
        assert peaks["tf32"] <= peaks["bf16"]


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_bandwidth_memory_and_peaks_in_physical_range(rec):
    assert 1e9 <= rec["bandwidth"] <= 2e13
    assert 1e9 <= rec["memory_bytes"] <= 1e12
    for d, v in rec["peaks"].items():
        assert 1e10 <= v <= 1e16, f"{rec['name']} {d} = {v:g} FLOP/s"


@pytest.mark.parametrize("rec", RECORDS, ids=NAMES)
def test_ceilings_are_cited_and_become_rl_ceilings(rec):
    p = cat.get(rec["name"])
    assert len(p.ceilings) == len(rec.get("ceilings", []))
    for c, raw in zip(p.ceilings, rec.get("ceilings", [])):
        assert isinstance(c, rl.Ceiling)
        assert (c.name, c.value, c.kind) == (raw["name"], raw["value"], raw["kind"])
        assert _is_http_url(p.sources[f"ceiling:{c.name}"])
        if c.kind == "compute":
            assert c.value <= max(p.peaks.values())


def test_some_catalogue_platform_has_fp32_ridge_below_14():
    # the edge lesson: MobileNet (~10 FLOP/byte) is compute-bound on at least one device
    ridges = {p.name: p.ridge_point for p in cat.all_platforms("fp32")}
    low = [n for n, r in ridges.items() if r < 14]
    assert low, ridges
    assert "jetson-nano" in low and "raspberry-pi-5" in low


# --- names, aliases, lookups --------------------------------------------------------------------

def test_names_lowercase_hyphenated_and_unique():
    assert len(set(NAMES)) == len(NAMES)
    for n in NAMES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n), n


def test_aliases_do_not_collide_between_platforms():
    owner: dict[str, str] = {}
    for rec in RECORDS:
        for spelling in [rec["name"], *rec.get("aliases", [])]:
            key = re.sub(r"[^a-z0-9]", "", spelling.lower())
            assert owner.setdefault(key, rec["name"]) == rec["name"], (spelling, owner[key], rec["name"])


@pytest.mark.parametrize("spelling, name", [
    ("1080Ti", "gtx-1080-ti"), ("GTX 1080 Ti", "gtx-1080-ti"), ("gtx-1080-ti", "gtx-1080-ti"),
    ("H100", "h100-sxm"), ("A100", "a100-80gb"), ("A100 40GB", "a100-40gb"), ("V100", "v100-sxm2"),
    ("4090", "rtx-4090"), ("RTX 4090", "rtx-4090"), ("MI300X", "mi300x"), ("M1", "apple-m1"),
    ("Orin", "jetson-agx-orin"), ("TPU v5e", "tpu-v5e"), ("Pi 5", "raspberry-pi-5"),
    ("H200", "h200"), ("B200", "b200"), ("EPYC 9654", "epyc-9654"), ("Jetson Nano", "jetson-nano"),
])
def test_aliases_resolve(spelling, name):
    assert cat.get(spelling).name == name


@pytest.mark.parametrize("typo, expected", [("H1000", "h100-sxm"), ("rtx 4080", "rtx-4090"),
                                            ("raspberry pi 4", "raspberry-pi-5")])
def test_unknown_name_raises_keyerror_with_close_match(typo, expected):
    with pytest.raises(KeyError) as info:
        cat.get(typo)
    msg = str(info.value)
    assert "did you mean" in msg and repr(expected) in msg


def test_non_string_name_raises_keyerror():
    with pytest.raises(KeyError):
        cat.get(42)


def test_unknown_dtype_names_the_listed_ones():
    with pytest.raises(KeyError, match="fp32"):
        cat.get("gtx-1080-ti", dtype="bf16")


# --- dtypes ------------------------------------------------------------------------------------

def test_default_dtypes():
    assert cat.get("gtx-1080-ti").dtype == "fp32"
    assert cat.get("tpu-v5e").dtype == "bf16"
    assert cat.get("tpu-v5e").peak_flops_per_s == 197e12  # Cloud TPU v5e docs: 197 TFLOPs bf16
    for rec in RECORDS:
        if "fp32" in rec["peaks"]:
            assert cat.get(rec["name"]).dtype == "fp32", rec["name"]


@pytest.mark.parametrize("rec", [r for r in RECORDS if "bf16" in r["peaks"]], ids=lambda r: r["name"])
def test_get_with_dtype_reroots_peak_flops(rec):
    base = cat.get(rec["name"])
    p = cat.get(rec["name"], dtype="bf16")
    assert p.dtype == "bf16"
    assert p.peak_flops_per_s == rec["peaks"]["bf16"]
    assert p.bandwidth == base.bandwidth
    assert p.ridge_point == pytest.approx(rec["peaks"]["bf16"] / rec["bandwidth"])
    assert cat.get(rec["name"], dtype="bfloat16") == p  # dtype spellings are normalised


def test_get_passes_platform_through():
    p = cat.get("h100-sxm")
    assert cat.get(p) is p
    assert cat.get(p, dtype="bf16").peak_flops_per_s == 989.4e12


def test_all_platforms_and_table_filter_by_dtype():
    bf16 = cat.all_platforms("bf16")
    assert {p.name for p in bf16} == {r["name"] for r in RECORDS if "bf16" in r["peaks"]}
    assert all(p.dtype == "bf16" for p in bf16)
    table = cat.table()
    assert list(table.index) == NAMES
    assert list(cat.table("bf16").index) == [p.name for p in bf16]
    for row in table.reset_index().to_dict("records"):
        assert row["ridge_point"] == pytest.approx(row["peak_flops_per_s"] / row["bandwidth"])


# --- copies and load-time validation -------------------------------------------------------------

def test_records_returns_copies():
    recs = cat.records()
    recs[0]["peaks"]["fp32"] = 1.0
    recs[0]["sources"].clear()
    recs[0]["bandwidth"] = 1.0
    recs.pop()
    fresh = cat.records()
    assert fresh == RECORDS
    assert cat.get(RECORDS[0]["name"]).peak_flops_per_s == RECORDS[0]["peaks"][RECORDS[0].get("dtype", "fp32")]


def test_platform_sources_are_read_only_copies():
    p = cat.get("a100-80gb")
    with pytest.raises(TypeError):
        p.sources["fp32"] = "x"  # MappingProxyType
    assert cat.records()[NAMES.index("a100-80gb")]["sources"]["fp32"].startswith("https://")


def test_loader_rejects_an_uncited_figure():
    bad = {"name": "toy-gpu", "peaks": {"fp32": 1e12}, "bandwidth": 1e11, "memory_bytes": 1e9,
           "memory_stated": "1 GB", "memory_means": "GB",
           "sources": {"fp32": "https://example.com/a", "bandwidth": "https://example.com/b"}}
    with pytest.raises(ValueError, match="memory_bytes"):
        cat._check_entry(bad)
    bad["sources"]["memory_bytes"] = "see datasheet"
    with pytest.raises(ValueError, match="memory_bytes"):
        cat._check_entry(bad)
    bad["sources"]["memory_bytes"] = "https://example.com/c"
    cat._check_entry(bad)  # now complete
    with pytest.raises(ValueError, match="lowercase-hyphenated"):
        cat._check_entry({**bad, "name": "Toy GPU"})
    with pytest.raises(ValueError, match="default dtype"):
        cat._check_entry({**bad, "dtype": "bf16"})


def test_one_index_for_every_catalogue_refuses_twins_and_colliding_aliases():
    from rooflib._validate import index_catalogue

    by_name, index = index_catalogue([{"name": "h100-sxm", "aliases": ["H100"]}], "platform", lambda e: None)
    assert index == {"h100sxm": "h100-sxm", "h100": "h100-sxm"} and list(by_name) == ["h100-sxm"]
    with pytest.raises(ValueError, match="platform name 'a' appears twice"):
        index_catalogue([{"name": "a"}, {"name": "a"}], "platform", lambda e: None)
    with pytest.raises(ValueError, match="alias 'A-1' of 'b' collides with link 'a1'"):
        index_catalogue([{"name": "a1"}, {"name": "b", "aliases": ["A-1"]}], "link", lambda e: None)

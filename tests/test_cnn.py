"""rl.cnn: layer-by-layer counts of VGG16, MobileNetV1/V2 and ResNet-50 against published totals,
brute-force loop counts and hand formulas for the traffic conventions; the result objects with rows
(LayerTable, NetworkComparison) and their DataFrames."""

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd
import pytest

import rooflib as rl
from rooflib import cnn

P1080 = rl.platforms.get("gtx-1080-ti")

# --- published totals -------------------------------------------------------------------------
# params (millions, to the precision published): torchvision's model pages, which print
#   sum(p.numel() for p in model.parameters()) (vgg16 138,357,544 = 138.36 M; mobilenet_v2 3,504,872
#   = 3.5 M; resnet50 25,557,032 = 25.6 M); MobileNetV1: Howard et al. 2017 Table 8, "4.2" million
#   (Keras MobileNet 1.0: 4,231,976 trainable params).
# MACs: VGG16 15.47 G (torchvision's "GFLOPS" column, which counts multiply-adds; ~15.5 G);
#   MobileNetV1 569 M mult-adds (Howard et al. Table 8); MobileNetV2 300 M MAdds (Sandler et al.
#   2018 Table 4; torchvision 0.30); ResNet-50 4.09 G (torchvision, "v1.5"; He et al. 2015's v1
#   quotes 3.8 G "FLOPs", i.e. multiply-adds, with the stride on the first 1x1 conv instead).
PUBLISHED = [
    ("vgg16", 138.36, 2, 15.5e9),
    ("mobilenet_v1", 4.2, 1, 569e6),
    ("mobilenet_v2", 3.5, 1, 300e6),
    ("resnet50", 25.6, 1, 4.1e9),
]
TORCHVISION_PARAMS = {"vgg16": 138_357_544, "mobilenet_v1": 4_231_976, "mobilenet_v2": 3_504_872,
                      "resnet50": 25_557_032}


@pytest.mark.parametrize(("name", "params_m", "digits", "macs"), PUBLISHED)
def test_published_totals(name, params_m, digits, macs):
    net = cnn.get(name)
    assert round(net.params / 1e6, digits) == params_m  # agrees to every digit published
    if digits >= 2:
        assert net.params == pytest.approx(params_m * 1e6, rel=0.005)
    assert net.macs == pytest.approx(macs, rel=0.03)


@pytest.mark.parametrize("name", list(TORCHVISION_PARAMS))
def test_params_match_torchvision_exactly(name):
    assert cnn.get(name).params == TORCHVISION_PARAMS[name]


def test_contract_builders_and_catalogue():
    assert cnn.names() == ["vgg16", "mobilenet_v1", "mobilenet_v2", "resnet50"]
    assert rl.cnn.vgg16() is cnn.get("VGG-16")  # cached, and the name is forgiving
    assert cnn.get("MobileNet").name == "mobilenet_v1"  # the blog's "MobileNet" is V1
    assert cnn.get("resnet-50").name == "resnet50"
    with pytest.raises(KeyError, match="vgg16"):
        cnn.get("vgg19x")
    with pytest.raises(KeyError, match="unknown network 'vgg19x'"):  # the library's one unknown-name error
        cnn.get("vgg19x")


# --- brute force: count the multiply-adds a naive loop actually does ----------------------------
def _naive_conv(x, c_out, k, stride, pad, groups):
    """Direct convolution with explicit zero padding; returns (output, weights, number of multiply-adds)."""
    h, w, c_in = x.shape
    rng = np.random.default_rng(0)
    wts = rng.standard_normal((c_out, c_in // groups, k, k))
    xp = np.zeros((h + 2 * pad, w + 2 * pad, c_in))
    xp[pad:pad + h, pad:pad + w] = x
    ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.zeros((ho, wo, c_out))
    macs = 0
    cpg_in, cpg_out = c_in // groups, c_out // groups
    for oy, ox, co in itertools.product(range(ho), range(wo), range(c_out)):
        g = co // cpg_out
        acc = 0.0
        for ci, ky, kx in itertools.product(range(cpg_in), range(k), range(k)):
            acc += xp[oy * stride + ky, ox * stride + kx, g * cpg_in + ci] * wts[co, ci, ky, kx]
            macs += 1
        out[oy, ox, co] = acc
    return out, wts, macs


@pytest.mark.parametrize(("shape", "c_out", "k", "stride", "groups"), [
    ((5, 6, 3), 4, 3, 1, 1),     # dense 3x3
    ((7, 5, 4), 6, 3, 2, 2),     # grouped, stride 2, odd sizes
    ((6, 6, 5), 5, 3, 2, 5),     # depthwise
    ((4, 3, 6), 3, 1, 1, 1),     # pointwise
    ((9, 9, 2), 3, 7, 2, 1),     # 7x7 stem-like
])
def test_conv_macs_params_shape_by_brute_force(shape, c_out, k, stride, groups):
    x = np.ones(shape)
    out, wts, macs = _naive_conv(x, c_out, k, stride, k // 2, groups)
    layer = cnn.conv("c", shape, c_out, k, stride, groups=groups)
    assert layer.macs == macs
    assert layer.params == wts.size
    assert layer.output_shape == out.shape
    with_bias = cnn.conv("c", shape, c_out, k, stride, groups=groups, bias=True)
    assert with_bias.params == wts.size + c_out
    assert with_bias.macs == macs  # the bias add is not a multiply-add
    expected_kind = {1: "pointwise" if k == 1 else "conv", shape[2]: "depthwise"}.get(groups, "grouped")
    assert layer.kind == expected_kind


def test_fc_by_brute_force():
    n_in, n_out = 2 * 3 * 4, 5
    rng = np.random.default_rng(1)
    x, wts = rng.standard_normal(n_in), rng.standard_normal((n_out, n_in))
    y, macs = np.zeros(n_out), 0
    for o in range(n_out):
        for i in range(n_in):
            y[o] += wts[o, i] * x[i]
            macs += 1
    np.testing.assert_allclose(y, wts @ x)
    layer = cnn.fc("fc", (2, 3, 4), n_out)
    assert (layer.macs, layer.params, layer.output_shape) == (macs, wts.size + n_out, (1, 1, n_out))


def test_other_flops_rules():
    # FLOPs that are not multiply-adds, per element or per output, by hand
    s = (4, 6, 3)
    assert cnn.batchnorm("bn", s).other_flops == 2 * 72           # y = a*x + b
    assert cnn.activation("r", s).other_flops == 72                # max(x, 0)
    assert cnn.activation("r6", s, "relu6").other_flops == 2 * 72  # min(max(x, 0), 6)
    assert cnn.add("a", s, ("x", "y")).other_flops == 72
    assert cnn.add("a", s, ("x", "y")).input_elements == 2 * 72    # an add reads both tensors
    mp = cnn.pool("p", s, 2)                                       # 2x3x3 outputs, 3 comparisons each
    assert (mp.output_shape, mp.other_flops) == ((2, 3, 3), 18 * 3)
    assert cnn.global_avgpool("g", s).other_flops == 72            # 23 adds + 1 multiply per channel
    assert cnn.conv("c", s, 5, 3, bias=True).other_flops == 4 * 6 * 5  # one bias add per output


# --- totals are sums of the layers ---------------------------------------------------------------
CONVENTIONS = [cnn.HONEST, cnn.BLOG_CONVENTION, cnn.Convention(count_norm_act=True, count_other_flops=True),
               cnn.Convention(flops_per_mac=1, bytes_per_element="fp16", batch=8, count_outputs=False)]


@pytest.mark.parametrize("name", cnn.names())
@pytest.mark.parametrize("conv", CONVENTIONS, ids=lambda c: c.describe())
def test_layer_sums_equal_totals(name, conv):
    net = cnn.get(name)
    rows = net.table(conv).rows
    assert [r.name for r in rows] == [la.name for la in net.layers]
    assert sum(r.params for r in rows) == net.params
    assert sum(r.macs for r in rows) == net.macs
    assert sum(r.flops for r in rows) == net.flops(conv)
    assert sum(r.bytes for r in rows) == pytest.approx(net.bytes(conv), rel=1e-12)
    df = net.table(conv).to_dataframe()  # the same sums, column by column
    assert df["params"].sum() == net.params and df["macs"].sum() == net.macs
    assert df["flops"].sum() == net.flops(conv)
    assert df["bytes"].sum() == pytest.approx(net.bytes(conv), rel=1e-12)
    t = net.traffic(conv)
    assert t["weights"] + t["inputs"] + t["outputs"] == pytest.approx(t["total"], rel=1e-12)
    wls = net.layer_workloads(conv, all_layers=True)
    assert sum(w.flops for w in wls) == net.flops(conv)  # fused layers left out have no FLOPs
    assert sum(w.bytes for w in wls) == pytest.approx(net.bytes(conv), rel=1e-12)
    working = net.layer_workloads(conv)  # the default: only layers with FLOPs, for roofline plots
    assert all(w.flops > 0 for w in working)
    assert sum(w.flops for w in working) == net.flops(conv)
    wl = net.workload(conv)
    assert isinstance(wl, rl.Workload)
    assert (wl.flops, wl.intensity) == (net.flops(conv), pytest.approx(net.intensity(conv)))


@pytest.mark.parametrize("name", cnn.names())
def test_flops_per_mac_scaling(name):
    net = cnn.get(name)
    assert net.flops(flops_per_mac=1) == net.macs
    assert net.flops(flops_per_mac=2) == 2 * net.macs == net.flops()  # the default is FMA = 2 FLOPs
    assert net.intensity(flops_per_mac=2) == pytest.approx(2 * net.intensity(flops_per_mac=1))
    # counting the other FLOPs (bias, BN, ReLU, pooling, adds) adds a few percent, never less than 0
    extra = net.flops(count_other_flops=True) - net.flops()
    assert 0 < extra < 0.05 * net.flops()


def _tiny():
    """8x8x3 image -> conv3x3 (4 ch, no bias) -> BN -> ReLU -> global avg pool -> fc(2)."""
    layers = (cnn.conv("conv", (8, 8, 3), 4, 3, inputs=("input",)),
              cnn.batchnorm("bn", (8, 8, 4), inputs=("conv",)),
              cnn.activation("relu", (8, 8, 4), inputs=("bn",)),
              cnn.global_avgpool("gap", (8, 8, 4), inputs=("relu",)),
              cnn.fc("fc", (1, 1, 4), 2, inputs=("gap",)))
    return cnn.Network("tiny", layers, (8, 8, 3))


@pytest.mark.parametrize(("kw", "elements"), [
    # by hand: weights 3*3*3*4 = 108, BN 2*4 = 8, fc 4*2 + 2 = 10
    (dict(count_inputs=False, count_outputs=False), 108 + 8 + 10),
    # fused: conv reads 8*8*3 = 192, the pool reads 8*8*4 = 256, the fc reads 4
    (dict(count_weights=False, count_outputs=False), 192 + 256 + 4),
    # fused: conv writes 256, the pool 4, the fc 2
    (dict(count_weights=False, count_inputs=False), 256 + 4 + 2),
    # separate BN and ReLU passes: each reads 256 and writes 256 more
    (dict(count_weights=False, count_norm_act=True), 192 + 256 + 4 + 256 + 4 + 2 + 4 * 256),
    (dict(), 126 + 452 + 262),
])
def test_convention_toggles_match_hand_formula(kw, elements):
    net = _tiny()
    assert net.bytes(**kw) == 4 * elements
    assert net.bytes(bytes_per_element=2, **kw) == 2 * elements
    assert net.bytes(bytes_per_element="fp16", **kw) == 2 * elements


def test_batch_scales_activations_not_weights():
    net = _tiny()
    t1, t8 = net.traffic(), net.traffic(batch=8)
    assert t8["weights"] == t1["weights"]
    assert (t8["inputs"], t8["outputs"]) == (8 * t1["inputs"], 8 * t1["outputs"])
    assert net.flops(batch=8) == 8 * net.flops()
    vgg = cnn.vgg16()  # fc weights are amortised over the batch: intensity rises with it
    assert vgg.intensity(batch=64) > 2 * vgg.intensity()


def test_vgg16_blog_traffic_by_hand():
    # The blog's recipe: (Kernel Mem + Output Mem) x 4 bytes, a multiply-add = 1 FLOP.
    # VGG16's layer outputs, stage by stage (convs, then the 2x2 pools), then fc6-fc8:
    convs = 2 * 224**2 * 64 + 2 * 112**2 * 128 + 3 * 56**2 * 256 + 3 * 28**2 * 512 + 3 * 14**2 * 512
    pools = 112**2 * 64 + 56**2 * 128 + 28**2 * 256 + 14**2 * 512 + 7**2 * 512
    fcs = 4096 + 4096 + 1000
    vgg = cnn.vgg16()
    fused = vgg.bytes("blog", count_norm_act=False)
    assert fused == 4 * (138_357_544 + convs + pools + fcs)
    assert fused == pytest.approx(614e6, rel=0.01)  # the blog: "about 600 MB"
    assert vgg.intensity("blog", count_norm_act=False) == pytest.approx(25.2, abs=0.1)  # the blog: 25
    # with ReLU as its own pass, every conv and fc6/fc7 output is written twice
    assert vgg.bytes("blog") == fused + 4 * (convs + 4096 + 4096)


def test_blog_intensities():
    # The source blog (1080 Ti section): VGG16 ~ 25 FLOP/byte, MobileNet ~ 7 FLOP/byte.
    assert 23 <= cnn.vgg16().intensity(cnn.BLOG_CONVENTION) <= 27
    assert 6 <= cnn.mobilenet_v1().intensity(cnn.BLOG_CONVENTION) <= 8
    # MobileNet is memory-bound on the 1080 Ti, at about 7 x 484 GB/s ~ 3.4 TFLOP/s (the blog says 3.3)
    mb = cnn.mobilenet_v1().workload("blog")
    assert P1080.bound(mb) == "memory"
    assert 3.0e12 < P1080.attainable(mb) < 3.9e12


def test_honest_convention_moves_networks_right():
    # FMA = 2 on both axes (the 1080 Ti's 11.3 TFLOP/s counts an FMA as 2 FLOPs): VGG16 and ResNet-50
    # are compute-bound, the MobileNets memory-bound.
    for name, bound in [("vgg16", "compute"), ("resnet50", "compute"), ("mobilenet_v1", "memory"),
                        ("mobilenet_v2", "memory")]:
        assert P1080.bound(cnn.get(name).workload()) == bound, name


def test_memory_bound_layers_on_1080ti():
    for conv in ("blog", "honest"):
        rows = {r.name: r for r in cnn.vgg16().table(conv, platform=P1080).rows}
        assert all(rows[f].bound == "memory" for f in ("fc6", "fc7", "fc8"))  # ~0.25 to 0.5 FLOP/byte
        convs = [r for r in rows.values() if r.kind == "conv" and r.name != "conv1_1"]
        assert convs and all(r.bound == "compute" for r in convs)
        for name in ("mobilenet_v1", "mobilenet_v2"):
            dws = [r for r in cnn.get(name).table(conv, platform=P1080).rows if r.kind == "depthwise"]
            assert len(dws) == {"mobilenet_v1": 13, "mobilenet_v2": 17}[name]
            assert all(r.bound == "memory" and r.intensity < 2.5 for r in dws)
            df = cnn.get(name).table(conv, platform=P1080).to_dataframe()  # the notebook's way to ask
            dw = df[df["kind"] == "depthwise"]
            assert len(dw) == len(dws) and (dw["bound"] == "memory").all() and dw["intensity"].max() < 2.5
    # a fused BN moves only its gamma and beta (folded into the conv before it), no activations
    bn = cnn.resnet50().table("honest", platform=P1080).rows[1]
    assert (bn.kind, bn.bytes, bn.flops) == ("bn", 4 * 2 * 64, 0)
    sep = cnn.resnet50().table("honest", count_norm_act=True).rows[1]
    assert sep.bytes == 4 * (2 * 64 + 2 * 112 * 112 * 64)


@pytest.mark.parametrize("name", cnn.names())
@pytest.mark.parametrize("conv", ["blog", "honest"])
def test_per_layer_time_at_least_whole(name, conv):
    net = cnn.get(name)
    whole = net.time_whole(P1080, conv)
    assert whole == P1080.time(net.workload(conv))
    assert net.time(P1080, conv) >= whole > 0
    assert net.time("1080 Ti", conv) == net.time(P1080, conv)
    table = net.table(conv, platform=P1080)
    assert sum(r.time_s for r in table.rows) == pytest.approx(net.time(P1080, conv))
    assert table.to_dataframe()["time_s"].sum() == pytest.approx(net.time(P1080, conv))
    assert net.table(conv, "1080 Ti") == table  # a platform name resolves through rl.platforms.get


def test_compare_rows():
    comparison = cnn.compare("blog", platform=P1080)
    assert isinstance(comparison, cnn.NetworkComparison)
    rows = comparison.rows
    assert [r.name for r in rows] == ["VGG16", "MobileNetV1", "MobileNetV2", "ResNet-50"]
    for r, name in zip(rows, cnn.names()):
        net = cnn.get(name)
        assert (r.params, r.flops, r.intensity) == (net.params, net.macs, net.intensity("blog"))
        assert (r.macs, r.bytes) == (net.macs, net.bytes("blog"))
        assert r.time_layers_s >= r.time_s == net.time_whole(P1080, "blog")
        assert r.attainable_flops_per_s == min(P1080.peak_flops_per_s, P1080.bandwidth * r.intensity)
        assert r.bound == P1080.bound(net.workload("blog"))
    df = comparison.to_dataframe()
    assert list(df.index) == ["VGG16", "MobileNetV1", "MobileNetV2", "ResNet-50"]
    assert list(df.columns) == ["params", "macs", "flops", "bytes", "intensity", "attainable_flops_per_s",
                                "bound", "time_s", "time_layers_s"]
    assert df.loc["MobileNetV1", "bound"] == "memory"
    assert df.loc["MobileNetV1", "flops"] == cnn.mobilenet_v1().macs


def test_compare_names_and_without_platform():
    two = cnn.compare(cnn.HONEST, names=["VGG-16", "MobileNet"])  # names go through rl.cnn.get
    assert [r.name for r in two.rows] == ["VGG16", "MobileNetV1"]
    assert two.platform is None and all(r.bound is None and r.time_s is None for r in two.rows)
    assert list(two.to_dataframe().columns) == ["params", "macs", "flops", "bytes", "intensity"]
    assert cnn.compare(names="resnet50").rows[0].name == "ResNet-50"  # one name, not its letters
    assert cnn.compare(flops_per_mac=1).rows[0].flops == cnn.vgg16().macs  # keyword overrides
    with pytest.raises(KeyError, match="unknown network"):
        cnn.compare(names=["vgg16", "alexnet"])
    with pytest.raises(KeyError, match="unknown platform"):
        cnn.compare(platform="gtx-1080-tii")


# --- result objects with rows --------------------------------------------------------------------
def test_layer_table_dataframe():
    vgg = cnn.vgg16()
    table = vgg.table("blog", P1080)
    assert isinstance(table, cnn.LayerTable)
    assert (table.network, table.convention, table.platform) == ("VGG16", cnn.BLOG_CONVENTION, P1080)
    df = table.to_dataframe()
    assert df.index.name == "name" and list(df.index) == [la.name for la in vgg.layers]
    assert list(df.columns) == ["kind", "output_shape", "params", "macs", "flops", "bytes", "intensity",
                                "time_s", "bound"]
    assert df["flops"].sum() == vgg.flops("blog") and df["bytes"].sum() == pytest.approx(vgg.bytes("blog"))
    assert set(df["bound"]) == {"memory", "compute"}  # verdicts are exactly these two words
    assert df.loc["fc6", "output_shape"] == (1, 1, 4096)
    assert df.loc["fc6", "intensity"] == pytest.approx(vgg.layer("fc6").flops("blog") / vgg.layer("fc6").bytes("blog"))
    # without a platform there is no time and no verdict
    plain = vgg.table("blog").to_dataframe()
    assert list(plain.columns) == ["kind", "output_shape", "params", "macs", "flops", "bytes", "intensity"]
    # a fused ReLU moves no bytes: intensity None in the row, NaN in the frame, no verdict
    honest = cnn.resnet50().table("honest", P1080)
    relu = honest.rows[2]
    assert (relu.kind, relu.bytes, relu.intensity, relu.bound) == ("relu", 0, None, None)
    assert np.isnan(honest.to_dataframe().loc["conv1_relu", "intensity"])


def test_results_render_from_their_dataframe_and_are_frozen():
    table = cnn.mobilenet_v1().table("blog", "gtx-1080-ti")
    comparison = cnn.compare("blog", "gtx-1080-ti", names=["vgg16", "mobilenet_v1"])
    for result in (table, comparison):
        df = result.to_dataframe()
        with pd.option_context("display.max_rows", 1000):  # long tables follow pandas' display.max_rows
            text, page = str(result), result._repr_html_()
            assert text.splitlines()[1:] == df.to_string().splitlines()  # a title line, then the frame
            assert df.to_html() in page
        assert "GTX 1080 Ti" in text.splitlines()[0] and "blog" in page
        assert len(repr(result)) < 300  # a title, not every row
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.rows = ()
    assert "pw13" in str(table) and "MobileNetV1" in str(comparison)
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.rows[0].flops = 0
    assert isinstance(table.rows, tuple) and isinstance(comparison.rows, tuple)


def test_keyword_overrides_equal_explicit_convention():
    net = cnn.resnet50()
    a = net.workload(flops_per_mac=1, count_inputs=False)
    b = net.workload(cnn.Convention(flops_per_mac=1, count_inputs=False))
    assert (a.flops, a.bytes) == (b.flops, b.bytes)
    fused = cnn.BLOG_CONVENTION.replace(count_norm_act=False)
    assert net.intensity("blog", count_norm_act=False) == net.intensity(fused)
    layer = net.layer("conv1")
    assert layer.flops("blog") == layer.macs
    assert layer.bytes() == 4 * (layer.params + layer.input_elements + layer.output_elements)


# --- shapes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", cnn.names())
def test_shapes_chain(name):
    net = cnn.get(name)
    out = {"input": (224, 224, 3)}
    prev = "input"
    for layer in net.layers:
        for src in layer.inputs:
            assert out[src] == layer.input_shape, (layer.name, src)
        if layer.kind == "add":
            a, b = layer.inputs
            assert out[a] == out[b] == layer.output_shape
        elif name in ("vgg16", "mobilenet_v1") or "downsample" not in layer.name:
            assert layer.inputs == (prev,), layer.name  # sequential: reads the layer just before
        out[layer.name] = layer.output_shape
        prev = layer.name
    assert net.output_shape == (1, 1, 1000)


def test_residual_structure():
    r50 = cnn.resnet50()
    assert sum(la.kind == "add" for la in r50.layers) == 3 + 4 + 6 + 3
    assert sum("downsample" in la.name and la.kind == "pointwise" for la in r50.layers) == 4
    assert [r50.layer(f"res{s}_1_add").output_shape for s in (2, 3, 4, 5)] == \
        [(56, 56, 256), (28, 28, 512), (14, 14, 1024), (7, 7, 2048)]
    # MobileNetV2: a residual in every repeat after the first of a (t, c, n, s) row: 0+1+2+3+2+2+0
    assert sum(la.kind == "add" for la in cnn.mobilenet_v2().layers) == 10
    # MobileNetV1: 13 depthwise + 13 pointwise, ending at 7x7x1024
    v1 = cnn.mobilenet_v1()
    assert v1.layer("pw13").output_shape == (7, 7, 1024)
    assert sum(la.kind == "depthwise" for la in v1.layers) == 13


def test_num_classes_and_image_size():
    assert cnn.resnet50(num_classes=10).output_shape == (1, 1, 10)
    assert cnn.resnet50(num_classes=10).params == 25_557_032 - 2048 * 990 - 990
    # MACs of a fully convolutional trunk scale with the pixel count
    small = cnn.mobilenet_v1(image_size=128)  # 128/224 = 4/7 on each side, at every stage
    trunk = sum(la.macs for la in small.layers if la.kind != "fc")
    trunk224 = sum(la.macs for la in cnn.mobilenet_v1().layers if la.kind != "fc")
    assert trunk * 49 == trunk224 * 16
    assert cnn.vgg16(image_size=448).params == cnn.vgg16().params  # the adaptive pool keeps fc6 at 25088


def test_network_rejects_broken_chains():
    a = cnn.conv("a", (8, 8, 3), 4, 3)
    with pytest.raises(ValueError, match="input_shape"):
        cnn.Network("bad", (a, cnn.conv("b", (8, 8, 5), 4, 3, inputs=("a",))), (8, 8, 3))
    with pytest.raises(ValueError, match="not an earlier layer"):
        cnn.Network("bad", (a, cnn.conv("b", (8, 8, 4), 4, 3, inputs=("zz",))), (8, 8, 3))
    with pytest.raises(ValueError, match="unique"):
        cnn.Network("bad", (a, cnn.conv("a", (8, 8, 4), 4, 3, inputs=("a",))), (8, 8, 3))


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "param"), [
    (dict(flops_per_mac=3), "flops_per_mac"),
    (dict(flops_per_mac=True), "flops_per_mac"),
    (dict(bytes_per_element=0), "bytes_per_element"),
    (dict(bytes_per_element=-4), "bytes_per_element"),
    (dict(bytes_per_element=math.nan), "bytes_per_element"),
    (dict(count_inputs="yes"), "count_inputs"),
    (dict(count_norm_act=1), "count_norm_act"),
    (dict(batch=0), "batch"),
    (dict(batch=2.5), "batch"),
    (dict(count_weights=False, count_inputs=False, count_outputs=False), "count_weights"),
])
def test_bad_convention_values(kw, param):
    with pytest.raises(ValueError, match=param):
        cnn.Convention(**kw)
    with pytest.raises(ValueError, match=param):
        cnn.vgg16().workload(**kw)


def test_bad_names_and_sizes():
    with pytest.raises(TypeError, match="flops_per_mac"):
        cnn.vgg16().workload(flops_per_macs=1)
    with pytest.raises(KeyError, match="blog"):
        cnn.vgg16().workload("blogg")
    with pytest.raises(KeyError, match="fp16"):
        cnn.Convention(bytes_per_element="fp61")
    with pytest.raises(ValueError, match="image_size"):
        cnn.resnet50(image_size=100)
    with pytest.raises(ValueError, match="image_size"):
        cnn.vgg16(image_size=256)
    with pytest.raises(ValueError, match="num_classes"):
        cnn.resnet50(num_classes=0)
    with pytest.raises(ValueError, match="groups"):
        cnn.conv("c", (8, 8, 6), 4, 3, groups=4)
    with pytest.raises(KeyError, match="conv1"):
        cnn.resnet50().layer("conv_1")


def test_strided_shortcut_input_traffic_agrees_with_rl_kernels():
    """rl.cnn and rl.kernels count a strided conv's input by one rule: a 1x1 stride-2 shortcut
    (ResNet-50's downsampling branch) reads a quarter of its input."""
    layer = cnn.conv("shortcut", (56, 56, 256), 512, kernel=1, stride=2, padding=0)
    net = cnn.Network("one-layer", (layer,), input_shape=(56, 56, 256))
    assert layer.input_elements == 28 * 28 * 256
    assert net.bytes(cnn.HONEST) == rl.kernels.conv2d(56, 56, 256, 512, kernel=1, stride=2, padding=0).bytes

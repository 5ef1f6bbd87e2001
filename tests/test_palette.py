"""The course's colours stay distinct for learners with a colour-vision deficiency (issue 14).

Each deficiency (deuteranopia, protanopia, tritanopia: Machado, Oliveira & Fernandes 2009, severity 1.0)
is simulated on the colours as a learner meets them, and their CIEDE2000 difference is required to stay
above a floor:

- the two region fills (memory-bound / compute-bound) as painted: the light colour at the plots' alpha
  over white. Floor 10: about ten just-noticeable differences (ΔE00 ≈ 1 side by side). Fills are large
  areas, which need the smallest differences of any mark (Szafir 2018, "Modeling Color Difference for
  Visualization Design"), and they also carry a hatch and a label;
- the two region colours as solid lines, markers and label text, and every pair of series colours.
  Floor 15: thin lines and small markers need several times the difference that large patches do
  (Szafir 2018); 15 keeps a margin above the ~10 at which thin-line pairs are still told apart reliably.

The oracles for the colour science itself are independent of this module: CIEDE2000 against all 34
pairs that Sharma, Wu & Dalal (2005) published for testing implementations; sRGB -> CIELAB against the
published values of the primaries; the simulation against the identity for normal vision, against the
neutral axis (greys look the same to every observer) and against dichromacy itself (a protanope or
deuteranope has two cone types, so the simulated colour space is two-dimensional: determinant 0); and
the course's old red / green pair, which must collapse under deuteranopia and so FAIL these tests.

The tests read the colours where the plots read them (``rl.plot``), so they fail while rl.plot still
carries the old red / green palette.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

import rooflib as rl
from rooflib import palette as pal

FILL_FLOOR = 10.0      # CIEDE2000, region fills as painted
LINE_FLOOR = 15.0      # CIEDE2000, solid region colours and series colours
OLD_MEMORY, OLD_COMPUTE, OLD_ALPHA = "#d62728", "#2ca02c", 0.12      # the course's colours before issue 14
OLD_PALETTE = ("#1f77b4", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


def region_problems(memory: str, compute: str, alpha: float) -> list[str]:
    """Every (vision, what) where the two regions come closer than their floor."""
    fills = pal.delta_e_under(pal.blend(memory, alpha), pal.blend(compute, alpha))
    solids = pal.delta_e_under(memory, compute)
    return ([f"{v}: fills ΔE00 {d:.1f} < {FILL_FLOOR}" for v, d in fills.items() if d < FILL_FLOOR]
            + [f"{v}: solid colours ΔE00 {d:.1f} < {LINE_FLOOR}" for v, d in solids.items() if d < LINE_FLOOR])


def series_problems(colors) -> list[str]:
    """Every (pair, vision) of series colours closer than LINE_FLOOR."""
    return [f"{a} / {b}, {v}: ΔE00 {d:.1f} < {LINE_FLOOR}" for a, b in itertools.combinations(colors, 2)
            for v, d in pal.delta_e_under(a, b).items() if d < LINE_FLOOR]


# ---- the colour science, against published values ----------------------------------------------------

# Sharma, Wu & Dalal (2005), Color Res. Appl. 30(1), Table 1: (L*a*b* 1, L*a*b* 2, ΔE00), all 34 pairs.
SHARMA_2005 = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA_2005)
def test_ciede2000_matches_sharma_2005(lab1, lab2, expected):
    assert pal.delta_e(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert pal.delta_e(lab2, lab1) == pytest.approx(expected, abs=1e-4)     # symmetric


@pytest.mark.parametrize("color, lab", [
    ("#FFFFFF", (100.0, 0.0, 0.0)),
    ("#000000", (0.0, 0.0, 0.0)),
    ("#FF0000", (53.24, 80.09, 67.20)),      # the sRGB primaries in CIELAB (D65), as published widely
    ("#00FF00", (87.73, -86.18, 83.18)),
    ("#0000FF", (32.30, 79.19, -107.86)),
])
def test_srgb_to_lab_matches_published_values(color, lab):
    assert pal.to_lab(color) == pytest.approx(lab, abs=0.02)


def test_contrast_ratio_matches_wcag():
    assert pal.contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert pal.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)   # the WCAG AA grey
    darker = pal.darken_to_contrast("#008800", "#F5F5F5", 4.5)
    assert 4.5 <= pal.contrast_ratio(darker, "#F5F5F5") < 4.7
    assert pal.darken_to_contrast("#000000", "#FFFFFF") == "#000000"


def test_normal_vision_is_the_identity():
    for c in ("#C25400", "#0b5cd5", "#123456", "#FFFFFF", *pal.PALETTE):
        assert pal.simulate(c, "normal") == c.lower()


@pytest.mark.parametrize("vision", ["deuteranopia", "protanopia", "tritanopia"])
def test_greys_look_the_same_to_every_observer(vision):
    for g in ("#000000", "#404040", "#808080", "#c0c0c0", "#ffffff"):
        assert pal.simulate(g, vision) == g


@pytest.mark.parametrize("vision", ["deuteranopia", "protanopia"])
def test_dichromats_see_a_two_dimensional_colour_space(vision):
    (a, b, c), (d, e, f), (g, h, i) = pal.CVD_MATRICES[vision]
    assert abs(a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)) < 1e-5


def test_the_old_red_green_pair_collapses_under_deuteranopia():
    """Today's colours FAIL: red and green are nearly one colour to a deuteranope (about 6% of men)."""
    solid = pal.delta_e_under(OLD_MEMORY, OLD_COMPUTE)
    fill = pal.delta_e_under(pal.blend(OLD_MEMORY, OLD_ALPHA), pal.blend(OLD_COMPUTE, OLD_ALPHA))
    assert solid["normal"] > 60 and solid["deuteranopia"] < 6        # vivid for most, a blur for some
    assert fill["deuteranopia"] < 2                                     # the shaded regions: one colour
    assert region_problems(OLD_MEMORY, OLD_COMPUTE, OLD_ALPHA)         # the checks below reject it
    assert series_problems(OLD_PALETTE)                                # and the old series colours too


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="color"):
        pal.to_rgb("#12345")
    with pytest.raises(ValueError, match="color"):
        pal.to_rgb((1.2, 0, 0))
    with pytest.raises(KeyError, match="vision"):                  # the library's one unknown-name error
        pal.simulate("#000000", "monochromacy")
    with pytest.raises(ValueError, match="alpha"):
        pal.blend("#000000", 1.5)
    with pytest.raises(KeyError, match="verdict"):
        pal.region("memory-bound")


# ---- the course's colours, as the plots use them ------------------------------------------------------

def test_region_colours_stay_distinct_for_every_vision():
    problems = region_problems(rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR, rl.plot.REGION_ALPHA)
    assert not problems, "the memory / compute regions are confusable:\n" + "\n".join(problems)


def test_region_fills_stand_out_from_the_page_and_labels_are_readable():
    for c in (rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR):
        near = {v: d for v, d in pal.delta_e_under(pal.blend(c, rl.plot.REGION_ALPHA), "#FFFFFF").items() if d < 5}
        assert not near, f"the {c} fill is nearly white for {near}"
        assert pal.contrast_ratio(c, "#FFFFFF") >= 4.5, f"region label text in {c} is below 4.5:1 on white"


def test_every_pair_of_series_colours_stays_distinct():
    problems = series_problems(rl.plot.PALETTE)
    assert not problems, "series colours confusable:\n" + "\n".join(problems)


def test_series_colours_show_on_white_and_against_a_black_roof():
    for c in rl.plot.PALETTE:
        assert pal.contrast_ratio(c, "#FFFFFF") >= 3.0, f"{c}: lines need 3:1 on white (WCAG 1.4.11)"
        assert min(pal.delta_e_under(c, "#000000").values()) >= LINE_FLOOR, f"{c} looks like the black roof"


def test_the_first_two_series_colours_are_not_verdict_colours():
    for c in pal.PALETTE[:2]:
        for r in (pal.MEMORY_COLOR, pal.COMPUTE_COLOR):
            assert min(pal.delta_e_under(c, r).values()) >= LINE_FLOOR, (c, r)


def test_the_plots_use_this_palette():
    assert (rl.plot.MEMORY_COLOR, rl.plot.COMPUTE_COLOR, rl.plot.REGION_ALPHA) == \
        (pal.MEMORY_COLOR, pal.COMPUTE_COLOR, pal.REGION_ALPHA)
    assert tuple(rl.plot.PALETTE) == pal.PALETTE


# ---- the second cue: hatches and labels ---------------------------------------------------------------

def test_regions_have_distinct_hatches_and_labels():
    memory, compute = pal.region("memory"), pal.region("compute")
    assert memory.hatch != compute.hatch and memory.svg_angle != compute.svg_angle
    assert (memory.label, compute.label) == ("memory-bound", "compute-bound")


def test_svg_hatch_patterns_are_well_formed():
    defs = pal.svg_hatch_defs("rl-h1")
    root = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{defs}</svg>')
    ids = [p.get("id") for p in root.iter("{http://www.w3.org/2000/svg}pattern")]
    assert ids == ["rl-h1-memory", "rl-h1-compute"]
    assert pal.svg_hatch_fill("compute", "rl-h1") == "url(#rl-h1-compute)"


def test_static_roofline_hatches_both_regions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        rl.plot.roofline("gtx-1080-ti", [rl.kernels.triad(10**6)], ax=ax)
        hatches = {a.get_gid(): a.get_hatch() for a in ax.get_children() if getattr(a, "get_hatch", lambda: None)()}
        assert set(hatches.values()) >= {pal.MEMORY_HATCH, pal.COMPUTE_HATCH}, hatches
    finally:
        plt.close(fig)


def test_explorer_svg_hatches_both_regions():
    e = rl.widgets.roofline_explorer("gtx-1080-ti", intensity=7.0)
    svg = e.fig.value
    assert "<pattern" in svg and "-memory)" in svg and "-compute)" in svg
    assert "memory-bound" in svg and "compute-bound" in svg

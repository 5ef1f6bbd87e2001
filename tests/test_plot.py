"""rl.plot.roofline on the non-interactive Agg backend: what is drawn, where, and that matplotlib's
global state is left alone.

Oracle: the roofline's closed form (P = min(pi, beta * I), ridge pi / beta) computed here, and the
artists the function promises (rooflib/plot.py docstring): one roof per platform, a marked and
labelled ridge per platform, two shaded regions split at the first platform's ridge, one labelled
point per workload on the roof.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.ticker import EngFormatter  # noqa: E402

import rooflib as rl  # noqa: E402

GTX = rl.Platform("gtx-1080-ti", 11.3e12, 484e9, display_name="GTX 1080 Ti")  # ridge 23.35 FLOP/byte
H100ISH = rl.Platform("accel", 989e12, 3.35e12, display_name="Accelerator")    # ridge 295 FLOP/byte


@pytest.fixture(scope="module", autouse=True)
def _agg_backend():
    """Draw with Agg here, whatever another test module in this worker switched to (ipympl, say)."""
    old = matplotlib.get_backend()
    plt.switch_backend("Agg")
    yield
    plt.switch_backend(old)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def by_gid(ax, prefix: str, kind: str = "lines") -> list:
    artists = {"lines": ax.lines, "texts": ax.texts, "collections": ax.collections}[kind]
    return [a for a in artists if (a.get_gid() or "").startswith(prefix)]


def workloads() -> list[rl.Workload]:
    return [rl.kernels.triad(10**6), rl.kernels.gemv(4096, 4096), rl.kernels.gemm(1024, 1024, 1024)]


def test_figures_here_draw_with_agg():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = rl.plot.roofline(GTX)
    try:
        assert type(ax.figure.canvas) is FigureCanvasAgg
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("value, label", [(0.01, "0.01"), (1, "1"), (100, "100"), (1000, "1000"), (1e4, "10 k"),
                                          (1e6, "1 M")])
def test_intensity_ticks_are_plain_numbers_then_si_prefixes(value, label):
    # no milli prefixes on an intensity axis: 0.01, not 10 m
    assert rl.plot.fmt_intensity_tick(value) == label


def test_returns_the_axes_it_was_given_and_a_new_one_otherwise(ax):
    assert rl.plot.roofline(GTX, ax=ax) is ax
    new = rl.plot.roofline(GTX)
    try:
        assert new is not ax and new.figure is not ax.figure
        assert new.get_xscale() == "log" and new.get_yscale() == "log"
    finally:
        plt.close(new.figure)


def test_one_platform_one_roof_marked_and_labelled_ridge(ax):
    rl.plot.roofline(GTX, ax=ax)
    (roof,) = by_gid(ax, "roof-")
    x, y = roof.get_data()
    np.testing.assert_allclose(y, np.minimum(11.3e12, 484e9 * x), rtol=1e-12)
    (ridge,) = by_gid(ax, "ridge-gtx")
    assert ridge.get_xdata()[0] == pytest.approx(11.3e12 / 484e9)
    assert ridge.get_ydata()[0] == 11.3e12
    assert ridge.get_marker() not in (None, "None", "")
    (label,) = by_gid(ax, "ridge-label-", "texts")
    assert "23.3" in label.get_text() and "FLOP/B" in label.get_text()
    assert label.xy == pytest.approx((11.3e12 / 484e9, 11.3e12))


def test_two_regions_in_two_colours_split_at_the_ridge(ax):
    rl.plot.roofline(GTX, ax=ax)
    (mem,) = by_gid(ax, "region-memory", "collections")
    (comp,) = by_gid(ax, "region-compute", "collections")
    assert isinstance(mem, PolyCollection) and isinstance(comp, PolyCollection)
    c_mem, c_comp = to_rgba(mem.get_facecolor()[0]), to_rgba(comp.get_facecolor()[0])
    assert c_mem[:3] != c_comp[:3]
    assert c_mem[:3] == to_rgba(rl.plot.MEMORY_COLOR)[:3]
    ridge = 11.3e12 / 484e9
    xm = mem.get_paths()[0].vertices[:, 0]
    xc = comp.get_paths()[0].vertices[:, 0]
    assert xm.max() == pytest.approx(ridge) and xc.min() == pytest.approx(ridge)
    # each region's top edge is the roof: memory region under beta * I, compute region under pi
    ym = mem.get_paths()[0].vertices[:, 1]
    yc = comp.get_paths()[0].vertices[:, 1]
    assert ym.max() == pytest.approx(11.3e12) and yc.max() == pytest.approx(11.3e12)
    assert np.all(ym <= 484e9 * xm * (1 + 1e-9))


def test_no_shading_when_asked(ax):
    rl.plot.roofline(GTX, ax=ax, shade=False)
    assert by_gid(ax, "region-", "collections") == []


def test_each_workload_is_a_labelled_point_on_the_roof(ax):
    ws = workloads()
    rl.plot.roofline(GTX, ws, ax=ax)
    points = sorted(by_gid(ax, "point-"), key=lambda a: a.get_gid())
    assert len(points) == len(ws)
    labels = {t.get_gid(): t.get_text() for t in by_gid(ax, "point-label-", "texts")}
    assert len(labels) == len(ws)
    for j, w in enumerate(ws):
        (pt,) = by_gid(ax, f"point-{j}")
        assert pt.get_xdata()[0] == pytest.approx(w.intensity)
        assert pt.get_ydata()[0] == pytest.approx(min(11.3e12, 484e9 * w.intensity))
        assert labels[f"point-label-{j}"] == w.name
    # triad and gemv are memory-bound on the 1080 Ti, gemm is compute-bound
    assert [by_gid(ax, f"point-{j}")[0].get_ydata()[0] < 11.3e12 for j in range(3)] == [True, True, False]
    # every point is inside the visible range
    lo, hi = ax.get_xlim()
    assert all(lo < w.intensity < hi for w in ws)


def test_measured_points_and_tuples(ax):
    rl.plot.roofline(GTX, [("measured", 0.25, 80e9), ("ideal", 50.0)], ax=ax)
    p0, p1 = by_gid(ax, "point-0")[0], by_gid(ax, "point-1")[0]
    assert (p0.get_xdata()[0], p0.get_ydata()[0]) == (0.25, 80e9)       # at its measured height
    assert (p1.get_xdata()[0], p1.get_ydata()[0]) == (50.0, 11.3e12)    # on the roof
    assert p0.get_marker() != p1.get_marker()


def test_several_platforms_on_one_axes(ax):
    ws = workloads()
    rl.plot.roofline([GTX, H100ISH, "gtx-1080-ti"], ws, ax=ax)
    roofs = by_gid(ax, "roof-")
    assert len(roofs) == 3
    assert len({to_rgba(r.get_color()) for r in roofs}) == 3  # told apart by colour
    assert len(by_gid(ax, "ridge-label-", "texts")) == 3
    ridges = by_gid(ax, "ridge-accel")
    assert ridges[0].get_xdata()[0] == pytest.approx(989e12 / 3.35e12)
    assert len(by_gid(ax, "point-")) == len(ws)
    assert len(by_gid(ax, "region-", "collections")) == 2  # shading follows the first platform only
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"GTX 1080 Ti", "Accelerator", "memory-bound", "compute-bound"} <= set(legend)
    # the view shows both ridges and the top roof
    lo, hi = ax.get_xlim()
    assert lo < 23.35 and 295 < hi
    assert ax.get_ylim()[1] > 989e12


def test_ceilings_are_drawn_below_the_roof(ax):
    p = GTX.with_ceiling("no FMA", 5.65e12, "compute").with_ceiling("measured DRAM", 350e9, "memory")
    rl.plot.roofline(p, ax=ax)
    (cc,) = by_gid(ax, "ceiling-gtx-1080-ti-no FMA")
    (mc,) = by_gid(ax, "ceiling-gtx-1080-ti-measured DRAM")
    assert cc.get_ydata().max() == pytest.approx(5.65e12)
    x, y = mc.get_data()
    np.testing.assert_allclose(y, np.minimum(11.3e12, 350e9 * x), rtol=1e-12)
    assert {t.get_text() for t in by_gid(ax, "ceiling-label-", "texts")} == {"no FMA", "measured DRAM"}
    ax2 = plt.figure().add_subplot()
    rl.plot.roofline(p, ax=ax2, ceilings=False)
    assert by_gid(ax2, "ceiling-") == []
    plt.close(ax2.figure)


def test_engineering_notation_axes_with_units(ax):
    rl.plot.roofline(GTX, workloads(), ax=ax)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    yfmt = ax.yaxis.get_major_formatter()
    assert isinstance(yfmt, EngFormatter)
    assert yfmt(1e12).replace("\N{NARROW NO-BREAK SPACE}", " ") == "1 TFLOP/s"
    assert yfmt(1e9).endswith("GFLOP/s")
    xfmt = ax.xaxis.get_major_formatter()
    assert [xfmt(v) for v in (0.01, 1.0, 100.0)] == ["0.01", "1", "100"]
    assert "FLOP/byte" in ax.get_xlabel()
    assert "FLOP/s" in ax.get_ylabel()


def test_annotate_false_draws_no_text(ax):
    rl.plot.roofline(GTX, workloads(), ax=ax, annotate=False, legend=False, title="t")
    assert len(ax.texts) == 0 and ax.get_legend() is None
    assert ax.get_title() == "t"
    assert len(by_gid(ax, "point-")) == 3  # the points are still there


def test_figure_renders(ax):
    rl.plot.roofline([GTX, H100ISH], workloads(), ax=ax)
    ax.figure.canvas.draw()  # layout and text rendering raise here if an artist is malformed
    width, height = ax.figure.canvas.get_width_height()
    assert width > 0 and height > 0


def test_rcparams_unchanged_by_plotting(ax):
    before = dict(matplotlib.rcParams)
    rl.plot.roofline([GTX, H100ISH.with_level("L2", 10e12)], workloads(), ax=ax)
    ax.figure.canvas.draw()
    plt.close(rl.plot.roofline(GTX).figure)
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, changed


_RC_SCRIPT = textwrap.dedent("""
    import importlib, json, sys
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    def snap():
        return {k: repr(v) for k, v in matplotlib.rcParams.items()}
    before = snap()
    import rooflib as rl
    for name in sys.argv[1:]:
        importlib.import_module(name)
    after_import = snap()
    rl.plot.roofline(["gtx-1080-ti"], [rl.kernels.triad(10**6)])
    plt.gcf().canvas.draw()
    after_plot = snap()
    diff = lambda a, b: sorted(k for k in a if a[k] != b[k])
    print(json.dumps({"import": diff(before, after_import), "plot": diff(before, after_plot)}))
""")


def _run_rc_script(*submodules: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _RC_SCRIPT, *submodules], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_rcparams_unchanged_by_import_rooflib():
    # a fresh interpreter, so the import really happens inside the comparison
    assert _run_rc_script() == {"import": [], "plot": []}


def test_rcparams_unchanged_by_every_rooflib_submodule():
    # the lazily loaded ones (widgets, llm_widgets, ...) included: importing any of them restyles nothing
    import pkgutil

    modules = sorted(f"rooflib.{m.name}" for m in pkgutil.iter_modules(rl.__path__))
    assert {"rooflib.core", "rooflib.plot", "rooflib.kernels"} <= set(modules)
    assert _run_rc_script(*modules) == {"import": [], "plot": []}, modules


def test_import_rooflib_does_not_import_pyplot():
    code = "import sys, rooflib; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


# --- bad input -----------------------------------------------------------------------------------


def test_bad_platforms_and_workloads(ax):
    with pytest.raises(ValueError, match="at least one platform"):
        rl.plot.roofline([], ax=ax)
    with pytest.raises(ValueError, match="platforms.*42"):
        rl.plot.roofline([42], ax=ax)
    with pytest.raises(KeyError, match="did you mean"):
        rl.plot.roofline("gtx-1080", ax=ax)
    with pytest.raises(ValueError, match="workloads.*3.5"):
        rl.plot.roofline(GTX, [3.5], ax=ax)
    with pytest.raises(ValueError, match="intensity.*-1"):
        rl.plot.roofline(GTX, [("neg", -1.0)], ax=ax)
    with pytest.raises(ValueError, match="intensity.*nan"):
        rl.plot.roofline(GTX, [("nan", float("nan"))], ax=ax)


@pytest.mark.parametrize("bad", [(0, 100), (-1, 10), (100, 1), (1, 1), (float("nan"), 10), (1, float("inf")),
                                 ("a", 10), 5, (1, 2, 3)], ids=repr)
def test_bad_xlim_raises_valueerror_naming_it(ax, bad):
    # a log axis needs 0 < low < high; never a numpy warning or a TypeError from inside log10
    with pytest.raises(ValueError) as info:
        rl.plot.roofline(GTX, ax=ax, xlim=bad)
    assert "xlim" in str(info.value), str(info.value)


def test_good_xlim_is_used(ax):
    rl.plot.roofline(GTX, [rl.kernels.triad(1000)], ax=ax, xlim=(0.05, 500))
    assert ax.get_xlim() == pytest.approx((0.05, 500))
    x = by_gid(ax, "roof-")[0].get_xdata()
    assert x.min() == pytest.approx(0.05) and x.max() == pytest.approx(500)


def test_a_measured_point_far_below_the_roof_stays_inside_the_axes():
    """A naive Python loop measured at 10 MFLOP/s must be visible, not under the y floor."""
    from types import SimpleNamespace

    slow = SimpleNamespace(name="python loop", intensity=0.1, flops_per_s=1e7)
    ax = rl.plot.roofline(rl.Platform("p", 1e12, 1e11), [slow], xlim=(0.01, 100))
    low, high = ax.get_ylim()
    assert low < 1e7 < high


def test_import_rooflib_does_not_import_matplotlib():
    """Plotting loads on first use (drawing a figure), so the grader, the palette and the SVG explorers
    (rl.widgets) start quickly."""
    code = ("import sys, rooflib as rl\n"
            "assert 'matplotlib' not in sys.modules\n"
            "assert sorted(set(rl.__all__)) == sorted(rl.__all__)\n"
            "rl.plot.MEMORY_COLOR, rl.plot.fmt_intensity_tick(10)\n"
            "assert 'matplotlib' not in sys.modules\n"
            "import matplotlib; matplotlib.use('Agg')\n"
            "rl.plot.roofline('gtx-1080-ti')\n"
            "assert 'matplotlib.pyplot' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)

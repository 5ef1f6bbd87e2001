"""Live explorers for the lecture notebooks. Every builder returns an :class:`Explorer`. Notebooks 01-07.

An explorer is controls, a figure the browser draws (SVG) and the numbers behind it: ``view``
(display it: end the cell with the explorer), ``fig`` (an ``ipywidgets.HTML`` holding the SVG),
``text`` (an HTML widget with the numbers), ``state`` (a dict of them; verdicts ``"memory"`` /
``"compute"``), ``controls`` (name -> widget) and ``set(**values)``. A move rebuilds the SVG in a
millisecond or two; the browser shows it well within 60 ms (bench/bench_widget_latency.py).
Static figures are matplotlib (``rl.plot.roofline``); ``figure()`` gives a projector-sized one.

Modules, one job each: ``_base`` (Explorer, Frame, shared helpers), ``_chart`` (log-log SVG),
``_roof`` (the roofline in SVG), and one module per explorer: ``_gemm`` (01), ``_roofline`` (02),
``_cnn`` (03), ``_optimisation`` (04), ``_llm`` (05), ``_working_set`` (06), ``_parallel`` (07).
"""

from ._base import FIGSIZE, Explorer, Frame, figure, log_options
from ._chart import STYLE, Style
from ._cnn import cnn_explorer
from ._gemm import gemm_explorer, gemm_square_counts
from ._llm import llm_explorer
from ._optimisation import optimisation_explorer
from ._parallel import parallel_explorer
from ._roofline import roofline_explorer
from ._working_set import cache_level, working_set_explorer, working_set_sizes

__all__ = ["Explorer", "Frame", "Style", "STYLE", "FIGSIZE", "figure", "log_options", "gemm_explorer",
           "gemm_square_counts", "roofline_explorer", "cnn_explorer", "optimisation_explorer", "llm_explorer",
           "working_set_explorer", "working_set_sizes", "cache_level", "parallel_explorer"]

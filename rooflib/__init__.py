"""Roofline Lab's library: the roofline model, a cited hardware catalogue, kernel and network
counting, plots, widgets, measurement and exercise checking. ``import rooflib as rl``.

Conventions: a FLOP is one add or one multiply (an FMA is 2); bytes are bytes moved to or from
memory; SI units in values (FLOP/s, bytes/s, seconds); 1 GB = 1e9 bytes.
"""

from . import kernels, platforms, plot, units
from .core import Ceiling, Platform, Workload, attainable, ridge_point

__all__ = ["Ceiling", "Platform", "Workload", "attainable", "ridge_point", "kernels", "platforms", "plot",
           "units"]

__version__ = "0.1.0"

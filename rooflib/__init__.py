"""Roofline Lab's library: the roofline model, a cited hardware catalogue, kernel and network
counting, plots, widgets, measurement and exercise checking. ``import rooflib as rl``.

Conventions: a FLOP is one add or one multiply (an FMA is 2); bytes are bytes moved to or from
memory; SI units in values (FLOP/s, bytes/s, seconds); 1 GB = 1e9 bytes.

The heavier submodules and packages (``plot``, ``hierarchy``, ``cnn``, ``llm``, ``comm``, ``moves``, ``measure``,
``widgets``, ``check``, ``grade``, ``i18n``) load on first use, so ``import rooflib`` stays quick and does not
import matplotlib. CONTRIBUTING.md describes the layout: one job per module, packages where a topic
has several.
"""

import importlib
from typing import Any

from . import kernels, platforms, units
from .core import Ceiling, Platform, Workload, attainable, ridge_point

_LAZY = ("plot", "palette", "hierarchy", "cnn", "llm", "comm", "moves", "measure", "widgets", "check", "grade", "i18n")

__all__ = ["Ceiling", "Platform", "Workload", "attainable", "ridge_point", "kernels", "platforms", "units",
           *_LAZY]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rooflib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

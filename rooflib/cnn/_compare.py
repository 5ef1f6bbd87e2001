"""Several built-in networks side by side under one convention (and platform): :func:`compare`. Notebook 03."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import platforms
from ..core import Platform
from ._convention import Convention, resolve_convention
from ._results import NetworkComparison, NetworkRow
from ._zoo import get, names as network_names

__all__ = ["compare"]


def compare(convention: Convention | str | None = None, platform: Platform | str | None = None,
            names: Iterable[str] | None = None, **overrides: Any) -> NetworkComparison:
    """One row per network (``names``, default every built-in one; ``.to_dataframe()`` for pandas): params,
    macs, flops, bytes, intensity (FLOP/byte); with a ``platform`` also attainable_flops_per_s, bound
    ("memory" / "compute"), time_s (whole network) and time_layers_s (sum over layers), in seconds."""
    c = resolve_convention(convention, **overrides)
    p = platforms.get(platform) if platform is not None else None
    if isinstance(names, str):
        names = [names]
    rows = []
    for n in (network_names() if names is None else names):
        net = get(n)
        wl = net.workload(c)
        extra: dict[str, Any] = {}
        if p is not None:
            extra = dict(attainable_flops_per_s=p.attainable(wl), bound=str(p.bound(wl)), time_s=p.time(wl),
                         time_layers_s=net.time(p, c))
        rows.append(NetworkRow(net.display_name, net.params, net.macs, net.flops(c), net.bytes(c), wl.intensity,
                               **extra))
    return NetworkComparison(c, p, tuple(rows))

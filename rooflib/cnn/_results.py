"""Result objects with rows: :class:`LayerTable` (one network, layer by layer) and
:class:`NetworkComparison` (several networks). Each becomes a pandas DataFrame with ``to_dataframe()``
and renders its text and HTML from that frame; nothing is recomputed. Notebook 03."""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from typing import Any

from ..core import Platform
from ._convention import Convention

__all__ = ["LayerRow", "LayerTable", "NetworkRow", "NetworkComparison"]

_PLATFORM_COLUMNS = {"time_s", "bound", "attainable_flops_per_s", "time_layers_s"}


@dataclass(frozen=True)
class LayerRow:
    """One layer under a convention: counts, FLOPs, bytes moved, intensity (FLOP/byte, None where no
    bytes move); with a platform, its roofline time in seconds and its verdict ("memory" / "compute",
    None for a layer that moves no bytes). Notebook 03."""

    name: str
    kind: str
    output_shape: tuple[int, int, int]
    params: int
    macs: int
    flops: int
    bytes: float
    intensity: float | None
    time_s: float | None = None
    bound: str | None = None


@dataclass(frozen=True)
class NetworkRow:
    """One whole network under a convention: ``name`` is its display name; counts, FLOPs, bytes,
    intensity (FLOP/byte); with a platform, attainable FLOP/s, verdict ("memory" / "compute"),
    whole-network roofline time ``time_s`` and the sum over layers ``time_layers_s`` (seconds)."""

    name: str
    params: int
    macs: int
    flops: int
    bytes: float
    intensity: float
    attainable_flops_per_s: float | None = None
    bound: str | None = None
    time_s: float | None = None
    time_layers_s: float | None = None


def _frame(rows: tuple[Any, ...], row_type: type, platform: Platform | None):
    """The rows as a DataFrame indexed by name; the platform columns only when there is a platform."""
    import pandas as pd

    cols = [f.name for f in dataclasses.fields(row_type)
            if platform is not None or f.name not in _PLATFORM_COLUMNS]
    records = [tuple(getattr(r, c) for c in cols) for r in rows]
    return pd.DataFrame.from_records(records, columns=cols).set_index("name")


def _text(title: str, df) -> str:
    import pandas as pd

    return f"{title}\n{df.to_string(max_rows=pd.get_option('display.max_rows'))}"


def _html(title: str, df) -> str:
    import pandas as pd

    return f"<div><p><b>{html.escape(title)}</b></p>{df.to_html(max_rows=pd.get_option('display.max_rows'))}</div>"


def _where(convention: Convention, platform: Platform | None) -> str:
    on = f"; on {platform.display_name}" if platform is not None else ""
    return f"convention {convention.describe()}{on}"


@dataclass(frozen=True)
class LayerTable:
    """A network layer by layer under one convention (and platform): ``rows`` in execution order.
    Columns sum to the network's totals. Made by :meth:`rooflib.cnn.Network.table`. Notebook 03."""

    network: str
    convention: Convention
    platform: Platform | None
    rows: tuple[LayerRow, ...]

    def to_dataframe(self):
        """One row per layer, indexed by layer name: kind, output_shape, params, macs, flops, bytes,
        intensity (FLOP/byte); with a platform also time_s (seconds) and bound."""
        return _frame(self.rows, LayerRow, self.platform)

    def _title(self) -> str:
        return f"{self.network}, {len(self.rows)} layers ({_where(self.convention, self.platform)})"

    def __str__(self) -> str:
        return _text(self._title(), self.to_dataframe())

    def __repr__(self) -> str:
        return f"LayerTable({self._title()})"

    def _repr_html_(self) -> str:
        return _html(self._title(), self.to_dataframe())


@dataclass(frozen=True)
class NetworkComparison:
    """Several networks under one convention (and platform), one row each. Made by
    :func:`rooflib.cnn.compare`. Notebook 03."""

    convention: Convention
    platform: Platform | None
    rows: tuple[NetworkRow, ...]

    def to_dataframe(self):
        """One row per network, indexed by display name: params, macs, flops, bytes, intensity (FLOP/byte);
        with a platform also attainable_flops_per_s, bound, time_s and time_layers_s (seconds)."""
        return _frame(self.rows, NetworkRow, self.platform)

    def _title(self) -> str:
        return f"{len(self.rows)} networks ({_where(self.convention, self.platform)})"

    def __str__(self) -> str:
        return _text(self._title(), self.to_dataframe())

    def __repr__(self) -> str:
        return f"NetworkComparison({self._title()})"

    def _repr_html_(self) -> str:
        return _html(self._title(), self.to_dataframe())

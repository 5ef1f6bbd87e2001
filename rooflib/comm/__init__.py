"""Beyond one chip: links between devices, collectives under the α-β model, the communication roofline. Notebook 07.

- The link catalogue (``data/interconnects.toml``, every figure cited): ``get(name)`` gives a
  :class:`Link` (``"nvlink4"``, ``"pcie5-x16"``, ``"infiniband-ndr"``, ...; spellings such as
  ``"NVLink 4"`` work), ``names()`` lists them, ``records()`` and ``table()`` show the data.
  ``Link.bandwidth`` is bytes/s PER DIRECTION (β); ``Link.latency_s`` is α, s per message step.
  Platforms name their usual link: ``rl.platforms.get("h100-sxm").interconnect == "nvlink4"``.
- Collectives: ``all_reduce``, ``all_gather``, ``reduce_scatter``, ``all_to_all`` and ``send``,
  each ``(nbytes, n, link)`` with ``nbytes`` the full buffer per device (nccl-tests' size) and ``n``
  devices, return a :class:`Collective`: bytes each device sends, ``time_s`` = steps · α + bytes / β,
  and nccl-tests' algorithm and bus bandwidths.
- The communication roofline: ``link_intensity`` (FLOP per link byte), ``ridge_point`` (π / β_link),
  ``attainable`` (min(π, β_link · I)) and ``time_bound`` (a :class:`TimeBound`: max of T_math,
  T_memory, T_comms when they overlap, their sum when nothing does).
- ``comm_roofline(platform, link, kernels)`` draws the communication roofline beside the memory roofline,
  each kernel on both (matplotlib, imported when drawing).

Modules: ``_links`` (the catalogue), ``_collectives`` (the α-β collectives), ``_roofline``, ``_plot``.
"""

from ._collectives import ALGORITHMS, Collective, all_gather, all_reduce, all_to_all, reduce_scatter, send
from ._links import KINDS, Link, get, names, records, table
from ._roofline import RESOURCES, TimeBound, attainable, link_intensity, ridge_point, time_bound
from ._plot import comm_roofline

__all__ = [
    "Link", "KINDS", "get", "names", "records", "table",
    "Collective", "ALGORITHMS", "all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send",
    "TimeBound", "RESOURCES", "link_intensity", "ridge_point", "attainable", "time_bound", "comm_roofline",
]

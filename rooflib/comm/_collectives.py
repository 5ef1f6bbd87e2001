"""Collectives under the α-β model: time = steps · α + bytes each device sends / β. Notebook 07.

Conventions (those of NCCL and nccl-tests, doc/PERFORMANCE.md):

- ``nbytes`` (S) is the size of the full buffer on each device, as nccl-tests counts it: the
  buffer being reduced (all-reduce), the gathered output (all-gather), the input before it is
  scattered (reduce-scatter), everything one device sends and keeps (all-to-all), the message
  (send). ``n`` is the number of devices taking part.
- β is the link's bandwidth per direction (``Link.bandwidth``): every device sends and receives
  at the same time, and the busiest device's outgoing bytes set the time. α is
  ``Link.latency_s``, paid once per sequential message step.
- ``algorithm_bandwidth`` = S / time_s (nccl-tests' algbw); ``bus_bandwidth`` = algbw ·
  ``bus_factor`` (busbw), with NCCL's factor 2(n-1)/n for all-reduce, (n-1)/n for all-gather,
  reduce-scatter and all-to-all, and 1 for send. For the ring, with α = 0, busbw is exactly β: it
  is the number to compare with the link's per-direction bandwidth.
- n = 1 costs nothing (nothing crosses a link): bytes and time are 0.

Ring formulas: Patarasuk & Yuan (2009) for all-reduce, Thakur, Rabenseifner & Gropp (2005) for
all-gather, reduce-scatter and all-to-all (pairwise exchange). The fabric is assumed to let every
device send at β at once (a switch such as NVSwitch, or a ring that uses every link); the fixed
launch cost of a collective is left out, so every time is a lower bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .._validate import nonnegative, positive_int
from ..units import eng
from ._links import Link, get

__all__ = ["Collective", "ALGORITHMS", "all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send"]

ALGORITHMS = {
    "all_reduce": ("ring", "tree"),
    "all_gather": ("ring",),
    "reduce_scatter": ("ring",),
    "all_to_all": ("pairwise",),
    "send": ("direct",),
}


@dataclass(frozen=True)
class Collective:
    """One collective under the α-β model: bytes each device sends, its time in s, and NCCL's bandwidths. Notebook 07.

    ``time_s`` = ``latency_time_s`` (``steps`` · α) + ``transfer_time_s`` (``bytes_sent_per_device`` / β),
    a lower bound. ``nbytes`` is the full buffer per device (nccl-tests' size), ``n`` the device count.
    """

    op: str
    algorithm: str
    nbytes: float
    n: int
    link: Link
    bytes_sent_per_device: float
    steps: int
    bus_factor: float

    @property
    def latency_time_s(self) -> float:
        """The latency term in s: steps · α (α = ``link.latency_s``)."""
        return self.steps * self.link.latency_s

    @property
    def transfer_time_s(self) -> float:
        """The bandwidth term in s: bytes each device sends / β (β = ``link.bandwidth``, per direction)."""
        return self.bytes_sent_per_device / self.link.bandwidth

    @property
    def time_s(self) -> float:
        """Lower bound on the collective's time in s: latency term + bandwidth term (0 when n = 1)."""
        return self.latency_time_s + self.transfer_time_s

    @property
    def algorithm_bandwidth(self) -> float:
        """nccl-tests' algbw in bytes/s: nbytes / time_s (``math.inf`` when the collective costs nothing, n = 1)."""
        t = self.time_s
        return self.nbytes / t if t > 0 else math.inf

    @property
    def bus_bandwidth(self) -> float:
        """nccl-tests' busbw in bytes/s: algorithm_bandwidth · bus_factor (0 when the factor is 0, n = 1)."""
        return self.algorithm_bandwidth * self.bus_factor if self.bus_factor > 0 else 0.0

    @property
    def summary(self) -> dict[str, Any]:
        """The numbers as a dict (units in the key names; time_s is a lower bound)."""
        return {"op": self.op, "algorithm": self.algorithm, "n": self.n, "link": self.link.name,
                "nbytes": self.nbytes, "bytes_sent_per_device": self.bytes_sent_per_device, "steps": self.steps,
                "latency_time_s": self.latency_time_s, "transfer_time_s": self.transfer_time_s,
                "time_s": self.time_s, "algorithm_bandwidth": self.algorithm_bandwidth,
                "bus_factor": self.bus_factor, "bus_bandwidth": self.bus_bandwidth}

    def __str__(self) -> str:
        return (f"{self.op} ({self.algorithm}) of {eng(self.nbytes, 'B')} over {self.n} devices on "
                f"{self.link.display_name}: each device sends {eng(self.bytes_sent_per_device, 'B')} in "
                f"{self.steps} steps; time >= {eng(self.time_s, 's')} (a lower bound: latency {eng(self.latency_time_s, 's')} "
                f"+ transfer {eng(self.transfer_time_s, 's')}); algbw {eng(self.algorithm_bandwidth, 'B/s')}, "
                f"busbw {eng(self.bus_bandwidth, 'B/s')} (factor {self.bus_factor:.4g})")


def _inputs(op: str, nbytes: object, n: object, link: object, algorithm: object) -> tuple[float, int, Link, str]:
    """Validated (nbytes, n, link, algorithm); errors name the parameter and the value."""
    size = nonnegative("nbytes", nbytes, "bytes")
    count = positive_int("n", n)
    allowed = ALGORITHMS[op]
    if not isinstance(algorithm, str) or algorithm not in allowed:
        raise ValueError(f"algorithm for {op} must be one of {', '.join(map(repr, allowed))}, got {algorithm!r}")
    return size, count, get(link), algorithm


def _ceil_log2(n: int) -> int:
    return (n - 1).bit_length()  # exact for ints: 1 -> 0, 2 -> 1, 3 -> 2, 8 -> 3, 9 -> 4


def all_reduce(nbytes: float, n: int, link: str | Link, algorithm: str = "ring") -> Collective:
    """Every device ends with the sum of all n buffers of ``nbytes`` bytes each. Notebook 07.

    ``"ring"`` (a reduce-scatter, then an all-gather): each device sends 2(n-1)/n · nbytes in
    2(n-1) steps. ``"tree"`` (NCCL's pipelined double binary tree, Sanders, Speck & Träff 2009; NCCL
    builds it between nodes): up and down each tree, 2·ceil(log2 n) steps; each tree carries half the
    buffer and the busiest device, inside one tree and a leaf of the other, sends nbytes/2 up plus
    nbytes/2 to each of two children in one tree and nbytes/2 up the other: 2 · nbytes (n >= 3;
    nbytes for n = 2). Bus factor 2(n-1)/n for both, as nccl-tests reports it.
    """
    size, count, lk, algo = _inputs("all_reduce", nbytes, n, link, algorithm)
    if count == 1:
        sent, steps = 0.0, 0
    elif algo == "ring":
        sent, steps = 2 * (count - 1) / count * size, 2 * (count - 1)
    else:
        sent, steps = (size if count == 2 else 2 * size), 2 * _ceil_log2(count)
    return Collective("all_reduce", algo, size, count, lk, sent, steps, 2 * (count - 1) / count)


def all_gather(nbytes: float, n: int, link: str | Link, algorithm: str = "ring") -> Collective:
    """Every device ends with all n shards; ``nbytes`` is the gathered buffer (n shards of nbytes/n). Notebook 07.

    Ring: each device forwards n-1 shards, (n-1)/n · nbytes in n-1 steps. Bus factor (n-1)/n.
    """
    size, count, lk, algo = _inputs("all_gather", nbytes, n, link, algorithm)
    return Collective("all_gather", algo, size, count, lk, (count - 1) / count * size, count - 1, (count - 1) / count)


def reduce_scatter(nbytes: float, n: int, link: str | Link, algorithm: str = "ring") -> Collective:
    """Device i ends with shard i of the sum; ``nbytes`` is each device's input (n shards of nbytes/n). Notebook 07.

    Ring: each device sends n-1 partial sums of one shard, (n-1)/n · nbytes in n-1 steps. Bus factor
    (n-1)/n. A reduce-scatter then an all-gather of the same nbytes is the ring all-reduce.
    """
    size, count, lk, algo = _inputs("reduce_scatter", nbytes, n, link, algorithm)
    return Collective("reduce_scatter", algo, size, count, lk, (count - 1) / count * size, count - 1,
                      (count - 1) / count)


def all_to_all(nbytes: float, n: int, link: str | Link, algorithm: str = "pairwise") -> Collective:
    """Each device sends a different nbytes/n to every device (itself included, for free). Notebook 07.

    Pairwise exchange (what NCCL's grouped sends do; expert parallelism's token routing): each
    device sends (n-1)/n · nbytes in n-1 steps, over a fabric that lets every pair talk at once
    (a switch, a full mesh). Bus factor (n-1)/n.
    """
    size, count, lk, algo = _inputs("all_to_all", nbytes, n, link, algorithm)
    return Collective("all_to_all", algo, size, count, lk, (count - 1) / count * size, count - 1, (count - 1) / count)


def send(nbytes: float, n: int, link: str | Link, algorithm: str = "direct") -> Collective:
    """Each device sends ``nbytes`` to the next one (a pipeline stage handing on its activations). Notebook 07.

    One step, nbytes per device, all devices at once (nccl-tests' sendrecv: device i sends to
    i+1 and receives from i-1). Bus factor 1. n = 1 sends nothing.
    """
    size, count, lk, algo = _inputs("send", nbytes, n, link, algorithm)
    if count == 1:
        return Collective("send", algo, size, 1, lk, 0.0, 0, 1.0)
    return Collective("send", algo, size, count, lk, size, 1, 1.0)

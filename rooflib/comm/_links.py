"""The interconnect catalogue: links between devices with cited figures, from ``data/interconnects.toml``. Notebook 07.

A :class:`Link` is the α-β model of a device's link to its peers: ``bandwidth`` (β) is bytes/s
PER DIRECTION over all the device's links of that kind together, ``latency_s`` (α) the time of one
message step. Vendors often quote the two directions added together ("900 GB/s" NVLink 4 is
450 GB/s out and 450 GB/s in); the catalogue keeps the quoted figure and which way it is quoted.
Names are lowercase-hyphenated (``"nvlink4"``); lookups also accept spellings such as
``"NVLink 4"``, ``"PCIe 5.0"`` or ``"xGMI"``, ignoring case, spaces, hyphens and dots.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from .._validate import CATALOGUE_NAME, index_catalogue, is_url, lookup_key, nonnegative, positive, unknown_name
from ..units import eng

__all__ = ["Link", "KINDS", "get", "names", "records", "table"]

KINDS = ("scale-up", "pcie", "network")
_DATA = "interconnects.toml"
_FIGURES = ("bandwidth", "quoted_bandwidth", "latency_s")
_SLACK = 0.05  # a per-direction figure may sit up to 5 % below the quoted one (line encoding), never above


@dataclass(frozen=True)
class Link:
    """A device-to-device link: ``bandwidth`` (β, bytes/s per direction), ``latency_s`` (α, s per step). Notebook 07.

    ``quoted_bandwidth`` is the vendor's figure in bytes/s as printed and ``quoted_both_directions``
    says whether it adds the two directions (then ``bandwidth`` is about half of it). ``kind`` is
    ``"scale-up"``, ``"pcie"`` or ``"network"``; ``sources`` maps each figure to its URL.
    """

    name: str
    bandwidth: float
    latency_s: float = 0.0
    quoted_bandwidth: float | None = None
    quoted_both_directions: bool = False
    kind: str = "scale-up"
    display_name: str = ""
    sources: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False, repr=False)
    notes: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "bandwidth", positive("bandwidth", self.bandwidth, "bytes/s per direction"))
        object.__setattr__(self, "latency_s", nonnegative("latency_s", self.latency_s, "seconds"))
        if self.quoted_bandwidth is not None:
            object.__setattr__(self, "quoted_bandwidth", positive("quoted_bandwidth", self.quoted_bandwidth, "bytes/s"))
        if not isinstance(self.quoted_both_directions, bool):
            raise ValueError(f"quoted_both_directions must be True or False, got {self.quoted_both_directions!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {self.kind!r}")
        object.__setattr__(self, "sources", dict(self.sources))
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)

    @property
    def quoted_per_direction(self) -> float | None:
        """The quoted figure per direction in bytes/s: quoted / 2 when quoted for both directions, else as quoted."""
        if self.quoted_bandwidth is None:
            return None
        return self.quoted_bandwidth / 2 if self.quoted_both_directions else self.quoted_bandwidth

    def replace(self, **changes: object) -> Link:
        """A copy with some fields changed (e.g. ``latency_s=0``), validated like a new one."""
        return dataclasses.replace(self, **changes)

    def __str__(self) -> str:
        quoted = ""
        if self.quoted_bandwidth is not None:
            way = "both directions together" if self.quoted_both_directions else "per direction"
            quoted = f" (quoted {eng(self.quoted_bandwidth, 'B/s')}, {way})"
        return (f"{self.display_name}: {eng(self.bandwidth, 'B/s')} per direction{quoted}, "
                f"latency {eng(self.latency_s, 's')} per step")


def check_entry(entry: dict[str, Any]) -> None:
    """Raise ValueError if a catalogue entry breaks the file's conventions: uncited figure, bad name, a
    per-direction bandwidth that does not match the quoted figure, a missing note (run at load time)."""
    name = entry.get("name")
    if not isinstance(name, str) or not CATALOGUE_NAME.match(name):
        raise ValueError(f"link name must be lowercase-hyphenated, got {name!r}")
    for key in _FIGURES:
        if key not in entry:
            raise ValueError(f"link {name!r}: figure {key!r} is missing")
    sources = entry.get("sources", {})
    for key in _FIGURES:
        if not is_url(sources.get(key)):
            raise ValueError(f"link {name!r}: figure {key!r} needs a source URL under sources.{key}")
    if not isinstance(entry.get("quoted_both_directions"), bool):
        raise ValueError(f"link {name!r}: quoted_both_directions must be true or false")
    if not isinstance(entry.get("notes"), str) or len(entry["notes"]) < 40:
        raise ValueError(f"link {name!r}: notes must say how the figures were derived")
    link = _build(entry)  # validates the values themselves
    ratio = link.bandwidth / link.quoted_per_direction
    if not 1 - _SLACK <= ratio <= 1 + 1e-9:
        way = "both directions" if link.quoted_both_directions else "one way"
        raise ValueError(f"link {name!r}: bandwidth {link.bandwidth:g} bytes/s per direction does not match "
                         f"the quoted {link.quoted_bandwidth:g} ({way})")


def _build(entry: dict[str, Any]) -> Link:
    return Link(name=entry["name"], bandwidth=entry["bandwidth"], latency_s=entry["latency_s"],
                quoted_bandwidth=entry["quoted_bandwidth"], quoted_both_directions=entry["quoted_both_directions"],
                kind=entry.get("kind", "scale-up"), display_name=entry.get("display_name", entry["name"]),
                sources=dict(entry.get("sources", {})), notes=entry.get("notes", ""))


def load(text: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(entries by canonical name, lookup key -> canonical name) from the TOML ``text``, every entry checked."""
    return index_catalogue(tomllib.loads(text).get("link", []), "link", check_entry)


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    return load(resources.files("rooflib").joinpath("data", _DATA).read_text(encoding="utf-8"))


def names() -> list[str]:
    """Canonical link names, lowercase and hyphenated, in catalogue order."""
    return list(_catalogue()[0])


def records() -> list[dict[str, Any]]:
    """The raw catalogue entries as dicts (a deep copy), sources and notes included."""
    return copy.deepcopy(list(_catalogue()[0].values()))


def get(link: str | Link) -> Link:
    """A catalogue Link by name or alias (``"nvlink4"``, ``"NVLink 4"``, ``"pcie5"``); a Link is returned as it is.

    An unknown name raises KeyError naming the closest links and all of them.
    """
    if isinstance(link, Link):
        return link
    if not isinstance(link, str):
        raise KeyError(f"link must be a rl.comm.Link or a catalogue name such as 'nvlink4', got {link!r}")
    by_name, index = _catalogue()
    key = lookup_key(link)
    if key in index:
        return _build(by_name[index[key]])
    close = difflib.get_close_matches(key, list(index), n=6, cutoff=0.5)
    suggestions = list(dict.fromkeys(index[k] for k in close))[:3]
    raise unknown_name("link", link, by_name, suggestions=suggestions or None)


def table():
    """The link catalogue as a pandas DataFrame indexed by name: name, kind, bandwidth (bytes/s per direction), quoted_bandwidth (bytes/s),
    quoted_both_directions, latency_s (s per step)."""
    rows = []
    for n in names():
        link = get(n)
        rows.append({"name": link.name, "display_name": link.display_name, "kind": link.kind,
                     "bandwidth": link.bandwidth, "quoted_bandwidth": link.quoted_bandwidth,
                     "quoted_both_directions": link.quoted_both_directions, "latency_s": link.latency_s})
    import pandas as pd

    return pd.DataFrame(rows).set_index("name")

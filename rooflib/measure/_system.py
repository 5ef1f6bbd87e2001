"""Facts about this machine: CPU model, cache sizes, numpy's BLAS, installed memory, usable cores, and the
memory level a working set lives in. Notebook 06."""

from __future__ import annotations

import os
import platform as _platform
import re
from dataclasses import dataclass

from .._validate import nonnegative
from ..units import GiB, KiB, MiB

__all__ = ["BlasInfo", "CacheInfo", "HIERARCHY", "LEVELS", "blas_info", "cache_info", "cache_sized_bytes", "cpu_model",
           "default_threads", "dram_sized_bytes", "memory_level", "physical_memory_bytes"]

LEVELS = ("cache", "DRAM")   # the memory levels rl.measure.machine measures a roof for, fastest first
HIERARCHY = ("L1", "L2", "LLC", "DRAM")   # the levels of a hierarchical roofline (rl.measure.level_roofs)
DRAM_FACTOR = 4              # a DRAM-sized working set is at least 4x the last-level cache (STREAM's rule)


@dataclass(frozen=True)
class BlasInfo:
    """The BLAS behind numpy's matmul, as threadpoolctl reports it: library, version, thread count."""

    library: str
    version: str
    num_threads: int
    architecture: str = ""
    threading_layer: str = ""

    def __str__(self) -> str:
        arch = f", kernels for {self.architecture}" if self.architecture else ""
        return f"{self.library} {self.version} ({self.num_threads} threads{arch})"


@dataclass(frozen=True)
class CacheInfo:
    """Cache sizes in bytes for one core's view: ``l1d``, ``l2`` and the last level ``llc`` (shared).

    ``llc_instances`` is how many separate last-level caches the usable cores reach (several on a
    chip built from chiplets or on several sockets); ``llc_total`` = llc x llc_instances bytes.
    ``detected`` is False when the sizes are fallbacks (32 KiB, 1 MiB, 32 MiB) because the operating
    system did not report them.
    """

    l1d: int
    l2: int
    llc: int
    detected: bool = True
    llc_instances: int = 1

    @property
    def llc_total(self) -> int:
        """Bytes of last-level cache over every instance the usable cores reach."""
        return self.llc * max(1, self.llc_instances)


def default_threads() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _parse_size(text: str) -> int:
    """Bytes in a sysfs cache size such as ``"32K"`` or ``"1024K\\n"`` (0 when unreadable)."""
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)\s*B?\s*", text, re.IGNORECASE)
    if not m:
        return 0
    return int(m.group(1)) * {"": 1, "K": KiB, "M": MiB, "G": GiB}[m.group(2).upper()]


def _llc_instances(index: str) -> int:
    """Distinct last-level caches (sysfs ``index`` folder name) among the CPUs this process may use (1 if unknown)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return 1
    groups = set()
    for cpu in cpus:
        try:
            with open(f"/sys/devices/system/cpu/cpu{cpu}/cache/{index}/shared_cpu_list") as f:
                groups.add(f.read().strip())
        except OSError:
            return 1
    return max(1, len(groups))


def cache_info() -> CacheInfo:
    """Cache sizes of CPU 0 from Linux sysfs (or glibc's sysconf); documented fallbacks elsewhere."""
    sizes: dict[int, int] = {}
    index_of: dict[int, str] = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for entry in sorted(os.listdir(base)):
            if not entry.startswith("index"):
                continue
            with open(f"{base}/{entry}/level") as f:
                level = int(f.read())
            with open(f"{base}/{entry}/type") as f:
                kind = f.read().strip()
            with open(f"{base}/{entry}/size") as f:
                size = _parse_size(f.read())
            if kind != "Instruction" and size > 0:
                sizes[level] = max(size, sizes.get(level, 0))
                index_of[level] = entry
    except (OSError, ValueError):
        sizes = {}
    if not sizes:
        for level, key in ((1, "SC_LEVEL1_DCACHE_SIZE"), (2, "SC_LEVEL2_CACHE_SIZE"), (3, "SC_LEVEL3_CACHE_SIZE")):
            try:
                value = os.sysconf(key)
            except (ValueError, OSError, AttributeError):
                value = 0
            if value and value > 0:
                sizes[level] = int(value)
    detected = 1 in sizes and 2 in sizes
    l1 = sizes.get(1, 32 * KiB)
    l2 = sizes.get(2, 1 * MiB)
    llc = sizes[max(sizes)] if sizes else 32 * MiB
    instances = _llc_instances(index_of[max(sizes)]) if index_of and max(sizes) in index_of else 1
    return CacheInfo(l1d=l1, l2=l2, llc=max(llc, l2), detected=detected, llc_instances=instances)


def memory_level(working_set_bytes: float, caches: CacheInfo | None = None) -> str:
    """The memory level whose roof a kernel is judged against, from its working set (bytes it touches, all
    arrays together): ``"DRAM"`` when it is DRAM-sized (at least :func:`dram_sized_bytes`), so that no
    cache can hold any useful part of it, else ``"cache"`` (some or all of it may be served from a
    cache, so the higher cache roof bounds it). Notebook 06.
    """
    ws = nonnegative("working_set_bytes", working_set_bytes, "bytes")
    return "DRAM" if ws >= dram_sized_bytes(caches) else "cache"


def dram_sized_bytes(caches: CacheInfo | None = None) -> int:
    """The smallest working set in bytes that rl.measure calls DRAM-sized: 4x the last-level cache of every
    instance the cores reach and 8x one instance, at least 64 MiB.

    The 8x covers a virtual machine whose cores sit on separate chiplets with a last-level cache each
    while the guest sees one: on this course's 2-core VM (32 MiB reported) a 128 MiB read still ran about
    20 % faster than 256 MiB and more; from 256 MiB on the rate is flat.
    """
    caches = cache_info() if caches is None else caches
    return int(max(DRAM_FACTOR * caches.llc_total, 2 * DRAM_FACTOR * caches.llc, 64 * MiB))


def cache_sized_bytes(caches: CacheInfo | None = None) -> int:
    """The largest working set (bytes) the ready-made kernels call cache-sized: half of one core's L2,
    far inside every cache level above it."""
    caches = cache_info() if caches is None else caches
    return int(caches.l2 // 2)


def blas_info() -> BlasInfo:
    """numpy's BLAS library, version and thread count, from threadpoolctl (``"unknown"`` without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return BlasInfo("unknown (threadpoolctl not installed)", "", 0)
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return BlasInfo(str(pool.get("internal_api", "unknown")), str(pool.get("version") or ""),
                            int(pool.get("num_threads") or 0), str(pool.get("architecture") or ""),
                            str(pool.get("threading_layer") or ""))
    return BlasInfo("unknown", "", 0)


def physical_memory_bytes() -> float:
    """Installed memory in bytes (sysconf), or 8 GiB where the system does not say."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8.0 * GiB


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (else what the platform module says, else ``"CPU"``)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return _platform.processor() or _platform.machine() or "CPU"

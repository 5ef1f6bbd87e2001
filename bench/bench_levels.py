"""How close does rl.measure.level_roofs come to compiled code at each memory level? numpy against C.

Usage: .venv/bin/python bench/bench_levels.py [--rounds R]

Compiles bench/level_read.c (``gcc -O3 -fopenmp``, ``-march=native`` where gcc accepts it): every OpenMP thread
reads its own pair of vectors with a dot product, over and over, eight vector accumulators wide. Each round
then runs, back to back: ``rl.measure.level_roofs`` (quick), and the C read at the same working sets per core
(``rl.measure.level_working_sets``) on one core and on every core, the better kept. It prints the machine, one
row per level and round, and the median ratio numpy / C per level.

What to expect: numpy's dot products pay a call into BLAS per dot product, so at L1, where a dot product over
16 KiB takes well under a microsecond, the measured roof is a lower bound on what the level delivers; from L2
outwards the ratio should be near 1. The notebook says so (06, "A hierarchical roofline").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import rooflib as rl
from rooflib.units import fmt_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stream import compile_c  # noqa: E402  (bench/ is not a package)

SOURCE = Path(__file__).resolve().parent / "level_read.c"
PASS_BYTES = 64 * 2**20   # bytes each thread reads per pass, as rl.measure does


def c_read(exe: Path, per_thread_bytes: int, threads: int, ntimes: int = 6) -> float:
    """Bandwidth in bytes/s of the C read on ``threads`` threads, ``per_thread_bytes`` per thread."""
    reps = max(1, round(PASS_BYTES / per_thread_bytes))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
    out = subprocess.run([str(exe), str(per_thread_bytes), str(reps), str(ntimes)], capture_output=True, text=True,
                         env=env, check=True).stdout
    fields = dict(item.split("=", 1) for item in out.split())
    if int(fields["threads"]) != threads:
        raise RuntimeError(f"unexpected C output: {out!r}")
    return float(fields["bandwidth"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    caches, cores = rl.measure.cache_info(), rl.measure.default_threads()
    print(f"machine: {rl.measure.cpu_model()}; usable cores {cores}; L1d {fmt_bytes(caches.l1d)}, "
          f"L2 {fmt_bytes(caches.l2)} per core, LLC {fmt_bytes(caches.llc)}; BLAS {rl.measure.blas_info()}")
    base = rl.Platform("base", 1e9, 1.0, peaks={"fp64": 1e9}, dtype="fp64")   # only the level reads are used
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_c(Path(tmp), SOURCE)
        for r in range(args.rounds):
            lr = rl.measure.level_roofs(base, quick=True, caches=caches)
            sizes = {t: rl.measure.level_working_sets(caches, t) for t in sorted({1, cores})}
            for level, point in lr.points.items():
                best_c, best_t = max((c_read(exe, ws[level], t), t) for t, ws in sizes.items())
                rows.append((r + 1, level, point.bandwidth, point.threads, best_c, best_t, sizes[best_t][level],
                             os.getloadavg()[0]))
    print()
    head = f"{'round':>5} | {'level':>5} | {'numpy roof':>12} | {'C read':>12} | {'C ws/core':>10} | {'numpy/C':>7} | load"
    print(head)
    print("-" * len(head))
    for rnd, level, npb, npt, cb, ct, ws, load in rows:
        print(f"{rnd:>5} | {level:>5} | {npb / 1e9:>7.1f} ({npt}) | {cb / 1e9:>7.1f} ({ct}) | {fmt_bytes(ws):>10} | "
              f"{npb / cb:>7.2f} | {load:.1f}")
    print("(GB/s; bytes read, 2n x 8 per dot product; the cores used in brackets; load: 1-minute load average)")
    print()
    for level in rl.measure.HIERARCHY:
        ratios = [npb / cb for _, lv, npb, _, cb, _, _, _ in rows if lv == level]
        print(f"{level:>5}: numpy / C median {statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

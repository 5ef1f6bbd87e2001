"""How close does a numpy triad get to a C STREAM triad on this machine? Prints a table.

Usage: .venv/bin/python bench/bench_stream.py [--n ELEMENTS] [--rounds R] [--threads T ...]

Compiles bench/stream_triad.c with ``gcc -O3 -fopenmp`` (plus ``-march=native`` where gcc accepts
it) into a temporary folder, then, for each thread count, alternates C runs and rooflib runs
(``rl.measure.stream("triad", ...)``) on the same array size, so background load hits both alike.
Each side reports its best single pass; both count 24 bytes per element (STREAM's count,
write-allocate traffic not counted). The ratio numpy / C is the figure of merit (goal >= 0.85).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import rooflib as rl
from rooflib.units import fmt_bandwidth, fmt_bytes, fmt_time

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "stream_triad.c"


def compile_c(workdir: Path) -> Path:
    """Build stream_triad.c; returns the executable. Tries -march=native first, then without."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise SystemExit("bench_stream: gcc not found; install gcc to run the C side of the comparison")
    exe = workdir / "stream_triad"
    for extra in (["-march=native"], []):
        cmd = [gcc, "-O3", "-fopenmp", *extra, str(SOURCE), "-o", str(exe)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode == 0:
            print("compiled:", " ".join(cmd[:-3] + ["stream_triad.c"] + cmd[-2:-1] + ["stream_triad"]))
            return exe
    raise SystemExit(f"bench_stream: gcc failed:\n{result.stderr}")


def run_c(exe: Path, n: int, threads: int, ntimes: int) -> float:
    """Best single-pass time in seconds of the C triad over n elements on ``threads`` OpenMP threads."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
    out = subprocess.run([str(exe), str(n), str(ntimes)], capture_output=True, text=True, env=env, check=True).stdout
    fields = dict(item.split("=", 1) for item in out.split())
    if int(fields["threads"]) != threads or int(fields["n"]) != n:
        raise RuntimeError(f"unexpected C output: {out!r}")
    return float(fields["best_s"])


def run_numpy(n: int, threads: int, ntimes: int) -> float:
    """Best single-pass time in seconds of rooflib's numpy triad (same n, same threads)."""
    point = rl.measure.stream("triad", n, threads=threads, repeat=ntimes, warmup=1, min_time_s=0.0)
    return point.time_s


def main(argv: list[str] | None = None) -> int:
    caches = rl.measure.cache_info()
    cores = rl.measure.default_threads()
    default_n = int(4 * max(caches.llc, 16 * 2**20) // 8)   # each array 4x the last-level cache
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=default_n, help="elements per array (default: 4x LLC)")
    parser.add_argument("--rounds", type=int, default=15, help="alternating C / numpy rounds (best is kept)")
    parser.add_argument("--ntimes", type=int, default=5, help="passes per round")
    parser.add_argument("--threads", type=int, nargs="+", default=sorted({1, cores}))
    args = parser.parse_args(argv)

    print(f"machine: {rl.measure._cpu_model()}, {cores} cores, L2 {fmt_bytes(caches.l2)}, "
          f"LLC {fmt_bytes(caches.llc)}; BLAS {rl.measure.blas_info()}")
    n = args.n
    print(f"triad a = b + q*c, float64, n = {n:,} per array, working set {fmt_bytes(24 * n)} "
          f"({24 * n / caches.llc:.1f}x LLC); bytes = 24 n (write-allocate not counted)")
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_c(Path(tmp))
        rows = []
        for t in args.threads:
            best_c = best_np = float("inf")
            for _ in range(args.rounds):
                best_c = min(best_c, run_c(exe, n, t, args.ntimes))
                best_np = min(best_np, run_numpy(n, t, args.ntimes))
            rows.append((t, best_c, best_np))

    nbytes = 24 * n
    header = f"{'threads':>7} | {'C best':>10} | {'C bandwidth':>12} | {'numpy best':>10} | {'numpy bandwidth':>15} | {'numpy / C':>9}"
    print(header)
    print("-" * len(header))
    for t, tc, tn in rows:
        print(f"{t:>7} | {fmt_time(tc):>10} | {fmt_bandwidth(nbytes / tc):>12} | {fmt_time(tn):>10} | "
              f"{fmt_bandwidth(nbytes / tn):>15} | {tc / tn:>9.3f}")
    worst = min(tc / tn for _, tc, tn in rows)
    print(f"goal: numpy / C >= 0.85; lowest ratio here {worst:.3f} "
          f"({'met' if worst >= 0.85 else 'NOT met'}; background load on a shared machine lowers both sides)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Is rl.measure's quick roof the best this machine does? Quick mode against C STREAM-style kernels and large-n BLAS.

Usage: .venv/bin/python bench/bench_stream.py [--rounds R] [--n ELEMENTS] [--ntimes K] [--gemm-n N]

Compiles bench/stream_triad.c with ``gcc -O3 -fopenmp`` (plus ``-march=native`` where gcc accepts it)
into a temporary folder. Each round then runs, back to back so background load hits all alike:

- in C, on 1 and on every core (the better is kept), each the best of K passes, STREAM byte count: the
  triad (24 bytes per element counted; it moves 32 with the write-allocate read), a read-only dot
  (16) and an in-place update a = -a (16, nothing uncounted): the same three candidates rl.measure
  takes its DRAM roof from;
- ``rl.measure.machine(quick=True)``: its DRAM roof ``dram_bandwidth``, its triad candidate, its matmul peaks;
- numpy matmul at n = 2048 (fp64 and fp32, best of 3 calls on 1 and on every BLAS thread): "large-n BLAS".

It prints the machine, one row per round and each ratio's median and range. Goals (issue 11, error 5),
in the same run: the quick DRAM roof within 15 % of the C figure and the quick peaks within 15 % of
large-n BLAS. The issue names the C triad; where a read-only or in-place kernel moves more counted
bytes per second than the triad (write-allocate), the roof is the best of them, so the like-for-like
figure is the roof against the best C kernel, and numpy's triad against C's triad.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import rooflib as rl
from rooflib.units import fmt_bytes

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "stream_triad.c"
GOAL = 0.15


def compile_c(workdir: Path, source: Path = SOURCE) -> Path:
    """Build a C file of bench/ (default stream_triad.c); returns the executable. Tries -march=native first."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise SystemExit("bench: gcc not found; install gcc to run the C side of the comparison")
    exe = workdir / source.stem
    for extra in (["-march=native"], []):
        cmd = [gcc, "-O3", "-fopenmp", *extra, str(source), "-o", str(exe)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode == 0:
            print("compiled: gcc -O3 -fopenmp", *extra, source.name)
            return exe
    raise SystemExit(f"bench: gcc failed on {source.name}:\n{result.stderr}")


def run_c(exe: Path, kernel: str, n: int, threads: int, ntimes: int) -> float:
    """Bandwidth in bytes/s (STREAM count) of the C ``kernel`` over n elements on ``threads`` OpenMP threads."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
    out = subprocess.run([str(exe), str(n), str(ntimes), kernel], capture_output=True, text=True, env=env,
                         check=True).stdout
    fields = dict(item.split("=", 1) for item in out.split())
    if int(fields["threads"]) != threads or int(fields["n"]) != n or fields["kernel"] != kernel:
        raise RuntimeError(f"unexpected C output: {out!r}")
    return float(fields["bandwidth"])


def best_c(exe: Path, kernel: str, n: int, thread_counts: list[int], ntimes: int) -> tuple[float, int]:
    """(best bandwidth in bytes/s, the thread count that reached it) over ``thread_counts``."""
    return max((run_c(exe, kernel, n, t, ntimes), t) for t in thread_counts)


def blas_gemm(n: int, dtype: type, threads: list[int], repeat: int = 3) -> float:
    """numpy matmul FLOP/s (2 n^3 per call) at n x n: best of ``repeat`` calls on each BLAS thread count."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).random((n, n)).astype(dtype)
    b = np.random.default_rng(1).random((n, n)).astype(dtype)
    c = np.empty_like(a)
    best = float("inf")
    for t in threads:
        with threadpool_limits(limits=t, user_api="blas"):
            np.matmul(a, b, out=c)
            for _ in range(repeat):
                t0 = time.perf_counter()
                np.matmul(a, b, out=c)
                best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f} to {max(values):.3f})"


def main(argv: list[str] | None = None) -> int:
    caches = rl.measure.cache_info()
    cores = rl.measure.default_threads()
    default_n = int(4 * max(caches.llc, 16 * 2**20) // 8)   # each array 4x the last-level cache
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each: C, quick mode, BLAS)")
    parser.add_argument("--n", type=int, default=default_n, help="C triad elements per array (default: 4x LLC)")
    parser.add_argument("--ntimes", type=int, default=10, help="C passes per run (best kept, first is warm-up)")
    parser.add_argument("--gemm-n", type=int, default=2048, help="large-n BLAS matmul size")
    args = parser.parse_args(argv)

    print(f"machine: {rl.measure.cpu_model()}; nproc {os.cpu_count()}, usable cores {cores}; "
          f"L2 {fmt_bytes(caches.l2)} per core, LLC {fmt_bytes(caches.llc)}; numpy {np.__version__}, "
          f"BLAS {rl.measure.blas_info()}")
    print(f"C: float64, working set {fmt_bytes(24 * args.n)} ({24 * args.n / caches.llc:.1f}x LLC) for each kernel "
          f"(triad n = {args.n:,} per array), best of {args.ntimes} passes, threads 1 and {cores}; "
          f"BLAS: n = {args.gemm_n}, best of 3 on 1 and {cores} threads; quick mode: rl.measure.machine(quick=True)")
    threads = sorted({1, cores})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_c(Path(tmp))
        for r in range(args.rounds):
            # the same working set for each: three arrays of n (triad), two of 1.5 n (dot), one of 3 n (update)
            c_triad, c_triad_t = best_c(exe, "triad", args.n, threads, args.ntimes)
            c_dot, c_dot_t = best_c(exe, "dot", 3 * args.n // 2, threads, args.ntimes)
            c_update, c_update_t = best_c(exe, "update", 3 * args.n, threads, args.ntimes)
            m = rl.measure.machine(quick=True)
            ms = m.measurements
            winner = max((k for k in ms if k.startswith("dram ")), key=lambda k: ms[k].bandwidth)
            blas = {dt: blas_gemm(args.gemm_n, np_dt, threads) for dt, np_dt in (("fp64", np.float64), ("fp32", np.float32))}
            rows.append(dict(round=r + 1, c_triad=c_triad, c_triad_t=c_triad_t, c_dot=c_dot, c_dot_t=c_dot_t,
                             c_update=c_update, c_update_t=c_update_t, c_best=max(c_triad, c_dot, c_update),
                             roof=m.dram_bandwidth, roof_t=ms["dram triad"].threads,
                             roof_from=f"{winner[5:]} ({ms[winner].threads})",
                             q_triad=ms["dram triad"].bandwidth,
                             q64=m.peak("fp64"), q32=m.peak("fp32"), b64=blas["fp64"], b32=blas["fp32"],
                             elapsed=m.elapsed_s, load=os.getloadavg()[0]))

    print()
    head = (f"{'round':>5} | {'C triad':>9} | {'C dot':>9} | {'C update':>9} | {'quick roof':>10} | {'roof from':>10} | "
            f"{'quick triad':>11} | {'roof/C triad':>12} | {'roof/C best':>11} | {'quick fp64':>10} | "
            f"{'BLAS fp64':>9} | {'ratio':>5} | {'quick fp32':>10} | {'BLAS fp32':>9} | {'ratio':>5} | "
            f"{'quick s':>7} | {'load':>4}")
    print(head)
    print("-" * len(head))
    for w in rows:
        print(f"{w['round']:>5} | {w['c_triad'] / 1e9:>5.1f} ({w['c_triad_t']}) | {w['c_dot'] / 1e9:>5.1f} ({w['c_dot_t']}) | "
              f"{w['c_update'] / 1e9:>5.1f} ({w['c_update_t']}) | {w['roof'] / 1e9:>10.1f} | {w['roof_from']:>10} | "
              f"{w['q_triad'] / 1e9:>7.1f} ({w['roof_t']}) | {w['roof'] / w['c_triad']:>12.3f} | "
              f"{w['roof'] / w['c_best']:>11.3f} | {w['q64'] / 1e9:>10.1f} | {w['b64'] / 1e9:>9.1f} | "
              f"{w['q64'] / w['b64']:>5.2f} | {w['q32'] / 1e9:>10.1f} | {w['b32'] / 1e9:>9.1f} | "
              f"{w['q32'] / w['b32']:>5.2f} | {w['elapsed']:>7.2f} | {w['load']:>4.1f}")
    print("(bandwidths in GB/s, STREAM count; rates in GFLOP/s; SI units. C columns: the better of 1 and all cores, "
          "that thread count in brackets; roof from: the quick candidate that set the DRAM roof (its threads); "
          "quick triad: rl's triad candidate (its threads). "
          "load: 1-minute load average after the round)")
    ratios = {
        "quick DRAM roof / C triad": [w["roof"] / w["c_triad"] for w in rows],
        "quick DRAM roof / C triad with write-allocate counted": [w["roof"] / (w["c_triad"] * 4 / 3) for w in rows],
        "quick DRAM roof / best C kernel": [w["roof"] / w["c_best"] for w in rows],
        "quick triad / C triad (numpy vs C)": [w["q_triad"] / w["c_triad"] for w in rows],
        "quick fp64 peak / BLAS fp64 at large n": [w["q64"] / w["b64"] for w in rows],
        "quick fp32 peak / BLAS fp32 at large n": [w["q32"] / w["b32"] for w in rows],
    }
    print()
    for name, vals in ratios.items():
        print(f"{name:>55}: median {spread(vals)}")
    goals = {"roof / C triad": ratios["quick DRAM roof / C triad"],
             "roof / best C kernel": ratios["quick DRAM roof / best C kernel"],
             "fp64 peak / large-n BLAS": ratios["quick fp64 peak / BLAS fp64 at large n"],
             "fp32 peak / large-n BLAS": ratios["quick fp32 peak / BLAS fp32 at large n"]}
    verdicts = [f"{k} {'met' if abs(statistics.median(v) - 1) <= GOAL else 'NOT met'}" for k, v in goals.items()]
    print(f"goals (median within {GOAL:.0%} of 1): {'; '.join(verdicts)}. Quick mode took "
          f"{spread([w['elapsed'] for w in rows])} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

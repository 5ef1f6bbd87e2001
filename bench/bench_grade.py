"""How fast the grader grades a class: submissions per minute with 1 and 2 jobs, and the speed-up.

Usage: python bench/bench_grade.py [--n 40] [--jobs 1,2] [--no-sandbox] [--class-size 300 --sets 7 --cores 8]

Grades ``--n`` submissions (the solutions of every exercise set, cycled, each a fresh sandboxed
kernel, as ``python -m rooflib.grade --jobs N`` does), once per jobs value, and prints the rate,
the speed-up, the machine it ran on and what the rate means for a class (``--class-size`` students
x ``--sets`` sets on a machine with ``--cores`` cores, one job per core, at the measured per-job
efficiency). Solutions are the slowest honest submissions (every cell runs to the end).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rooflib import check, grade  # noqa: E402


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{model or platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}, load average {load:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="submissions per run (default 40)")
    ap.add_argument("--jobs", default="1,2", help="comma-separated jobs values (default 1,2)")
    ap.add_argument("--no-sandbox", action="store_true", help="grade without bwrap")
    ap.add_argument("--class-size", type=int, default=300)
    ap.add_argument("--sets", type=int, default=7)
    ap.add_argument("--cores", type=int, default=8)
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    solutions = [p for p in sorted((ROOT / "solutions").glob("*.ipynb")) if p.name[:2] in check.SETS]
    usable, why = grade.sandbox_status(not args.no_sandbox)
    print(f"bench_grade: {args.n} submissions (the solutions of sets {', '.join(p.name[:2] for p in solutions)}, "
          f"cycled); sandbox: {why}")
    print(f"machine: {machine()}")
    rates = {}
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        paths = []
        for i in range(args.n):
            src = solutions[i % len(solutions)]
            dest = Path(tmp) / f"student{i:03d}_{src.name}"
            shutil.copy(src, dest)
            paths.append(dest)
        for j in jobs:
            start = time.perf_counter()
            grades = grade.grade_many(paths, jobs=j, progress=False, sandbox=not args.no_sandbox)
            seconds = time.perf_counter() - start
            bad = [g for g in grades
                   if g.status != "graded" or g.auto_total < g.max_points - sum(g.written_max.values())]
            rates[j] = args.n / seconds * 60
            speedup = f" (speed-up {rates[j] / rates[jobs[0]]:.2f}x)" if j != jobs[0] else ""
            print(f"jobs {j}: {args.n} in {seconds:.1f} s = {rates[j]:.1f} submissions/min{speedup}"
                  + (f"; {len(bad)} not at full marks!" if bad else ""))
    one, last = rates[jobs[0]], rates[jobs[-1]]
    efficiency = min(1.0, (last / one) / (jobs[-1] / jobs[0])) if len(jobs) > 1 else 1.0  # > 1 is noise
    total = args.class_size * args.sets
    per_min = one * args.cores * efficiency
    print(f"a class of {args.class_size} students x {args.sets} sets = {total} submissions: "
          f"{total / last:.0f} min here at --jobs {jobs[-1]}; about {total / per_min:.0f} min on a {args.cores}-core "
          f"machine like this one at --jobs {args.cores} (scaled at the measured {efficiency:.0%} efficiency per job)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

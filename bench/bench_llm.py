"""Speed of rooflib.llm (notebooks 05 and 07 call it on every widget move). Prints two tables; asserts nothing.

Run: .venv/bin/python bench/bench_llm.py
Targets: a 100 x 100 (batch, seq_len) grid for Llama-2-7B on one platform in well under 50 ms; on several devices
(Llama-3-70B, TP4 x PP2 over NVLink 4) the same grid in ONE call far faster than 100 scalar calls (one row of
the grid), as on one device: the sweep stays vectorised.
"""

from __future__ import annotations

import timeit

import numpy as np

import rooflib as rl

# An A100-80GB-like roof with explicit numbers, so the bench runs whatever the catalogue holds.
PLATFORM = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                       peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})
# An H100-SXM-like roof over NVLink 4 (450 GB/s per direction, 0.6 µs per step; rl.comm's catalogue figures).
H100 = rl.Platform(name="h100-like", peak_flops_per_s=989.4e12, bandwidth=3.35e12, memory_bytes=80e9,
                   peaks={"bf16": 989.4e12}, interconnect="nvlink4")
LAYOUTS = {"1 device (llama-2-7b, A100-like)": ("llama-2-7b", PLATFORM, {}),
           "TP4 x PP2 (llama-3-70b, 8 x H100-like)": ("llama-3-70b", H100, {"tp": 4, "pp": 2}),
           "TP8 (llama-3-70b, 8 x H100-like)": ("llama-3-70b", H100, {"tp": 8})}


def best_of(fn, repeat: int = 7, number: int = 5) -> float:
    """Best mean time per call in seconds over ``repeat`` rounds of ``number`` calls."""
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def grid(phase: str, batch: np.ndarray, seq: np.ndarray) -> tuple:
    """One vectorised analyze over the grid, and the totals a widget would read."""
    r = rl.llm.analyze("llama-2-7b", PLATFORM, phase, batch, seq)
    return r.total_time_s(), r.memory_bytes


def totals(model: str, plat: rl.Platform, kw: dict, batch, seq) -> tuple:
    """The totals the notebook 07 explorer reads: time, communication time, footprint per device."""
    r = rl.llm.analyze(model, plat, "decode", batch, seq, **kw)
    return r.total_time_s(), r.total_time_s("communication"), r.memory_bytes


def main() -> None:
    batch = np.arange(1, 101)[:, None]
    seq = np.linspace(128, 32768, 100).round()[None, :]
    cases = {
        "analyze, single call (decode, batch 1, seq 1024)":
            lambda: rl.llm.analyze("llama-2-7b", PLATFORM, "decode", 1, 1024).total_time_s(),
        "analyze + summary, single call (prefill, batch 8, seq 2048)":
            lambda: rl.llm.analyze("llama-2-7b", PLATFORM, "prefill", 8, 2048).summary(),
        "analyze, 100 x 100 grid (decode), totals total_time_s() + memory_bytes": lambda: grid("decode", batch, seq),
        "analyze, 100 x 100 grid (prefill), totals total_time_s() + memory_bytes": lambda: grid("prefill", batch, seq),
        "generate, prompt 512, 4096 output tokens, batch 1":
            lambda: rl.llm.generate("llama-2-7b", PLATFORM, 512, 4096, 1).total_s,
        "generate, prompt 512, 4096 output tokens, batch 1, mixtral-8x7b":
            lambda: rl.llm.generate("mixtral-8x7b", PLATFORM, 512, 4096, 1).total_s,
        "critical_batch_size (llama-2-7b)": lambda: rl.llm.critical_batch_size("llama-2-7b", PLATFORM),
        "max_batch (llama-2-7b, seq 4096)": lambda: rl.llm.max_batch("llama-2-7b", PLATFORM, 4096),
        "max_batch (llama-3-70b, seq 4096, tp=8)": lambda: rl.llm.max_batch("llama-3-70b", H100, 4096, tp=8),
        "latency_throughput (llama-3-70b, 3 layouts, 24 points each)":
            lambda: rl.llm.latency_throughput("llama-3-70b", H100, 4096, layouts=[{"tp": 4}, {"tp": 8},
                                                                                  {"tp": 2, "pp": 4}]),
    }
    width = max(map(len, cases))
    print(f"{'case':<{width}}  time per call")
    for name, fn in cases.items():
        print(f"{name:<{width}}  {best_of(fn) * 1e3:9.3f} ms")

    # the sweep stays vectorised on several devices: one call over 100 x 100 against 100 scalar calls
    print()
    print(f"{'layout (decode; totals: time, communication, memory)':<44}  {'100 x 100 grid, 1 call':>22}  "
          f"{'100 scalar calls':>16}  {'grid / scalar':>13}  {'per point, grid vs scalar':>26}")
    for label, (model, plat, kw) in LAYOUTS.items():
        t_grid = best_of(lambda: totals(model, plat, kw, batch, seq), repeat=5, number=3)
        pairs = list(zip(batch[:, 0].tolist(), [int(s) for s in seq[0]]))
        t_loop = best_of(lambda: [totals(model, plat, kw, b, s) for b, s in pairs], repeat=3, number=1)
        print(f"{label:<44}  {t_grid * 1e3:19.2f} ms  {t_loop * 1e3:13.1f} ms  {t_grid / t_loop:13.2f}  "
              f"{t_grid / 1e4 * 1e6:10.3f} µs vs {t_loop / 100 * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()

"""Speed of rooflib.llm (notebook 05's widgets call it on every move). Prints a table; asserts nothing.

Run: .venv/bin/python bench/bench_llm.py
The issue's target: a 100 x 100 (batch, seq_len) grid for Llama-2-7B on one platform in well under 50 ms.
"""

from __future__ import annotations

import timeit

import numpy as np

import rooflib as rl

# An A100-80GB-like roof with explicit numbers, so the bench runs whatever the catalogue holds.
PLATFORM = rl.Platform(name="a100-like", peak_flops_per_s=312e12, bandwidth=2.039e12, memory_bytes=80e9,
                       peaks={"bf16": 312e12, "int8": 624e12, "fp32": 19.5e12})


def best_of(fn, repeat: int = 7, number: int = 5) -> float:
    """Best mean time per call in seconds over ``repeat`` rounds of ``number`` calls."""
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def grid(phase: str, batch: np.ndarray, seq: np.ndarray) -> tuple:
    """One vectorised analyze over the grid, and the totals a widget would read."""
    r = rl.llm.analyze("llama-2-7b", PLATFORM, phase, batch, seq)
    return r.time_s, r.memory_bytes


def main() -> None:
    batch = np.arange(1, 101)[:, None]
    seq = np.linspace(128, 32768, 100).round()[None, :]
    cases = {
        "analyze, single call (decode, batch 1, seq 1024)":
            lambda: rl.llm.analyze("llama-2-7b", PLATFORM, "decode", 1, 1024).time_s,
        "analyze + summary, single call (prefill, batch 8, seq 2048)":
            lambda: rl.llm.analyze("llama-2-7b", PLATFORM, "prefill", 8, 2048).summary(),
        "analyze, 100 x 100 grid (decode), totals time_s + memory_bytes": lambda: grid("decode", batch, seq),
        "analyze, 100 x 100 grid (prefill), totals time_s + memory_bytes": lambda: grid("prefill", batch, seq),
        "generate, prompt 512, 4096 output tokens, batch 1":
            lambda: rl.llm.generate("llama-2-7b", PLATFORM, 512, 4096, 1).total_s,
        "generate, prompt 512, 4096 output tokens, batch 1, mixtral-8x7b":
            lambda: rl.llm.generate("mixtral-8x7b", PLATFORM, 512, 4096, 1).total_s,
        "critical_batch_size (llama-2-7b)": lambda: rl.llm.critical_batch_size("llama-2-7b", PLATFORM),
        "max_batch (llama-2-7b, seq 4096)": lambda: rl.llm.max_batch("llama-2-7b", PLATFORM, 4096),
    }
    width = max(map(len, cases))
    print(f"{'case':<{width}}  time per call")
    for name, fn in cases.items():
        print(f"{name:<{width}}  {best_of(fn) * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()

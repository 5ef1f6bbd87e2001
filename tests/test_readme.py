"""The README's Python example runs and says what the comments claim."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs_and_matches_its_comments():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no python example"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    gpu, mm = namespace["gpu"], namespace["mm"]
    assert round(gpu.ridge_point, 2) == 23.35            # the comment's ridge point
    assert gpu.peak_flops_per_s == 11.3e12 and gpu.bandwidth == 484e9
    assert gpu.bound(mm) == "compute"
    assert gpu.time(mm) == max(mm.flops / gpu.peak_flops_per_s, mm.bytes / gpu.bandwidth)

"""How long a slider move takes to show a new image, in a real browser, for the two live explorers.

Starts the same JupyterLab server and headless Chromium as tests/test_browser.py, writes one small
temporary notebook per explorer (so the lecture notebooks are not needed), runs it, then moves the
slider with the keyboard (ArrowRight / ArrowLeft on the slider handle, as a person would) N times:

- roofline explorer (notebook 02): the intensity slider of ``rl.widgets.roofline_explorer``;
- LLM explorer (notebook 05): the batch slider of ``rl.widgets.llm_explorer``.

For each move it measures, in the page's own clock (``performance.now()``), from the keydown to the
first new image of the explorer's figure, and to the next animation frame after it (the image on
screen). A new image is either a change of the SVG that the browser draws (an element inside
``.rl-figure``, the explorers of rooflib.widgets) or, for the old ipympl explorers, a
``drawImage`` onto a canvas inside ``.jupyter-matplotlib-figure``. The whole Python round trip is
inside: widget message, observer, new SVG (or Agg render + PNG diff), message back, DOM update.

"before": with ``--before REV`` (default: the last commit with the ipympl explorers) the bench also
extracts ``rooflib/`` of that commit with ``git archive`` into a temporary folder and measures its
explorers in the same run (the notebook puts that folder first on ``sys.path``). Without git it
prints the numbers recorded here on a machine of the same kind instead.

Aim (issue 10): median input -> frame under 60 ms and p90 under 100 ms for both explorers.

Usage: .venv/bin/python bench/bench_widget_latency.py [--moves 30] [--before REV | --before ""]
Needs /usr/bin/chromium (tools/ensure_chromium.sh installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_browser as tb  # noqa: E402  (the server / browser helpers live with the browser test)

#: The last commit whose explorers redraw a matplotlib figure in the kernel (ipympl).
BEFORE_REV = "09eab01"

#: Input -> frame (median, p90 in ms) of the ipympl explorers at BEFORE_REV, measured with this bench
#: (30 moves, same run as the SVG explorers: 23.6 / 29.2 and 31.9 / 43.0 ms) on a 2-core AMD EPYC machine,
#: load average 0.7; printed when ``git archive`` cannot give the old code.
RECORDED_BEFORE = {"roofline (02)": (129.7, 207.3), "llm (05)": (205.8, 270.4)}


@dataclass(frozen=True)
class Case:
    """One explorer to time: the notebook code (new API and the old one) and the control to move."""

    name: str
    code: str
    code_before: str
    css_class: str
    css_class_before: str
    label: re.Pattern


CASES = (
    Case("roofline (02)",
         'explorer = rl.widgets.roofline_explorer("gtx-1080-ti", intensity=7.0)\nexplorer',
         'explorer = rl.widgets.roofline_explorer("gtx-1080-ti", intensity=7.0)\nexplorer.view',
         "rl-control-intensity", "rl-intensity", re.compile(r"intensity|FLOP\s*/\s*byte", re.I)),
    Case("llm (05)",
         'explorer = rl.widgets.llm_explorer("llama-2-7b", "a100-80gb", phase="decode", batch=1, seq_len=1024)\n'
         'explorer',
         'from rooflib import llm_widgets\n'
         'explorer = llm_widgets.llm_explorer("llama-2-7b", "a100-80gb", phase="decode", batch=1, seq_len=1024)\n'
         'explorer',
         "rl-control-batch", "rl-batch", re.compile(r"batch", re.I)),
)

_JS_HOOK = """() => {
  if (window.__rl) return;
  window.__rl = {input: null, draws: []};
  const record = () => {
    const rec = {draw: performance.now(), frame: null};
    window.__rl.draws.push(rec);
    requestAnimationFrame(() => { rec.frame = performance.now(); });
  };
  document.addEventListener('keydown', () => { window.__rl.input = performance.now(); }, true);
  // the browser-drawn view: any change of the DOM inside .rl-figure
  new MutationObserver(muts => {
    if (muts.some(m => { const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;
                         return t && t.closest && t.closest('.rl-figure'); })) record();
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  // ipympl: a new image drawn onto the figure's canvas
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const cv = this.canvas;
    if (cv && cv.isConnected && cv.closest && cv.closest('.jupyter-matplotlib-figure')) record();
    return orig.apply(this, args);
  };
}"""

_JS_LATEST = """() => {
  const r = window.__rl;
  const after = r.draws.filter(d => r.input !== null && d.draw >= r.input);
  const last = r.draws.length ? r.draws[r.draws.length - 1].draw : null;
  return {input: r.input, first: after.length ? after[0] : null, last, now: performance.now()};
}"""


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def write_notebook(path: Path, code: str, old_tree: Path | None) -> None:
    """A two-cell notebook: imports (``old_tree`` first on sys.path when given), then the explorer."""
    import nbformat

    setup = "%matplotlib widget\nimport rooflib as rl"
    if old_tree is not None:
        setup = f"import sys\nsys.path.insert(0, {str(old_tree)!r})\n" + setup
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def measure(browser, lab, relpath: str, css_class: str, label: re.Pattern, moves: int, timeout_s: float = 5.0
            ) -> tuple[list[float], list[float], int]:
    """Move the case's slider ``moves`` times; return (input->draw ms, input->frame ms, moves with no image)."""
    to_draw, to_frame, missed = [], [], 0
    page = tb.open_notebook(browser, lab, relpath)
    try:
        state = tb.run_all(page)
        if state["failed"] or state["pending"]:
            raise SystemExit(f"{relpath} did not run cleanly: {state}; {page.evaluate(tb._JS_ERRORS)}")
        tb.widget_report(page)
        slider = tb.find_control(page, css_class, label)
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        page.evaluate(_JS_HOOK)
        for i in range(moves + 3):                   # the first 3 are warm-up
            _settle(page)
            page.keyboard.press("ArrowRight" if (i // 4) % 2 == 0 else "ArrowLeft")
            deadline = time.monotonic() + timeout_s
            rec = None
            while time.monotonic() < deadline:
                rec = page.evaluate(_JS_LATEST)
                if rec["first"] and rec["first"]["frame"] is not None:
                    break
                time.sleep(0.005)
            if i < 3:
                continue
            if not rec or not rec["first"] or rec["first"]["frame"] is None:
                missed += 1
                continue
            to_draw.append(rec["first"]["draw"] - rec["input"])
            to_frame.append(rec["first"]["frame"] - rec["input"])
    finally:
        tb.shutdown_kernel(page)
        page.close()
    return to_draw, to_frame, missed


def _settle(page, quiet_ms: float = 250, timeout_s: float = 5) -> None:
    """Wait until no new figure image has appeared for ``quiet_ms`` (the previous move is finished)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = page.evaluate(_JS_LATEST)
        if r["last"] is None or r["now"] - r["last"] > quiet_ms:
            return
        time.sleep(0.05)


def old_tree(rev: str, dest: Path) -> Path | None:
    """``rooflib/`` of commit ``rev`` extracted into ``dest`` (read-only use of git), or None."""
    if not rev or shutil.which("git") is None:
        return None
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "rooflib"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"(no 'before' run: git archive {rev} failed: {exc})", file=sys.stderr)
        return None
    return dest


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--before", default=BEFORE_REV,
                    help="git revision of the old explorers to time in the same run ('' to skip)")
    ap.add_argument("--only", choices=["before", "after", "both"], default="both")
    ap.add_argument("--explorer", action="append", choices=[c.name.split()[0] for c in CASES],
                    help="time only this explorer (repeatable; default: all)")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not args.explorer or c.name.split()[0] in args.explorer]
    results: dict[tuple[str, str], tuple[list[float], list[float], int]] = {}
    with tempfile.TemporaryDirectory(prefix="rooflab-bench-") as tmp:
        course = Path(tmp) / "course"
        old = old_tree(args.before, Path(tmp)) if args.only != "after" else None
        runs = []
        for k, case in enumerate(cases):
            if old is not None:
                runs.append((case, "before", f"notebooks/bench_{k}_before.ipynb", case.code_before, old))
            if args.only != "before":
                runs.append((case, "after", f"notebooks/bench_{k}_after.ipynb", case.code, None))
        for case, when, rel, code, tree in runs:
            write_notebook(course / rel, code, tree)
        with tb.lab_server(course) as lab, tb.chromium() as browser:
            for case, when, rel, _, _ in runs:
                css = case.css_class if when == "after" else case.css_class_before
                results[(case.name, when)] = measure(browser, lab, rel, css, case.label, args.moves)

    print(f"Slider move -> new image in the browser: input -> next frame, ms ({args.moves} keyboard moves each, "
          f"headless Chromium, {machine()})")
    before_label = f"before ({args.before}, ipympl)" if old is not None else "before (recorded)"
    print(f"{'explorer':<16}{'median':>9}{'p90':>9}{'max':>9}   | {before_label}: median, p90")
    ok = True
    for case in cases:
        after = results.get((case.name, "after"))
        before = results.get((case.name, "before"))
        if before is not None and before[1]:
            b = f"{statistics.median(before[1]):9.1f}{percentile(before[1], 0.9):9.1f}"
        else:
            med, p90 = RECORDED_BEFORE[case.name]
            b = f"{med:9.1f}{p90:9.1f}"
        if after is None or not after[1]:
            print(f"{case.name:<16}{'-':>9}{'-':>9}{'-':>9}   | {b}")
            ok = ok and args.only == "before"
            continue
        xs = after[1]
        print(f"{case.name:<16}{statistics.median(xs):9.1f}{percentile(xs, 0.9):9.1f}{max(xs):9.1f}   | {b}")
        if after[2]:
            print(f"  {after[2]} moves produced no new image within 5 s")
        ok = ok and not after[2] and statistics.median(xs) < 60 and percentile(xs, 0.9) < 100
    if args.only != "before":
        print(f"aim: median < 60 ms and p90 < 100 ms for every explorer: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

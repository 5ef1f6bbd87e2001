"""How long a slider move takes to update the plot, as seen in a real browser.

Starts the same JupyterLab server and headless Chromium as tests/test_browser.py, opens
notebooks/02_roofline_derived.ipynb, runs it, then moves the intensity slider with the keyboard
(ArrowRight / ArrowLeft on the slider handle, as a person would) N times. For each move it
measures, in the page's own clock (performance.now()):

- input -> draw:  from the keydown event to the first time ipympl draws a new image onto the
  figure's visible canvas (CanvasRenderingContext2D.drawImage on a canvas inside
  .jupyter-matplotlib-figure; the whole Python round trip is inside this: widget message,
  observer, artist update, draw_idle, Agg render, PNG diff, binary message back);
- input -> frame: to the next animation frame after that draw (when the new image is on screen).

Aim: under 100 ms from input to new image. Prints a table (median, p90, max, mean in ms).

Usage: .venv/bin/python bench/bench_widget_latency.py [--moves 30] [--notebook notebooks/02_roofline_derived.ipynb]
Needs /usr/bin/chromium (tools/ensure_chromium.sh installs it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_browser as tb  # noqa: E402  (the server / browser helpers live with the browser test)

_JS_HOOK = """() => {
  if (window.__rl) return;
  window.__rl = {input: null, draws: []};
  document.addEventListener('keydown', () => { window.__rl.input = performance.now(); }, true);
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const cv = this.canvas;
    if (cv && cv.isConnected && cv.closest && cv.closest('.jupyter-matplotlib-figure')) {
      const rec = {draw: performance.now(), frame: null};
      window.__rl.draws.push(rec);
      requestAnimationFrame(() => { rec.frame = performance.now(); });
    }
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


def measure(moves: int, notebook: str, timeout_s: float = 5.0) -> tuple[list[float], list[float], int]:
    """Move the slider ``moves`` times; return (input->draw ms, input->frame ms, moves with no redraw)."""
    to_draw, to_frame, missed = [], [], 0
    with tb.lab_server() as lab, tb.chromium() as browser:
        page = tb.open_notebook(browser, lab, notebook)
        try:
            state = tb.run_all(page)
            if state["failed"] or state["pending"]:
                raise SystemExit(f"{notebook} did not run cleanly: {state}")
            tb.widget_report(page)
            slider = tb.find_control(page, "rl-intensity", re.compile(r"intensity|FLOP\s*/\s*byte|^\s*I\b", re.I))
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
    """Wait until no new figure draw has happened for ``quiet_ms`` (the previous move is finished)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = page.evaluate(_JS_LATEST)
        if r["last"] is None or r["now"] - r["last"] > quiet_ms:
            return
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--notebook", default="notebooks/02_roofline_derived.ipynb",
                    help="path relative to the course folder (ROOFLAB_COURSE_DIR or the repo)")
    args = ap.parse_args(argv)
    if not (tb.COURSE / args.notebook).exists():
        print(f"{tb.COURSE / args.notebook} not found", file=sys.stderr)
        return 1
    to_draw, to_frame, missed = measure(args.moves, args.notebook)
    print(f"Slider move -> new plot image in the browser ({args.notebook}, {len(to_draw)} moves, "
          f"{os.cpu_count()} CPUs, headless Chromium, keyboard input on the slider)")
    print(f"{'':<18}{'median':>9}{'p90':>9}{'max':>9}{'mean':>9}   ms")
    for name, xs in (("input -> draw", to_draw), ("input -> frame", to_frame)):
        if xs:
            print(f"{name:<18}{statistics.median(xs):9.1f}{percentile(xs, 0.9):9.1f}{max(xs):9.1f}"
                  f"{statistics.fmean(xs):9.1f}")
    if missed:
        print(f"{missed} moves produced no new image within 5 s")
    if to_frame:
        verdict = "meets" if statistics.median(to_frame) < 100 else "misses"
        print(f"aim: median input -> frame under 100 ms: {verdict} it")
    return 0 if to_frame and not missed else 1


if __name__ == "__main__":
    sys.exit(main())

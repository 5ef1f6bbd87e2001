"""The course as a learner meets it: every lecture notebook run in JupyterLab in a real Chromium.

For each ``notebooks/NN_*.ipynb`` (found by glob) the test opens it in a real JupyterLab server
(the project's venv, a free loopback port, a temporary token, a temporary copy of the notebooks),
clears the stored outputs, runs all cells through the Run menu, waits for the kernel to go idle
and asserts that no cell shows an error and that every widget output is a live widget (not
"Loading widget...", not an error, not the plain-text fallback; every ipympl figure has pixels).
Two lessons are also driven by hand: the intensity slider in 02 must change the plot and the
verdict text, the batch control in 05 must change the numbers. A screenshot of each notebook
goes to build/screenshots/ (``make test`` prints the folder). Server and browser are always shut
down, also when a test fails.

The Chinese edition (``zh/notebooks/NN_*.ipynb``, tools/make_zh.py) gets the same checks in the same
server, run side by side in one pass (one JupyterLab page, each notebook in a tab of its own, all kernels
at once) to keep the time down; its screenshots are ``zh-NN_topic.png``. In each, the prose, the widgets' text and the
explorers' SVG figures must be drawn in Chinese by a font that has the glyphs (Chromium's own account
of the fonts it used, ``CSS.getPlatformFontsForNode``), not as empty boxes.

Run it alone: ``.venv/bin/python -m pytest -m browser tests/test_browser.py``. It needs Debian's
Chromium at /usr/bin/chromium (``tools/ensure_chromium.sh`` installs it; ``make test`` calls it).
The helpers here (``lab_server``, ``chromium``, ``open_notebook``, ...) are reused by
bench/bench_widget_latency.py.

Widget conventions the two interaction tests rely on (rooflib.widgets.Explorer):
- every control carries the CSS class ``rl-control-<name>`` (02: ``rl-control-intensity``, 05:
  ``rl-control-batch``; without it a control is found by its description, ``intensity`` / ``batch``);
- the figure is an SVG that the browser draws, inside an element with class ``rl-figure``; an
  ipympl canvas (``.jupyter-matplotlib-figure``, the static figures) counts as a figure too;
- the numbers are text in an element with class ``rl-text`` (or ``rl-verdict``), else in any
  HTML / Label / Output widget of the same output.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# ROOFLAB_COURSE_DIR points the test at another course tree (a folder with notebooks/), for development.
COURSE = Path(os.environ.get("ROOFLAB_COURSE_DIR", ROOT))
NOTEBOOKS = sorted((COURSE / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ZH_NOTEBOOKS = sorted((COURSE / "zh" / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
JUPYTER_LAB = Path(sys.executable).with_name("jupyter-lab")   # the venv's: its python3 kernel is the venv's python
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.browser

# JupyterLab settings for an unattended run: start the kernel without the "Select Kernel" dialog,
# no news or update checks, and every cell attached to the DOM (so we can inspect and photograph it).
LAB_OVERRIDES = {
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True, "windowingMode": "none",
                                               "scrollPastEnd": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}


# --------------------------------------------------------------------------------------------
# Server and browser (context managers: always shut down)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL, token, served folder and log file."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, relpath: str) -> str:
        return f"{self.url}lab/tree/{relpath}?reset&token={self.token}"

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_course(src: Path, dst: Path) -> None:
    """Copy notebooks/ and exercises/ (the lecture notebooks link to ../exercises), and their zh editions,
    to ``dst``."""
    for sub in ("notebooks", "exercises", "zh/notebooks", "zh/exercises"):
        if (src / sub).is_dir():
            shutil.copytree(src / sub, dst / sub, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


@contextlib.contextmanager
def lab_server(course: Path = COURSE, timeout_s: float = 90.0) -> Iterator[Lab]:
    """Start JupyterLab from the venv on a free loopback port, serving a temporary copy of ``course``.

    Settings, workspaces, runtime and config live in the same temporary folder, so nothing of the
    user's JupyterLab state leaks in and nothing of ours leaks out. The server is stopped (SIGTERM,
    then SIGKILL of its process group) when the block ends, however it ends.
    """
    if not JUPYTER_LAB.exists():
        pytest.fail(f"{JUPYTER_LAB} not found: run `make setup` to create the venv with JupyterLab")
    tmp = Path(tempfile.mkdtemp(prefix="rooflab-browser-"))
    root = tmp / "course"
    _copy_course(course, root)
    settings = tmp / "app-settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
    for d in ("user-settings", "workspaces", "runtime", "config", "data"):
        (tmp / d).mkdir()
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "user-settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"), PATH=f"{JUPYTER_LAB.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("MPLBACKEND", None)   # CI sets Agg; in the browser the notebooks choose ipympl themselves
    cmd = [str(JUPYTER_LAB), "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.app_settings_dir={settings}", "--expose-app-in-browser",
           "--LabApp.news_url=", "--ServerApp.terminals_enabled=False"]
    log = tmp / "server.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    lab = Lab(url=f"http://127.0.0.1:{port}/", token=token, root=root, log=log)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {proc.returncode}:\n{lab.log_tail()}")
            try:
                with urllib.request.urlopen(f"{lab.url}api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {timeout_s:.0f} s:\n{lab.log_tail()}")
            time.sleep(0.25)
        yield lab
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (its own process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    # kernels started by the server share its process group; make sure none outlives it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (no `playwright install`); closed on exit."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `tools/ensure_chromium.sh` (as root) or `make test`, which does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --------------------------------------------------------------------------------------------
# Driving a notebook
# --------------------------------------------------------------------------------------------

_JS_STATE = """(path) => {
  const app = window.jupyterapp;
  if (!app) return 'no app';
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.context) return 'no notebook';
  if (w.context.path !== path) return 'other document: ' + w.context.path;
  if (!w.context.isReady) return 'document loading';
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k) return 'no kernel';
  if (k.connectionStatus !== 'connected') return 'kernel ' + k.connectionStatus;
  return 'kernel ' + k.status;
}"""

# Done when the kernel is idle and every non-empty code cell has an execution count, or a cell
# failed (Run All stops there). Cells tagged raises-exception are expected to fail.
_JS_RUN_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  let pending = 0, failed = 0;
  for (const c of w.content.widgets) {
    if (c.model.type !== 'code' || c.model.sharedModel.getSource().trim() === '') continue;
    if (c.model.executionCount === null) pending++;
    const tags = c.model.getMetadata('tags') || [];
    const outs = c.model.outputs;
    for (let i = 0; i < outs.length; i++)
      if (outs.get(i).type === 'error' && !tags.includes('raises-exception')) failed++;
  }
  return {status: k ? k.status : 'none', pending, failed};
}"""

# Every error (and every warning or traceback on stderr) in the cell outputs, by cell number.
_JS_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const errors = [];
  w.content.widgets.forEach((c, n) => {
    if (c.model.type !== 'code') return;
    const tags = c.model.getMetadata('tags') || [];
    const outs = c.model.outputs;
    for (let i = 0; i < outs.length; i++) {
      const o = outs.get(i).toJSON();
      if (o.output_type === 'error' && !tags.includes('raises-exception'))
        errors.push(`cell ${n}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr') {
        const text = Array.isArray(o.text) ? o.text.join('') : o.text;
        if (/Warning|Error|Traceback/.test(text)) errors.push(`cell ${n} stderr: ${text.slice(0, 300)}`);
      }
    }
  });
  return errors;
}"""

# One record per widget output: is it a live widget (DOM rendered by the widget manager, no
# placeholder / error text, every ipympl canvas has drawn pixels)?
_JS_WIDGETS = """(mime) => {
  const w = window.jupyterapp.shell.currentWidget;
  const out = [];
  w.content.widgets.forEach((c, n) => {
    if (c.model.type !== 'code') return;
    const outs = c.model.outputs;
    let expected = 0;
    for (let i = 0; i < outs.length; i++) if (mime in (outs.get(i).toJSON().data || {})) expected++;
    if (!expected) return;
    const children = [...c.outputArea.node.children].filter(ch => ch.classList.contains('jp-OutputArea-child'));
    const nodes = [];
    for (let i = 0; i < outs.length; i++) {
      if (!(mime in (outs.get(i).toJSON().data || {}))) continue;
      const node = children[i] && children[i].querySelector('.jp-OutputArea-output');
      if (node && !node.classList.contains('jp-RenderedText')) nodes.push(node);
    }
    const rec = {cell: n, expected, rendered: nodes.length, problems: []};
    nodes.forEach((node, j) => {
      const text = node.innerText || '';
      if (/Loading widget|Error displaying widget|Error rendering/.test(text)) rec.problems.push(`output ${j}: "${text.slice(0, 80)}"`);
      else if (!node.querySelector('.jupyter-widgets') && !node.classList.contains('jupyter-widgets'))
        rec.problems.push(`output ${j}: no widget DOM`);
      for (const fig of node.querySelectorAll('.rl-figure')) {
        const svg = fig.querySelector('svg');
        if (!svg || svg.childElementCount < 5) { rec.problems.push(`output ${j}: empty SVG figure`); continue; }
        const box = svg.getBoundingClientRect();
        if (box.width < 300 || box.height < 150) rec.problems.push(`output ${j}: SVG figure drawn ${box.width}x${box.height}`);
      }
      for (const fig of node.querySelectorAll('.jupyter-matplotlib-figure')) {
        const cv = fig.querySelector('canvas');
        if (!cv || cv.width === 0 || cv.height === 0) { rec.problems.push(`output ${j}: empty figure canvas`); continue; }
        const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let ink = 0;
        for (let p = 0; p < px.length; p += 16) if (px[p + 3] > 0 && (px[p] < 200 || px[p + 1] < 200 || px[p + 2] < 200)) ink++;
        if (ink < 50) rec.problems.push(`output ${j}: figure canvas has no drawing`);
      }
    });
    out.push(rec);
  });
  return out;
}"""


def open_notebook(browser, lab: Lab, relpath: str, viewport=(1280, 900)):
    """A new page with ``relpath`` (e.g. ``notebooks/02_x.ipynb``) open and its kernel idle."""
    page = start_notebook(browser, lab, relpath, viewport)
    wait_ready(page, relpath)
    return page


def start_notebook(browser, lab: Lab, relpath: str, viewport=(1280, 900)):
    """A new page that starts loading ``relpath`` (does not wait: see ``wait_ready``)."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(30_000)
    page.goto(lab.notebook_url(relpath), wait_until="domcontentloaded")
    return page


def wait_ready(page, relpath: str, timeout_s: float = 90) -> None:
    """Wait until ``relpath`` is open in ``page`` with an idle kernel; fold the left panel away."""
    wait_for(page, _JS_STATE, relpath, want=lambda s: s == "kernel idle", what=f"{relpath} open with an idle kernel",
             timeout_s=timeout_s)
    page.evaluate("""() => { const app = window.jupyterapp;
                     if (!app.shell.leftCollapsed) app.commands.execute('application:toggle-left-area'); }""")


def wait_for(page, js: str, arg=None, *, want, what: str, timeout_s: float = 60, every_s: float = 0.1):
    """Poll ``js(arg)`` in the page until ``want(value)``; fail with the last value after ``timeout_s``."""
    deadline, value = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        value = page.evaluate(js, arg)
        if want(value):
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; last state: {value!r}")


def run_all(page, timeout_s: float = 120) -> dict:
    """Clear outputs, Run > Run All Cells (through the menu, as a person would) and wait until done."""
    start_run_all(page)
    return wait_run(page, timeout_s)


def start_run_all(page) -> None:
    """Clear outputs and choose Run > Run All Cells (through the menu, as a person would); do not wait."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_run(page, timeout_s: float = 120) -> dict:
    """Wait until Run All is done (every cell ran, or one failed) and the kernel is idle."""
    return wait_for(page, _JS_RUN_STATE, want=lambda s: s["status"] == "idle" and (s["pending"] == 0 or s["failed"] > 0),
                    what="Run All to finish", timeout_s=timeout_s, every_s=0.2)


def widget_report(page, timeout_s: float = 20) -> list[dict]:
    """Wait until every widget output is rendered live (or ``timeout_s``) and return the per-cell records."""
    def ok(recs):
        return all(r["rendered"] == r["expected"] and not r["problems"] for r in recs)
    try:
        return wait_for(page, _JS_WIDGETS, WIDGET_MIME, want=ok, what="widgets to render", timeout_s=timeout_s, every_s=0.25)
    except AssertionError:
        return page.evaluate(_JS_WIDGETS, WIDGET_MIME)


def screenshot(page, path: Path, max_height: int = 16_000) -> Path:
    """A picture of the whole notebook: grow the viewport to the notebook's height, shoot, restore."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("""() => {
        const w = window.jupyterapp.shell.currentWidget;
        const scroller = w.content.node.querySelector('.jp-WindowedPanel-outer') || w.content.node;
        scroller.scrollTop = 0;
        return scroller.scrollHeight + (window.innerHeight - scroller.clientHeight);
    }""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, max_height))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def shutdown_kernel(page) -> None:
    """Shut the notebook's kernel down (frees the CPU for the next notebook); never blocks for long."""
    with contextlib.suppress(Exception):
        page.evaluate("""() => Promise.race([
            window.jupyterapp.shell.currentWidget.sessionContext.shutdown(),
            new Promise(r => setTimeout(r, 5000))])""")


# ---- finding and moving controls ------------------------------------------------------------

def find_control(page, css_class: str, label: re.Pattern):
    """The visible widget with CSS class ``css_class``, else the first visible control whose description matches
    ``label``. Visible: the zh test keeps every notebook open in one page (the others' tabs are hidden), and an
    explorer hides the sliders of the moves not chosen (04's batch slider has the class 05's has)."""
    by_class = page.locator(f".jp-Notebook .{css_class}:visible")
    if by_class.count():
        return by_class.first
    controls = page.locator(", ".join(f".jp-Notebook .{k}:visible" for k in (
        "widget-slider", "widget-dropdown", "widget-text", "widget-toggle-buttons", "widget-radio")))
    for i in range(controls.count()):
        c = controls.nth(i)
        desc = c.locator("label.widget-label, .widget-label").first
        if desc.count() and label.search(desc.inner_text() or (desc.get_attribute("title") or "")):
            return c
    raise AssertionError(f"no control with class {css_class!r} or a description matching {label.pattern!r}")


def move(page, control, key: str = "End") -> None:
    """Change a control as a person would: keyboard on a slider, choose another option, type a value."""
    cls = control.get_attribute("class") or ""
    if "widget-slider" in cls or control.locator(".noUi-handle").count():
        handle = control.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press(key)
    elif control.locator("select").count():
        select = control.locator("select").first
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''")
        choice = options[-1] if key == "End" else options[0]
        if choice == current:
            choice = options[0] if key == "End" else options[-1]
        select.select_option(label=choice)
    elif control.locator("button").count():
        buttons = control.locator("button")
        buttons.nth(buttons.count() - 1 if key == "End" else 0).click()
    else:
        box = control.locator("input").first
        value = float(box.input_value() or 0)
        box.fill(f"{int(value * 4) if key == 'End' else max(1, int(value // 4))}")
        box.press("Enter")


def output_area(control):
    """The output area (a locator) that holds ``control``."""
    return control.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea ')][1]")

# Text of the output's text-bearing widgets (.rl-text / .rl-verdict, else HTML, HTMLMath, Label,
# Output), not the controls' own descriptions and readouts nor the figure's SVG text; and a
# fingerprint of each figure: the SVG the browser draws (.rl-figure), or an ipympl canvas's pixels.
_JS_OUTPUT_SNAPSHOT = """(el) => {
  const area = el.closest('.jp-OutputArea') || el.closest('.jp-Cell');
  const hash = (d) => { let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d.charCodeAt(i)) | 0;
                        return h + ':' + d.length; };
  const marked = area.querySelectorAll('.rl-text, .rl-verdict');
  const nodes = marked.length ? marked : [...area.querySelectorAll(
      '.widget-html-content, .widget-htmlmath-content, div.widget-label, .widget-output')]
      .filter(n => !n.closest('.rl-figure'));
  const text = [...new Set(nodes)].map(n => n.innerText).join(' | ');
  const svgs = [...area.querySelectorAll('.rl-figure svg')].map(svg => 'svg:' + hash(svg.outerHTML));
  const canvases = [...area.querySelectorAll('.jupyter-matplotlib-figure canvas:first-of-type')]
      .map(cv => 'canvas:' + hash(cv.toDataURL()));
  return {text, figs: [...svgs, ...canvases]};
}"""


def output_snapshot(control) -> dict:
    """{"text": text widgets' text, "figs": canvas fingerprints} of the output that holds ``control``."""
    return control.evaluate(_JS_OUTPUT_SNAPSHOT)


def move_until_changed(page, control, *, need_text: bool, need_figure: bool, timeout_s: float = 15) -> tuple[dict, dict]:
    """Move ``control`` to one end (then the other) until its output's text and/or figure change."""
    before = output_snapshot(control)
    after = before
    for key in ("End", "Home"):
        move(page, control, key)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            after = output_snapshot(control)
            text_ok = not need_text or after["text"] != before["text"]
            fig_ok = not need_figure or after["figs"] != before["figs"]
            if text_ok and fig_ok:
                return before, after
            time.sleep(0.1)
    return before, after


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)*", text)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab():
    for old in SCREENSHOTS.glob("*.png"):       # no stale pictures from an earlier run
        old.unlink()
    with lab_server() as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def notebook_page(request, lab, browser):
    """Open ``request.param`` (a notebook path), run it, hand the page to the test; always close it."""
    nb: Path = request.param
    relpath = f"notebooks/{nb.name}"
    page = open_notebook(browser, lab, relpath)
    try:
        state = run_all(page)
        yield page, nb, state
    except BaseException:
        with contextlib.suppress(Exception):
            screenshot(page, SCREENSHOTS / f"{nb.stem}.FAILED.png")
        raise
    finally:
        shutdown_kernel(page)
        page.close()


def test_lecture_notebooks_found():
    assert NOTEBOOKS, f"no lecture notebooks matched {COURSE / 'notebooks'}/[0-9][0-9]_*.ipynb"
    missing = set(INTERACTIONS) - {p.stem for p in NOTEBOOKS}
    assert not missing, f"notebooks driven by hand are missing: {sorted(missing)}"


def check_02_intensity_slider(page, nb: Path, prefix: str = "") -> None:
    """02: moving the intensity slider changes the plot and the verdict text."""
    slider = find_control(page, "rl-control-intensity", re.compile(r"intensity|FLOP\s*/\s*byte|^\s*I\b", re.I))
    before, after = move_until_changed(page, slider, need_text=True, need_figure=True)
    assert before["figs"], f"{nb.name}: no figure (.rl-figure SVG or ipympl canvas) in the slider's output"
    assert after["figs"] != before["figs"], f"{nb.name}: moving the slider did not change the plot"
    assert before["text"].strip(), f"{nb.name}: no verdict text (HTML/Label widget) beside the slider"
    assert after["text"] != before["text"], f"{nb.name}: verdict text did not change: {before['text']!r}"
    output_area(slider).screenshot(path=str(SCREENSHOTS / f"{prefix}{nb.stem}.slider-moved.png"))


def drive_numbers(page, nb: Path, css_class: str, label: str, what: str, shot: str, prefix: str = "") -> None:
    """Move the control (class ``css_class``, else the description matching ``label``) until its output's text and
    figure change: the numbers in the text must change and the figure must be redrawn; then a screenshot."""
    control = find_control(page, css_class, re.compile(label, re.I))
    has_figure = bool(output_snapshot(control)["figs"])
    before, after = move_until_changed(page, control, need_text=True, need_figure=has_figure)
    assert numbers(before["text"]), f"{nb.name}: no numbers in the {what} widget's text: {before['text']!r}"
    assert numbers(after["text"]) != numbers(before["text"]), (
        f"{nb.name}: changing the {what} did not change the numbers: {before['text']!r}")
    assert after["figs"] != before["figs"], f"{nb.name}: changing the {what} did not redraw the plot"
    output_area(control).screenshot(path=str(SCREENSHOTS / f"{prefix}{nb.stem}.{shot}.png"))


def check_04_tile(page, nb: Path, prefix: str = "") -> None:
    """04: the tile slider of the optimisation explorer moves the arrow and changes the speed-up shown."""
    drive_numbers(page, nb, "rl-control-tile", r"tile", "tile size", "tile-moved", prefix)


def check_05_batch(page, nb: Path, prefix: str = "") -> None:
    """05: changing the batch size changes the numbers shown and redraws the plot."""
    drive_numbers(page, nb, "rl-control-batch", r"batch", "batch size", "batch-changed", prefix)


# The lessons driven by hand, by notebook stem (everything else is found by glob).
INTERACTIONS = {"02_roofline_derived": check_02_intensity_slider, "04_optimisation_directions": check_04_tile,
                "05_llm_prefill_decode": check_05_batch}


@pytest.mark.parametrize("notebook_page", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS], indirect=True)
def test_notebook_runs_with_live_widgets(notebook_page):
    """Run All: no errors, every widget live, a screenshot; then 02's slider, 04's tile and 05's batch by hand."""
    page, nb, state = notebook_page
    errors = page.evaluate(_JS_ERRORS)
    report = widget_report(page)
    shot = screenshot(page, SCREENSHOTS / f"{nb.stem}.png")
    assert not errors, f"{nb.name}: error output after Run All:\n" + "\n".join(errors)
    assert state["pending"] == 0, f"{nb.name}: {state['pending']} cells did not run"
    bad = [r for r in report if r["rendered"] != r["expected"] or r["problems"]]
    assert not bad, (f"{nb.name}: widgets not rendered live (expected/rendered per cell, problems): {bad}; "
                     f"screenshot {shot}")
    if nb.stem in INTERACTIONS:
        INTERACTIONS[nb.stem](page, nb)


# ---- the Chinese edition -------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
# Font families with Chinese glyphs (Debian's fonts-noto-cjk, and what Windows / macOS / other Linux have).
CJK_FONT = re.compile(r"CJK|Source Han|Noto Sans SC|Noto Serif SC|WenQuanYi|Droid Sans Fallback|AR PL|PingFang|"
                      r"Hiragino Sans GB|Heiti|Songti|STHeiti|Microsoft YaHei|SimSun|SimHei|DengXian", re.I)
# What must be drawn in Chinese, by kind: the prose, the widgets' text, an explorer's SVG figure.
CJK_KINDS = {
    "prose": ".jp-MarkdownCell .jp-RenderedMarkdown",
    "widget": ".jp-OutputArea-output .widget-label, .jp-OutputArea-output .widget-html-content, "
              ".jp-OutputArea-output .rl-text, .jp-OutputArea-output .rl-verdict, .jp-OutputArea-output button",
    "figure": ".jp-OutputArea-output .rl-figure svg",
}

# Mark the shown element of one kind whose own text has the most Chinese characters (data-rl-cjk="kind"),
# scrolled into view (text out of view may not be laid out), so that Chromium can be asked which fonts
# drew it; returns that text, or null when the kind shows no Chinese.
_JS_MARK_CJK = r"""([kind, sel]) => {
  const root = window.jupyterapp.shell.currentWidget.content.node, cjk = /[\u4e00-\u9fff]/g;
  document.querySelectorAll('[data-rl-cjk]').forEach(el => el.removeAttribute('data-rl-cjk'));
  const own = (el) => [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  let best = null, most = 0;
  for (const el of root.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement, count = (own(p).match(cjk) || []).length;
      if (count > most && p.getClientRects().length && getComputedStyle(p).visibility !== 'hidden') {
        best = p; most = count;
      }
    }
  }
  if (!best) return null;
  best.setAttribute('data-rl-cjk', kind);
  best.scrollIntoView({block: 'center'});
  return own(best).trim();
}"""


def fonts_used(page, selector: str) -> list[dict]:
    """The fonts Chromium drew the text of ``selector``'s element with ({familyName, glyphCount, ...}),
    from the DevTools protocol (CSS.getPlatformFontsForNode): a glyph no font has would be counted
    against the first font of the list (an empty box), so a Chinese font's count proves the glyphs."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if node else []
    finally:
        cdp.detach()


def chinese_problems(page, name: str) -> tuple[dict, list[str]]:
    """Which kinds (prose, widget, figure) show Chinese text, and each that is not drawn with a Chinese font."""
    shown, problems = {}, []
    for kind, sel in CJK_KINDS.items():
        for _ in range(3):           # a widget may redraw (and drop the mark) just then: mark it again
            text = page.evaluate(_JS_MARK_CJK, [kind, sel])
            if text is None:
                break
            page.wait_for_timeout(150)
            fonts = fonts_used(page, f'[data-rl-cjk="{kind}"]')
            if fonts:
                shown[kind] = text
                cjk_glyphs = sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"]))
                need = len(CJK.findall(text))
                if cjk_glyphs < need:
                    problems.append(f"{name}: {kind} text {text[:30]!r} ({need} Chinese characters) drawn with "
                                    f"{[(f['familyName'], f['glyphCount']) for f in fonts]}: no Chinese font, "
                                    "empty boxes")
                break
        else:
            problems.append(f"{name}: Chromium reports no font for the {kind} text {text[:30]!r}")
    return shown, problems


# One JupyterLab page, every zh notebook in a tab of its own (opening JupyterLab once), run side by side.
_JS_NB = """const nbw = (path) => [...window.jupyterapp.shell.widgets('main')]
  .find(w => w.context && w.context.path === path && w.content && w.sessionContext);"""
_JS_OPEN_ALL = "(paths) => { for (const path of paths) " \
               "window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'}); }"
# {path: "kernel idle" | what it waits for} for each path
_JS_READY = "(paths) => { " + _JS_NB + """
  return Object.fromEntries(paths.map(path => { const w = nbw(path);
    if (!w) return [path, 'no tab'];
    if (!w.context.isReady) return [path, 'document loading'];
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    if (!k) return [path, 'no kernel'];
    return [path, k.connectionStatus === 'connected' ? 'kernel ' + k.status : 'kernel ' + k.connectionStatus]; })); }"""
# Bring ``path``'s tab to the front; true once it is the current widget (so the notebook commands act on it).
_JS_ACTIVATE = "(path) => { " + _JS_NB + """
  const app = window.jupyterapp, w = nbw(path);
  if (app.shell.currentWidget !== w) app.shell.activateById(w.id);
  return app.shell.currentWidget === w; }"""
_JS_RUN_CURRENT = """() => { const app = window.jupyterapp;
  app.commands.execute('notebook:clear-all-cell-outputs'); app.commands.execute('notebook:run-all-cells'); }"""


def activate(page, path: str) -> None:
    wait_for(page, _JS_ACTIVATE, path, want=bool, what=f"{path} in front", timeout_s=10)


@pytest.fixture(scope="module")
def zh_page(lab, browser):
    """One JupyterLab page with every zh lecture notebook open in a tab of its own, Run All started in each
    at once (the kernels run side by side, JupyterLab loads once: the Chinese edition adds little time);
    each test brings its notebook to the front and waits for it."""
    paths = [f"zh/notebooks/{nb.name}" for nb in ZH_NOTEBOOKS]
    page = start_notebook(browser, lab, paths[0])
    try:
        wait_ready(page, paths[0])
        page.evaluate(_JS_OPEN_ALL, paths[1:])
        started: list[str] = []
        deadline = time.monotonic() + 180
        while len(started) < len(paths):
            states = page.evaluate(_JS_READY, [p for p in paths if p not in started])
            for path in [p for p, state in states.items() if state == "kernel idle"]:
                activate(page, path)
                page.evaluate(_JS_RUN_CURRENT)
                started.append(path)
            if time.monotonic() > deadline:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(SCREENSHOTS / "zh.FAILED.png"))
                raise AssertionError(f"zh notebooks not open with an idle kernel after 180 s: {states}\n"
                                     f"{lab.log_tail()}")
            time.sleep(0.2)
        yield page
    finally:
        page.close()


def test_zh_notebooks_found():
    assert ZH_NOTEBOOKS, f"no zh lecture notebooks in {COURSE / 'zh' / 'notebooks'}: run tools/make_zh.py"


@pytest.mark.parametrize("nb", ZH_NOTEBOOKS, ids=[f"zh-{p.stem}" for p in ZH_NOTEBOOKS])
def test_zh_notebook_runs_with_live_widgets_in_chinese(zh_page, nb):
    """The zh edition in JupyterLab: as the English one (Run All, live widgets, 02's slider and 05's batch by
    hand), a screenshot zh-NN_topic.png, and its prose, widgets and explorer figures drawn in Chinese."""
    page, name = zh_page, f"zh/notebooks/{nb.name}"
    activate(page, name)
    try:
        state = wait_run(page, timeout_s=240)
        errors = page.evaluate(_JS_ERRORS)
        report = widget_report(page)
        shown, problems = chinese_problems(page, name)
        shot = screenshot(page, SCREENSHOTS / f"zh-{nb.stem}.png")
        assert not errors, f"{name}: error output after Run All:\n" + "\n".join(errors)
        assert state["pending"] == 0, f"{name}: {state['pending']} cells did not run"
        bad = [r for r in report if r["rendered"] != r["expected"] or r["problems"]]
        assert not bad, f"{name}: widgets not rendered live: {bad}; screenshot {shot}"
        assert "prose" in shown, f"{name}: no Chinese text in the markdown cells"
        if report:
            assert "widget" in shown or "figure" in shown, f"{name}: its widgets show no Chinese text; screenshot {shot}"
        assert not problems, "\n".join(problems) + f"\nscreenshot {shot}"
        if nb.stem in INTERACTIONS:
            INTERACTIONS[nb.stem](page, nb, "zh-")
    except BaseException:
        with contextlib.suppress(Exception):
            screenshot(page, SCREENSHOTS / f"zh-{nb.stem}.FAILED.png")
        raise
    finally:
        shutdown_kernel(page)          # frees the CPU for the notebooks still running
        with contextlib.suppress(Exception):
            page.evaluate("() => window.jupyterapp.shell.currentWidget.dispose()")


# Static page: the widget views embedded in the page, how many rendered live, how many ipympl
# figures and explorer SVG figures the saved state shows (reachable from a view) and how many of
# them have been drawn.
_JS_STATIC_WIDGETS = """() => {
  const viewScripts = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const stateScript = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  const state = stateScript ? JSON.parse(stateScript.textContent).state : {};
  const seen = new Set(), todo = viewScripts.map(s => JSON.parse(s.textContent).model_id);
  let expectedFigs = 0, blankFigs = 0, expectedSvgs = 0;
  while (todo.length) {
    const id = todo.pop();
    if (seen.has(id) || !state[id]) continue;
    seen.add(id);
    if ((state[id].state._dom_classes || []).includes('rl-figure')) expectedSvgs++;
    if (state[id].model_name === 'MPLCanvasModel') {
      expectedFigs++;
      if (!state[id].state._data_url) blankFigs++;    // saved without its picture: nothing to draw
    }
    JSON.stringify(state[id].state).replace(/IPY_MODEL_([0-9a-f]+)/g, (m, ref) => { todo.push(ref); return m; });
  }
  const areas = [...document.querySelectorAll('.widget-subarea')];
  const live = areas.filter(a => a.querySelector('.jupyter-widgets') && !/Error|Loading widget/.test(a.innerText)).length;
  const figs = [...document.querySelectorAll('.jupyter-matplotlib-figure canvas:first-of-type')];
  return {views: viewScripts.length, live, expectedFigs, blankFigs, figs: figs.length,
          drawn: figs.filter(c => c.width > 0 && c.height > 0).length, expectedSvgs,
          svgs: document.querySelectorAll('.rl-figure svg').length};
}"""


def test_static_site_shows_widgets_offline(browser, tmp_path):
    """The static site (built from the stored outputs) renders every widget's first view with no network."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_site

    site = tmp_path / "site"
    build_site.build(site, quiet=True, src_root=COURSE, languages=("en",))   # zh pages: tests/test_a11y.py (axe)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    remote: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else (remote.append(route.request.url), route.abort()))
    try:
        problems = []
        for nb in NOTEBOOKS:
            page.goto((site / "notebooks" / f"{nb.stem}.html").as_uri())
            try:
                state = wait_for(page, _JS_STATIC_WIDGETS, what=f"the static page {nb.stem}.html to show its widgets",
                                 want=lambda s: s["live"] >= s["views"] and s["figs"] == s["expectedFigs"]
                                 and s["drawn"] == s["figs"] - s["blankFigs"] and s["svgs"] >= s["expectedSvgs"],
                                 timeout_s=15)
            except AssertionError as exc:
                problems.append(str(exc))
                continue
            if state["blankFigs"]:
                problems.append(f"{nb.stem}: {state['blankFigs']} of {state['expectedFigs']} figures were saved "
                                "without their picture (ipympl _data_url), so the static page shows them empty")
            if state["views"]:
                page.screenshot(path=str(SCREENSHOTS / f"{nb.stem}.static-site.png"), full_page=True)
        assert not remote, f"the static site tried to fetch from the network: {sorted(set(remote))}"
        assert not problems, "\n".join(problems)
    finally:
        page.close()

"""Live on stage (``make present NB=02``): a lecture shown as slides by JupyterLab's server, widgets live.

Starts JupyterLab from the venv as tools/slides/present.py does (Voilà's reveal.js template
``rooflab_reveal``, the projector style) on a temporary copy of the course, opens notebook 02's
slides in Chromium, goes to the slide of the roofline explorer, moves its intensity slider with the
keyboard and checks that the SVG figure and the numbers change (the kernel redrew them), that the
slide still fits the 16:9 screen and that its headings keep their case. Server, kernel and browser
are always shut down.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "slides"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import present  # noqa: E402
from test_browser import JUPYTER_LAB, LAB_OVERRIDES, _copy_course, _stop, chromium, free_port  # noqa: E402

pytestmark = pytest.mark.browser

NB = "notebooks/02_roofline_derived.ipynb"

# The explorer's output on the slide on screen: its figure (SVG text), its numbers, and which slide it is.
_JS_SNAPSHOT = """() => {
  const s = rooflabSlides.presentSlide();
  const svg = s && s.querySelector('.rl-figure svg');
  const text = s && s.querySelector('.rl-text');
  const slides = [...document.querySelectorAll('.reveal .slides section')].filter(x => !x.querySelector('section'));
  return {svg: svg ? svg.outerHTML : null, text: text ? text.innerText : null, slide: slides.indexOf(s)};
}"""

# Does the slide on screen fit the window, and do its headings show their own text?
_JS_FITS = """() => {
  const s = rooflabSlides.presentSlide(), W = innerWidth, H = innerHeight;
  const bad = [];
  for (const el of s.querySelectorAll('*')) {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width < 1 || r.height < 1 || cs.display === 'none' || cs.visibility === 'hidden') continue;
    let clip = false;
    for (let a = el.parentElement; a && a !== s; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowY !== 'visible' || st.overflowX !== 'visible') { clip = true; break; }
    }
    if (!clip && (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1))
      bad.push(el.tagName + '.' + (el.getAttribute('class') || '') + ' ' + Math.round(r.bottom));
  }
  const cased = [...s.querySelectorAll('h1,h2,h3')].filter(h => getComputedStyle(h).textTransform !== 'none')
      .map(h => h.textContent);
  return {bad: bad.slice(0, 5), cased, zoom: s.dataset.rlZoom};
}"""


@contextlib.contextmanager
def presenting(timeout_s: float = 90.0):
    """JupyterLab serving a temporary copy of the course with tools/slides/present.py's settings."""
    tmp = Path(tempfile.mkdtemp(prefix="rooflab-present-"))
    root = tmp / "course"
    _copy_course(ROOT, root)
    data = present.prepare(tmp)
    settings = tmp / "app-settings"
    settings.mkdir()
    import json

    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
    for d in ("user-settings", "workspaces", "runtime", "config", "data"):
        (tmp / d).mkdir()
    env = present.environment(data, tmp, dict(
        os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp / "user-settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
        PATH=f"{JUPYTER_LAB.parent}{os.pathsep}{os.environ.get('PATH', '')}", PYDEVD_DISABLE_FILE_VALIDATION="1"))
    env["JUPYTER_DATA_DIR"] = str(tmp / "data")
    token, port = secrets.token_hex(16), free_port()
    cmd = [str(JUPYTER_LAB), "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings}",
           "--LabApp.news_url=", "--ServerApp.terminals_enabled=False",
           *present.server_args(NB, tmp)]
    log = tmp / "server.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {timeout_s:.0f} s")
            time.sleep(0.25)
        yield f"{url}voila/render/{NB}?token={token}", log
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_present_moves_a_slider_on_a_live_slide():
    with presenting() as (url, log), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        remote: list[str] = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:"))
                   else (remote.append(r.request.url), r.abort()))
        try:
            page.goto(url, timeout=120_000)
            # Voilà executes the notebook, then shows the slides with live widgets
            page.wait_for_selector(".reveal.ready .rl-control-intensity .noUi-handle", state="attached", timeout=120_000)
            for _ in range(120):                     # step forward to the explorer's slide, as a lecturer would
                if page.evaluate("() => !!(rooflabSlides.presentSlide() || document.body)"
                                 " && !!(rooflabSlides.presentSlide() && rooflabSlides.presentSlide()"
                                 ".querySelector('.rl-control-intensity'))"):
                    break
                page.keyboard.press("Space")
                page.wait_for_timeout(60)
            else:
                pytest.fail("never reached a slide with the intensity slider")
            page.wait_for_timeout(300)
            before = page.evaluate(_JS_SNAPSHOT)
            assert before["svg"] and before["text"], "the explorer's slide shows no figure or numbers"
            # drag the handle along its track with the mouse, as a lecturer would (keys would also turn slides)
            track = page.locator("section.present .rl-control-intensity .noUi-target").first
            box = track.bounding_box()
            handle = page.locator("section.present .rl-control-intensity .noUi-handle").first.bounding_box()
            after = before
            for frac in (0.95, 0.05):
                page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
                page.mouse.down()
                page.mouse.move(box["x"] + box["width"] * frac, box["y"] + box["height"] / 2, steps=8)
                page.mouse.up()
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and after["svg"] == before["svg"]:
                    time.sleep(0.1)
                    after = page.evaluate(_JS_SNAPSHOT)
                if after["svg"] != before["svg"]:
                    break
                handle = page.locator("section.present .rl-control-intensity .noUi-handle").first.bounding_box()
            fits = page.evaluate(_JS_FITS)
            page.screenshot(path=str(ROOT / "build" / "screenshots" / "present-02-slider-moved.png"))
        finally:
            page.close()
    assert after["slide"] == before["slide"], "moving the slider changed the slide"
    assert after["svg"] and after["svg"] != before["svg"], "moving the slider on the live slide did not redraw the figure"
    assert after["text"] != before["text"], "moving the slider did not change the numbers"
    assert not fits["bad"], f"the live slide does not fit 1280x720 (zoom {fits['zoom']}): {fits['bad']}"
    assert not fits["cased"], f"headings change case on the live slide: {fits['cased']}"
    assert not remote, f"the live slides fetched from the internet: {sorted(set(remote))[:5]}"

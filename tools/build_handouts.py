"""Print every lecture deck to a PDF handout (``make handouts``): build/handouts/NN_topic.pdf.

Each deck of build/slides (``make slides``) is opened in reveal.js's print view (``?print-pdf``) in
headless Chromium (Debian's /usr/bin/chromium through Playwright, no network): the deck's script
(tools/slides/rooflab-slides.js) waits until widgets, MathJax and fonts are drawn, zooms each slide
to fit its page, shows every fragment, and marks the page ready; Chromium then prints it with the
page size reveal.js sets (1280x720 CSS px, 16:9), one slide per page, nothing cut.

Usage:
    python tools/build_handouts.py                      # build/slides -> build/handouts
    python tools/build_handouts.py --slides DIR --out DIR [NN ...]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
WIDTH, HEIGHT = 1280, 720


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote: its ``/Type /Page`` objects (not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def leaf_slides(deck_html: str) -> int:
    """Slides in a deck: ``<section>`` elements without a ``<section>`` inside (a stack holds subslides)."""
    depth, leaves, has_child = 0, 0, []
    for m in re.finditer(r"<(/?)section\b", deck_html):
        if m.group(1):
            depth -= 1
            if not has_child.pop():
                leaves += 1
        else:
            if has_child:
                has_child[-1] = True
            has_child.append(False)
            depth += 1
    return leaves


def print_decks(slides: Path, out: Path, only: list[str] | None = None, timeout_s: float = 60,
                browser=None) -> list[Path]:
    """Print each ``slides/notebooks/*.slides.html`` to ``out/<stem>.pdf``; returns the PDFs written.
    ``browser``: a Playwright Chromium already running (a test's); otherwise one is started and closed."""
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"build_handouts: {CHROMIUM} not found (tools/ensure_chromium.sh installs it)")
    decks = sorted((slides / "notebooks").glob("*.slides.html"))
    if only:
        decks = [d for d in decks if d.name.split("_", 1)[0] in only]
    if not decks:
        raise SystemExit(f"build_handouts: no decks in {slides / 'notebooks'} (run `make slides` first)")
    out.mkdir(parents=True, exist_ok=True)
    if browser is not None:
        return _print(browser, decks, out, timeout_s)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return _print(browser, decks, out, timeout_s)
        finally:
            browser.close()


def _print(browser, decks: list[Path], out: Path, timeout_s: float) -> list[Path]:
    written = []
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    try:
        for deck in decks:
            page.goto(deck.as_uri() + "?print-pdf")
            page.wait_for_function("() => document.documentElement.dataset.rlPrintReady === '1'",
                                   timeout=timeout_s * 1000)
            pdf = out / (deck.name[: -len(".slides.html")] + ".pdf")
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True,
                     width=f"{WIDTH}px", height=f"{HEIGHT}px")
            pages, slides_n = count_pages(pdf.read_bytes()), leaf_slides(deck.read_text(encoding="utf-8"))
            print(f"build_handouts: {pdf.name} ({pages} pages, {slides_n} slides)", flush=True)
            written.append(pdf)
    finally:
        page.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slides", type=Path, default=ROOT / "build" / "slides", help="the built slides (make slides)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "handouts")
    ap.add_argument("lectures", nargs="*", help="only these lectures (NN), e.g. 02 05")
    args = ap.parse_args(argv)
    pdfs = print_decks(args.slides.resolve(), args.out.resolve(), args.lectures or None)
    print(f"build_handouts: {len(pdfs)} handouts in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

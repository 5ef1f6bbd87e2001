#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the real-browser test (tests/test_browser.py),
# that npm is there for the site test (tests/test_site.py fetches the pages' JavaScript once), and
# that bubblewrap (bwrap) is there for the grader's sandbox (python -m rooflib.grade; tests/test_grade*.py).
# Installs what is missing with apt (needs root, or passwordless sudo). Playwright drives this
# Chromium directly; `playwright install` (a download from a CDN) is never used.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
PACKAGES=()
[ -x "$CHROMIUM" ] || PACKAGES+=(chromium)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
command -v bwrap >/dev/null 2>&1 || PACKAGES+=(bubblewrap)
# Noto Sans CJK: Chinese text in the browser screenshots and in matplotlib figures of the zh edition
fc-list :lang=zh 2>/dev/null | grep -q . || PACKAGES+=(fonts-noto-cjk)
if [ ${#PACKAGES[@]} -eq 0 ]; then
    exit 0
fi
echo "ensure_chromium: installing ${PACKAGES[*]} with apt (about a minute)" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_chromium: not root and no passwordless sudo; install them yourself: sudo apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: apt finished but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >&2 || true
if ! command -v bwrap >/dev/null 2>&1; then
    echo "ensure_chromium: apt finished but bwrap is still missing (the grader will run unsandboxed, loudly)" >&2
fi

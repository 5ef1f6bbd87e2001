# Roofline Lab. Two commands: `make lab` opens the course, `make test` runs every test.
# Both create .venv on first use (Python 3.11+, pip and venv are all they need) and reuse it after.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8888
# JupyterLab refuses to start as root unless told; containers and CI machines often run as root.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with tests/sanitize.cfg

.PHONY: lab test test-fast setup exercises zh release check-env present handouts slides site bench readme-figure clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The server's root is the repository (so a notebook's links to ../exercises/ open), and the
# course map is the first page.
lab: $(STAMP)
	$(BIN)/jupyter lab --port=$(PORT) $(ROOTFLAG) --ServerApp.root_dir="$(CURDIR)" \
	    --LabApp.default_url=/lab/tree/notebooks/00_course_map.ipynb

# Every test: pytest for rooflib, nbval for notebooks/ and solutions/, and the real-browser test
# (which needs Debian's Chromium: tools/ensure_chromium.sh installs it with apt when it is missing).
# The browser test saves a screenshot of every notebook in build/screenshots/ (listed at the end).
test: $(STAMP)
	@tools/ensure_chromium.sh
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests notebooks solutions zh

# The same without the browser and grader tests (quicker while writing code).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) -m "not browser and not slow" tests notebooks solutions zh

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

# The Chinese edition zh/ from the English notebooks and the catalogues in i18n/zh/ (CONTRIBUTING.md).
zh: $(STAMP)
	$(BIN)/python tools/make_zh.py

# Check an installed environment (a hub image) as it is: no venv, no root, nothing installed.
check-env:
	$(PYTHON) -m rooflib.grade check-env

# The student release (what a class receives): lectures, exercises and the library, no solutions/.
# GRADED=02,05 (or CONFIG=file.toml holding graded = ["02", "05"]) ships those sets without their answer key.
release: $(STAMP)
	@test -n "$(DEST)" || { echo "usage: make release DEST=dir [GRADED=02,05] [CONFIG=release.toml] [FORCE=1]" >&2; exit 2; }
	$(BIN)/python tools/make_release.py "$(DEST)" $(if $(GRADED),--graded $(GRADED)) $(if $(CONFIG),--config "$(CONFIG)") $(if $(FORCE),--force)

readme-figure: $(STAMP)
	$(BIN)/python tools/make_readme_figure.py

# Lecture mode: reveal.js slides from each lecture notebook's slide metadata -> build/slides/index.html
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py --execute

# The static site: executes every lecture notebook (a copy) and builds build/site/index.html
site: $(STAMP)
	$(BIN)/python tools/build_site.py --execute

# Lecture mode, live: one lecture as slides with its widgets running (Voila in JupyterLab's server): make present NB=02
present: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make present NB=02" >&2; exit 2; }
	$(BIN)/python tools/slides/present.py $(NB) --port=$(PORT)

# Lecture mode, printed: one PDF per deck, one slide per page -> build/handouts/
handouts: slides
	@tools/ensure_chromium.sh
	$(BIN)/python tools/build_handouts.py

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf build _site .pytest_cache

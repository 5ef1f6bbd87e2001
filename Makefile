# Roofline Lab. Two commands: `make lab` opens the course, `make test` runs every test.
# Both create .venv on first use (Python 3.11+, pip and venv are all they need) and reuse it after.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8888
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with tests/sanitize.cfg

.PHONY: lab test test-fast setup exercises slides site bench readme-figure clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --port=$(PORT) notebooks/00_course_map.ipynb

# Every test: pytest for rooflib, nbval for notebooks/ and solutions/, and the real-browser test.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests notebooks solutions

# The same without the browser test (quicker while writing code).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) -m "not browser" tests notebooks solutions

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

readme-figure: $(STAMP)
	$(BIN)/python tools/make_readme_figure.py

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf build _site .pytest_cache

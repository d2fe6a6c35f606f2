# The two commands the README starts with: `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-reset test lint bench screenshots clean

$(BIN)/python:
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is needed: apt-get install python3 python3-venv"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing buurtwatt and its dependencies into $(VENV) (the first time takes a few minutes)..."
	$(BIN)/pip install --progress-bar off -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/buurtwatt demo --config config/demo.toml

demo-reset: $(STAMP)
	$(BIN)/buurtwatt demo --config config/demo.toml --reset

test: $(STAMP)
	scripts/install-test-deps.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

screenshots: $(STAMP)
	$(BIN)/python scripts/readme_screenshots.py

clean:
	rm -rf $(VENV) var tests/artifacts

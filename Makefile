# The two commands the README starts with: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-reset test test-stress lint bench screenshots clean

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "buurtwatt needs Python 3.11 or newer as '$(PY)': apt-get install python3 python3-venv" \
		"(or make PY=python3.12 ...)"; exit 1; }
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
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

# the whole suite three times while busy loops load every core (writes bench/RESULTS.md)
test-stress: $(STAMP)
	scripts/install-test-deps.sh
	$(BIN)/python scripts/test_stress.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

screenshots: $(STAMP)
	$(BIN)/python scripts/readme_screenshots.py

clean:
	rm -rf $(VENV) var tests/artifacts

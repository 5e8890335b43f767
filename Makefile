# Greenroom: `make run` sets everything up and starts the app; `make test` sets up and runs the suite.
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# The 25 slowest tests are listed at the end of every run, so that a suite that grows slow shows where.
PYTEST_ARGS ?= --durations=25

.PHONY: setup run test lint bench clean

setup:
	@bash scripts/install.sh

run: setup
	$(BIN)/greenroom serve

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info

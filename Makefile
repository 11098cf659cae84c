# The one entry point for people and CI: `make demo`, `make test`, `make lint`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m npgrad.demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks tools
	$(BIN)/ruff format --check src tests examples benchmarks tools

format: $(STAMP)
	$(BIN)/ruff check --fix src tests examples benchmarks tools
	$(BIN)/ruff format src tests examples benchmarks tools

# The README's op table, regenerated from the code (a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/python tools/api_table.py --write

BENCH_PEERS := torch==2.13.0 autograd mygrad jax jaxlib threadpoolctl matplotlib
BENCH_STAMP := $(VENV)/.bench-installed

# If the extra fails as a whole, install the peers one by one; the harness skips any missing.
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[bench]' || for peer in $(BENCH_PEERS); do \
		$(BIN)/pip install --quiet "$$peer" || echo "bench: $$peer did not install; skipped"; \
	done
	touch $(BENCH_STAMP)

# make bench BENCH_ARGS=--quick for a shorter run
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

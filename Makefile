# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/alleroed.gpkg
OUT    := out

.PHONY: demo test lint bench clean

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/capacity validate $(SAMPLE)
	$(BIN)/capacity info $(SAMPLE)
	$(BIN)/capacity place $(SAMPLE) --date 2026-12-01 --out $(OUT)/place
	$(BIN)/capacity review $(SAMPLE) --date 2026-12-01 --out $(OUT)/review
	$(BIN)/capacity report $(SAMPLE) --date 2026-12-01 --out maps

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check capacity tests
	$(BIN)/ruff format --check capacity tests

bench: $(STAMP)
	$(BIN)/capacity bench --suite quick --out $(OUT)/bench
	cp $(OUT)/bench/bench.md docs/benchmarks.md

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis

# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/alleroed.gpkg
SCENARIO := data/scenarios/wave.toml
OUT    := out

.PHONY: demo test lint bench bench-general bench-full clean

# (Re)install only when pyproject.toml or the solver pins changed since the last install.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/capacity validate $(SAMPLE)
	$(BIN)/capacity info $(SAMPLE) --date 2026-12-01
	$(BIN)/capacity place $(SAMPLE) --date 2026-12-01 --out $(OUT)/place
	$(BIN)/capacity plan $(SAMPLE) --scenario $(SCENARIO) --out $(OUT)/plan
	$(BIN)/capacity scenarios $(SAMPLE) --scenario $(SCENARIO) --plan $(OUT)/plan/plan.csv --out $(OUT)/scenarios
	$(BIN)/capacity proposal $(SAMPLE) --scenario $(SCENARIO) --options data/scenarios/options.toml --out $(OUT)/proposal
	$(BIN)/capacity review $(SAMPLE) --date 2026-12-01 --scenarios $(OUT)/scenarios --out $(OUT)/review
	$(BIN)/capacity report $(SAMPLE) --date 2026-12-01 --plan $(OUT)/plan --out maps
	$(BIN)/capacity followup $(SAMPLE) --year 2026 --date 2026-12-01 --out $(OUT)/followup
	@echo ""
	@echo "Rapporter:"
	@echo "  Byrådets kort:        maps/map.html"
	@echo "  Kapacitetsgennemgang: $(OUT)/review/review.html (og review.xlsx)"
	@echo "  Beslutningsforslag:   $(OUT)/proposal/proposal.html (kort: proposal_map.html)"
	@echo "  Placering:            $(OUT)/place/explanation.md"
	@echo "  Årlig opfølgning:     $(OUT)/followup/followup.html (og followup.xlsx, kpi.csv)"

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check capacity tests
	$(BIN)/ruff format --check capacity tests

bench: $(STAMP)
	$(BIN)/capacity bench --suite quick --out $(OUT)/bench
	cp $(OUT)/bench/bench.md docs/benchmarks-quick.md

# Delmaire and Yang 30x200/60x200: place beside plain CP-SAT and HiGHS at 60 s (FAMILY=yang: one;
# ONLY=p20-p57: those instances; RESUME=1: keep the rows of a stopped run and run the rest;
# SEED=1: the solvers' random seed; SEED="0 1 2": each instance at every one of them in turn).
bench-general: $(STAMP)
	$(BIN)/capacity bench --suite general $(if $(FAMILY),--family $(FAMILY)) \
		$(if $(ONLY),--only $(ONLY)) $(if $(RESUME),--resume) $(foreach s,$(SEED),--seed $(s)) \
		--out $(OUT)/bench-general

# Every public instance, capa/b/c, the national scale, the plan and the general suite: hours.
bench-full: $(STAMP)
	$(BIN)/capacity bench --suite full --out $(OUT)/bench-full

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis

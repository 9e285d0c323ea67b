# nris-workbench: `make run` runs the main job, `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SRC    := analytics forecasts workbench tests benchmarks

.PHONY: venv run test lint format clean-store

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/nris demo --if-empty
	$(BIN)/nris summary
	$(BIN)/nris run monthly_report --no-progress
	$(BIN)/nris run quarterly_report --no-progress
	$(BIN)/nris run indicator_forecast --workers 2 --no-progress
	@echo "Báo cáo / reports: $${NRIS_REPORTS:-$(CURDIR)/reports}/index.html"
	$(BIN)/nris serve

lint: venv
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/mypy

# -n auto: one worker per core; loadgroup keeps the browser and Voilà tests on one worker.
test: lint
	$(BIN)/pytest -q -n auto --dist loadgroup

format: venv
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

clean-store:
	rm -rf data/store

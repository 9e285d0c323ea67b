# nris-workbench: `make run` runs the main job, `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SRC    := analytics forecasts workbench tests benchmarks
API_PORT ?= 8800

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
	@TOKEN=$$($(BIN)/nris agency token create UBND_01 --expires 30d 2>/dev/null) && \
	($(BIN)/nris api --port $(API_PORT) & API=$$!; trap 'kill $$API 2>/dev/null' EXIT INT TERM; \
	 echo "Dịch vụ trao đổi / exchange API: http://127.0.0.1:$(API_PORT)/docs"; \
	 echo "Trang nộp báo cáo / officers' page: http://127.0.0.1:$(API_PORT)/officer"; \
	 echo "Mã truy cập thử / demo token (UBND_01, 30 days): $$TOKEN"; \
	 echo "Báo cáo nhanh / briefings: http://127.0.0.1:8866"; \
	 $(BIN)/nris serve)

lint: venv
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/mypy

# -n auto: one worker per core and one more (tests/conftest.py); loadgroup keeps the browser and Voilà tests on one worker.
test: lint
	$(BIN)/pytest -q -n auto --dist loadgroup

format: venv
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

clean-store:
	rm -rf data/store

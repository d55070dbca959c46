# Kinerja front door. `make run` and `make test` create .venv and install the pinned dependencies first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home
HOST ?= 127.0.0.1
PORT ?= 3000
REPORTS_PORT ?= 8080

.PHONY: setup run test ui lint format generate bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: config/dagster.yaml
	mkdir -p -m 700 $(DAGSTER_HOME)
	cp config/dagster.yaml $@

run: setup $(DAGSTER_HOME)/dagster.yaml  ## generate the demo if landing is empty, run the nightly job, print dashboards
	$(BIN)/kinerja run

test: setup browser-deps lint  ## lint, then the whole test suite (what CI runs)
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium through Playwright's Python package (a dev dependency);
# Playwright never downloads a browser here (no `playwright install`).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && apt-get install -y chromium; fi

serve: setup  ## serve data/reports on 127.0.0.1 (REPORTS_PORT, default 8080) and print the address
	$(BIN)/python -m dashboards.serve --port $(REPORTS_PORT)

ui: setup $(DAGSTER_HOME)/dagster.yaml  ## Dagster UI with persistent run history in .dagster_home
	$(BIN)/dagster dev -h $(HOST) -p $(PORT) -m pipelines.definitions

generate: setup  ## (re)write the demo company into data/landing
	$(BIN)/kinerja generate

SIZE ?= S
bench: setup  ## benchmark harness: make bench SIZE=S|M|L (prints a table, writes benchmarks/results/)
	$(BIN)/python -m benchmarks.harness --size $(SIZE)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:  ## remove generated data and the Dagster home (keeps .venv)
	rm -rf data/landing data/answer_key data/reports data/warehouse.duckdb* $(DAGSTER_HOME)

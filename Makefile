# Kinerja front door. `make run` and `make test` create .venv and install the pinned dependencies first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home
HOST ?= 127.0.0.1
PORT ?= 3000
REPORTS_PORT ?= 8080

.PHONY: setup run test ui lint format generate bench clean browser-deps serve postgres-deps deploy-check

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

# Two workers (pytest-xdist): a small company's night is mostly single-threaded Python (Dagster's steps), so two
# run side by side on two cores; each test file stays in one worker, so its module-scoped nights run once. Files
# go out in collection order (tests/conftest.py puts the longest first), not xdist's most-tests-first order.
test: setup browser-deps postgres-deps lint  ## lint, then the whole test suite (what CI runs)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

# The browser tests drive Debian's chromium through Playwright's Python package (a dev dependency);
# Playwright never downloads a browser here (no `playwright install`). The accessibility test injects axe-core
# (an npm package, pinned here) from .cache/axe-core; npm comes from Debian when the machine has none.
AXE_VERSION := 4.14.1
AXE_DIR := .cache/axe-core
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && apt-get install -y chromium; fi
	@if ! grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then \
		if ! command -v npm >/dev/null; then apt-get update && apt-get install -y npm; fi; \
		npm install --no-save --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION); \
	fi

# Postgres (Debian's package) for the server profile's checks and tests: they start a throw-away cluster on a
# loopback port and stop it; nothing here starts a server.
postgres-deps:
	@if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update && apt-get install -y postgresql; fi

deploy-check: setup postgres-deps  ## validate deploy/ (instance on a throw-away Postgres, compose, systemd, Helm values)
	$(BIN)/python -m pipelines.deploy_check

serve: setup  ## serve data/reports on 127.0.0.1 (REPORTS_PORT, default 8080) and print the address
	$(BIN)/python -m dashboards.serve --port $(REPORTS_PORT)

ui: setup $(DAGSTER_HOME)/dagster.yaml  ## Dagster UI with persistent run history in .dagster_home
	$(BIN)/dagster dev -h $(HOST) -p $(PORT) -m pipelines.definitions

generate: setup  ## (re)write the demo company into data/landing
	$(BIN)/kinerja generate

SIZE ?= S
BACKENDS ?= duckdb
bench: setup  ## benchmark harness: make bench SIZE=S|M|L [BACKENDS=duckdb,ducklake] (prints a table, writes benchmarks/results/)
	$(BIN)/python -m benchmarks.harness --size $(SIZE) --backends $(BACKENDS)

# The SQL models (assets/*/sql, assets/finance/onboarding, pipelines/sql, with their .partitions.sql) are linted by
# sqlfluff with .sqlfluff (DuckDB dialect), two processes: about 30 s of CPU. `make format` lets sqlfluff fix only
# layout, the case of keywords, functions, literals and types, `as` in aliases and `<>`: never the case of an
# identifier (an output column's name) nor anything else that could change what a model returns.
SQL_PATHS := assets pipelines
SQLFLUFF_FIX_RULES := LT01,LT03,LT04,LT06,LT07,LT08,LT10,LT11,LT12,LT13,LT15,CP01,CP03,CP04,CP05,AL01,AL02,CV01,CV03

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 2 --warn-unused-ignores $(SQL_PATHS)

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix --processes 2 --rules $(SQLFLUFF_FIX_RULES) $(SQL_PATHS)

clean:  ## remove generated data and the Dagster home (keeps .venv)
	rm -rf data/landing data/answer_key data/reports data/warehouse.duckdb* $(DAGSTER_HOME)

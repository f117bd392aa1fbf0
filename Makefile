# Relance — the public interface. `make run` runs the whole pipeline; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
# Telemetry off everywhere, without the user doing anything.
export DAGSTER_DISABLE_TELEMETRY=1
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DBT_VERSION_CHECK=false
export GX_ANALYTICS_ENABLED=false
export MLFLOW_DISABLE_TELEMETRY=true
export DO_NOT_TRACK=1
export PYTHONDONTWRITEBYTECODE=1
# A local .env (see .env.example) configures runs without editing the shell.
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: install dbt-manifest dbt-docs run backfill test lint lock classify-inbound simulate simulate-days webhook cockpit portal dagster-dev mlflow-ui bench clean

install: $(VENV)/.installed

# The venv is rebuilt whenever the dependency set changes; uv installs the locked set in seconds.
# Bytecode is compiled once here: every dbt step of a run is a new Python process, which would
# otherwise compile dbt's modules again (about a second each; PYTHONDONTWRITEBYTECODE is set).
# A venv whose interpreter is missing (moved checkout, dangling link) is rebuilt from scratch.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

# The dbt manifest Dagster loads the dbt assets from: generated (never committed), again
# whenever a file of the dbt project changes.
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs -prune -o -type f -print)
dbt-manifest: $(DBT_MANIFEST)
$(DBT_MANIFEST): $(VENV)/.installed $(DBT_FILES)
	$(VENV)/bin/dbt parse --quiet --project-dir dbt_project --profiles-dir dbt_project
	touch $@

run: install dbt-manifest
	$(PY) -m orchestration.run

# make backfill FROM=2026-10-25 TO=2026-11-23
backfill: install dbt-manifest
	$(PY) -m orchestration.run --from $(FROM) $(if $(TO),--to $(TO))

# One worker per core (at most 4: each end-to-end module holds a warehouse, Dagster and MLflow), a
# module per worker at a time, so a module's fixtures are built once. `pytest -n 0` runs serially.
test: install dbt-manifest
	$(PY) -m pytest -n auto --maxprocesses 4 --dist loadfile

# Python (ruff: lint and format) and the dbt models (sqlfluff, rendered by dbt itself against a
# scratch warehouse, so the lint never touches the real one).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	RELANCE_HOME="$$(mktemp -d)" $(VENV)/bin/sqlfluff lint dbt_project/models

# make classify-inbound IN=inbox.csv OUT=triaged.csv: the inbound-triage champion on any mailbox export.
classify-inbound: install
	MLFLOW_TRACKING_URI="$$($(PY) -m orchestration.settings tracking-uri)" $(PY) -m ml.inbound classify $(IN) $(OUT)

# Regenerate the lock after editing pyproject.toml dependencies.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra lint --extra engines --python-version 3.11 --no-header --no-annotate -o requirements.lock

simulate: install
	$(PY) -m erp.simulator $(ARGS)

# make simulate-days N=90: static dunning, Relance's rules, Relance with its models and the ground-truth
# oracle, closed loop on one simulated company: the daily job of `make run` once per simulated day.
simulate-days: install dbt-manifest
	$(PY) benchmarks/closed_loop.py --days $(or $(N),90)

# The SendGrid Event Webhook receiver (needs SENDGRID_WEBHOOK_PUBLIC_KEY).
webhook: install
	$(PY) -m orchestration.cli webhook --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8025)

# The collections cockpit (cockpit/README.md): python -m cockpit passes Streamlit's flags (telemetry off).
cockpit: install
	$(PY) -m cockpit --address $(or $(HOST),127.0.0.1) --port $(or $(PORT),8501)

# The customer portal the e-mails link to (RELANCE_PORTAL_SECRET signs the links, RELANCE_PORTAL_URL is its address).
portal: install
	$(PY) -m portal --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8030)

dagster-dev: install dbt-manifest
	DAGSTER_HOME="$$($(PY) -m orchestration.settings dagster-home)" $(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# dbt's documentation (models by group and owner, lineage to the exposures) as one page that
# opens from disk, with the warehouse's columns: $RELANCE_HOME/dbt_docs/static_index.html
dbt-docs: install
	home="$$($(PY) -m orchestration.settings home)" && mkdir -p "$$home" && \
	$(VENV)/bin/dbt docs generate --static --project-dir dbt_project --profiles-dir dbt_project --target-path "$$home/dbt_docs"

mlflow-ui: install
	$(VENV)/bin/mlflow ui --backend-store-uri "$$($(PY) -m orchestration.settings tracking-uri)" --host 127.0.0.1 --port 5000 --workers 1

bench: install
	$(PY) benchmarks/ingest.py $(ARGS)

clean:
	rm -rf .relance
